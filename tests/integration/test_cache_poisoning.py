"""A corpus of web-cache-poisoning techniques (PortSwigger's "Practical Web
Cache Poisoning" and "Web Cache Entanglement") sent through the real binary
to an origin that reflects everything a trusting framework would: each is
shown harmless, because a normal client afterwards never gets the poisoned
content.

The rule verge follows: nothing a client sends that is not in the cache key
may change what the origin returns for storage. Rewriting headers are not
forwarded, the Host is normalised one way for the key and the origin, a
non-default port is part of the key, a GET with a body is refused, and the
origin gets exactly the query the key holds."""
import json
import socket
import tempfile
import unittest

from harness import raw, request, serve_config
from hostile_origin import HostileOrigin

EVIL = "evil.example"


def reflected(body):
    """The origin's reflection (see HostileOrigin.effective) in a body."""
    return json.loads(body.split(b"\n")[1])


class CachePoisoningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = HostileOrigin()
        cls.tmp = tempfile.mkdtemp()
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
[[zones]]
name = "site"
hosts = ["poison.test"]
origin = "%(o)s"
[[zones]]
name = "sorted"
hosts = ["sorted.test"]
origin = "%(o)s"
[[zones.cache_rules]]
cache_key = { sort_query = true }
[[zones]]
name = "noquery"
hosts = ["noquery.test"]
origin = "%(o)s"
[[zones.cache_rules]]
cache_key = { ignore_query = true }
""" % {"o": cls.origin.base}, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def get(self, path, headers=None, host="poison.test", method="GET", body=None):
        return request(self.v.port, method, path, host=host, headers=headers, body=body)

    def assertClean(self, path, host="poison.test", expected_host=None):
        """A normal client's view of `path`: nothing of the attack in it,
        served from the cache (so the check covers what was stored)."""
        expected_host = expected_host or host
        for _ in range(2):
            status, headers, body = self.get(path, host=host)
            self.assertIn(status, (200, 301), body)
            self.assertNotIn(EVIL.encode(), body)
            self.assertNotIn(b"/admin", body)
            location = headers.get("location", "")
            self.assertEqual(location, "http://%s%s" % (expected_host, path))
            e = reflected(body)
            self.assertEqual((e["method"], e["scheme"], e["host"]), ("GET", "http", expected_host))
            self.assertEqual(e["client"].split(",")[-1].strip(), "127.0.0.1")
        self.assertEqual(headers["cf-cache-status"], "HIT")

    def assertNeverForwarded(self, header, attack):
        for req in self.origin.requests:
            for name, value in req["headers"]:
                if name.lower() == header.lower():
                    # Only verge's own value (X-Forwarded-Proto, CF-Connecting-IP).
                    self.assertNotIn(attack, value, (header, req["target"]))

    # --- unkeyed headers ---

    UNKEYED = [
        ("X-Forwarded-Host", EVIL),
        ("X-Forwarded-Host", EVIL + ":443"),
        ("X-Forwarded-Server", EVIL),
        ("X-Forwarded-Port", "6666"),
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Scheme", "nothttp"),
        ("X-Forwarded-SSL", "on"),
        ("X-Forwarded-Prefix", "/" + EVIL),
        ("Forwarded", "for=6.6.6.6;host=%s;proto=https" % EVIL),
        ("X-Host", EVIL),
        ("X-Original-Host", EVIL),
        ("X-HTTP-Host-Override", EVIL),
        ("X-Original-URL", "/admin"),
        ("X-Rewrite-URL", "/admin"),
        ("X-Envoy-Original-Path", "/admin"),
        ("X-HTTP-Method-Override", "DELETE"),
        ("X-HTTP-Method", "PUT"),
        ("X-Method-Override", "POST"),
        ("X-Real-IP", "6.6.6.6"),
        ("True-Client-IP", "6.6.6.6"),
        ("CF-Connecting-IP", "6.6.6.6"),
        ("CF-IPCountry", "XX-" + EVIL),
        ("Front-End-Https", "on"),
    ]

    def test_unkeyed_rewrite_headers_cannot_poison(self):
        for i, (name, value) in enumerate(self.UNKEYED):
            with self.subTest(header=name, value=value):
                for kind in ("reflect", "redirect"):
                    path = "/%s?unkeyed=%d" % (kind, i)
                    status, headers, body = self.get(path, headers={name: value})
                    # Even the attacker's own answer is clean: the origin
                    # never saw the header.
                    self.assertNotIn(EVIL.encode(), body)
                    self.assertNotIn(EVIL, headers.get("location", ""))
                    self.assertClean(path)
                self.assertNeverForwarded(name, value)

    def test_forwarded_for_is_appended_to_not_replaced(self):
        self.get("/reflect?xff", headers={"X-Forwarded-For": "6.6.6.6"})
        sent = dict((k.lower(), v) for k, v in self.origin.seen("/reflect")[-1]["headers"])
        self.assertEqual(sent["x-forwarded-for"], "6.6.6.6, 127.0.0.1")
        self.assertEqual(sent["cf-connecting-ip"], "127.0.0.1")
        self.assertEqual(sent["x-forwarded-proto"], "http")

    def test_connection_cannot_strip_the_host_or_forwarding_headers(self):
        path = "/redirect?connection"
        self.get(path, headers={"Connection": "close, Host, X-Forwarded-For, CF-Connecting-IP"})
        self.assertClean(path)

    # --- Host and port tricks ---

    def test_a_non_default_port_is_part_of_the_key(self):
        path = "/redirect?port"
        status, headers, body = self.get(path, host="poison.test:6666")
        # The attacker gets (and the cache keeps) the answer for the host
        # with that port, under a key of its own.
        self.assertEqual(headers["location"], "http://poison.test:6666" + path)
        self.assertClean(path)
        status, headers, _ = self.get(path, host="poison.test:6666")
        self.assertEqual((headers["location"], headers["cf-cache-status"]), ("http://poison.test:6666" + path, "HIT"))

    def test_host_spellings_are_one_normal_form(self):
        path = "/redirect?spelling"
        for host in ("POISON.Test", "poison.test.", "poison.test:80", "poison.test:0080", "PoIsOn.TeSt.:80"):
            status, headers, body = self.get(path, host=host)
            self.assertEqual(headers["location"], "http://poison.test" + path, host)
        self.assertClean(path)
        # One object for all of them: the origin answered once.
        self.assertEqual(len([r for r in self.origin.seen("/redirect") if r["target"] == path]), 1)
        for req in self.origin.seen("/redirect"):
            if req["target"] == path:
                self.assertEqual(dict((k.lower(), v) for k, v in req["headers"])["host"], "poison.test")

    def test_an_invalid_host_is_refused(self):
        for host in ("poison.test:abc", "poison.test:99999", "poison.test:0"):
            status, _, _ = self.get("/redirect?badhost", host=host)
            self.assertEqual(status, 400, host)
        self.assertEqual(len([r for r in self.origin.seen("/redirect") if r["target"] == "/redirect?badhost"]), 0)

    def test_absolute_form_target_wins_over_host(self):
        # RFC 9112 §3.2.2: the target's authority replaces Host, for routing,
        # the key and the origin alike.
        out = raw(self.v.port, b"GET http://" + EVIL.encode() + b"/redirect?abs HTTP/1.1\r\n"
                  b"Host: poison.test\r\nConnection: close\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 404"), out[:100])  # no zone for evil.example
        out = raw(self.v.port, b"GET http://poison.test:6666/redirect?abs HTTP/1.1\r\n"
                  b"Host: poison.test\r\nConnection: close\r\n\r\n")
        self.assertIn(b"location: http://poison.test:6666/redirect?abs", out.lower())
        self.assertClean("/redirect?abs")

    def test_a_second_host_header_changes_nothing(self):
        path = "/redirect?twohosts"
        raw(self.v.port, ("GET %s HTTP/1.1\r\nHost: poison.test\r\nHost: %s\r\nConnection: close\r\n\r\n"
                          % (path, EVIL)).encode())
        self.assertClean(path)

    # --- fat GET ---

    def test_a_get_with_a_body_is_refused(self):
        path = "/reflect?fat"
        status, _, body = self.get(path, body=b"fat=" + EVIL.encode(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400, body)
        self.assertIn(b"must not have a body", body)
        out = raw(self.v.port, ("GET %s HTTP/1.1\r\nHost: poison.test\r\nTransfer-Encoding: chunked\r\n"
                                "Connection: close\r\n\r\n10\r\nfat=evil.example\r\n0\r\n\r\n" % path).encode())
        self.assertTrue(out.startswith(b"HTTP/1.1 400"), out[:100])
        self.assertEqual(len([r for r in self.origin.seen("/reflect") if r["target"] == path]), 0)
        self.assertClean(path)
        self.assertEqual(reflected(self.get(path)[2])["params"], {"fat": ""})  # the query's, nothing else
        # An empty body is no body.
        status, _, _ = self.get("/reflect?fat-empty", headers={"Content-Length": "0"})
        self.assertEqual(status, 200)
        status, _, _ = self.get("/reflect?fat-head", method="HEAD", body=b"x=1")
        self.assertEqual(status, 400)

    # --- parameter cloaking and query handling ---

    def test_parameter_cloaking_gets_a_key_of_its_own(self):
        self.assertEqual(reflected(self.get("/reflect?q=good")[2])["params"]["q"], "good")
        for attack in ("/reflect?q=good;q=" + EVIL, "/reflect?q=good&q=" + EVIL,
                       "/reflect?q=good%26q=" + EVIL, "/reflect?q=good&utm_content=x;q=" + EVIL):
            self.get(attack)
            self.assertEqual(self.origin.seen("/reflect")[-1]["target"], attack, "the origin sees the key's query")
            _, headers, body = self.get("/reflect?q=good")
            self.assertEqual((headers["cf-cache-status"], reflected(body)["params"]["q"]), ("HIT", "good"))

    def test_sorted_query_is_what_the_origin_sees(self):
        normal = "/reflect?a=1&q=good"
        self.get(normal, host="sorted.test")
        for attack in ("/reflect?q=good&a=1;q=" + EVIL, "/reflect?q=good&a=1&q=" + EVIL,
                       "/reflect?a=1;q=%s&q=good" % EVIL):
            self.get(attack, host="sorted.test")
            sent = self.origin.seen("/reflect")[-1]["target"]
            # The origin gets the sorted query, byte for byte what the key holds.
            params = sent.split("?")[1].split("&")
            self.assertEqual(params, sorted(params, key=lambda p: p.split("=")[0]), sent)
            _, headers, body = self.get("/reflect?q=good&a=1", host="sorted.test")
            self.assertEqual(headers["cf-cache-status"], "HIT")
            self.assertEqual(reflected(body)["params"], {"a": "1", "q": "good"})

    def test_an_ignored_query_never_reaches_the_origin(self):
        self.get("/reflect?q=" + EVIL, host="noquery.test")
        self.assertEqual(self.origin.seen("/reflect")[-1]["target"], "/reflect")
        for path in ("/reflect", "/reflect?q=good"):
            _, headers, body = self.get(path, host="noquery.test")
            self.assertEqual(headers["cf-cache-status"], "HIT")
            self.assertNotIn(EVIL.encode(), body)
            self.assertEqual(reflected(body)["params"], {})

    # --- Vary abuse ---

    def test_a_variant_flood_does_not_evict_the_popular_variant(self):
        popular = {"X-Variant": "popular", "Accept-Encoding": "gzip"}
        self.assertEqual(self.get("/vary-flood", headers=popular)[1]["cf-cache-status"], "MISS")
        self.assertEqual(self.get("/vary-flood", headers=popular)[1]["cf-cache-status"], "HIT")
        for i in range(80):  # well over the 32 variants a URL may have
            self.get("/vary-flood", headers={"X-Variant": "junk%d" % i, "Accept-Encoding": "gzip"})
        status, headers, body = self.get("/vary-flood", headers=popular)
        self.assertEqual((headers["cf-cache-status"], body), ("HIT", b"variant=popular encoding=gzip"))

    def test_accept_encoding_spellings_are_one_variant(self):
        spellings = ["gzip", "GZIP", "gzip, deflate", "deflate, gzip;q=0.5", "gzip, junk-%d",
                     "x-gzip, sdch", "gzip;q=1.0, identity;q=0.1", "compress, gzip ;q=0.3"]
        for i, spelling in enumerate(spellings * 4):
            status, headers, body = self.get("/vary-ae", headers={"Accept-Encoding": spelling.replace("%d", str(i))})
            self.assertEqual(body, b"variant= encoding=gzip")
        self.assertEqual(self.origin.count("/vary-ae"), 1)
        # What no cached coding matters for is identity: no header at all.
        self.get("/vary-ae", headers={"Accept-Encoding": "deflate, junk"})
        self.assertEqual(self.origin.count("/vary-ae"), 2)
        sent = dict((k.lower(), v) for k, v in self.origin.seen("/vary-ae")[-1]["headers"])
        self.assertNotIn("accept-encoding", sent)


if __name__ == "__main__":
    unittest.main()
