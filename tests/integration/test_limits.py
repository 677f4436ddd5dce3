"""CPU and memory limits: a runaway request gets a 503 and the node keeps
serving, including other requests of the same worker."""
import concurrent.futures
import json
import time
import unittest

from harness import dev, request, worker_dir

WORKER = r"""
let counter = 0;
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/loop") { for (;;) {} }
    if (path === "/alloc") { const keep = []; for (;;) keep.push(new Array(100000).fill(Math.random())); }
    if (path === "/recurse") { const f = (n) => f(n + 1) + 1; return new Response(String(f(0))); }
    if (path === "/async-loop") { await null; for (;;) {} }
    if (path === "/sleep") { await new Promise(r => setTimeout(r, 400)); return new Response("slept"); }
    counter++;
    return new Response("ok " + counter);
  },
};
"""


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = worker_dir(WORKER, extra_toml="[limits]\ncpu_ms = 200\n")
        cls.v = dev(cls.dir, "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def assert_healthy(self):
        status, _, body = request(self.v.port, path="/")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"ok "))

    def run_with_concurrent_healthy(self, path):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            bad = pool.submit(request, self.v.port, "GET", path)
            time.sleep(0.05)
            healthy = [pool.submit(request, self.v.port, "GET", "/sleep") for _ in range(3)]
            status, headers, body = bad.result(timeout=30)
            for h in healthy:
                self.assertEqual(h.result(timeout=30)[0], 200)
        return status, body

    def test_infinite_loop(self):
        status, body = self.run_with_concurrent_healthy("/loop")
        self.assertEqual(status, 503)
        self.assertIn(b"exceeded resource limits", body)
        self.assert_healthy()

    def test_loop_after_await(self):
        status, _ = self.run_with_concurrent_healthy("/async-loop")
        self.assertEqual(status, 503)
        self.assert_healthy()

    def test_unbounded_allocation(self):
        status, body = self.run_with_concurrent_healthy("/alloc")
        self.assertEqual(status, 503)
        self.assert_healthy()
        self.assertIn("exceeded resource limits", self.v.stderr())

    def test_infinite_recursion(self):
        status, body = self.run_with_concurrent_healthy("/recurse")
        self.assertEqual(status, 503)
        self.assert_healthy()

    def test_many_runaways_do_not_kill_the_node(self):
        for _ in range(3):
            self.assertEqual(request(self.v.port, path="/loop")[0], 503)
        self.assert_healthy()
        self.assertIsNone(self.v.proc.poll())


if __name__ == "__main__":
    unittest.main()
