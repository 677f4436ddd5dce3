"""User code cannot degrade the node (issue 8): a spinning script, a query
that never ends, unbounded off-heap memory, timers and waitUntil() work left
behind, a worker that fetches itself, too many subrequests, huge response
headers. Each case drives the real binary over loopback."""
import concurrent.futures
import os
import signal
import threading
import time
import unittest

from harness import Origin, dev, request, serve_config, wait_for_log, worker_dir, write_project

SPIN = r"""
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/spin") { for (;;) {} }
    return new Response("spun " + path);
  },
};
"""

HEALTHY = r"""
export default {
  async fetch(request) {
    return Response.json({ ok: true, path: new URL(request.url).pathname });
  },
};
"""


def node_config(tmp, workers, threads=2, extra=""):
    text = '[server]\nlisten = "127.0.0.1:0"\nthreads = %d\n%s\n' % (threads, extra)
    for name, path, routes in workers:
        text += '[[workers]]\nname = "%s"\npath = "%s"\nroutes = %s\n\n' % (name, path, routes)
    return serve_config(text, tmp)


class SpinningScriptTest(unittest.TestCase):
    """F4: one worker burning its CPU budget delays only itself."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tmp = tempfile.mkdtemp(prefix="verge-contain-")
        cls.spin = worker_dir(SPIN, extra_toml="[limits]\ncpu_ms = 4000\n", name="spin")
        cls.healthy = worker_dir(HEALTHY, name="healthy")
        cls.v = node_config(cls.tmp, [("spin", cls.spin, '["spin.test"]'),
                                      ("healthy", cls.healthy, '["healthy.test"]')])

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def test_other_workers_answer_while_four_requests_spin(self):
        # More spinning requests than the node has threads.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            spinners = [pool.submit(request, self.v.port, "GET", "/spin", host="spin.test", timeout=60)
                        for _ in range(4)]
            time.sleep(0.5)  # let them all start spinning
            answered = []
            for i in range(60):
                status, _, body = request(self.v.port, path="/h%d" % i, host="healthy.test", timeout=60)
                self.assertEqual(status, 200)
                answered.append(body)
            # Every healthy request was answered while the spinners were
            # still spinning (they end at their 4 s CPU limit).
            self.assertFalse(any(s.done() for s in spinners), "a spinner ended before the healthy requests")
            for s in spinners:
                status, _, body = s.result(timeout=60)
                self.assertEqual(status, 503)
                self.assertIn(b"exceeded resource limits", body)
        self.assertEqual(len(answered), 60)

    def test_same_worker_answers_other_requests_while_one_spins(self):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            spinner = pool.submit(request, self.v.port, "GET", "/spin", host="spin.test", timeout=60)
            time.sleep(0.5)
            for i in range(10):
                status, _, body = request(self.v.port, path="/x%d" % i, host="spin.test", timeout=60)
                self.assertEqual((status, body), (200, b"spun /x%d" % i))
            self.assertFalse(spinner.done())
            self.assertEqual(spinner.result(timeout=60)[0], 503)


class SpinningShutdownTest(unittest.TestCase):
    def test_sigterm_stops_spinning_and_queued_requests(self):
        # More spinning requests than the loop makes isolates for one worker
        # (4): two wait in a queue, and must not start spinning at shutdown.
        d = worker_dir(SPIN, extra_toml="[limits]\ncpu_ms = 600000\n", name="spin")
        v = dev(d, "--threads", "1")
        pool = concurrent.futures.ThreadPoolExecutor(6)
        spinners = [pool.submit(request, v.port, "GET", "/spin", timeout=120) for _ in range(6)]
        time.sleep(1.5)
        start = time.monotonic()
        v.proc.send_signal(signal.SIGTERM)
        v.proc.wait(60)  # raises if the node never stops
        self.assertLess(time.monotonic() - start, 45)
        v.stop()
        for s in spinners:
            try:
                s.result(timeout=10)
            except Exception:
                pass
        pool.shutdown()


class NativeWorkTest(unittest.TestCase):
    """F1: a D1 query that never ends is interrupted at the CPU limit, and
    does not keep the node from stopping."""

    WORKER = r"""
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/forever") {
      const r = await env.DB.prepare(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) AS n FROM c").first();
      return Response.json(r);
    }
    const r = await env.DB.prepare("SELECT 41 + 1 AS n").first();
    return Response.json(r);
  },
};
"""
    TOML = '[limits]\ncpu_ms = 1500\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "db"\ndatabase_id = "db"\n'

    def test_endless_query_is_stopped_at_the_cpu_limit(self):
        d = worker_dir(self.WORKER, extra_toml=self.TOML)
        v = dev(d, "--threads", "1")
        try:
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                forever = pool.submit(request, v.port, "GET", "/forever", timeout=60)
                time.sleep(0.3)
                # The one loop keeps serving while the query runs.
                status, _, body = request(v.port, path="/quick", timeout=60)
                self.assertEqual((status, body), (200, b'{"n":42}'))
                self.assertFalse(forever.done())
                status, _, body = forever.result(timeout=60)
            self.assertEqual(status, 503)
            self.assertIn(b"exceeded resource limits", body)
            self.assertEqual(request(v.port, path="/again")[0], 200)
        finally:
            v.stop()

    def test_sigterm_stops_the_node_during_an_endless_query(self):
        d = worker_dir(self.WORKER, extra_toml=self.TOML.replace("1500", "600000"))
        v = dev(d, "--threads", "1")
        pool = concurrent.futures.ThreadPoolExecutor(1)
        forever = pool.submit(request, v.port, "GET", "/forever", timeout=120)
        time.sleep(0.5)
        start = time.monotonic()
        v.proc.send_signal(signal.SIGTERM)
        v.proc.wait(60)  # raises if the node never stops
        self.assertEqual(v.proc.returncode, 0)
        # Stopped by shutdown, long before its 600 s CPU limit.
        self.assertLess(time.monotonic() - start, 45)
        v.stop()
        try:
            forever.result(timeout=10)
        except Exception:
            pass  # the connection was closed: that is all a stopping node can do
        pool.shutdown()


class MemoryTest(unittest.TestCase):
    """F3: ArrayBuffers count against the isolate's memory limit."""

    WORKER = r"""
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const keep = [];
    if (path === "/caught") {
      try {
        for (;;) keep.push(new ArrayBuffer(64 * 1024 * 1024));
      } catch (e) {
        return new Response(e.constructor.name + " after " + keep.length);
      }
    }
    if (path === "/typed") {
      for (;;) keep.push(new Uint8Array(16 * 1024 * 1024));
    }
    if (path === "/encode") {
      const s = "x".repeat(8 * 1024 * 1024);
      for (;;) keep.push(new TextEncoder().encode(s));
    }
    return new Response("ok");
  },
};
"""

    @classmethod
    def setUpClass(cls):
        cls.v = dev(worker_dir(cls.WORKER), "--threads", "1")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def rss_mb(self):
        with open("/proc/%d/status" % self.v.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
        return 0

    def test_array_buffers_hit_the_limit_with_a_range_error(self):
        status, _, body = request(self.v.port, path="/caught")
        self.assertEqual(status, 200)
        name, _, count = body.decode().partition(" after ")
        self.assertEqual(name, "RangeError")
        self.assertLessEqual(int(count), 2)  # 128 MB hold at most two 64 MiB buffers
        self.assertLess(self.rss_mb(), 1024)

    def test_uncaught_allocation_failures_fail_only_the_request(self):
        for path in ("/typed", "/encode"):
            status, _, _ = request(self.v.port, path=path)
            self.assertIn(status, (500, 503), path)
            self.assertLess(self.rss_mb(), 1024)
        self.assertEqual(request(self.v.port, path="/")[0:3:2], (200, b"ok"))


class RequestContextTest(unittest.TestCase):
    """F7, F8: timers and waitUntil() work end with their request."""

    WORKER = r"""
let ticks = 0;
export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/interval") {
      setInterval(() => { ticks++; }, 5);
      await new Promise(r => setTimeout(r, 30));
      return new Response("started");
    }
    if (path === "/ticks") return new Response(String(ticks));
    if (path === "/never") {
      ctx.waitUntil(new Promise(() => {}));
      return new Response("waiting forever");
    }
    if (path === "/global-timer") return new Response(typeof globalThis.__timerError);
    return new Response("ok");
  },
};
try { setTimeout(() => {}, 10); } catch (e) { globalThis.__timerError = e; }
"""

    @classmethod
    def setUpClass(cls):
        cls.v = dev(worker_dir(cls.WORKER), "--threads", "1")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def test_intervals_stop_when_their_request_ends(self):
        self.assertEqual(request(self.v.port, path="/interval")[2], b"started")
        time.sleep(0.1)  # the request's context ends once the response is out
        first = int(request(self.v.port, path="/ticks")[2])
        time.sleep(0.3)
        second = int(request(self.v.port, path="/ticks")[2])
        self.assertGreater(first, 0)
        self.assertEqual(first, second)

    def test_timers_at_global_scope_are_refused(self):
        self.assertEqual(request(self.v.port, path="/global-timer")[2], b"object")

    def test_wait_until_that_can_never_settle_is_dropped(self):
        for _ in range(50):
            self.assertEqual(request(self.v.port, path="/never")[0], 200)
        self.assertTrue(wait_for_log(self.v, "waitUntil() promises that can never settle were dropped"))

    def test_shutdown_does_not_wait_for_dead_wait_until_work(self):
        v = dev(worker_dir(self.WORKER), "--threads", "1")
        self.assertEqual(request(v.port, path="/never")[0], 200)
        start = time.monotonic()
        self.assertEqual(v.stop(), 0)
        self.assertLess(time.monotonic() - start, 10)  # not the 30 s drain


class WaitUntilCutTest(unittest.TestCase):
    """F8: waitUntil() work that keeps running is cut 30 s after the response."""

    WORKER = r"""
let beats = 0;
export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/busy") {
      ctx.waitUntil(new Promise(() => { setInterval(() => { beats++; }, 100); }));
      return new Response("busy");
    }
    return new Response(String(beats));
  },
};
"""

    def test_busy_wait_until_is_cut_after_30_seconds(self):
        v = dev(worker_dir(self.WORKER), "--threads", "1")
        try:
            self.assertEqual(request(v.port, path="/busy")[2], b"busy")
            time.sleep(2)
            self.assertGreater(int(request(v.port, path="/beats")[2]), 5)
            time.sleep(30)
            self.assertTrue(wait_for_log(v, "waitUntil() work did not finish within 30 s"))
            first = int(request(v.port, path="/beats")[2])
            time.sleep(0.5)
            self.assertEqual(int(request(v.port, path="/beats")[2]), first)
        finally:
            v.stop()


class SubrequestTest(unittest.TestCase):
    """F2: loop detection, the subrequest cap and the open-connection cap."""

    WORKER = r"""
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/self") return fetch(url.href);
    if (url.pathname === "/many") {
      try {
        for (let i = 0; i < 1001; i++) await (await fetch(env.ORIGIN + "/small")).text();
        return new Response("all 1001");
      } catch (e) {
        return new Response(e.message, { status: 500 });
      }
    }
    if (url.pathname === "/parallel") {
      const all = await Promise.all(Array.from({ length: 20 }, () => fetch(env.ORIGIN + "/slow").then(r => r.text())));
      return new Response(String(all.length));
    }
    if (url.pathname === "/unread") {
      // Ten responses whose bodies are never read must not block the next.
      const held = [];
      for (let i = 0; i < 10; i++) held.push(await fetch(env.ORIGIN + "/small"));
      const last = await fetch(env.ORIGIN + "/small");
      return new Response(held.length + " " + await last.text());
    }
    if (url.pathname === "/big-headers") {
      return new Response("x", { headers: { "x-big": "a".repeat(200 * 1024) } });
    }
    return new Response("ok");
  },
};
"""

    @classmethod
    def setUpClass(cls):
        cls.open_now = 0
        cls.open_max = 0
        lock = threading.Lock()

        def slow(req):
            with lock:
                cls.open_now += 1
                cls.open_max = max(cls.open_max, cls.open_now)
            time.sleep(0.1)
            with lock:
                cls.open_now -= 1
            return 200, {"content-type": "text/plain"}, b"slow"

        cls.origin = Origin({"/small": lambda req: (200, {}, b"s"), "/slow": slow})
        d = worker_dir(cls.WORKER, extra_toml='[vars]\nORIGIN = "%s"\n' % cls.origin.base)
        cls.v = dev(d, "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def test_a_worker_fetching_itself_hits_the_loop_limit(self):
        status, _, body = request(self.v.port, path="/self", timeout=60)
        self.assertEqual(status, 508)
        self.assertIn(b"1019", body)
        self.assertEqual(request(self.v.port, path="/")[0], 200)
        # Everything the loop opened is closed again.
        time.sleep(0.5)
        fds = len(os.listdir("/proc/%d/fd" % self.v.proc.pid))
        self.assertLess(fds, 200)

    def test_the_loop_limit_is_read_from_cf_ew_via(self):
        status, _, body = request(self.v.port, path="/", headers={"CF-EW-Via": "0"})
        self.assertEqual(status, 508)

    def test_more_than_1000_subrequests_fail(self):
        status, _, body = request(self.v.port, path="/many", timeout=120)
        self.assertEqual(status, 500)
        self.assertIn(b"Too many subrequests", body)

    def test_at_most_six_subrequests_are_open_at_once(self):
        status, _, body = request(self.v.port, path="/parallel", timeout=60)
        self.assertEqual((status, body), (200, b"20"))
        self.assertEqual(self.open_max, 6)

    def test_unread_response_bodies_do_not_hold_a_slot(self):
        status, _, body = request(self.v.port, path="/unread", timeout=30)
        self.assertEqual((status, body), (200, b"10 s"))

    def test_response_headers_are_capped(self):
        status, _, body = request(self.v.port, path="/big-headers")
        self.assertEqual(status, 500)
        self.assertTrue(wait_for_log(self.v, "response headers are"))


class StartupTest(unittest.TestCase):
    def test_top_level_code_that_spins_does_not_hang_the_node(self):
        d = worker_dir("for (;;) {}\nexport default { fetch() { return new Response('never'); } };\n")
        v = dev(d, "--threads", "1")
        try:
            status, _, body = request(v.port, path="/", timeout=60)
            self.assertEqual(status, 500)
            self.assertIn(b"start-up CPU time limit", body)
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()


class EgressTest(unittest.TestCase):
    """F10: in verge serve a worker's fetch() reaches no loopback, private or
    link-local address, nor the node itself, unless the node config allows
    it; verge dev reaches localhost as wrangler dev does."""

    WORKER = r"""
export default {
  async fetch(request, env) {
    const target = new URL(request.url).searchParams.get("url");
    try {
      const r = await fetch(target);
      return new Response("reached " + r.status + " " + await r.text());
    } catch (e) {
      return new Response(e.constructor.name + ": " + e.message, { status: 502 });
    }
  },
};
"""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.origin = Origin({"/secret": lambda req: (200, {}, b"internal data")})
        cls.tmp = tempfile.mkdtemp(prefix="verge-egress-")
        cls.dir = worker_dir(cls.WORKER, name="fetcher")
        text = ('[server]\nlisten = "127.0.0.1:0"\nthreads = 1\n\n'
                '[admin]\nlisten = "127.0.0.1:0"\ntoken_env = "VERGE_TEST_TOKEN"\n\n'
                '[[workers]]\nname = "closed"\npath = "%s"\nroutes = ["closed.test"]\n\n'
                '[[workers]]\nname = "open"\npath = "%s"\nroutes = ["open.test"]\n'
                'egress_allow = ["127.0.0.1:%d"]\n' % (cls.dir, cls.dir, cls.origin.port))
        os.environ["VERGE_TEST_TOKEN"] = "t0ken"
        cls.v = serve_config(text, cls.tmp)
        cls.admin_port = None
        for _ in range(200):  # the admin line follows the ready line
            lines = [l for l in cls.v.stderr_lines if "admin API on" in l]
            if lines:
                cls.admin_port = int(lines[0].rsplit(":", 1)[1])
                break
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def fetch_via(self, host, url):
        from urllib.parse import quote
        return request(self.v.port, path="/?url=" + quote(url, safe=""), host=host)

    def test_loopback_origin_is_refused_by_default(self):
        status, _, body = self.fetch_via("closed.test", self.origin.base + "/secret")
        self.assertEqual(status, 502)
        self.assertIn(b"TypeError", body)
        self.assertIn(b"egress to 127.0.0.1:%d refused: loopback address" % self.origin.port, body)
        self.assertNotIn(b"internal data", body)

    def test_a_host_name_is_judged_by_the_address_it_resolves_to(self):
        status, _, body = self.fetch_via("closed.test", "http://localhost:%d/secret" % self.origin.port)
        self.assertEqual(status, 502)
        self.assertIn(b"refused", body)

    def test_private_and_link_local_addresses_are_refused(self):
        for url in ("http://10.255.255.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/"):
            status, _, body = self.fetch_via("closed.test", url)
            self.assertEqual(status, 502, url)
            self.assertIn(b"refused", body, url)

    def test_the_node_itself_and_its_admin_api_are_refused(self):
        for port in (self.v.port, self.admin_port):
            status, _, body = self.fetch_via("open.test", "http://127.0.0.1:%d/" % port)
            self.assertEqual(status, 502)
            self.assertIn(b"refused", body)

    def test_egress_allow_opens_exactly_what_it_names(self):
        status, _, body = self.fetch_via("open.test", self.origin.base + "/secret")
        self.assertEqual((status, body), (200, b"reached 200 internal data"))

    def test_bad_egress_allow_entries_stop_the_node(self):
        import subprocess
        from harness import VERGE
        for bad in ('["10.0.0.1/8"]', '["nonsense"]', '"127.0.0.1"'):
            path = os.path.join(self.tmp, "bad.toml")
            with open(path, "w") as f:
                f.write('[server]\nlisten = "127.0.0.1:0"\n[[workers]]\npath = "%s"\nroutes = ["*"]\n'
                        'egress_allow = %s\n' % (self.dir, bad))
            r = subprocess.run([VERGE, "serve", "--config", path], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertIn("egress_allow", r.stderr, bad)

    def test_verge_dev_reaches_localhost(self):
        v = dev(self.dir)
        try:
            from urllib.parse import quote
            status, _, body = request(v.port, path="/?url=" + quote(self.origin.base + "/secret", safe=""))
            self.assertEqual((status, body), (200, b"reached 200 internal data"))
        finally:
            v.stop()
