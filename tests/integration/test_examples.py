"""The example project a newcomer runs first (`make run`, `verge dev
examples/hello`) keeps working."""
import json
import os
import shutil
import tempfile
import unittest

from harness import ROOT, dev, request


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


if __name__ == "__main__":
    unittest.main()
