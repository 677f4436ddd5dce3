"""Cold start (issue 9): a worker's first isolate on a thread is taken from
the spares the node prepares ahead of need (the runtime's own JS already
loaded), and a new spare is made in the background. Whatever isolate a
worker gets, it is its own: no state crosses between workers, and module
and service-worker scripts, vars and a worker past the spares all load."""
import json
import os
import re
import tempfile
import time
import unittest

from harness import Verge, request, worker_dir

MODULE_WORKER = r"""
const loadedAt = Date.now();  // top-level state: one per isolate
export default {
  async fetch(request, env) {
    const seen = globalThis.leak ?? null;  // set by an earlier request to this isolate only
    globalThis.leak = env.NAME;
    return Response.json({ name: env.NAME, seen, path: new URL(request.url).pathname,
                           ua: request.headers.get("user-agent"), loadedAt });
  },
};
"""

SERVICE_WORKER = r"""
addEventListener("fetch", (event) => {
  const seen = globalThis.leak ?? null;
  globalThis.leak = NAME;
  event.respondWith(Response.json({ name: NAME, seen, path: new URL(event.request.url).pathname }));
});
"""

WORKERS = 6


def wait_for_count(v, pattern, count, timeout=30):
    """True once `pattern` matches at least `count` lines of the node's stderr."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(re.findall(pattern, v.stderr())) >= count:
            return True
        time.sleep(0.02)
    return False


class SpareIsolateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verge-cold-")
        text = '[server]\nlisten = "127.0.0.1:0"\nthreads = 1\ndata_dir = "%s"\n\n' % os.path.join(cls.tmp, "data")
        for i in range(WORKERS):
            code = SERVICE_WORKER if i == WORKERS - 1 else MODULE_WORKER
            d = worker_dir(code, extra_toml='[vars]\nNAME = "w%d"\n' % i, name="w%d" % i)
            text += '[[workers]]\nname = "w%d"\npath = "%s"\nroutes = ["w%d.test"]\n\n' % (i, d, i)
        path = os.path.join(cls.tmp, "node.toml")
        with open(path, "w") as f:
            f.write(text)
        cls.v = Verge(["--log-level", "debug", "serve", "--config", path])

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def get(self, i, path="/"):
        status, headers, body = request(self.v.port, path=path, host="w%d.test" % i,
                                        headers={"User-Agent": "cold-test"})
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_workers_load_from_spares_and_keep_their_own_state(self):
        ready = r"runtime: a spare isolate is ready"
        # One spare per thread exists before the node listens.
        self.assertTrue(wait_for_count(self.v, ready, 1), self.v.stderr())
        first = self.get(0, "/a")
        self.assertEqual(first["name"], "w0")
        self.assertIsNone(first["seen"])
        self.assertEqual(first["ua"], "cold-test")
        self.assertTrue(wait_for_count(self.v, r"worker w0: loaded on thread 0 in [\d.]+ ms \(a spare isolate\)", 1),
                        self.v.stderr())
        # The spare taken is replaced in the background; the next
        # never-loaded worker gets the new one.
        self.assertTrue(wait_for_count(self.v, ready, 2), self.v.stderr())
        self.assertEqual(self.get(1)["seen"], None)
        self.assertTrue(wait_for_count(self.v, r"worker w1: loaded on thread 0 in [\d.]+ ms \(a spare isolate\)", 1),
                        self.v.stderr())
        # The rest in a burst: faster than spares are made, so some load
        # into new isolates; all answer, each in an isolate of its own.
        for i in range(2, WORKERS):
            answer = self.get(i, "/p%d" % i)
            self.assertEqual((answer["name"], answer["seen"], answer["path"]), ("w%d" % i, None, "/p%d" % i))
        self.assertTrue(wait_for_count(self.v, r"worker w\d: loaded on thread 0", WORKERS), self.v.stderr())
        # Second round: every worker sees only what it left itself.
        for i in range(WORKERS):
            self.assertEqual(self.get(i)["seen"], "w%d" % i)
        self.assertNotIn("failed", self.v.stderr())


if __name__ == "__main__":
    unittest.main()
