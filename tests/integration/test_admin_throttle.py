"""The admin API throttles wrong tokens per client address: after five, the
address gets 429 with Retry-After (Cloudflare's error 971) for a lockout
that doubles with every further failure; the right token from that address
waits too, other addresses do not."""
import http.client
import json
import shutil
import tempfile
import time
import unittest

from harness import Origin
from test_purge import TOKEN, node_config, run_verge, start

ZONES = "/client/v4/zones"


class AdminThrottleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin({"/": lambda r: (200, {}, b"ok")})
        cls.tmp = tempfile.mkdtemp()
        cls.v, cls.config = start(cls.tmp, node_config(cls.origin))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, token, source="127.0.0.1"):
        """GET /client/v4/zones from `source` (any 127.x address reaches the
        loopback listener, and the node sees it as the client's address)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.v.admin_port, timeout=30,
                                          source_address=(source, 0))
        conn.request("GET", ZONES, headers={"Authorization": "Bearer " + token})
        resp = conn.getresponse()
        body = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, headers, json.loads(body)

    def test_wrong_tokens_lock_out_the_address(self):
        # Five wrong guesses, of any length, are answered 403; the fifth says
        # the address is now locked out.
        for guess in ["x", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "y" * 200]:
            status, _, body = self.get(guess)
            self.assertEqual(status, 403, guess)
            self.assertEqual(body["errors"][0]["code"], 10000)
        self.assertIn("locked out for 2 s", body["errors"][0]["message"])

        # The sixth is not looked at: 429, Retry-After, Cloudflare's envelope.
        status, headers, body = self.get("another-guess")
        self.assertEqual(status, 429)
        self.assertIn(headers.get("retry-after"), ("1", "2"))
        self.assertEqual(body["success"], False)
        self.assertEqual(body["errors"][0]["code"], 971)
        self.assertIn("try again in", body["errors"][0]["message"])
        self.assertEqual(headers["content-type"], "application/json")

        # The right token from the locked-out address waits as well, through
        # the API and through `verge purge`.
        status, headers, body = self.get(TOKEN)
        self.assertEqual(status, 429)
        retry_after = int(headers["retry-after"])
        code, out, err = run_verge("purge", "--admin", "http://127.0.0.1:%d" % self.v.admin_port,
                                   "--zone", "site", "--token", TOKEN, "--everything")
        self.assertEqual(code, 1, err)
        self.assertIn("971", err)

        # Another address is not affected, right or wrong.
        self.assertEqual(self.get(TOKEN, source="127.0.0.2")[0], 200)
        self.assertEqual(self.get("wrong", source="127.0.0.2")[0], 403)
        self.assertEqual(self.get(TOKEN, source="127.0.0.2")[0], 200)

        # Once Retry-After has passed the right token works, and the success
        # forgets the failures: the next wrong token is a first one again.
        time.sleep(retry_after + 0.1)
        status, _, body = self.get(TOKEN)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"][0]["name"], "site")
        status, _, body = self.get("wrong-again")
        self.assertEqual(status, 403)
        self.assertNotIn("locked out", body["errors"][0]["message"])
        self.assertEqual(self.get(TOKEN)[0], 200)

        # Each lockout is in the access log.
        self.assertIn("admin auth locked out", self.v.stdout())


if __name__ == "__main__":
    unittest.main()
