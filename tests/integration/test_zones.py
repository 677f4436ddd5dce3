"""Zones: a node proxies hosts no worker route takes to their origin, the
way a CDN edge fronts a site (the cache will sit in this path)."""
import os
import socket
import tempfile
import unittest

from harness import Origin, raw, request, serve_config, worker_dir


class ZoneProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        big = os.urandom(5 * 1024 * 1024)
        cls.big = big
        cls.origin = Origin({
            "/page": lambda r: (200, {"content-type": "text/html", "x-origin": "1", "connection": "x-secret",
                                      "x-secret": "hop", "keep-alive": "timeout=5"}, b"<h1>origin page</h1>"),
            "/echo": lambda r: (201, {"x-method": r["method"]}, r["body"]),
            "/headers": lambda r: (200, {}, repr(sorted((k.lower(), v) for k, v in r["headers"].items())).encode()),
            "/big": lambda r: (200, {"content-type": "application/octet-stream"}, big),
            "/missing": lambda r: (404, {}, b"origin says not found"),
        })
        worker = worker_dir("export default { fetch() { return new Response('worker wins'); } };")
        cls.tmp = tempfile.mkdtemp()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        cls.dead_port = s.getsockname()[1]
        s.close()
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
[[workers]]
path = "%s"
routes = ["site.test/worker/*"]
[[zones]]
name = "site"
hosts = ["site.test", "*.site.test"]
origin = "%s/"
[[zones]]
name = "down"
hosts = ["down.test"]
origin = "http://127.0.0.1:%d"
""" % (worker, cls.origin.base, cls.dead_port), cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def test_get_passes_through_with_end_to_end_headers(self):
        status, headers, body = request(self.v.port, path="/page", host="site.test")
        self.assertEqual((status, body), (200, b"<h1>origin page</h1>"))
        self.assertEqual(headers["x-origin"], "1")
        self.assertEqual(headers["cf-cache-status"], "DYNAMIC")
        self.assertNotIn("x-secret", headers)  # named in Connection: hop-by-hop
        self.assertNotIn("keep-alive", headers)

    def test_request_headers_sent_to_origin(self):
        _, _, body = request(self.v.port, path="/headers", host="www.site.test",
                             headers={"X-Forwarded-For": "10.1.1.1", "Connection": "x-drop", "X-Drop": "1",
                                      "X-Keep": "yes"})
        sent = dict(eval(body))
        self.assertEqual(sent["host"], "www.site.test")
        self.assertEqual(sent["x-forwarded-for"], "10.1.1.1, 127.0.0.1")
        self.assertEqual(sent["x-forwarded-proto"], "http")
        self.assertEqual(sent["cf-connecting-ip"], "127.0.0.1")
        self.assertEqual(sent["x-keep"], "yes")
        self.assertNotIn("x-drop", sent)

    def test_post_body_and_status(self):
        status, headers, body = request(self.v.port, "POST", "/echo", host="site.test", body=b"payload" * 1000)
        self.assertEqual((status, body, headers["x-method"]), (201, b"payload" * 1000, "POST"))

    def test_large_body_streams_with_length(self):
        status, headers, body = request(self.v.port, path="/big", host="site.test")
        self.assertEqual((status, len(body)), (200, len(self.big)))
        self.assertEqual(body, self.big)
        self.assertEqual(headers["content-length"], str(len(self.big)))

    def test_head(self):
        out = raw(self.v.port, b"HEAD /page HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n")
        self.assertIn(b"200 OK", out)
        self.assertTrue(out.endswith(b"\r\n\r\n"), out)

    def test_origin_status_passes_through(self):
        self.assertEqual(request(self.v.port, path="/missing", host="site.test")[:3:2],
                         (404, b"origin says not found"))

    def test_worker_route_wins(self):
        self.assertEqual(request(self.v.port, path="/worker/x", host="site.test")[2], b"worker wins")

    def test_origin_down_is_521(self):
        status, headers, body = request(self.v.port, path="/", host="down.test")
        self.assertEqual(status, 521)
        self.assertIn(b"Web server is down", body)

    def test_unknown_host_is_404(self):
        self.assertEqual(request(self.v.port, path="/", host="other.test")[0], 404)


if __name__ == "__main__":
    unittest.main()
