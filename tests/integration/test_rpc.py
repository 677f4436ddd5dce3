"""Workers RPC over service bindings (issue 10): a worker calls methods of
another worker's WorkerEntrypoint through `env.SVC.method()`, with
structured-clonable values, functions and RpcTarget stubs going both ways,
promise pipelining, named entrypoints with ctx.props, errors as Cloudflare
gives them (DataCloneError, "does not implement the method"), and the
callee's CPU limit. Both workers run in one `verge serve` node; every case
is a request over loopback."""
import json
import tempfile
import unittest

import subprocess

from harness import VERGE, dev, request, serve_config, write_project

BACKEND = r"""
import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";

class Counter extends RpcTarget {
  #n;
  constructor(n) { super(); this.#n = n; this.own = "instance property"; }
  increment(by = 1) { this.#n += by; return this.#n; }
  get value() { return this.#n; }
}

export default class Math extends WorkerEntrypoint {
  calls = 0;
  add(a, b) { return a + b; }
  echo(value) { return value; }
  describe(value) {
    return { map: value.map instanceof Map, size: value.map.size, date: value.date.getTime(),
             bytes: Array.from(value.bytes), big: String(value.big), nested: value.nested.deep.deeper,
             blob: value.blob instanceof Blob ? value.blob.size : null, same: value.a === value.b };
  }
  async apply(fn, x) { return await fn(x) + 1; }
  counter(n) { return new Counter(n); }
  withCounter(n) { return { label: "counter", counter: new Counter(n) }; }
  bump() { return ++this.calls; }
  get version() { return "v2"; }
  fail(kind) {
    if (kind === "range") throw new RangeError("out of range: " + kind);
    throw new Error("plain failure");
  }
  badResult() { return { f: Symbol("s") }; }
  spin() { for (;;) {} }
  async later() { await new Promise((r) => setTimeout(r, 20)); return "later"; }
  fetch(request) { return new Response("default fetch " + new URL(request.url).pathname); }
}

export class Admin extends WorkerEntrypoint {
  whoami() { return this.ctx.props; }
  fetch(request) { return new Response("admin fetch as " + this.ctx.props.role); }
}

export const plain = { fetch() { return new Response("plain"); }, hello() { return "hi"; } };
"""

FRONTEND = r"""
class Foo { constructor() { this.x = 1; } }

async function outcome(fn) {
  try { return { ok: await fn() }; }
  catch (e) { return { error: e.constructor.name, name: e.name, message: e.message }; }
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const M = env.MATH;
    if (path === "/basic") {
      return Response.json({
        add: await M.add(2, 3),
        version: await M.version,
        echo: await M.echo({ s: "x", n: [1, 2, { t: true }], nil: null }),
        describe: await M.describe((() => { const shared = { k: 1 }; return {
          map: new Map([["a", 1], ["b", 2]]), date: new Date(86400000), bytes: new Uint8Array([1, 2, 3]),
          big: 12345678901234567890n, nested: { deep: { deeper: "yes" } }, blob: new Blob(["abcd"]),
          a: shared, b: shared }; })()),
        fresh: [await M.bump(), await M.bump()],
        fetch: await (await M.fetch("http://math/hello")).text(),
      });
    }
    if (path === "/callbacks") {
      const seen = [];
      const got = await M.apply((x) => { seen.push(x); return x * 2; }, 20);
      return Response.json({ got, seen });
    }
    if (path === "/stubs") {
      const counter = await M.counter(10);
      const a = await counter.increment();
      const b = await counter.increment(5);
      const value = await counter.value;
      const own = await outcome(() => counter.own);
      const piped = await M.counter(1).increment(2);
      const inObject = await M.withCounter(7);
      const label = inObject.label;
      const viaObject = await inObject.counter.increment(3);
      counter[Symbol.dispose]();
      const afterDispose = await outcome(() => counter.increment());
      return Response.json({ a, b, value, own, piped, label, viaObject, afterDispose,
                             typeofStub: typeof counter });
    }
    if (path === "/errors") {
      return Response.json({
        range: await outcome(() => M.fail("range")),
        plain: await outcome(() => M.fail("x")),
        missing: await outcome(() => M.nope()),
        ctor: await outcome(async () => (await M.counter(1)).constructor()),
        classArg: await outcome(() => M.echo(new Foo())),
        symbolArg: await outcome(() => M.echo(Symbol("s"))),
        badResult: await outcome(() => M.badResult()),
        plainExport: await outcome(() => env.PLAIN.hello()),
        plainFetch: await (await env.PLAIN.fetch("http://x/")).text(),
      });
    }
    if (path === "/entrypoint") {
      return Response.json({
        props: await env.ADMIN.whoami(),
        fetch: await (await env.ADMIN.fetch("http://admin/")).text(),
      });
    }
    if (path === "/spin") {
      return Response.json(await outcome(() => M.spin()));
    }
    if (path === "/parallel") {
      const all = await Promise.all(Array.from({ length: 20 }, (_, i) => M.add(i, i)));
      return Response.json({ all, later: await M.later() });
    }
    return new Response("?", { status: 404 });
  },
};
"""


def write_workers():
    """The two projects, in a new folder: → (frontend, backend, folder)."""
    tmp = tempfile.mkdtemp(prefix="verge-rpc-")
    backend, frontend = tmp + "/backend", tmp + "/frontend"
    write_project(backend, {
        "wrangler.toml": 'name = "backend"\nmain = "index.js"\n[limits]\ncpu_ms = 200\n',
        "index.js": BACKEND,
    })
    write_project(frontend, {
        "wrangler.toml": 'name = "frontend"\nmain = "index.js"\n'
                         '[[services]]\nbinding = "MATH"\nservice = "backend"\n'
                         '[[services]]\nbinding = "ADMIN"\nservice = "backend"\nentrypoint = "Admin"\n'
                         'props = { role = "admin", level = 3 }\n'
                         '[[services]]\nbinding = "PLAIN"\nservice = "backend"\nentrypoint = "plain"\n',
        "index.js": FRONTEND,
    })
    return frontend, backend, tmp


class RpcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        frontend, backend, tmp = write_workers()
        cls.node = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 2\n\n'
                                '[[workers]]\nname = "frontend"\npath = "%s"\nroutes = ["front.test"]\n\n'
                                '[[workers]]\nname = "backend"\npath = "%s"\nroutes = ["back.test"]\n'
                                % (frontend, backend), tmp)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def get(self, path):
        status, _, body = request(self.node.port, path=path, host="front.test")
        if status != 200:
            raise AssertionError("%d %s\n%s" % (status, body[:2000], self.node.stderr()))
        return json.loads(body)

    def test_values_cross_by_structured_clone(self):
        got = self.get("/basic")
        self.assertEqual(got["add"], 5)
        self.assertEqual(got["version"], "v2")
        self.assertEqual(got["echo"], {"s": "x", "n": [1, 2, {"t": True}], "nil": None})
        self.assertEqual(got["describe"], {"map": True, "size": 2, "date": 86400000, "bytes": [1, 2, 3],
                                           "big": "12345678901234567890", "nested": "yes", "blob": 4,
                                           "same": True})
        # Each call gets its own instance of the entrypoint, as on Cloudflare.
        self.assertEqual(got["fresh"], [1, 1])
        self.assertEqual(got["fetch"], "default fetch /hello")

    def test_functions_are_called_back_in_the_caller(self):
        self.assertEqual(self.get("/callbacks"), {"got": 41, "seen": [20]})

    def test_rpc_targets_come_back_as_stubs(self):
        got = self.get("/stubs")
        self.assertEqual((got["a"], got["b"], got["value"]), (11, 16, 16))
        # Only what the class defines is reachable; instance fields are not.
        self.assertEqual(got["own"], {"error": "TypeError", "name": "TypeError",
                                      "message": 'The RPC receiver does not implement the method "own".'})
        self.assertEqual(got["piped"], 3)  # promise pipelining: M.counter(1).increment(2)
        self.assertEqual((got["label"], got["viaObject"]), ("counter", 10))
        self.assertEqual(got["afterDispose"]["error"], "Error")
        self.assertEqual(got["typeofStub"], "function")

    def test_errors(self):
        got = self.get("/errors")
        self.assertEqual(got["range"], {"error": "RangeError", "name": "RangeError", "message": "out of range: range"})
        self.assertEqual(got["plain"], {"error": "Error", "name": "Error", "message": "plain failure"})
        missing = 'The RPC receiver does not implement the method "%s".'
        self.assertEqual(got["missing"], {"error": "TypeError", "name": "TypeError", "message": missing % "nope"})
        self.assertEqual(got["ctor"]["message"], missing % "constructor")
        self.assertEqual(got["classArg"], {"error": "DOMException", "name": "DataCloneError",
                                           "message": 'Could not serialize object of type "Foo". '
                                                      'This type does not support serialization.'})
        self.assertEqual(got["symbolArg"]["name"], "DataCloneError")
        # A result that cannot be cloned fails the call in the caller.
        self.assertEqual(got["badResult"], {"error": "DOMException", "name": "DataCloneError",
                                            "message": "Symbol(s) could not be cloned."})
        # An entrypoint that is not a WorkerEntrypoint class has no RPC
        # methods, but fetch() reaches it.
        self.assertEqual(got["plainExport"]["message"], missing % "hello")
        self.assertEqual(got["plainFetch"], "plain")

    def test_named_entrypoint_with_props(self):
        got = self.get("/entrypoint")
        self.assertEqual(got, {"props": {"role": "admin", "level": 3}, "fetch": "admin fetch as admin"})

    def test_callee_cpu_limit_fails_the_call_not_the_node(self):
        got = self.get("/spin")
        self.assertEqual(got["error"], "Error")
        self.assertIn("exceeded its resource limits", got["message"])
        self.assertEqual(self.get("/basic")["add"], 5)

    def test_many_calls_at_once(self):
        got = self.get("/parallel")
        self.assertEqual(got, {"all": [2 * i for i in range(20)], "later": "later"})


class DevRpcTest(unittest.TestCase):
    """`verge dev -c a -c b`, as `wrangler dev` runs several workers: the
    first is served, the others are reached through its service bindings."""

    def test_dev_runs_the_workers_its_bindings_name(self):
        frontend, backend, _ = write_workers()
        fe, be = frontend + "/wrangler.toml", backend + "/wrangler.toml"
        v = dev(frontend, "-c", fe, "-c", be)
        try:
            status, _, body = request(v.port, path="/entrypoint")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["props"], {"role": "admin", "level": 3})
            # Only the first worker is served; the backend is reached by binding.
            status, _, body = request(v.port, path="/nope")
            self.assertEqual((status, body), (404, b"?"))
        finally:
            v.stop()
        # Without the backend's config, the binding is warned about.
        v = dev(frontend)
        try:
            status, _, body = request(v.port, path="/entrypoint")
            self.assertEqual(status, 500)
            self.assertIn('no worker named "backend" runs under verge dev', v.stderr())
        finally:
            v.stop()
        # Two configs naming one worker is an error that says so.
        proc = subprocess.run([VERGE, "dev", frontend, "-c", fe, "-c", fe, "--port", "0"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn('already names a worker "frontend"', proc.stderr)


if __name__ == "__main__":
    unittest.main()
