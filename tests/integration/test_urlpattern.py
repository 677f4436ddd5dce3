"""URLPattern inside the runtime (build/verge): a Hono-style router worker
that dispatches on `new URLPattern({ pathname })` and `exec(request.url)`,
the TypeErrors a worker sees for bad patterns and inputs, the WPT
urlpatterntestdata.json cases run in the worker, patterns that are
exponential as the standard's RegExps matching in linear time, and a
pattern whose own regexp backtracks catastrophically being stopped by the
CPU limit."""
import json
import os
import unittest

from harness import ROOT, dev, request, worker_dir

DATA = os.path.join(ROOT, "tests", "wpt", "urlpattern", "resources", "urlpatterntestdata.json")

ROUTER = r"""
// A small router in the style of Hono's PatternRouter: one URLPattern per
// route, the first match wins, named groups become params.
const routes = [];
const route = (method, pathname, handler) =>
  routes.push({ method, pattern: new URLPattern({ pathname }), handler });

route("GET", "/users/:id(\\d+)", (p) => Response.json({ route: "user", id: p.id }));
route("GET", "/users/:id/posts/:post?", (p) => Response.json({ route: "posts", ...p }));
route("GET", "/files/*", (p) => Response.json({ route: "files", rest: p[0] }));
route("GET", "/v:major{.:minor}?/status", (p) => Response.json({ route: "status", ...p }));
route("POST", "/echo/:name", async (p, req) => Response.json({ route: "echo", name: p.name, body: await req.text() }));

function errorInfo(fn) {
  try {
    fn();
    return { threw: false };
  } catch (e) {
    return { threw: true, type: e.constructor.name, isTypeError: e instanceof TypeError, message: String(e.message) };
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__errors") {
      return Response.json({
        badRegexp: errorInfo(() => new URLPattern({ pathname: "/:id(\\d+" })),
        badName: errorInfo(() => new URLPattern({ pathname: "/:" })),
        duplicate: errorInfo(() => new URLPattern({ pathname: "/:a/:a" })),
        relative: errorInfo(() => new URLPattern("/users/:id")),
        baseWithInit: errorInfo(() => new URLPattern({ pathname: "/x" }, "https://example.com")),
        badPort: errorInfo(() => new URLPattern({ port: "99999" })),
        invalidRegExpSyntax: errorInfo(() => new URLPattern({ pathname: "/([)" })),
        execBaseWithInit: errorInfo(() => new URLPattern({}).exec({ pathname: "/" }, "https://example.com")),
        execBadURL: new URLPattern({}).exec("not a url"),
        global: typeof URLPattern,
        tag: Object.prototype.toString.call(new URLPattern()),
        hasRegExpGroups: [new URLPattern({ pathname: "/:id" }).hasRegExpGroups,
                          new URLPattern({ pathname: "/:id(\\d+)" }).hasRegExpGroups],
        ignoreCase: new URLPattern({ pathname: "/ABC" }, { ignoreCase: true }).test("https://x.test/abc"),
        generate: new URLPattern({ pathname: "/users/:id" }).generate("pathname", { id: "a b" }),
        compare: URLPattern.compareComponent("pathname", new URLPattern({ pathname: "/a" }), new URLPattern({ pathname: "/:x" })),
      });
    }
    if (url.pathname === "/__redos") {
      // A custom regexp group that backtracks exponentially on its own.
      const p = new URLPattern({ pathname: "/:x((?:a+)+)b" });
      return Response.json({ matched: p.test("https://x.test/" + "a".repeat(40)) });
    }
    if (url.pathname === "/__linear") {
      // Exponential as the standard's RegExp; verge's linear-time matcher.
      const p = new URLPattern({ pathname: "/{-:a}+/z" });
      const h = new URLPattern({ hostname: "{x:a}+.com" });
      return Response.json({
        path: p.test("https://x.test/" + "-a".repeat(5000) + "/y"),
        host: h.test({ hostname: "xa".repeat(2000) + "b" }),
        hit: p.exec("https://x.test/-a-b/z").pathname.groups.a,
      });
    }
    if (url.pathname === "/__wpt") {
      const cases = await request.json();
      let ran = 0;
      const failures = [];
      for (const c of cases) {
        ran++;
        try {
          if (c.expected_obj === "error") {
            let threw = null;
            try { new URLPattern(...c.pattern); } catch (e) { threw = e; }
            if (!(threw instanceof TypeError)) failures.push([c.pattern, "expected TypeError, got " + threw]);
            continue;
          }
          const p = new URLPattern(...c.pattern);
          if (c.expected_match === "error") {
            let threw = null;
            try { p.exec(...c.inputs); } catch (e) { threw = e; }
            if (!(threw instanceof TypeError)) failures.push([c.pattern, "exec: expected TypeError"]);
            continue;
          }
          for (const [k, v] of Object.entries(c.expected_obj || {})) {
            if (p[k] !== v) failures.push([c.pattern, k + ": " + JSON.stringify(p[k]) + " !== " + JSON.stringify(v)]);
          }
          const r = p.exec(...c.inputs);
          if (!c.expected_match) {
            if (r !== null) failures.push([c.pattern, c.inputs, "expected no match"]);
            continue;
          }
          if (r === null) { failures.push([c.pattern, c.inputs, "expected a match"]); continue; }
          for (const [k, v] of Object.entries(c.expected_match)) {
            if (k === "inputs") continue;
            if (r[k].input !== v.input) failures.push([c.pattern, c.inputs, k + ".input " + r[k].input]);
            for (const [g, gv] of Object.entries(v.groups)) {
              if (r[k].groups[g] !== (gv === null ? undefined : gv)) failures.push([c.pattern, c.inputs, k + ".groups." + g]);
            }
          }
        } catch (e) {
          failures.push([c.pattern, c.inputs, "threw " + e]);
        }
      }
      return Response.json({ ran, failures });
    }
    for (const r of routes) {
      if (r.method !== request.method) continue;
      const m = r.pattern.exec(request.url);
      if (m) return r.handler(m.pathname.groups, request);
    }
    return new Response("no route", { status: 404 });
  },
};
"""

class UrlPatternTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = dev(worker_dir(ROUTER, extra_toml="[limits]\ncpu_ms = 300\n"))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def get_json(self, path, method="GET", body=None):
        status, _, out = request(self.v.port, method, path, body=body)
        return status, (json.loads(out) if status == 200 else out)

    def test_router(self):
        self.assertEqual(self.get_json("/users/42"), (200, {"route": "user", "id": "42"}))
        self.assertEqual(self.get_json("/users/bob/posts"),
                         (200, {"route": "posts", "id": "bob"}))  # post: undefined
        self.assertEqual(self.get_json("/users/bob/posts/7?draft=1"),
                         (200, {"route": "posts", "id": "bob", "post": "7"}))
        self.assertEqual(self.get_json("/files/a/b/c.txt"), (200, {"route": "files", "rest": "a/b/c.txt"}))
        self.assertEqual(self.get_json("/v1.2/status"), (200, {"route": "status", "major": "1", "minor": "2"}))
        self.assertEqual(self.get_json("/v1/status"), (200, {"route": "status", "major": "1"}))
        self.assertEqual(self.get_json("/echo/x", method="POST", body=b"hi"),
                         (200, {"route": "echo", "name": "x", "body": "hi"}))
        # Percent-encoded input is matched in its canonical (encoded) form.
        self.assertEqual(self.get_json("/files/%C3%A9%20x"), (200, {"route": "files", "rest": "%C3%A9%20x"}))
        status, _, _ = request(self.v.port, "GET", "/users/42/extra/deep")
        self.assertEqual(status, 404)
        status, _, _ = request(self.v.port, "DELETE", "/users/42")
        self.assertEqual(status, 404)

    def test_errors(self):
        status, out = self.get_json("/__errors")
        self.assertEqual(status, 200, out)
        for key in ("badRegexp", "badName", "duplicate", "relative", "baseWithInit", "badPort",
                    "invalidRegExpSyntax", "execBaseWithInit"):
            self.assertTrue(out[key]["threw"], key)
            self.assertTrue(out[key]["isTypeError"], (key, out[key]))
            self.assertEqual(out[key]["type"], "TypeError", key)
            self.assertGreater(len(out[key]["message"]), 20, (key, out[key]))
        self.assertIn("not closed", out["badRegexp"]["message"])
        self.assertIn("used twice", out["duplicate"]["message"])
        self.assertIn("baseURL", out["relative"]["message"])
        self.assertIn("port", out["badPort"]["message"])
        self.assertIsNone(out["execBadURL"])
        self.assertEqual(out["global"], "function")
        self.assertEqual(out["tag"], "[object URLPattern]")
        self.assertEqual(out["hasRegExpGroups"], [False, True])
        self.assertTrue(out["ignoreCase"])
        self.assertEqual(out["generate"], "/users/a%20b")
        self.assertEqual(out["compare"], 1)

    def test_wpt_data_in_runtime(self):
        with open(DATA, "rb") as f:
            body = f.read()
        status, out = self.get_json("/__wpt", method="POST", body=body)
        self.assertEqual(status, 200, out)
        self.assertGreater(out["ran"], 350)
        # Including the v-flag class cases, which V8 10.2 runs through
        # urlpattern.js's rewriting of v classes into u syntax.
        self.assertEqual(out["failures"], [])

    def test_wildcard_repeats_match_in_linear_time(self):
        # With limits.cpu_ms = 300 an exponential match would be a 503.
        self.assertEqual(self.get_json("/__linear"), (200, {"path": False, "host": False, "hit": "a-b"}))

    def test_catastrophic_regexp_is_stopped_by_cpu_limit(self):
        status, _, body = request(self.v.port, "GET", "/__redos", timeout=60)
        self.assertEqual(status, 503, body[:300])
        self.assertIn(b"1102", body)
        # The isolate survives and serves the next request.
        self.assertEqual(self.get_json("/users/1"), (200, {"route": "user", "id": "1"}))


if __name__ == "__main__":
    unittest.main()
