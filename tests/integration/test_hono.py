"""A real Hono app (TypeScript, npm import) runs unmodified under `verge dev`,
which bundles it with esbuild as wrangler does."""
import json
import os
import shutil
import tempfile
import unittest

from harness import ROOT, dev, request

APP = os.path.join(ROOT, "tests", "fixtures", "hono-app")


class HonoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(ROOT, "tests", "node_modules", "hono")):
            raise RuntimeError("hono is not installed in tests/node_modules: run scripts/setup.sh")
        cls.state = tempfile.mkdtemp()
        cls.v = dev(APP, "--persist-to", cls.state)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        shutil.rmtree(cls.state, ignore_errors=True)

    def test_routes_json_headers_and_status(self):
        status, headers, body = request(self.v.port, path="/")
        self.assertEqual((status, body), (200, b"Hello from hono on verge"))
        self.assertEqual(headers["x-powered-by"], "hono on verge")
        self.assertTrue(headers["content-type"].startswith("text/plain"))

        status, headers, body = request(self.v.port, "POST", "/todos", body=b'{"title":"write tests"}',
                                        headers={"content-type": "application/json"})
        self.assertEqual(status, 201)
        self.assertEqual(json.loads(body), {"id": 1, "title": "write tests"})
        self.assertTrue(headers["content-type"].startswith("application/json"))

        status, _, body = request(self.v.port, "POST", "/todos", body=b"{}",
                                  headers={"content-type": "application/json"})
        self.assertEqual((status, json.loads(body)), (400, {"error": "title is required"}))

        self.assertEqual(json.loads(request(self.v.port, path="/todos/1")[2])["title"], "write tests")
        self.assertEqual(request(self.v.port, path="/todos/99")[0], 404)
        self.assertEqual(json.loads(request(self.v.port, path="/search?q=x&tag=a&tag=b")[2]),
                         {"q": "x", "tags": ["a", "b"]})

    def test_bundle_lands_in_the_state_folder(self):
        # The bundle and its source map, under build/<worker name>/.
        out = os.path.join(self.state, "build", "hono-app")
        self.assertTrue(os.path.exists(os.path.join(out, "index.js")), os.listdir(out))
        self.assertTrue(os.path.exists(os.path.join(out, "index.js.map")))


if __name__ == "__main__":
    unittest.main()
