"""Workers Static Assets through the real binary (`verge dev` with a project
folder, and `verge serve`): assets-only projects, assets with a worker for
what is not an asset, html_handling, not_found_handling, _headers,
_redirects, ETag/304, HEAD, ranges, content types, run_worker_first, and
paths that try to leave the assets folder (raw "/../", "%2e%2e", a symlink
out), which are never served."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import VERGE, dev, raw, request, serve_config, write_project

WORKER = """
export default {
  async fetch(request) {
    const url = new URL(request.url);
    return new Response("worker " + request.method + " " + url.pathname, {headers: {"x-from": "worker"}});
  },
};
"""

FILES = {
    "public/index.html": "<h1>home</h1>",
    "public/about.html": "about",
    "public/blog/index.html": "blog",
    "public/404.html": "not here",
    "public/app.js": "console.log(1)",
    "public/style.css": "body{}",
    "public/data.json": "{}",
    "public/big.bin": "0123456789" * 20000,
    "public/_headers": "/*\n  X-Frame-Options: DENY\n/app.js\n  Cache-Control: public, max-age=31536000, immutable\n",
    "public/_redirects": "/old /about 301\n/docs/* /manual/:splat 302\n/pretty /about 200\n",
    "outside/secret.txt": "hunter2",
}


def run_verge(*args):
    p = subprocess.run([VERGE] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


class AssetsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="verge-assets-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.proj = os.path.join(self.tmp, "proj")
        write_project(self.proj, FILES)
        os.symlink(os.path.join(self.proj, "outside", "secret.txt"), os.path.join(self.proj, "public", "leak.txt"))

    def start(self, toml, worker=False):
        files = {"wrangler.toml": 'name = "site"\ncompatibility_date = "2025-06-01"\n' + toml}
        if worker:
            files["index.js"] = WORKER
        write_project(self.proj, files)
        v = dev(self.proj, "--persist-to", os.path.join(self.tmp, "state"))
        self.addCleanup(v.stop)
        return v

    def get(self, v, path, **kw):
        return request(v.port, path=path, **kw)

    def test_assets_only_project(self):
        v = self.start('[assets]\ndirectory = "./public"\n')
        status, headers, body = self.get(v, "/")
        self.assertEqual((status, body), (200, b"<h1>home</h1>"))
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["cache-control"], "public, max-age=0, must-revalidate")
        self.assertEqual(headers["x-frame-options"], "DENY")
        self.assertRegex(headers["etag"], r'^"[0-9a-f]{32}"$')
        self.assertEqual(self.get(v, "/app.js")[1]["content-type"], "application/javascript")
        self.assertEqual(self.get(v, "/app.js")[1]["cache-control"], "public, max-age=31536000, immutable")
        self.assertEqual(self.get(v, "/style.css")[1]["content-type"], "text/css; charset=utf-8")
        self.assertEqual(self.get(v, "/data.json")[1]["content-type"], "application/json")
        self.assertEqual(len(self.get(v, "/big.bin")[2]), 200000)
        # No worker: what is not an asset is an empty 404; other methods 405.
        status, _, body = self.get(v, "/nothing")
        self.assertEqual((status, body), (404, b""))
        self.assertEqual(self.get(v, "/about", method="POST", body=b"x")[0], 405)
        self.assertIn("verge dev: site ready", v.stdout())

    def test_html_handling(self):
        v = self.start('[assets]\ndirectory = "./public"\n')
        self.assertEqual(self.get(v, "/about")[2], b"about")
        status, headers, _ = self.get(v, "/about.html?x=1")
        self.assertEqual((status, headers["location"]), (307, "/about?x=1"))
        self.assertEqual(self.get(v, "/blog")[1]["location"], "/blog/")
        self.assertEqual(self.get(v, "/blog/")[2], b"blog")
        self.assertEqual(self.get(v, "/index.html")[1]["location"], "/")
        v.stop()
        v = self.start('[assets]\ndirectory = "./public"\nhtml_handling = "drop-trailing-slash"\n')
        self.assertEqual(self.get(v, "/blog/")[1]["location"], "/blog")
        self.assertEqual(self.get(v, "/blog")[2], b"blog")
        v.stop()
        v = self.start('[assets]\ndirectory = "./public"\nhtml_handling = "force-trailing-slash"\n')
        self.assertEqual(self.get(v, "/about")[1]["location"], "/about/")
        self.assertEqual(self.get(v, "/about/")[2], b"about")
        v.stop()
        v = self.start('[assets]\ndirectory = "./public"\nhtml_handling = "none"\n')
        self.assertEqual(self.get(v, "/about")[0], 404)
        self.assertEqual(self.get(v, "/about.html")[2], b"about")

    def test_not_found_handling(self):
        v = self.start('[assets]\ndirectory = "./public"\nnot_found_handling = "404-page"\n')
        status, _, body = self.get(v, "/a/b/c")
        self.assertEqual((status, body), (404, b"not here"))
        v.stop()
        v = self.start('[assets]\ndirectory = "./public"\nnot_found_handling = "single-page-application"\n')
        status, _, body = self.get(v, "/app/route/42")
        self.assertEqual((status, body), (200, b"<h1>home</h1>"))

    def test_headers_redirects_etag_head_ranges(self):
        v = self.start('[assets]\ndirectory = "./public"\n')
        status, headers, _ = self.get(v, "/old?q=2")
        self.assertEqual((status, headers["location"]), (301, "/about?q=2"))
        self.assertEqual(self.get(v, "/docs/a/b")[1]["location"], "/manual/a/b")
        self.assertEqual(self.get(v, "/pretty")[2], b"about")
        for name in ("/_headers", "/_redirects"):
            self.assertEqual(self.get(v, name)[0], 404, name)
        etag = self.get(v, "/about")[1]["etag"]
        status, headers, body = self.get(v, "/about", headers={"If-None-Match": etag})
        self.assertEqual((status, body, headers["etag"]), (304, b"", etag))
        self.assertEqual(self.get(v, "/about", headers={"If-None-Match": '"nope"'})[0], 200)
        status, headers, body = self.get(v, "/about", method="HEAD")
        self.assertEqual((status, body, headers["content-length"]), (200, b"", "5"))
        status, headers, body = self.get(v, "/big.bin", headers={"Range": "bytes=10-19"})
        self.assertEqual((status, body, headers["content-range"]), (206, b"0123456789", "bytes 10-19/200000"))
        self.assertNotIn("cache-control", headers)
        status, headers, _ = self.get(v, "/big.bin", headers={"Range": "bytes=300000-"})
        self.assertEqual((status, headers["content-range"]), (416, "bytes */200000"))

    def test_paths_outside_the_folder_are_never_served(self):
        v = self.start('[assets]\ndirectory = "./public"\n')
        self.assertIn("outside the assets directory", v.stderr())
        for target in (b"/../outside/secret.txt", b"/%2e%2e/outside/secret.txt", b"/%2E%2E%2Foutside%2Fsecret.txt",
                       b"/public/../../outside/secret.txt", b"/leak.txt", b"/..\\outside\\secret.txt",
                       b"/../../../../etc/passwd"):
            reply = raw(v.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertNotIn(b"hunter2", reply, target)
            self.assertNotIn(b"root:", reply, target)
            self.assertTrue(reply.startswith(b"HTTP/1.1 404") or reply.startswith(b"HTTP/1.1 400"), (target, reply[:80]))

    def test_assets_with_a_worker(self):
        v = self.start('main = "index.js"\n[assets]\ndirectory = "./public"\nnot_found_handling = "single-page-application"\n',
                       worker=True)
        self.assertEqual(self.get(v, "/about")[2], b"about")
        status, headers, body = self.get(v, "/api/users")
        self.assertEqual((status, body, headers["x-from"]), (200, b"worker GET /api/users", "worker"))
        # SPA fallback only for browser navigations when there is a worker.
        self.assertEqual(self.get(v, "/app", headers={"Sec-Fetch-Mode": "navigate"})[2], b"<h1>home</h1>")
        # Other methods: the worker for non-assets, 405 for assets.
        self.assertEqual(self.get(v, "/api/x", method="POST", body=b"1")[2], b"worker POST /api/x")
        self.assertEqual(self.get(v, "/about", method="POST", body=b"1")[0], 405)

    def test_assets_binding(self):
        # The worker runs first and reads assets through env.ASSETS, as the
        # Hono-with-assets template does.
        write_project(self.proj, {"binding.js": """
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/")) return Response.json({ api: url.pathname });
    const asset = await env.ASSETS.fetch(request);
    const headers = new Headers(asset.headers);
    headers.set("x-through", "worker");
    return new Response(asset.body, { status: asset.status, headers });
  },
};
"""})
        v = self.start('main = "binding.js"\n[assets]\ndirectory = "./public"\nbinding = "ASSETS"\n'
                       'run_worker_first = true\n')
        status, headers, body = self.get(v, "/about")
        self.assertEqual((status, body, headers["x-through"]), (200, b"about", "worker"))
        self.assertIn("text/html", headers["content-type"])
        self.assertEqual(self.get(v, "/api/x")[2], b'{"api":"/api/x"}')
        status, headers, body = self.get(v, "/app.js")
        self.assertEqual((status, headers["cache-control"]), (200, "public, max-age=31536000, immutable"))
        # Conditional requests, ranges and redirects come back as the node
        # would answer a client.
        etag = headers["etag"]
        self.assertEqual(self.get(v, "/app.js", headers={"If-None-Match": etag})[0], 304)
        status, headers, body = self.get(v, "/big.bin", headers={"Range": "bytes=10-19"})
        self.assertEqual((status, body, headers["content-range"]), (206, b"0123456789", "bytes 10-19/200000"))
        status, headers, _ = self.get(v, "/old")
        self.assertEqual((status, headers["location"]), (301, "/about"))
        self.assertEqual(self.get(v, "/nope.txt")[0], 404)
        # A file kept on disk (not in memory) comes back whole.
        self.assertEqual(len(self.get(v, "/big.bin")[2]), 200000)

    def test_run_worker_first(self):
        v = self.start('main = "index.js"\n[assets]\ndirectory = "./public"\nrun_worker_first = ["/blog/*", "!/blog/static/*"]\n',
                       worker=True)
        self.assertEqual(self.get(v, "/blog/")[2], b"worker GET /blog/")
        self.assertEqual(self.get(v, "/about")[2], b"about")
        v.stop()
        v = self.start('main = "index.js"\n[assets]\ndirectory = "./public"\nrun_worker_first = true\n', worker=True)
        self.assertEqual(self.get(v, "/about")[2], b"worker GET /about")

    def test_config_errors(self):
        write_project(self.proj, {"wrangler.toml": 'name = "x"\n[assets]\ndirectory = "./missing"\n'})
        code, _, err = run_verge("dev", self.proj, "--port", "0")
        self.assertEqual(code, 2)
        self.assertIn("'assets.directory'", err)
        write_project(self.proj, {"wrangler.toml": 'name = "x"\n[assets]\ndirectory = "./public"\nhtml_handling = "sometimes"\n'})
        code, _, err = run_verge("dev", self.proj, "--port", "0")
        self.assertEqual(code, 2)
        self.assertIn("'assets.html_handling'", err)
        write_project(self.proj, {"wrangler.toml": 'name = "x"\n[assets]\ndirectory = "./public"\nrun_worker_first = true\n'})
        code, _, err = run_verge("dev", self.proj, "--port", "0")
        self.assertEqual(code, 2)
        self.assertIn("needs a worker", err)
        os.remove(os.path.join(self.proj, "wrangler.toml"))
        write_project(self.proj, {"wrangler.json": '{"name": "x", "assets": {"directory": "./public", "run_worker_first": ["api/*"]}}'})
        code, _, err = run_verge("dev", self.proj, "--port", "0")
        self.assertEqual(code, 2)
        self.assertIn("'assets.run_worker_first'", err)

    def test_wrangler_json_and_serve(self):
        write_project(self.proj, {"wrangler.jsonc": '{\n  // an assets-only site\n  "name": "site",\n'
                                                    '  "assets": {"directory": "./public", "html_handling": "none"},\n}\n'})
        v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 2\n\n[[workers]]\nname = "site"\npath = "%s"\n'
                         'routes = ["site.test"]\n' % self.proj, self.tmp)
        self.addCleanup(v.stop)
        status, headers, body = request(v.port, path="/about.html", host="site.test")
        self.assertEqual((status, body), (200, b"about"))
        self.assertEqual(request(v.port, path="/about", host="site.test")[0], 404)
        self.assertEqual(request(v.port, path="/about.html", host="other.test")[0], 404)


if __name__ == "__main__":
    unittest.main()
