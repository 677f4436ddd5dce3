"""The edge cache engine through the real binary: revalidation and 304s,
stale-while-revalidate, stale-if-error, ranges, the client's own
conditionals, invalidation via Location, Cache-Tag, Age, coalescing of
concurrent misses, and zone cache rules."""
import email.utils
import http.client
import os
import signal
import socket
import tempfile
import threading
import time
import unittest

from harness import Origin, read_head, request, serve_config, worker_dir


def hdr(req, name):
    for k, v in req["headers"].items():
        if k.lower() == name:
            return v
    return None


def http_date(offset=0):
    return email.utils.formatdate(time.time() + offset, usegmt=True)


def one_zone(tmp, name, host, origin):
    """verge serve (one thread) with a single zone in front of `origin`."""
    return serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 1
[[zones]]
name = "%s"
hosts = ["%s"]
origin = "%s"
""" % (name, host, origin), tmp)


def raw_origin(reply):
    """A bare TCP origin on a free port: for each connection it reads one
    request head, sends reply() as raw bytes, and closes. Returns the
    listening socket (close it when done) and its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                conn.settimeout(5)
                read_head(conn)
                conn.sendall(reply())
            except OSError:
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


class EngineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = {"flaky": 200, "slow_delay": 1.0, "version": 1}
        cls.origin = Origin({
            "/etag": cls.etag_route,
            "/lastmod": cls.lastmod_route,
            "/swr": lambda r: (200, {"cache-control": "max-age=3, stale-while-revalidate=30"},
                               b"swr v%d" % cls.seen("/swr")),
            "/sie": lambda r: (cls.state["flaky"], {"cache-control": "max-age=1, stale-if-error=60"},
                               b"sie v%d" % cls.seen("/sie")),
            "/mustreval": lambda r: (cls.state["flaky"], {"cache-control": "max-age=1, must-revalidate"},
                                     b"mr v%d" % cls.seen("/mustreval")),
            "/range": lambda r: (200, {"cache-control": "max-age=60", "content-type": "text/plain",
                                       "etag": '"r1"'}, b"0123456789abcdefghij"),
            "/cond": lambda r: (200, {"cache-control": "max-age=60", "etag": '"c1"',
                                      "last-modified": "Mon, 01 Jan 2024 00:00:00 GMT"}, b"conditional"),
            "/tagged": lambda r: (200, {"cache-control": "max-age=60", "cache-tag": "Product-1, sale"}, b"tagged"),
            "/aged": lambda r: (200, {"cache-control": "max-age=1000", "age": "100"}, b"aged"),
            "/slow": cls.slow_route,
            "/posted": lambda r: (201, {"location": "/target", "content-location": "/target2"}, b"created"),
            "/target": lambda r: (200, {"cache-control": "max-age=60"}, b"target"),
            "/target2": lambda r: (200, {"cache-control": "max-age=60"}, b"target2"),
            "/rules/bypass/x": lambda r: (200, {"cache-control": "max-age=60"}, b"bypassed"),
            "/rules/everything/x": lambda r: (200, {}, b"no headers at all"),
            "/rules/missing": lambda r: (404, {}, b"gone"),
            "/rules/browser": lambda r: (200, {"cache-control": "max-age=60"}, b"browser"),
            "/rules/noquery": lambda r: (200, {"cache-control": "max-age=60"}, b"q " + r["path"].encode()),
            "/rules/device": lambda r: (200, {"cache-control": "max-age=60"},
                                        b"device " + (hdr(r, "x-device") or "none").encode()),
            "/rules/default": lambda r: (200, {}, b"default ttl"),
            "/short": lambda r: (200, {"cache-control": "max-age=2"}, b"short"),
            "/long": lambda r: (200, {"cache-control": "max-age=600"}, b"long"),
            "/badexpires": lambda r: (200, {"expires": "not a date"}, b"bad expires"),
            "/nocache-etag": lambda r: ((304, {"etag": '"n1"'}, b"") if hdr(r, "if-none-match") == '"n1"'
                                        else (200, {"cache-control": "no-cache", "etag": '"n1"'}, b"nc body")),
            "/surrogate": lambda r: (200, {"cache-control": "no-store", "surrogate-control": "max-age=60"},
                                     b"surrogate"),
        })
        cls.tmp = tempfile.mkdtemp()
        cls.config = """
[server]
listen = "127.0.0.1:0"
threads = 2
data_dir = "%s"
[[zones]]
name = "site"
hosts = ["engine.test"]
origin = "%s"

[[zones.cache_rules]]
path = "/rules/bypass/*"
cache = "bypass"

[[zones.cache_rules]]
path = "/rules/everything/*"
cache = "everything"
edge_ttl = 60

[[zones.cache_rules]]
path = "/rules/missing"
edge_ttl_by_status = { "404" = 60, "500-599" = -1 }

[[zones.cache_rules]]
path = "/rules/browser"
browser_ttl = 7

[[zones.cache_rules]]
path = "/rules/noquery"
cache_key = { ignore_query = true }

[[zones.cache_rules]]
path = "/rules/device"
cache_key = { headers = ["X-Device"] }

[[zones.cache_rules]]
path = "/rules/default"
default_ttl = 60
""" % (os.path.join(cls.tmp, "data"), cls.origin.base)
        cls.v = serve_config(cls.config, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    @classmethod
    def seen(cls, path):
        return len([r for r in cls.origin.requests if r["path"].split("?")[0] == path])

    @classmethod
    def etag_route(cls, r):
        if hdr(r, "if-none-match") == '"v1"':
            return 304, {"cache-control": "max-age=1", "x-refreshed": "yes", "etag": '"v1"'}, b""
        return 200, {"cache-control": "max-age=1", "etag": '"v1"', "x-refreshed": "no"}, b"etag body"

    @classmethod
    def lastmod_route(cls, r):
        lm = "Mon, 01 Jan 2024 00:00:00 GMT"
        if hdr(r, "if-modified-since") == lm:
            return 304, {"cache-control": "max-age=1"}, b""
        return 200, {"cache-control": "max-age=1", "last-modified": lm}, b"lastmod body"

    @classmethod
    def slow_route(cls, r):
        time.sleep(cls.state["slow_delay"])
        return 200, {"cache-control": "max-age=60"}, b"s" * 300000

    def get(self, path, method="GET", headers=None, body=None):
        return request(self.v.port, method, path, host="engine.test", headers=headers, body=body)

    def status(self, path, headers=None):
        return self.get(path, headers=headers)[1]["cf-cache-status"]

    # ---- revalidation ----

    def test_expired_with_etag_is_revalidated_with_304(self):
        self.assertEqual(self.status("/etag"), "MISS")
        time.sleep(2.2)
        status, headers, body = self.get("/etag")
        self.assertEqual((status, headers["cf-cache-status"], body), (200, "REVALIDATED", b"etag body"))
        self.assertEqual(headers["x-refreshed"], "yes")  # the 304's fields freshen the stored ones
        last = [r for r in self.origin.requests if r["path"] == "/etag"][-1]
        self.assertEqual(hdr(last, "if-none-match"), '"v1"')
        self.assertEqual(self.status("/etag"), "HIT")  # fresh again for max-age=1

    def test_no_cache_with_a_validator_is_stored_and_revalidated_every_time(self):
        self.assertEqual(self.status("/nocache-etag"), "MISS")
        for _ in range(2):
            _, h, body = self.get("/nocache-etag")
            self.assertEqual((h["cf-cache-status"], body), ("REVALIDATED", b"nc body"))

    def test_expired_with_last_modified_is_revalidated(self):
        self.assertEqual(self.status("/lastmod"), "MISS")
        time.sleep(2.2)
        status, headers, body = self.get("/lastmod")
        self.assertEqual((headers["cf-cache-status"], body), ("REVALIDATED", b"lastmod body"))
        last = [r for r in self.origin.requests if r["path"] == "/lastmod"][-1]
        self.assertEqual(hdr(last, "if-modified-since"), "Mon, 01 Jan 2024 00:00:00 GMT")

    # ---- serving stale ----

    def test_stale_while_revalidate_serves_stale_and_refreshes_once_in_background(self):
        self.assertEqual(self.get("/swr")[2], b"swr v1")
        time.sleep(4.2)
        before = self.seen("/swr")
        _, h, body = self.get("/swr")
        self.assertEqual((h["cf-cache-status"], body), ("UPDATING", b"swr v1"))
        deadline = time.time() + 5
        while self.seen("/swr") == before and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        self.assertEqual(self.seen("/swr"), before + 1)  # one background request
        _, h, body = self.get("/swr")
        self.assertEqual((h["cf-cache-status"], body), ("HIT", b"swr v2"))

    def test_stale_if_error_serves_stale_when_origin_fails(self):
        self.assertEqual(self.get("/sie")[2], b"sie v1")
        time.sleep(2.2)
        self.state["flaky"] = 503
        try:
            status, h, body = self.get("/sie")
            self.assertEqual((status, h["cf-cache-status"], body), (200, "STALE", b"sie v1"))
        finally:
            self.state["flaky"] = 200
        status, h, body = self.get("/sie")
        self.assertEqual((status, h["cf-cache-status"]), (200, "EXPIRED"))

    def test_must_revalidate_never_serves_stale(self):
        self.get("/mustreval")
        time.sleep(2.2)
        self.state["flaky"] = 503
        try:
            status, h, _ = self.get("/mustreval")
            self.assertEqual(status, 503)
        finally:
            self.state["flaky"] = 200

    def test_request_max_stale_accepts_stale(self):
        self.get("/short?ms")
        time.sleep(3.2)
        _, h, _ = self.get("/short?ms", headers={"Cache-Control": "max-stale=60"})
        self.assertEqual(h["cf-cache-status"], "STALE")

    def test_request_min_fresh_and_pragma_go_to_the_origin(self):
        self.get("/long?mf")
        self.assertEqual(self.status("/long?mf", {"Cache-Control": "min-fresh=6000"}), "EXPIRED")
        self.assertEqual(self.status("/long?mf", {"Pragma": "no-cache"}), "EXPIRED")
        self.assertEqual(self.status("/long?mf"), "HIT")

    def test_request_no_store_is_not_stored(self):
        self.assertEqual(self.status("/long?ns", {"Cache-Control": "no-store"}), "BYPASS")
        self.assertEqual(self.status("/long?ns"), "MISS")

    def test_invalid_expires_means_already_stale(self):
        self.assertEqual([self.status("/badexpires") for _ in range(2)], ["MISS", "EXPIRED"])

    def test_surrogate_control_takes_precedence_and_is_stripped(self):
        _, h1, _ = self.get("/surrogate")
        _, h2, _ = self.get("/surrogate")
        self.assertEqual((h1["cf-cache-status"], h2["cf-cache-status"]), ("MISS", "HIT"))
        self.assertNotIn("surrogate-control", h2)
        self.assertEqual(h2["cache-control"], "no-store")

    def test_head_miss_fills_the_cache(self):
        status, h, body = self.get("/long?head", method="HEAD")
        self.assertEqual((status, body, h["cf-cache-status"]), (200, b"", "MISS"))
        self.assertEqual(h["content-length"], "4")
        # The GET is served from what the HEAD fetched (still arriving, or
        # stored): the origin saw one request.
        status, h, body = self.get("/long?head")
        self.assertEqual((status, body), (200, b"long"))
        self.assertEqual(len([r for r in self.origin.requests if r["path"] == "/long?head"]), 1)

    # ---- ranges and conditionals from the cache ----

    def test_single_range_from_stored_response(self):
        self.get("/range")
        status, h, body = self.get("/range", headers={"Range": "bytes=2-5"})
        self.assertEqual((status, body, h["content-range"]), (206, b"2345", "bytes 2-5/20"))
        self.assertEqual(h["cf-cache-status"], "HIT")
        status, h, body = self.get("/range", headers={"Range": "bytes=-3"})
        self.assertEqual((status, body), (206, b"hij"))

    def test_multiple_ranges_are_multipart(self):
        self.get("/range")
        status, h, body = self.get("/range", headers={"Range": "bytes=0-1,10-11"})
        self.assertEqual(status, 206)
        self.assertTrue(h["content-type"].startswith("multipart/byteranges; boundary="))
        boundary = h["content-type"].split("boundary=")[1].encode()
        self.assertIn(b"--" + boundary + b"\r\n", body)
        self.assertIn(b"Content-Range: bytes 0-1/20\r\n\r\n01\r\n", body)
        self.assertIn(b"Content-Range: bytes 10-11/20\r\n\r\nab\r\n", body)
        self.assertTrue(body.endswith(b"--" + boundary + b"--\r\n"))
        self.assertEqual(int(h["content-length"]), len(body))

    def test_unsatisfiable_range_is_416(self):
        self.get("/range")
        status, h, _ = self.get("/range", headers={"Range": "bytes=50-60"})
        self.assertEqual((status, h["content-range"]), (416, "bytes */20"))

    def test_range_on_a_miss_fetches_and_stores_the_whole_response(self):
        status, h, body = self.get("/range?fresh=1", headers={"Range": "bytes=0-2"})
        self.assertEqual((status, body, h["cf-cache-status"]), (206, b"012", "MISS"))
        origin_req = [r for r in self.origin.requests if r["path"] == "/range?fresh=1"][-1]
        self.assertIsNone(hdr(origin_req, "range"))
        status, h, body = self.get("/range?fresh=1")
        self.assertEqual((status, h["cf-cache-status"], body), (200, "HIT", b"0123456789abcdefghij"))

    def test_if_range_mismatch_gives_the_full_response(self):
        self.get("/range")
        status, _, body = self.get("/range", headers={"Range": "bytes=0-1", "If-Range": '"other"'})
        self.assertEqual((status, len(body)), (200, 20))

    def test_client_conditionals_get_304_from_the_cache(self):
        self.get("/cond")
        status, h, body = self.get("/cond", headers={"If-None-Match": '"c1"'})
        self.assertEqual((status, body, h["cf-cache-status"]), (304, b"", "HIT"))
        self.assertEqual(h["etag"], '"c1"')
        status, _, _ = self.get("/cond", headers={"If-Modified-Since": "Tue, 02 Jan 2024 00:00:00 GMT"})
        self.assertEqual(status, 304)
        status, _, body = self.get("/cond", headers={"If-None-Match": '"other"'})
        self.assertEqual((status, body), (200, b"conditional"))

    # ---- headers ----

    def test_cache_tag_is_stripped_from_responses(self):
        _, h1, _ = self.get("/tagged")
        _, h2, _ = self.get("/tagged")
        self.assertEqual(h2["cf-cache-status"], "HIT")
        self.assertNotIn("cache-tag", h1)
        self.assertNotIn("cache-tag", h2)

    def test_age_from_upstream_counts(self):
        self.get("/aged")
        _, h, _ = self.get("/aged")
        self.assertEqual(h["cf-cache-status"], "HIT")
        self.assertGreaterEqual(int(h["age"]), 100)

    # ---- invalidation ----

    def test_unsafe_method_invalidates_location_and_content_location(self):
        for p in ("/target", "/target2"):
            self.get(p)
            self.assertEqual(self.status(p), "HIT")
        status, h, _ = self.get("/posted", method="POST", body=b"x")
        self.assertEqual((status, h["cf-cache-status"]), (201, "DYNAMIC"))
        self.assertEqual(self.status("/target"), "MISS")
        self.assertEqual(self.status("/target2"), "MISS")

    # ---- coalescing ----

    def test_concurrent_misses_make_one_origin_request(self):
        path = "/slow?c=%d" % time.time_ns()
        results = []

        def fetch():
            results.append(self.get(path))

        threads = [threading.Thread(target=fetch) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 10)
        for status, _, body in results:
            self.assertEqual((status, len(body)), (200, 300000))
        self.assertEqual(len([r for r in self.origin.requests if r["path"] == path]), 1)
        self.assertEqual(self.status(path), "HIT")

    # ---- rules ----

    def test_bypass_rule(self):
        self.assertEqual([self.status("/rules/bypass/x") for _ in range(2)], ["DYNAMIC", "DYNAMIC"])

    def test_cache_everything_with_edge_ttl(self):
        self.assertEqual([self.status("/rules/everything/x") for _ in range(2)], ["MISS", "HIT"])

    def test_edge_ttl_by_status(self):
        statuses = [self.get("/rules/missing")[:2] for _ in range(2)]
        self.assertEqual([(s, h["cf-cache-status"]) for s, h in statuses], [(404, "MISS"), (404, "HIT")])

    def test_browser_ttl_replaces_cache_control_for_clients(self):
        _, h, _ = self.get("/rules/browser")
        self.assertEqual(h["cache-control"], "max-age=7")

    def test_cache_key_can_ignore_the_query(self):
        self.assertEqual(self.status("/rules/noquery?a=1"), "MISS")
        _, h, body = self.get("/rules/noquery?b=2")
        # The origin never sees a query the key ignores: it cannot vary on it.
        self.assertEqual((h["cf-cache-status"], body), ("HIT", b"q /rules/noquery"))

    def test_cache_key_can_include_a_header(self):
        self.assertEqual(self.status("/rules/device", {"X-Device": "mobile"}), "MISS")
        self.assertEqual(self.status("/rules/device", {"X-Device": "desktop"}), "MISS")
        _, h, body = self.get("/rules/device", headers={"X-Device": "mobile"})
        self.assertEqual((h["cf-cache-status"], body), ("HIT", b"device mobile"))

    def test_default_ttl_for_responses_without_freshness(self):
        self.assertEqual([self.status("/rules/default") for _ in range(2)], ["MISS", "HIT"])


class WorkerSubrequestTest(unittest.TestCase):
    """A worker's fetch() to a zone's host goes through that zone's cache,
    with the request's cf options."""

    WORKER = r"""
export default {
  async fetch(request) {
    const u = new URL(request.url);
    const target = "http://shop.test" + u.pathname.replace("/via", "") + u.search;
    let cf = {};
    if (u.searchParams.has("ttl")) cf = { cacheTtl: 60, cacheTags: ["from-worker"] };
    if (u.searchParams.has("bystatus")) cf = { cacheTtlByStatus: { "200-299": 60, "404": -1 } };
    if (u.searchParams.has("key")) cf = { cacheKey: "shared-key", cacheTtl: 60 };
    const r = await fetch(target, { cf });
    const body = await r.text();
    return new Response(body, { status: r.status, headers: { "x-upstream-cache": r.headers.get("cf-cache-status") || "none" } });
  }
};
"""

    @classmethod
    def setUpClass(cls):
        cls.origin = Origin({
            "/cached": lambda r: (200, {"cache-control": "max-age=60"}, b"cached " + r["path"].encode()),
            "/plain": lambda r: (200, {}, b"plain " + r["path"].encode()),
            "/missing": lambda r: (404, {}, b"missing"),
        })
        cls.tmp = tempfile.mkdtemp()
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
[[workers]]
name = "front"
path = "%s"
routes = ["front.test"]
[[zones]]
name = "shop"
hosts = ["shop.test"]
origin = "%s"
""" % (worker_dir(cls.WORKER), cls.origin.base), cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def via(self, path):
        status, h, body = request(self.v.port, "GET", "/via" + path, host="front.test")
        return status, h["x-upstream-cache"], body

    def seen(self, path):
        return len([r for r in self.origin.requests if r["path"] == path])

    def test_subrequest_uses_the_zone_cache(self):
        self.assertEqual(self.via("/cached")[:2], (200, "MISS"))
        self.assertEqual(self.via("/cached")[:2], (200, "HIT"))
        self.assertEqual(self.seen("/cached"), 1)
        # The origin saw the site's host, not its own address.
        self.assertEqual(hdr(self.origin.requests[-1], "host"), "shop.test")

    def test_cache_ttl_caches_what_the_origin_did_not_mark(self):
        self.assertEqual(self.via("/plain")[1], "DYNAMIC")
        self.assertEqual(self.via("/plain?ttl=1")[1], "MISS")
        self.assertEqual(self.via("/plain?ttl=1")[1], "HIT")

    def test_cache_ttl_by_status_negative_means_do_not_store(self):
        self.assertEqual(self.via("/missing?bystatus=1")[:2], (404, "BYPASS"))
        self.assertEqual(self.via("/missing?bystatus=1")[:2], (404, "BYPASS"))
        self.assertEqual(self.via("/plain?bystatus=1")[1], "MISS")
        self.assertEqual(self.via("/plain?bystatus=1")[1], "HIT")

    def test_cache_key_replaces_the_url(self):
        self.assertEqual(self.via("/plain?key=1&a")[1], "MISS")
        status, label, body = self.via("/plain?key=1&b")
        self.assertEqual((label, body), ("HIT", b"plain /plain?key=1&a"))


class OriginDownTest(unittest.TestCase):
    def test_stale_if_error_covers_an_unreachable_origin(self):
        origin = Origin({"/x": lambda r: (200, {"cache-control": "max-age=1, stale-if-error=60"}, b"kept")})
        tmp = tempfile.mkdtemp()
        v = one_zone(tmp, "down", "down.test", origin.base)
        try:
            self.assertEqual(request(v.port, "GET", "/x", host="down.test")[2], b"kept")
            origin.close()
            time.sleep(2.2)
            status, h, body = request(v.port, "GET", "/x", host="down.test")
            self.assertEqual((status, h["cf-cache-status"], body), (200, "STALE", b"kept"))
            status, _, _ = request(v.port, "GET", "/other", host="down.test")
            self.assertEqual(status, 521)
        finally:
            v.stop()


class OriginConnectionReuseTest(unittest.TestCase):
    def test_misses_reuse_keep_alive_connections_to_the_origin(self):
        origin = Origin({"/r": lambda r: (200, {"cache-control": "max-age=60"}, b"r")})
        tmp = tempfile.mkdtemp()
        v = one_zone(tmp, "reuse", "reuse.test", origin.base)
        try:
            for i in range(20):
                status, h, _ = request(v.port, "GET", "/r?i=%d" % i, host="reuse.test")
                self.assertEqual((status, h["cf-cache-status"]), (200, "MISS"))
            self.assertEqual(len(origin.requests), 20)
            self.assertLessEqual(origin.connections_opened, 2)
            # A connection the origin dropped is not reused for the next miss.
            origin.close()
            status, _, _ = request(v.port, "GET", "/r?after", host="reuse.test")
            self.assertEqual(status, 521)
        finally:
            v.stop()


class InterimAndTrailersTest(unittest.TestCase):
    def test_1xx_and_trailers_from_the_origin(self):
        count = []

        def reply():
            count.append(1)
            return (b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                    b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nTransfer-Encoding: chunked\r\n"
                    b"Trailer: X-Checksum\r\nConnection: close\r\n\r\n"
                    b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")

        listener, port = raw_origin(reply)
        tmp = tempfile.mkdtemp()
        v = one_zone(tmp, "raw", "raw.test", "http://127.0.0.1:%d" % port)
        try:
            status, h, body = request(v.port, "GET", "/t", host="raw.test")
            self.assertEqual((status, body, h["cf-cache-status"]), (200, b"hello world", "MISS"))
            status, h, body = request(v.port, "GET", "/t", host="raw.test")
            self.assertEqual((status, body, h["cf-cache-status"]), (200, b"hello world", "HIT"))
            self.assertEqual(len(count), 1)
        finally:
            v.stop()
            listener.close()


class LargeObjectTest(unittest.TestCase):
    def test_objects_over_the_size_limit_stream_through_in_bounded_memory(self):
        huge = b"z" * (100 * 1024 * 1024)
        origin = Origin({"/huge": lambda r: (200, {"cache-control": "max-age=60"}, huge)})
        tmp = tempfile.mkdtemp()
        v = one_zone(tmp, "big", "big.test", origin.base)
        try:
            for expected in ("MISS", "MISS"):  # too large to store: both go to the origin
                status, h, body = request(v.port, "GET", "/huge", host="big.test", timeout=120)
                self.assertEqual((status, len(body), h["cf-cache-status"]), (200, len(huge), expected))
            with open("/proc/%d/status" % v.proc.pid) as f:
                peak_kb = int([l for l in f if l.startswith("VmHWM")][0].split()[1])
            self.assertLess(peak_kb, 200 * 1024)
        finally:
            v.stop()
            origin.close()


class HostileOriginTest(unittest.TestCase):
    """Origin responses are untrusted input: mangled ones get an error page
    or pass through, never crash the node or poison the cache."""

    def test_mutated_origin_responses(self):
        import random
        rng = random.Random(1234)
        valid = (b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60, stale-while-revalidate=5\r\n"
                 b"ETag: \"x\"\r\nVary: Accept\r\nCache-Tag: a,b\r\nAge: 3\r\n"
                 b"Content-Range: bytes 0-4/5\r\nContent-Length: 5\r\n\r\nhello")
        replies = []
        listener, port = raw_origin(lambda: replies.pop(0) if replies else valid)
        tmp = tempfile.mkdtemp()
        v = one_zone(tmp, "hostile", "hostile.test", "http://127.0.0.1:%d" % port)
        try:
            for i in range(150):
                m = bytearray(valid)
                for _ in range(rng.randint(1, 8)):
                    op = rng.random()
                    pos = rng.randrange(len(m))
                    if op < 0.4:
                        m[pos] = rng.randrange(256)
                    elif op < 0.7:
                        del m[pos:pos + rng.randint(1, 20)]
                    else:
                        m[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
                replies.append(bytes(m))
                try:
                    status, _, _ = request(v.port, "GET", "/m?%d" % i, host="hostile.test", timeout=10,
                                           headers={"Range": "bytes=0-2"} if i % 3 == 0 else None)
                    self.assertGreaterEqual(status, 200)
                except (OSError, http.client.HTTPException):
                    pass  # a cut connection is an acceptable answer to garbage
                self.assertIsNone(v.proc.poll(), "verge exited after reply %d" % i)
            self.assertLessEqual(len(replies), 1)  # the origin really answered with each mutation
            # Still serving normally.
            replies.clear()
            status, _, body = request(v.port, "GET", "/after", host="hostile.test")
            self.assertEqual((status, body), (200, b"hello"))
        finally:
            v.stop()
            listener.close()


class PersistenceTest(unittest.TestCase):
    """Objects on disk are served after a restart; kill -9 leaves nothing
    corrupt."""

    def setUp(self):
        self.origin = Origin({"/p": lambda r: (200, {"cache-control": "max-age=600"}, b"persisted " * 1000),
                              "/many": lambda r: (200, {"cache-control": "max-age=600"},
                                                  r["path"].encode() * 2000)})
        self.tmp = tempfile.mkdtemp()
        self.config = """
[server]
listen = "127.0.0.1:0"
threads = 2
data_dir = "%s"
[[zones]]
name = "site"
hosts = ["persist.test"]
origin = "%s"
""" % (os.path.join(self.tmp, "data"), self.origin.base)

    def tearDown(self):
        self.origin.close()

    def get(self, v, path):
        return request(v.port, "GET", path, host="persist.test")

    def test_served_from_disk_after_restart(self):
        v = serve_config(self.config, self.tmp)
        try:
            self.assertEqual(self.get(v, "/p")[1]["cf-cache-status"], "MISS")
            time.sleep(0.5)  # the disk write is asynchronous
        finally:
            v.stop()
        v = serve_config(self.config, self.tmp)
        try:
            _, h, body = self.get(v, "/p")
            self.assertEqual((h["cf-cache-status"], body), ("HIT", b"persisted " * 1000))
        finally:
            v.stop()
        self.assertEqual(len([r for r in self.origin.requests if r["path"] == "/p"]), 1)

    def test_kill_9_leaves_only_whole_objects(self):
        v = serve_config(self.config, self.tmp)
        stop = threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                try:
                    self.get(v, "/many?i=%d" % i)
                except OSError:
                    return
                i += 1

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        v.proc.send_signal(signal.SIGKILL)
        v.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        v.stop()
        v = serve_config(self.config, self.tmp)
        try:
            hits = 0
            for i in range(200):
                path = "/many?i=%d" % i
                status, h, body = self.get(v, path)
                self.assertEqual(status, 200)
                self.assertEqual(body, path.encode() * 2000, path)  # never a torn body
                hits += h["cf-cache-status"] == "HIT"
            self.assertGreater(hits, 0)
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()
