"""The example projects keep working: the one a newcomer runs first
(`make run`, `verge dev examples/hello`), and examples/ab-test, the A/B
testing tutorial's (docs/tutorial-ab-test.md)."""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

from harness import ROOT, VERGE, dev, request


class HelloExampleTest(unittest.TestCase):
    def test_routes(self):
        state = tempfile.mkdtemp()
        v = dev(os.path.join(ROOT, "examples", "hello"), "--persist-to", state)
        try:
            self.assertEqual(request(v.port, path="/")[2], b"Hello from verge!\n")
            self.assertEqual(json.loads(request(v.port, path="/api/time")[2])["colo"], "LOCAL")
            self.assertEqual(request(v.port, path="/stream")[2], b"chunk 1\nchunk 2\nchunk 3\n")
            self.assertEqual(json.loads(request(v.port, path="/api/visits")[2]), {"visits": 1})
            self.assertEqual(json.loads(request(v.port, path="/api/visits")[2]), {"visits": 2})
        finally:
            v.stop()
            shutil.rmtree(state, ignore_errors=True)


PAGE = b"""<!DOCTYPE html><html><head><title>Shop</title></head><body>
<p data-greeting>Hello</p><h1 class="hero">Spring sale</h1><a class="cta" href="/shop">Shop</a>
</body></html>"""


class ABTestExampleTest(unittest.TestCase):
    def setUp(self):
        self.hits = 0
        test = self

        class Origin(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                test.hits += 1
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args):
                pass

        self.origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
        threading.Thread(target=self.origin.serve_forever, daemon=True).start()
        self.state = tempfile.mkdtemp()
        project = os.path.join(ROOT, "examples", "ab-test")
        experiment = {"name": "hero", "variants": [
            {"id": "control", "weight": 0},
            {"id": "bold", "weight": 1, "text": {"h1.hero": "Now 20% off!", "a.cta": "Buy now"}}]}
        subprocess.run([VERGE, "kv", "key", "put", "--binding", "EXPERIMENTS", "/", json.dumps(experiment),
                        "-c", os.path.join(project, "wrangler.toml"), "--persist-to", self.state],
                       check=True, capture_output=True, timeout=60)
        self.v = dev(project, "--persist-to", self.state, "--var", "ORIGIN:http://127.0.0.1:%d" % self.origin.server_port)

    def tearDown(self):
        self.v.stop()
        self.origin.shutdown()
        self.origin.server_close()
        shutil.rmtree(self.state, ignore_errors=True)

    def test_variants_are_sticky_rewritten_and_the_origin_page_is_shared(self):
        # A new visitor is bucketed (here always "bold") and told so in a cookie.
        status, headers, body = request(self.v.port)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["x-ab-variant"], "bold")
        self.assertIn("ab_hero=bold", headers["set-cookie"])
        self.assertEqual(headers["cache-control"], "private, no-store")
        self.assertIn(b'<h1 class="hero">Now 20% off!</h1>', body)
        self.assertIn(b'<a class="cta" href="/shop">Buy now</a>', body)
        self.assertIn(b'data-variant="bold"', body)
        self.assertIn(b'window.abVariant = {"experiment":"hero","variant":"bold"}', body)
        # A returning visitor keeps their variant, even one new visitors no
        # longer get, and is greeted by name.
        status, headers, body = request(self.v.port, headers={"cookie": "ab_hero=control; name=Ada"})
        self.assertEqual(headers["x-ab-variant"], "control")
        self.assertNotIn("set-cookie", headers)
        self.assertIn(b'<h1 class="hero">Spring sale</h1>', body)
        self.assertIn(b"<p data-greeting>Welcome back, Ada</p>", body)
        # Every visitor's page came from one cached copy of the origin's.
        for _ in range(5):
            request(self.v.port, headers={"cookie": "ab_hero=bold"})
        self.assertEqual(self.hits, 1)


if __name__ == "__main__":
    unittest.main()
