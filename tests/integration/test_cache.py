"""The edge cache in front of a zone's origin: RFC 9111 freshness and
storability, CDN-Cache-Control, cf-cache-status, Vary, revalidation,
stale-while-revalidate / stale-if-error, ranges, conditionals, invalidation
and coalescing, through the real binary."""
import email.utils
import tempfile
import time
import unittest

from harness import Origin, raw, request, serve_config


def hdr(req, name):
    """A request header the origin received, case-insensitively ("" if absent)."""
    for k, v in req["headers"].items():
        if k.lower() == name:
            return v
    return ""


def http_date(offset=0):
    return email.utils.formatdate(time.time() + offset, usegmt=True)


class CacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cc = lambda value: (lambda r: (200, {"cache-control": value, "x-n": str(cls.count(r["path"]))},
                                       b"body of " + r["path"].encode()))
        cls.origin = Origin({
            "/fresh": cc("max-age=60"),
            "/short": cc("max-age=1"),
            "/nostore": cc("no-store"),
            "/private": cc("private, max-age=60"),
            "/smaxage": cc("max-age=0, s-maxage=60"),
            "/auth": cc("max-age=60"),
            "/auth-public": cc("public, max-age=60"),
            "/nofresh": lambda r: (200, {}, b"no freshness"),
            "/vary": lambda r: (200, {"cache-control": "max-age=60", "vary": "accept-encoding"},
                                b"varies " + hdr(r, "accept-encoding").encode()),
            "/vary-star": lambda r: (200, {"cache-control": "max-age=60", "vary": "*"}, b"star"),
            "/cdn": lambda r: (200, {"cache-control": "no-store", "cdn-cache-control": "max-age=60"}, b"cdn only"),
            "/lastmod": lambda r: (200, {"last-modified": http_date(-36000), "date": http_date()}, b"heuristic"),
            "/big": lambda r: (200, {"cache-control": "max-age=60"}, b"x" * (9 * 1024 * 1024)),
            "/item": cc("max-age=60"),
            "/reval": cc("max-age=60"),
            "/head": cc("max-age=60"),
            "/cookie": lambda r: (200, {"cache-control": "max-age=60", "set-cookie": "session=secret"}, b"mine"),
        })
        cls.tmp = tempfile.mkdtemp()
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
[[zones]]
name = "site"
hosts = ["cache.test"]
origin = "%s"
""" % cls.origin.base, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    @classmethod
    def count(cls, path):
        return len([r for r in cls.origin.requests if r["path"] == path])

    def get(self, path, method="GET", headers=None, body=None):
        return request(self.v.port, method, path, host="cache.test", headers=headers, body=body)

    def statuses(self, path, n=2, headers=None):
        return [self.get(path, headers=headers)[1]["cf-cache-status"] for _ in range(n)]

    def test_miss_then_hit_with_age(self):
        s1, h1, b1 = self.get("/fresh")
        s2, h2, b2 = self.get("/fresh")
        self.assertEqual((h1["cf-cache-status"], h2["cf-cache-status"]), ("MISS", "HIT"))
        self.assertEqual(b1, b2)
        self.assertEqual(self.count("/fresh"), 1)
        self.assertIn("age", h2)
        self.assertGreaterEqual(int(h2["age"]), 0)
        self.assertEqual(h2["content-length"], str(len(b2)))

    def test_expired_after_max_age(self):
        self.assertEqual(self.statuses("/short"), ["MISS", "HIT"])
        time.sleep(2.2)
        self.assertEqual(self.get("/short")[1]["cf-cache-status"], "EXPIRED")
        self.assertEqual(self.count("/short"), 2)

    def test_no_store_and_private_bypass(self):
        self.assertEqual(self.statuses("/nostore"), ["BYPASS", "BYPASS"])
        self.assertEqual(self.statuses("/private"), ["BYPASS", "BYPASS"])
        self.assertEqual((self.count("/nostore"), self.count("/private")), (2, 2))

    def test_responses_setting_cookies_are_not_stored(self):
        self.assertEqual(self.statuses("/cookie"), ["BYPASS", "BYPASS"])
        self.assertEqual(self.count("/cookie"), 2)

    def test_s_maxage_wins_for_the_shared_cache(self):
        self.assertEqual(self.statuses("/smaxage"), ["MISS", "HIT"])

    def test_no_freshness_information_is_dynamic(self):
        self.assertEqual(self.statuses("/nofresh"), ["DYNAMIC", "DYNAMIC"])

    def test_vary_keeps_one_variant_per_request_header_value(self):
        gz = {"Accept-Encoding": "gzip"}
        br = {"Accept-Encoding": "br"}
        self.assertEqual(self.statuses("/vary", headers=gz), ["MISS", "HIT"])
        self.assertEqual(self.statuses("/vary", headers=br), ["MISS", "HIT"])
        # Whitespace differences around commas are the same value (§4.1).
        self.assertEqual(self.statuses("/vary", headers={"Accept-Encoding": "gzip ,  br"}, n=1), ["MISS"])
        self.assertEqual(self.statuses("/vary", headers={"Accept-Encoding": "gzip,br"}, n=1), ["HIT"])
        self.assertEqual(self.count("/vary"), 3)

    def test_vary_star_is_never_reused(self):
        self.assertEqual(self.statuses("/vary-star"), ["DYNAMIC", "DYNAMIC"])

    def test_cdn_cache_control_takes_precedence_and_is_not_forwarded(self):
        _, h1, _ = self.get("/cdn")
        _, h2, body = self.get("/cdn")
        self.assertEqual((h1["cf-cache-status"], h2["cf-cache-status"]), ("MISS", "HIT"))
        self.assertEqual(h2["cache-control"], "no-store")  # the browser still gets it
        self.assertNotIn("cdn-cache-control", h1)
        self.assertNotIn("cdn-cache-control", h2)
        self.assertEqual(self.count("/cdn"), 1)

    def test_heuristic_freshness_from_last_modified(self):
        self.assertEqual(self.statuses("/lastmod"), ["MISS", "HIT"])

    def test_authorization_needs_public(self):
        auth = {"Authorization": "Bearer x"}
        self.assertEqual(self.statuses("/auth", headers=auth), ["BYPASS", "BYPASS"])
        self.assertEqual(self.statuses("/auth-public", headers=auth), ["MISS", "HIT"])

    def test_unsafe_method_invalidates(self):
        self.assertEqual(self.statuses("/item"), ["MISS", "HIT"])
        status, headers, _ = self.get("/item", method="POST", body=b"change")
        self.assertEqual(headers["cf-cache-status"], "DYNAMIC")
        self.assertEqual(self.get("/item")[1]["cf-cache-status"], "MISS")

    def test_head_is_served_from_a_stored_get(self):
        self.get("/head")
        out = raw(self.v.port, b"HEAD /head HTTP/1.1\r\nHost: cache.test\r\nConnection: close\r\n\r\n")
        self.assertIn(b"cf-cache-status: HIT", out)
        self.assertTrue(out.endswith(b"\r\n\r\n"))

    def test_request_no_cache_goes_to_the_origin(self):
        self.get("/reval")
        before = self.count("/reval")
        self.assertEqual(self.get("/reval", headers={"Cache-Control": "no-cache"})[1]["cf-cache-status"], "EXPIRED")
        self.assertEqual(self.count("/reval"), before + 1)

    def test_only_if_cached_miss_is_504(self):
        status, headers, _ = self.get("/never-fetched", headers={"Cache-Control": "only-if-cached"})
        self.assertEqual(status, 504)

    def test_large_objects_are_stored_on_disk_and_served_whole(self):
        s1, h1, b1 = self.get("/big")
        s2, h2, b2 = self.get("/big")
        self.assertEqual((len(b1), len(b2)), (9 * 1024 * 1024, 9 * 1024 * 1024))
        self.assertEqual((h1["cf-cache-status"], h2["cf-cache-status"]), ("MISS", "HIT"))
        self.assertEqual(b1, b2)
        self.assertEqual(self.count("/big"), 1)


if __name__ == "__main__":
    unittest.main()
