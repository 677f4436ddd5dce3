"""The Workers runtime through the real binary: module and service-worker
syntax, env and --var, subrequests, waitUntil, exceptions, Web APIs."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import VERGE, Origin, dev, raw, request, worker_dir, write_project


class ModuleWorkerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin({
            "/data": lambda r: (200, {"content-type": "application/json", "x-origin": "yes"}, b'{"n":42}'),
            "/r1": lambda r: (302, {"location": "/r2"}, b""),
            "/r2": lambda r: (301, {"location": "/data"}, b""),
            "/post-redirect": lambda r: (303, {"location": "/echo"}, b""),
            "/echo": lambda r: (200, {"x-method": r["method"]}, r["body"]),
            "/slow-stream": lambda r: (200, {}, b"x" * 100000),
            "/log": lambda r: (204, {}, b""),
        })
        cls.dir = worker_dir(r"""
import { helper } from "./lib/helper.js";
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const origin = env.ORIGIN;
    switch (url.pathname) {
      case "/env": return Response.json({ greeting: env.GREETING, extra: env.EXTRA, helper: helper() });
      case "/cf": return Response.json(request.cf);
      case "/sub": {
        const r = await fetch(origin + "/data");
        return Response.json({ status: r.status, body: await r.json(), header: r.headers.get("x-origin"), redirected: r.redirected });
      }
      case "/follow": {
        const r = await fetch(origin + "/r1");
        return Response.json({ status: r.status, url: r.url, redirected: r.redirected, body: await r.text() });
      }
      case "/manual": {
        const r = await fetch(origin + "/r1", { redirect: "manual" });
        return Response.json({ status: r.status, location: r.headers.get("location") });
      }
      case "/error-mode": {
        try { await fetch(origin + "/r1", { redirect: "error" }); return new Response("no throw"); }
        catch (e) { return new Response(e.constructor.name + ": " + e.message); }
      }
      case "/303": {
        const r = await fetch(origin + "/post-redirect", { method: "POST", body: "payload" });
        return Response.json({ method: r.headers.get("x-method"), body: await r.text() });
      }
      case "/post-through": {
        const r = await fetch(origin + "/echo", { method: "PUT", body: await request.text() });
        return new Response(r.body, { status: r.status, headers: { "x-method": r.headers.get("x-method") } });
      }
      case "/proxy-stream": return fetch(origin + "/slow-stream");
      case "/immutable": {
        const r = await fetch(origin + "/data");
        try { r.headers.set("x", "y"); return new Response("mutable"); }
        catch (e) { return new Response(e.constructor.name); }
      }
      case "/bad-url": {
        try { await fetch("not a url"); } catch (e) { return new Response(e.constructor.name); }
        return new Response("no throw");
      }
      case "/refused": {
        try { await fetch("http://127.0.0.1:1/"); } catch (e) { return new Response(e.constructor.name + ": " + e.message); }
        return new Response("no throw");
      }
      case "/wait-until": {
        ctx.waitUntil(new Promise(r => setTimeout(r, 300)).then(() => fetch(origin + "/log", { method: "POST", body: "after" })));
        return new Response("sent first");
      }
      case "/console": {
        console.log("console says", { a: 1, list: [1, 2] }, 42);
        console.error("console error line");
        return new Response("logged");
      }
      case "/throw": throw new Error("boom from worker");
      case "/reject": return Promise.reject(new TypeError("rejected"));
      case "/not-response": return "a string";
      case "/never": return new Promise(() => {});
      case "/never-after-timer": return new Promise((resolve) => setTimeout(() => {}, 50));
      case "/timers": {
        const order = [];
        await new Promise((resolve) => {
          setTimeout(() => order.push("t50"), 50);
          const id = setTimeout(() => order.push("never"), 10);
          clearTimeout(id);
          let n = 0;
          const iv = setInterval(() => { order.push("i" + (++n)); if (n === 3) clearInterval(iv); }, 5);
          queueMicrotask(() => order.push("micro"));
          setTimeout(resolve, 120);
        });
        return Response.json(order);
      }
      default: return new Response("not found", { status: 404 });
    }
  },
};
""", extra_toml='[vars]\nGREETING = "hi"\nORIGIN = "%s"\n' % cls.origin.base)
        write_project(cls.dir, {"lib/helper.js": "export function helper() { return 'from helper'; }\n"})
        cls.v = dev(cls.dir, "--var", "EXTRA:cli value")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def get(self, path, **kw):
        return request(self.v.port, path=path, **kw)

    def test_env_vars_and_modules(self):
        status, _, body = self.get("/env")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"greeting": "hi", "extra": "cli value", "helper": "from helper"})

    def test_cf_object(self):
        cf = json.loads(self.get("/cf")[2])
        self.assertEqual(cf["httpProtocol"], "HTTP/1.1")
        self.assertEqual(cf["colo"], "LOCAL")
        self.assertNotIn("tlsVersion", cf)

    def test_subrequest(self):
        self.assertEqual(json.loads(self.get("/sub")[2]),
                         {"status": 200, "body": {"n": 42}, "header": "yes", "redirected": False})

    def test_redirect_follow(self):
        out = json.loads(self.get("/follow")[2])
        self.assertEqual(out["status"], 200)
        self.assertTrue(out["url"].endswith("/data"))
        self.assertTrue(out["redirected"])

    def test_redirect_manual(self):
        self.assertEqual(json.loads(self.get("/manual")[2]), {"status": 302, "location": "/r2"})

    def test_redirect_error(self):
        self.assertTrue(self.get("/error-mode")[2].startswith(b"TypeError: "))

    def test_303_turns_post_into_get(self):
        self.assertEqual(json.loads(self.get("/303")[2]), {"method": "GET", "body": ""})

    def test_body_through_subrequest(self):
        status, headers, body = self.get("/post-through", method="POST", body=b"round trip")
        self.assertEqual((status, body, headers["x-method"]), (200, b"round trip", "PUT"))

    def test_proxied_stream(self):
        status, _, body = self.get("/proxy-stream")
        self.assertEqual((status, len(body)), (200, 100000))

    def test_fetched_headers_are_immutable(self):
        self.assertEqual(self.get("/immutable")[2], b"TypeError")

    def test_fetch_errors_are_typeerrors(self):
        self.assertEqual(self.get("/bad-url")[2], b"TypeError")
        self.assertTrue(self.get("/refused")[2].startswith(b"TypeError: fetch failed"))

    def test_wait_until_runs_after_response(self):
        before = len([r for r in self.origin.requests if r["path"] == "/log"])
        start = time.time()
        status, _, body = self.get("/wait-until")
        self.assertEqual(body, b"sent first")
        self.assertLess(time.time() - start, 0.25)
        for _ in range(50):
            if len([r for r in self.origin.requests if r["path"] == "/log"]) > before:
                break
            time.sleep(0.05)
        logged = [r for r in self.origin.requests if r["path"] == "/log"]
        self.assertEqual(len(logged), before + 1)
        self.assertEqual(logged[-1]["body"], b"after")

    def test_console_output(self):
        self.assertEqual(self.get("/console")[2], b"logged")
        time.sleep(0.3)
        self.assertIn("console says { a: 1, list: [ 1, 2 ] } 42\n", self.v.stdout())
        self.assertIn("console error line", self.v.stderr())

    def test_exception_gives_1101(self):
        status, headers, body = self.get("/throw")
        self.assertEqual(status, 500)
        self.assertIn(b"1101", body)
        self.assertIn("text/html", headers["content-type"])
        time.sleep(0.1)
        self.assertIn("boom from worker", self.v.stderr())
        self.assertIn("index.js", self.v.stderr())  # the stack trace names the file

    def test_rejected_promise_gives_500(self):
        self.assertEqual(self.get("/reject")[0], 500)

    def test_non_response_gives_500(self):
        status, _, _ = self.get("/not-response")
        self.assertEqual(status, 500)
        time.sleep(0.1)
        self.assertIn("did not resolve to 'Response'", self.v.stderr())

    def test_promise_that_can_never_settle(self):
        for path in ("/never", "/never-after-timer"):
            status, _, body = self.get(path, timeout=10)
            self.assertEqual(status, 500, path)
        time.sleep(0.1)
        self.assertIn("will never generate a response", self.v.stderr())

    def test_timers(self):
        self.assertEqual(json.loads(self.get("/timers")[2]), ["micro", "i1", "i2", "i3", "t50"])


class HttpsFetchTest(unittest.TestCase):
    """fetch() to an https: origin: a test CA signs the origin's certificate
    and verge trusts it through SSL_CERT_FILE (OpenSSL's default verify
    paths), so the real verification path runs."""

    @classmethod
    def setUpClass(cls):
        import ssl
        import subprocess
        import threading
        import http.server
        cls.tmp = tempfile.mkdtemp()
        t = lambda name: os.path.join(cls.tmp, name)
        run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=cls.tmp)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=verge test CA")
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
            "-subj", "/CN=localhost")
        with open(t("ext.cnf"), "w") as f:
            f.write("subjectAltName=DNS:localhost\n")
        run("openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf")

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                body = b"secure hello"
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(t("srv.pem"), t("srv.key"))
        cls.server.socket = ctx.wrap_socket(cls.server.socket, server_side=True)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        port = cls.server.server_address[1]
        d = worker_dir("""
export default { async fetch(request) {
  const target = new URL(request.url).searchParams.get("u");
  try { const r = await fetch(target); return new Response(r.status + " " + await r.text()); }
  catch (e) { return new Response(e.constructor.name + ": " + e.message); }
} };""")
        cls.port = port
        cls.trusting = dev(d, env={"SSL_CERT_FILE": t("ca.pem")})
        cls.untrusting = dev(d)

    @classmethod
    def tearDownClass(cls):
        cls.trusting.stop()
        cls.untrusting.stop()
        cls.server.shutdown()

    def test_https_with_trusted_ca(self):
        body = request(self.trusting.port, path="/?u=https://localhost:%d/" % self.port)[2]
        self.assertEqual(body, b"200 secure hello")

    def test_untrusted_certificate_is_refused(self):
        body = request(self.untrusting.port, path="/?u=https://localhost:%d/" % self.port)[2]
        self.assertTrue(body.startswith(b"TypeError: fetch failed: TLS handshake"), body)

    def test_wrong_host_name_is_refused(self):
        body = request(self.trusting.port, path="/?u=https://127.0.0.1:%d/" % self.port)[2]
        self.assertTrue(body.startswith(b"TypeError: fetch failed: TLS handshake"), body)


class ServiceWorkerSyntaxTest(unittest.TestCase):
    def test_service_worker(self):
        d = tempfile.mkdtemp()
        script = os.path.join(d, "sw.js")
        with open(script, "w") as f:
            f.write("""
addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});
async function handle(request) {
  return new Response("sw says " + GREETING + " " + new URL(request.url).pathname);
}
""")
        v = dev(script, "--var", "GREETING:hey")
        try:
            status, _, body = request(v.port, path="/x")
            self.assertEqual((status, body), (200, b"sw says hey /x"))
        finally:
            v.stop()

    def test_service_worker_that_esbuild_bundles_stays_a_service_worker(self):
        # The text 'from "x"' makes verge bundle the script with esbuild; the
        # bundle must still be a classic script with its fetch listener.
        d = tempfile.mkdtemp()
        script = os.path.join(d, "sw.js")
        with open(script, "w") as f:
            f.write("""
var note = 'this line says: import thing from "pkg"';
var options = {
  importAlg: "a key that starts with 'import'",
};
addEventListener("fetch", (event) => {
  event.respondWith(new Response("classic " + (typeof note)));
});
""")
        v = dev(script)
        try:
            status, _, body = request(v.port, path="/")
            self.assertEqual((status, body), (200, b"classic string"))
        finally:
            v.stop()

    def test_syntax_error_is_reported(self):
        # A module is bundled at start, as wrangler does: the syntax error
        # stops `verge dev` with esbuild's message, file and line.
        d = worker_dir("export default { fetch( { }")
        proc = subprocess.run([VERGE, "dev", d, "--port", "0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("bundling failed", proc.stderr)
        self.assertIn('Expected ")" but found end of file', proc.stderr)
        self.assertIn("index.js:1:27", proc.stderr)

    def test_syntax_error_of_a_classic_script_is_reported(self):
        # A service-worker script is not bundled: its error reaches the client.
        d = worker_dir("addEventListener('fetch', (e) => { e.respondWith(")
        v = dev(d)
        try:
            status, _, body = request(v.port, path="/")
            self.assertEqual(status, 500)
            self.assertIn(b"SyntaxError", body)
        finally:
            v.stop()


class WebApiTest(unittest.TestCase):
    """Runs checks inside the worker and reports failures as JSON."""

    def test_web_apis(self):
        d = worker_dir(r"""
const checks = [];
function check(name, fn) { checks.push([name, fn]); }
const eq = (a, b) => { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(JSON.stringify(a) + " !== " + JSON.stringify(b)); };

check("url", () => {
  const u = new URL("https://user:pw@example.com:8080/a/../b?x=1&y=2#h");
  eq([u.href, u.host, u.pathname, u.searchParams.get("y")], ["https://user:pw@example.com:8080/b?x=1&y=2#h", "example.com:8080", "/b", "2"]);
  let threw = false; try { new URL("nope"); } catch (e) { threw = e instanceof TypeError; } eq(threw, true);
});
check("text-encoding", () => {
  const bytes = new TextEncoder().encode("héllo €");
  eq(bytes.length, 10);
  eq(new TextDecoder().decode(bytes), "héllo €");
  eq(new TextDecoder().decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x41])), "A");
  let threw = false; try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { threw = e instanceof TypeError; } eq(threw, true);
});
check("base64", () => { eq(btoa("hello"), "aGVsbG8="); eq(atob("aGVsbG8="), "hello");
  let name = ""; try { atob("*"); } catch (e) { name = e.name; } eq(name, "InvalidCharacterError"); });
check("structuredClone", () => { const o = { a: [1, { b: new Date(0) }], m: new Map([[1, 2]]) }; const c = structuredClone(o);
  eq(c.a[1].b instanceof Date, true); eq(c.m.get(1), 2); eq(c === o, false);
  let name = ""; try { structuredClone(() => 1); } catch (e) { name = e.name; } eq(name, "DataCloneError"); });
check("crypto", () => { const a = crypto.getRandomValues(new Uint8Array(16)); eq(a.length, 16);
  eq(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()), true);
  let name = ""; try { crypto.getRandomValues(new Uint8Array(70000)); } catch (e) { name = e.name; } eq(name, "QuotaExceededError"); });
check("headers", () => { const h = new Headers({ "Content-Type": "text/plain", "X-A": "1" }); h.append("x-a", "2");
  eq(h.get("x-a"), "1, 2"); eq(h.get("CONTENT-TYPE"), "text/plain");
  h.append("Set-Cookie", "a=1"); h.append("Set-Cookie", "b=2"); eq(h.getSetCookie(), ["a=1", "b=2"]);
  eq([...h.keys()], ["content-type", "set-cookie", "set-cookie", "x-a"]); });
check("request", () => { const r = new Request("https://x.test/p", { method: "post", body: "b", headers: { a: "1" } });
  eq([r.method, r.url, r.headers.get("a")], ["POST", "https://x.test/p", "1"]);
  let threw = false; try { new Request("https://x.test", { method: "GET", body: "x" }); } catch (e) { threw = e instanceof TypeError; } eq(threw, true); });
check("response", () => { const r = Response.redirect("https://x.test/", 301); eq([r.status, r.headers.get("location")], [301, "https://x.test/"]);
  let threw = false; try { new Response("x", { status: 99 }); } catch (e) { threw = e instanceof RangeError; } eq(threw, true);
  eq(new Response(null, { status: 204 }).body, null); });
check("abort", () => { const c = new AbortController(); let fired = 0; c.signal.addEventListener("abort", () => fired++); c.abort();
  eq([c.signal.aborted, fired, c.signal.reason.name], [true, 1, "AbortError"]); });
check("event-target", () => { const t = new EventTarget(); let got = null; t.addEventListener("x", (e) => { got = e.type; }, { once: true });
  t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x")); eq(got, "x"); });
check("globals", () => { eq(typeof navigator.userAgent, "string"); eq(typeof performance.now(), "number"); eq(self, globalThis);
  eq(typeof eval === "function", true); let threw = false; try { eval("1"); } catch (e) { threw = e instanceof EvalError; } eq(threw, true); });

async function asyncChecks(out) {
  const body = async (name, fn) => { try { await fn(); } catch (e) { out[name] = String(e && e.stack || e); } };
  await body("body-mixins", async () => {
    const r = new Response('{"a":1}'); eq(r.bodyUsed, false); eq(await r.json(), { a: 1 }); eq(r.bodyUsed, true);
    let threw = false; try { await r.text(); } catch (e) { threw = e instanceof TypeError; } eq(threw, true);
    // Its body after a read: a stream that is done and cannot be used again.
    const used = r.body; eq(used instanceof ReadableStream, true); eq(r.bodyUsed, true); eq(r.body, used);
    threw = false; try { new Response(used); } catch (e) { threw = e instanceof TypeError; } eq(threw, true);
    eq(new Uint8Array(await new Response(new Uint8Array([1, 2])).arrayBuffer()), new Uint8Array([1, 2]));
    const c = new Response("twice"); const d = c.clone(); eq([await c.text(), await d.text()], ["twice", "twice"]);
    d.headers.set("x-cloned", "yes"); eq(d.headers.get("x-cloned"), "yes");
  });
  await body("readable-stream", async () => {
    let pulls = 0;
    const s = new ReadableStream({ pull(c) { pulls++; if (pulls > 3) c.close(); else c.enqueue(new TextEncoder().encode("p" + pulls)); } });
    eq(await new Response(s).text(), "p1p2p3");
    const chunks = []; for await (const c of new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } })) chunks.push(c); eq(chunks, [1, 2]);
  });
  await body("abort-timeout", async () => {
    const s = AbortSignal.timeout(10); await new Promise(r => setTimeout(r, 30)); eq([s.aborted, s.reason.name], [true, "TimeoutError"]);
  });
}

export default {
  async fetch() {
    const failures = {};
    for (const [name, fn] of checks) { try { fn(); } catch (e) { failures[name] = String(e && e.stack || e); } }
    await asyncChecks(failures);
    return Response.json({ ran: checks.length + 3, failures });
  },
};
""")
        v = dev(d)
        try:
            status, _, body = request(v.port, path="/")
            self.assertEqual(status, 200, body)
            out = json.loads(body)
            self.assertEqual(out["failures"], {})
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()


class RequestHeadersAndJsonTest(unittest.TestCase):
    """An incoming request's headers (read in place until first changed or
    iterated) and Response.json's Content-Type."""

    WORKER = r"""
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const h = request.headers;
    if (path === "/read") {
      const out = {
        dup: h.get("x-dup"), upper: h.get("X-DUP"), has: h.has("X-Mixed-Case"), mixed: h.get("x-mixed-case"),
        missing: h.get("nope"), hasMissing: h.has("nope"), same: request.headers === h,
        colon: h.get("x-colon"), empty: h.get("x-empty"), hasEmpty: h.has("x-empty"), dup2: h.get("x-dup2"),
        prefix: h.has("x-du"),
      };
      let error = null;
      try { h.append("x-new", "1"); } catch (e) { error = e.constructor.name + ": " + e.message; }
      const copy = new Headers(h);
      copy.append("x-dup", "c");
      out.error = error;
      out.copy = copy.get("x-dup");
      out.after = h.get("x-dup");
      out.names = [...h.keys()].filter((k) => k === "x-dup" || k === "x-mixed-case" || k === "set-cookie");
      out.cookies = h.getSetCookie();
      out.clone = request.clone().headers.get("x-dup");
      out.afterIteration = [h.get("x-dup"), h.has("x-mixed-case")];
      return Response.json(out);
    }
    if (path === "/json") {
      let inner;
      const init = { get status() { inner = new Response("inner"); return 201; } };
      const plain = Response.json({ a: 1 });
      const own = Response.json([1], { headers: { "Content-Type": "text/x-mine" } });
      const made = Response.json("s", init);
      let thrown = null;
      try { Response.json(undefined); } catch (e) { thrown = e.constructor.name; }
      return Response.json({
        plain: [plain.headers.get("content-type"), await plain.text()],
        own: own.headers.get("content-type"),
        made: [made.status, made.headers.get("content-type"), inner.headers.get("content-type")],
        after: new Response("x").headers.get("content-type"),
        thrown,
      });
    }
    return new Response("?");
  },
};
"""

    @classmethod
    def setUpClass(cls):
        cls.v = dev(worker_dir(cls.WORKER))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    @staticmethod
    def json_of(response):
        return json.loads(response.split(b"\r\n\r\n", 1)[1])

    def test_incoming_headers(self):
        got = self.json_of(raw(self.v.port, b"GET /read HTTP/1.1\r\nHost: t\r\nX-Dup: a\r\nX-Mixed-Case: yes\r\nx-dup: b\r\n"
                       b"X-Dup2: z\r\nX-Colon: http://a:80/b:c\r\nX-Empty:\r\n"
                       b"Set-Cookie: one=1\r\nSet-Cookie: two=2\r\nConnection: close\r\n\r\n"))
        self.assertEqual(got, {
            "dup": "a, b", "upper": "a, b", "has": True, "mixed": "yes", "missing": None, "hasMissing": False,
            "same": True, "error": "TypeError: Can't modify immutable headers", "copy": "a, b, c", "after": "a, b",
            "names": ["set-cookie", "set-cookie", "x-dup", "x-mixed-case"], "cookies": ["one=1", "two=2"], "clone": "a, b",
            "afterIteration": ["a, b", True],
            "colon": "http://a:80/b:c", "empty": "", "hasEmpty": True, "dup2": "z", "prefix": False,
        })

    def test_response_json_content_type(self):
        got = json.loads(request(self.v.port, path="/json")[2])
        self.assertEqual(got, {
            "plain": ["application/json", '{"a":1}'], "own": "text/x-mine",
            "made": [201, "application/json", "text/plain;charset=UTF-8"],
            "after": "text/plain;charset=UTF-8", "thrown": "TypeError",
        })


class RealApplicationDifferencesTest(unittest.TestCase):
    """Behaviour real applications depend on, as workerd has it."""

    WORKER = r"""
async function boom() { throw new Error("handled rejection"); }
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/rebody") {
      const first = new Response("hello world");
      return new Response(first.body, first);
    }
    if (path === "/422") return new Response("no", { status: 422 });
    if (path === "/101") {
      try { new Response(null, { status: 101 }); return new Response("built"); }
      catch (e) { return new Response(e.name); }
    }
    if (path === "/body") return new Response(request.body === null ? "null" : "stream " + (await request.arrayBuffer()).byteLength);
    if (path === "/upload") {
      const form = await request.formData();
      return new Response(form.get("field") + " " + (await form.get("file").text()));
    }
    if (path === "/big-log") {
      const started = Date.now();
      console.log(new Array(10000000).fill("x"));
      return new Response(String(Date.now() - started < 5000));
    }
    if (path === "/rejections") {
      try { await boom(); } catch {}
      boom().catch(() => {});
      Promise.reject(new Error("nobody handles this"));
      return new Response("ok");
    }
    return new Response("?");
  },
};
"""

    @classmethod
    def setUpClass(cls):
        cls.v = dev(worker_dir(cls.WORKER))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def test_a_response_rebuilt_from_another_keeps_its_length(self):
        status, headers, body = request(self.v.port, path="/rebody")
        self.assertEqual((status, body), (200, b"hello world"))
        self.assertEqual(headers.get("content-length"), "11")
        self.assertNotIn("transfer-encoding", headers)

    def test_reason_phrases_are_workerds(self):
        import socket
        s = socket.create_connection(("127.0.0.1", self.v.port))
        s.sendall(b"GET /422 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 422 Unprocessable Entity\r\n"))
        s.close()

    def test_status_101_without_a_websocket_is_a_range_error(self):
        self.assertEqual(request(self.v.port, path="/101")[2], b"RangeError")

    def test_content_length_zero_is_an_empty_body_not_none(self):
        self.assertEqual(request(self.v.port, "POST", "/body", headers={"Content-Length": "0"})[2], b"stream 0")
        self.assertEqual(request(self.v.port, "GET", "/body")[2], b"null")

    def test_a_browser_multipart_upload_keeps_its_boundary_case(self):
        boundary = "----WebKitFormBoundaryQ7xYzAbC"
        body = ("--{b}\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n"
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                "Content-Type: text/plain\r\n\r\nfile body\r\n--{b}--\r\n").format(b=boundary).encode()
        status, _, out = request(self.v.port, "POST", "/upload", body=body,
                                 headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
        self.assertEqual((status, out), (200, b"value file body"))

    def test_logging_a_huge_array_is_bounded(self):
        self.assertEqual(request(self.v.port, path="/big-log", timeout=60)[2], b"true")

    def test_only_unhandled_rejections_are_logged(self):
        self.assertEqual(request(self.v.port, path="/rejections")[2], b"ok")
        deadline = time.time() + 5
        while time.time() < deadline and "nobody handles this" not in "".join(self.v.stderr_lines + self.v.stdout_lines):
            time.sleep(0.05)
        logs = "".join(self.v.stderr_lines + self.v.stdout_lines)
        self.assertIn("Uncaught (in promise) Error: nobody handles this", logs)
        self.assertNotIn("handled rejection", logs)


class ByteStreamExtrasTest(unittest.TestCase):
    """Cloudflare's IdentityTransformStream and FixedLengthStream."""

    WORKER = r"""
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/fixed") {
      const { readable, writable } = new FixedLengthStream(11);
      const w = writable.getWriter();
      w.write(new TextEncoder().encode("hello ")).then(() => w.write(new TextEncoder().encode("world"))).then(() => w.close());
      return new Response(readable);
    }
    if (path === "/identity") {
      const { readable, writable } = new IdentityTransformStream();
      const w = writable.getWriter();
      w.write(new Uint8Array([104, 105])).then(() => w.close());
      return new Response(readable);
    }
    if (path === "/errors") {
      const out = [];
      for (const [n, chunks] of [[2, ["abc"]], [5, ["ab"]]]) {
        const { readable, writable } = new FixedLengthStream(n);
        const w = writable.getWriter();
        const read = new Response(readable).text().catch((e) => e.constructor.name);
        try { for (const c of chunks) await w.write(new TextEncoder().encode(c)); await w.close(); out.push("ok"); }
        catch (e) { out.push(e.constructor.name + ": " + e.message); }
        await read;
      }
      try { new FixedLengthStream(-1); } catch (e) { out.push(e.constructor.name); }
      try { new IdentityTransformStream().writable.getWriter().write("text").catch((e) => {}); out.push("queued"); } catch (e) { out.push(e.name); }
      return Response.json(out);
    }
    return new Response("?");
  },
};
"""

    @classmethod
    def setUpClass(cls):
        cls.v = dev(worker_dir(cls.WORKER))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def test_a_fixed_length_stream_is_sent_with_its_length(self):
        status, headers, body = request(self.v.port, path="/fixed")
        self.assertEqual((status, body), (200, b"hello world"))
        self.assertEqual(headers.get("content-length"), "11")

    def test_an_identity_stream_passes_bytes(self):
        status, headers, body = request(self.v.port, path="/identity")
        self.assertEqual((status, body), (200, b"hi"))
        self.assertIn("chunked", headers.get("transfer-encoding", ""))

    def test_wrong_lengths_are_type_errors(self):
        status, _, body = request(self.v.port, path="/errors")
        out = json.loads(body)
        self.assertTrue(out[0].startswith("TypeError: Attempt to write too many bytes"), out)
        self.assertTrue(out[1].startswith("TypeError: FixedLengthStream did not see all expected bytes"), out)
        self.assertEqual(out[2:], ["RangeError", "queued"])


class MessageChannelTest(unittest.TestCase):
    def test_ports_deliver_cloned_messages_once_started(self):
        v = dev(worker_dir(r"""
export default {
  async fetch() {
    const { port1, port2 } = new MessageChannel();
    const original = { list: [1, 2], when: new Date(0) };
    port1.postMessage(original);
    const seen = [];
    port2.addEventListener("message", (e) => seen.push(e.data));
    await new Promise((r) => setTimeout(r, 10));
    const before = seen.length;  // not started yet: nothing delivered
    port2.start();
    await new Promise((r) => setTimeout(r, 10));
    let refused = "";
    try { port1.postMessage(() => {}); } catch (e) { refused = e.name; }
    port1.close();
    port1.postMessage("after close");
    await new Promise((r) => setTimeout(r, 10));
    return Response.json([before, seen.length, seen[0] !== original, seen[0].list, seen[0].when instanceof Date,
                          seen[0] instanceof Object, refused, seen.length]);
  },
};
"""))
        try:
            self.assertEqual(json.loads(request(v.port, path="/")[2]),
                             [0, 1, True, [1, 2], True, True, "DataCloneError", 1])
        finally:
            v.stop()


class ContentEncodingTest(unittest.TestCase):
    """encodeBody / encodeResponseBody as workerd: fetch() decodes gzip and br
    bodies, and a response that says Content-Encoding: gzip is compressed on
    the wire unless it asks for "manual"."""

    TEXT = b"hello compressed world " * 200

    WORKER = r"""
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/text") {
      const r = await fetch(env.ORIGIN + "/gz");
      return Response.json([r.headers.get("content-encoding"), (await r.text()).length]);
    }
    if (path === "/manual") {
      const r = await fetch(env.ORIGIN + "/gz", { encodeResponseBody: "manual" });
      return Response.json([(await r.arrayBuffer()).byteLength]);
    }
    if (path === "/proxy") return fetch(env.ORIGIN + "/gz");
    if (path === "/make") return new Response("made ".repeat(500), { headers: { "content-encoding": "gzip" } });
    if (path === "/make-manual") {
      const gz = await new Response(new Blob(["raw"]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
      return new Response(gz, { encodeBody: "manual", headers: { "content-encoding": "gzip" } });
    }
    if (path === "/bad") {
      try { new Response("x", { encodeBody: "sometimes" }); return new Response("accepted"); }
      catch (e) { return new Response(e.name); }
    }
    return new Response("?");
  },
};
"""

    @classmethod
    def setUpClass(cls):
        import gzip
        cls.gz = gzip.compress(cls.TEXT)
        cls.origin = Origin({"/gz": lambda req: (200, {"content-type": "text/plain", "content-encoding": "gzip"}, cls.gz)})
        cls.v = dev(worker_dir(cls.WORKER, extra_toml='[vars]\nORIGIN = "%s"\n' % cls.origin.base))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def test_fetch_decodes_a_gzip_body(self):
        self.assertEqual(json.loads(request(self.v.port, path="/text")[2]), ["gzip", len(self.TEXT)])

    def test_manual_keeps_the_bytes_as_they_came(self):
        self.assertEqual(json.loads(request(self.v.port, path="/manual")[2]), [len(self.gz)])

    def test_a_proxied_gzip_response_reaches_the_client_gzipped(self):
        import gzip
        status, headers, body = request(self.v.port, path="/proxy")
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), self.TEXT)

    def test_a_response_that_says_gzip_is_compressed(self):
        import gzip
        status, headers, body = request(self.v.port, path="/make")
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertLess(len(body), 200)
        self.assertEqual(gzip.decompress(body), b"made " * 500)

    def test_encode_body_manual_sends_the_bytes(self):
        import gzip
        status, headers, body = request(self.v.port, path="/make-manual")
        self.assertEqual(gzip.decompress(body), b"raw")

    def test_a_bad_encode_body_is_a_type_error(self):
        self.assertEqual(request(self.v.port, path="/bad")[2], b"TypeError")


class CachedContentEncodingTest(unittest.TestCase):
    def test_a_gzip_response_is_stored_encoded_and_read_back_decoded(self):
        v = dev(worker_dir(r"""
export default {
  async fetch(request) {
    const key = new Request("https://example.com/k");
    await caches.default.put(key, new Response("cached ".repeat(300), {
      headers: { "content-encoding": "gzip", "cache-control": "max-age=60" } }));
    const hit = await caches.default.match(key);
    const text = await hit.text();
    return Response.json([hit.headers.get("content-encoding"), text.length, text.slice(0, 7)]);
  },
};
"""))
        try:
            self.assertEqual(json.loads(request(v.port, path="/")[2]), ["gzip", 2100, "cached "])
        finally:
            v.stop()
