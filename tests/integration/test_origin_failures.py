"""Origins that fail or misbehave, through the real binary: a request is
never sent twice to an origin that hangs, timeouts answer Cloudflare's 522 /
524 at the zone's configured limits, and every malformed answer (bytes after
the body, a bad chunk, a status outside 100-599, an invalid header ...) is a
502 (or a cut connection once the answer has started), ends that origin
connection and stores nothing."""
import http.client
import os
import socket
import subprocess
import tempfile
import time
import unittest

from harness import VERGE, request, serve_config, wait_for_log
from hostile_origin import HostileOrigin


def zone_config(origin_url, name="hostile", host="hostile.test", extra=""):
    return """
[[zones]]
name = "%s"
hosts = ["%s"]
origin = "%s"
connect_timeout_ms = 1000
response_timeout_ms = 1500
body_timeout_ms = 1000
%s
""" % (name, host, origin_url, extra)


class OriginFailuresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = HostileOrigin()
        cls.tmp = tempfile.mkdtemp()
        # One thread: sequential requests share that thread's idle origin
        # connections, so "reused" is deterministic.
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 1
""" + zone_config(cls.origin.base) + zone_config("http://nowhere.invalid", "unresolvable", "dns.test"), cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def get(self, path, timeout=30, headers=None):
        return request(self.v.port, "GET", path, host="hostile.test", timeout=timeout, headers=headers)

    # --- timeouts and retries ---

    def fresh_node(self):
        """A node and an origin of their own, so that which connection is
        reused does not depend on other tests."""
        origin = HostileOrigin()
        v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 1\n' + zone_config(origin.base),
                         tempfile.mkdtemp())
        self.addCleanup(origin.close)
        self.addCleanup(v.stop)
        return v, origin

    def test_hang_on_a_reused_connection_is_sent_once_and_answers_524(self):
        v, origin = self.fresh_node()
        status, _, body = request(v.port, "GET", "/hang-reused", host="hostile.test")
        self.assertEqual((status, body), (200, b"first on this connection"))
        status, headers, body = request(v.port, "GET", "/hang-reused", host="hostile.test")
        self.assertEqual(status, 524, body)
        self.assertIn(b"A timeout occurred", body)
        seen = origin.seen("/hang-reused")
        self.assertEqual(len(seen), 2, "the request that hung must not be sent again")
        self.assertEqual(seen[0]["conn"], seen[1]["conn"], "the second request went on the reused connection")
        self.assertEqual(seen[1]["seq"], 2)
        self.assertTrue(wait_for_log(v, "response timeout"), v.stderr())

    def test_hang_answers_524_and_is_sent_once(self):
        status, _, body = self.get("/hang?once")
        self.assertEqual(status, 524, body)
        self.assertEqual(len([r for r in self.origin.seen("/hang") if r["target"] == "/hang?once"]), 1)

    def test_origin_closing_a_reused_connection_at_once_is_retried_on_a_fresh_one(self):
        v, origin = self.fresh_node()
        status, _, body = request(v.port, "GET", "/close-reused", host="hostile.test")
        self.assertEqual(status, 200)
        status, _, body = request(v.port, "GET", "/close-reused", host="hostile.test")
        self.assertEqual((status, body), (200, b"answered on a fresh connection"))
        seen = origin.seen("/close-reused")
        # The first answer, the request the origin dropped unanswered on the
        # reused connection, and its repetition on a new connection.
        self.assertEqual(len(seen), 3)
        self.assertEqual(seen[1]["conn"], seen[0]["conn"])
        self.assertEqual(seen[1]["seq"], 2)
        self.assertNotEqual(seen[2]["conn"], seen[1]["conn"])

    def test_connect_timeout_answers_522(self):
        # A listener whose accept queue is full: the kernel drops further
        # SYNs, so a connect neither succeeds nor is refused.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                fillers.append(s)
            time.sleep(0.2)
            probe = socket.socket()
            probe.settimeout(0.5)
            try:
                probe.connect(("127.0.0.1", port))
                self.skipTest("this kernel accepts connections beyond a full backlog")
            except socket.timeout:
                pass
            finally:
                probe.close()
            tmp = tempfile.mkdtemp()
            v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 1\n' +
                             zone_config("http://127.0.0.1:%d" % port), tmp)
            try:
                status, _, body = request(v.port, "GET", "/", host="hostile.test", timeout=30)
                self.assertEqual(status, 522, body)
                self.assertIn(b"Connection timed out", body)
                self.assertTrue(wait_for_log(v, "connect timeout"), v.stderr())
            finally:
                v.stop()
        finally:
            for s in fillers:
                s.close()
            listener.close()

    def test_unresolvable_origin_answers_523(self):
        status, _, body = request(self.v.port, "GET", "/", host="dns.test")
        self.assertEqual(status, 523, body)

    def test_a_body_that_stalls_is_cut_and_not_stored(self):
        for attempt in range(2):
            conn = http.client.HTTPConnection("127.0.0.1", self.v.port, timeout=30)
            conn.request("GET", "/stall-body", headers={"Host": "hostile.test"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            with self.assertRaises(http.client.IncompleteRead):
                resp.read()
            conn.close()
        self.assertEqual(self.origin.count("/stall-body"), 2, "a cut body must not be stored")

    # --- malformed answers ---

    def assertMalformed(self, path):
        for attempt in range(2):
            status, headers, body = self.get(path)
            self.assertEqual(status, 502, (path, body))
            self.assertNotIn(b"poisoned", body)
        self.assertEqual(self.origin.count(path), 2, "%s: nothing may be stored" % path)
        # The connection that carried it is gone; the next request is clean.
        status, _, body = self.get("/nostore")
        self.assertEqual((status, body), (200, b"fresh"), path)

    def test_bytes_after_a_content_length_body_are_a_502(self):
        self.assertMalformed("/stray")
        # The "poisoned" response the origin smuggled after the body was never
        # taken as the answer to a later request.
        for _ in range(3):
            self.assertEqual(self.get("/ok")[2], b"ok")

    def test_bytes_after_a_body_that_followed_the_head_cut_the_client_and_store_nothing(self):
        for attempt in range(2):
            # The head was handed on before the body came, so the client is
            # cut (before or after the head reached it, depending on when
            # the server flushes it); the last bytes are withheld, so the
            # body never completes.
            conn = http.client.HTTPConnection("127.0.0.1", self.v.port, timeout=30)
            conn.request("GET", "/stray-after-head", headers={"Host": "hostile.test"})
            with self.assertRaises((http.client.IncompleteRead, http.client.RemoteDisconnected)):
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                resp.read()
            conn.close()
        self.assertEqual(self.origin.count("/stray-after-head"), 2, "nothing may be stored")
        for _ in range(3):
            self.assertEqual(self.get("/ok")[2], b"ok")

    def test_bytes_arriving_after_the_response_never_answer_the_next_request(self):
        status, _, body = self.get("/stray-late")
        self.assertEqual((status, body), (200, b"first"))
        time.sleep(0.5)  # the late bytes arrive while the connection is idle
        for _ in range(3):
            status, _, body = self.get("/nostore")
            self.assertEqual((status, body), (200, b"fresh"))

    def test_a_malformed_chunk_is_a_502(self):
        self.assertMalformed("/bad-chunk")

    def test_a_status_outside_100_599_is_a_502(self):
        self.assertMalformed("/status-999")
        self.assertMalformed("/status-42")

    def test_an_invalid_header_is_a_502(self):
        self.assertMalformed("/bad-header")
        self.assertMalformed("/bad-header-value")

    def test_transfer_encoding_with_content_length_is_a_502(self):
        self.assertMalformed("/te-and-cl")

    def test_endless_interim_responses_are_a_502(self):
        self.assertMalformed("/interim-flood")

    def test_a_body_cut_short_cuts_the_client_and_is_not_stored(self):
        for attempt in range(2):
            conn = http.client.HTTPConnection("127.0.0.1", self.v.port, timeout=30)
            conn.request("GET", "/close-mid-body", headers={"Host": "hostile.test"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            with self.assertRaises(http.client.IncompleteRead):
                resp.read()
            conn.close()
        self.assertEqual(self.origin.count("/close-mid-body"), 2)

    def test_the_node_keeps_serving(self):
        self.assertEqual(self.get("/ok")[:3:2], (200, b"ok"))
        self.assertIsNone(self.v.proc.poll())


class OriginTimeoutConfigTest(unittest.TestCase):
    def test_bad_timeouts_stop_the_node_at_start_up(self):
        tmp = tempfile.mkdtemp()
        for key, value in (("connect_timeout_ms", "0"), ("response_timeout_ms", "-5"),
                           ("body_timeout_ms", '"10s"'), ("response_timeout_ms", "1.5")):
            path = os.path.join(tmp, "node.toml")
            with open(path, "w") as f:
                f.write('[server]\nlisten = "127.0.0.1:0"\ndata_dir = "%s"\n[[zones]]\nhosts = ["a.test"]\n'
                        'origin = "http://127.0.0.1:9"\n%s = %s\n' % (os.path.join(tmp, "data"), key, value))
            out = subprocess.run([VERGE, "serve", "--config", path], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(out.returncode, 0, (key, value))
            self.assertIn("zones[0].%s" % key, out.stderr)
            self.assertIn("milliseconds", out.stderr)


if __name__ == "__main__":
    unittest.main()
