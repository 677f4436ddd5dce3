"""Graceful shutdown, routing by host in `verge serve`, and clear errors for
bad command lines and config files."""
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import VERGE, Verge, dev, request, serve_config, worker_dir


class ShutdownTest(unittest.TestCase):
    def test_sigterm_finishes_in_flight_requests(self):
        d = worker_dir("""
export default { async fetch(req) {
  await new Promise(r => setTimeout(r, 800));
  return new Response("finished");
} };""")
        v = dev(d)
        result = {}

        def slow():
            result["r"] = request(v.port, path="/")

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.3)
        v.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        # New connections are refused while draining.
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", v.port), timeout=1).recv(1)
        t.join(10)
        self.assertEqual(result["r"][0], 200)
        self.assertEqual(result["r"][2], b"finished")
        self.assertEqual(v.proc.wait(10), 0)

    def test_sigint_exits_cleanly_when_idle(self):
        v = dev(worker_dir("export default { fetch() { return new Response('x'); } };"))
        self.assertEqual(request(v.port)[0], 200)
        self.assertEqual(v.stop(signal.SIGINT), 0)

    def test_wait_until_is_drained_on_shutdown(self):
        marker = tempfile.mktemp()
        from harness import Origin
        origin = Origin({"/done": lambda r: (200, {}, b"")})
        d = worker_dir("""
export default { fetch(req, env, ctx) {
  ctx.waitUntil(new Promise(r => setTimeout(r, 500)).then(() => fetch(env.ORIGIN + "/done")));
  return new Response("ok");
} };""", extra_toml='[vars]\nORIGIN = "%s"\n' % origin.base)
        v = dev(d)
        try:
            self.assertEqual(request(v.port)[0], 200)
            v.proc.send_signal(signal.SIGTERM)
            self.assertEqual(v.proc.wait(10), 0)
            self.assertEqual([r["path"] for r in origin.requests], ["/done"])
        finally:
            origin.close()


class RoutingTest(unittest.TestCase):
    def test_hosts_route_to_workers(self):
        a = worker_dir("export default { fetch(r, env) { return new Response('A ' + env.WHO); } };", name="a")
        b = worker_dir("export default { fetch(r) { return new Response('B ' + new URL(r.url).pathname); } };", name="b")
        tmp = tempfile.mkdtemp()
        v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
colo = "TEST"
[[workers]]
name = "a"
path = "%s"
routes = ["a.example.com", "*.wild.test"]
vars = { WHO = "node-var" }
[[workers]]
name = "b"
path = "%s"
routes = ["a.example.com/b/*"]
""" % (a, b), tmp)
        try:
            self.assertEqual(request(v.port, host="a.example.com")[2], b"A node-var")
            self.assertEqual(request(v.port, host="A.Example.COM:8080", path="/x")[2], b"A node-var")
            self.assertEqual(request(v.port, host="a.example.com", path="/b/c")[2], b"B /b/c")
            self.assertEqual(request(v.port, host="x.wild.test")[2], b"A node-var")
            status, _, body = request(v.port, host="wild.test")
            self.assertEqual(status, 404)
            status, _, body = request(v.port, host="unknown.test")
            self.assertEqual(status, 404)
            self.assertIn(b"unknown.test", body)
        finally:
            v.stop()


class PassThroughTest(unittest.TestCase):
    def test_pass_through_on_exception_forwards_to_origin(self):
        from harness import Origin
        origin = Origin({"/page": lambda r: (200, {"x-from": "origin"}, b"origin page " + r["body"])})
        d = worker_dir("""
export default { async fetch(request, env, ctx) {
  ctx.passThroughOnException();
  if (new URL(request.url).searchParams.has("ok")) return new Response("worker");
  throw new Error("worker bug");
} };""")
        tmp = tempfile.mkdtemp()
        v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 1
[[workers]]
path = "%s"
routes = ["*"]
origin = "%s"
""" % (d, origin.base), tmp)
        try:
            self.assertEqual(request(v.port, path="/page?ok")[2], b"worker")
            status, headers, body = request(v.port, "POST", "/page", body=b"with body")
            self.assertEqual((status, body, headers.get("x-from")), (200, b"origin page with body", "origin"))
            self.assertEqual(origin.requests[-1]["path"], "/page")
        finally:
            v.stop()
            origin.close()


class BadInputTest(unittest.TestCase):
    def run_verge(self, *args):
        p = subprocess.run([VERGE] + list(args), capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def test_help(self):
        code, out, err = self.run_verge("--help")
        self.assertEqual(code, 0)
        for cmd in ("dev", "serve"):
            self.assertIn(cmd, out)
        code, out, err = self.run_verge("dev", "--help")
        self.assertEqual(code, 0)
        for flag in ("--port", "--ip", "--var", "--persist-to", "--threads"):
            self.assertIn(flag, out)

    def test_bad_flag(self):
        code, out, err = self.run_verge("dev", "--bogus")
        self.assertNotEqual(code, 0)
        self.assertIn("--bogus", err)

    def config_error(self, text, name="node.toml"):
        d = tempfile.mkdtemp()
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        code, out, err = self.run_verge("serve", "--config", path)
        self.assertEqual(code, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(path, err)
        return err

    def test_bad_node_configs(self):
        self.assertIn("invalid TOML", self.config_error("[server\nlisten=1"))
        self.assertIn("'server.listen'", self.config_error('[server]\nlisten = 5\n[[workers]]\npath="x"\nroutes=["*"]'))
        self.assertIn("'server.bogus'", self.config_error('[server]\nbogus = 1\n'))
        self.assertIn("'workers'", self.config_error('[server]\nlisten = "127.0.0.1:0"\n'))
        self.assertIn("'workers[0].routes'", self.config_error('[[workers]]\npath = "x"\n'))
        self.assertIn("'limits.max_body_bytes'", self.config_error('[limits]\nmax_body_bytes = -1\n'))
        self.assertIn("'zones[0].origin'", self.config_error('[[zones]]\nhosts = ["a.test"]\norigin = "ftp://x"\n'))
        self.assertIn("'zones[0].hosts'", self.config_error('[[zones]]\norigin = "http://x"\n'))

    def test_bad_wrangler_configs(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "wrangler.toml"), "w") as f:
            f.write('name = "x"\nmain = 5\n')
        code, out, err = self.run_verge("dev", d)
        self.assertEqual(code, 2)
        self.assertIn("wrangler.toml: 'main'", err)
        with open(os.path.join(d, "wrangler.toml"), "w") as f:
            f.write('name = "x"\nmain = "missing.js"\n')
        code, out, err = self.run_verge("dev", d)
        self.assertEqual(code, 2)
        self.assertIn("does not exist", err)
        os.remove(os.path.join(d, "wrangler.toml"))
        with open(os.path.join(d, "wrangler.jsonc"), "w") as f:
            f.write('{ // comment\n "name": "x", "main": "index.js", "limits": {"cpu_ms": "fast"}, }')
        code, out, err = self.run_verge("dev", d)
        self.assertEqual(code, 2)
        self.assertIn("'limits.cpu_ms'", err)

    def test_port_in_use(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        d = worker_dir("export default { fetch() { return new Response('x'); } };")
        code, out, err = self.run_verge("dev", d, "--port", str(port))
        s.close()
        self.assertEqual(code, 1)
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, err)


class JsonConfigTest(unittest.TestCase):
    def test_wrangler_jsonc(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "wrangler.jsonc"), "w") as f:
            f.write('{\n  // comments are allowed\n  "name": "j",\n  "main": "w.js",\n  "vars": {"N": 3, "S": "s"},\n}\n')
        with open(os.path.join(d, "w.js"), "w") as f:
            f.write("export default { fetch(r, env) { return new Response(env.N + env.S + typeof env.N); } };")
        v = dev(d)
        try:
            # Non-string vars arrive as JSON values, as with wrangler.
            self.assertEqual(request(v.port)[2], b"3snumber")
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()
