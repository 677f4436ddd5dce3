"""The shared-cache conformance suite (http-cache-tests 0.4.5, the suite
behind cache-tests.fyi) through the real binary: its origin server, verge in
front with one zone, its CLI client (tests/conformance/run.sh), then
tests/conformance/score.mjs to classify the results the way cache-tests.fyi
does and to score the results the package ships for other caches.

Two assertions:
- verge has no more conformance failures (failed tests of kind "required")
  than the best of nginx, Varnish, Traffic Server and Fastly;
- verge's conformance failures are exactly those listed in
  tests/conformance/expected_failures.txt, so a regression and a fix both
  show up here.

The whole suite takes about 15 s (its clients pause 3 s between some
requests to let responses go stale).
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import ROOT, VERGE

CONFORMANCE = os.path.join(ROOT, "tests", "conformance")
EXPECTED = os.path.join(CONFORMANCE, "expected_failures.txt")
# The implementations verge must do at least as well as.
PEERS = ["nginx", "varnish", "trafficserver", "fastly"]


def expected_failures():
    """Test ids from expected_failures.txt: one per line, '#' starts a comment."""
    ids = []
    with open(EXPECTED) as f:
        for line in f:
            test_id = line.split("#", 1)[0].strip()
            if test_id:
                ids.append(test_id)
    return ids


@unittest.skipUnless(shutil.which("node"), "node is not installed (scripts/setup.sh installs it)")
class ConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verge-conformance-test-")
        results = os.path.join(cls.tmp, "verge.json")
        scores = os.path.join(cls.tmp, "scores.json")
        env = dict(os.environ, VERGE_BIN=VERGE)
        run = subprocess.run([os.path.join(CONFORMANCE, "run.sh"), "-o", results], env=env,
                             capture_output=True, text=True, timeout=400)
        if run.returncode != 0:
            raise AssertionError("run.sh failed (%d):\n%s\n%s" % (run.returncode, run.stdout, run.stderr))
        score = subprocess.run(["node", os.path.join(CONFORMANCE, "score.mjs"), results, "--json", scores,
                                "--failures"], capture_output=True, text=True, timeout=60)
        if score.returncode != 0:
            raise AssertionError("score.mjs failed (%d):\n%s\n%s"
                                 % (score.returncode, score.stdout, score.stderr))
        cls.report = score.stdout
        with open(scores) as f:
            cls.scores = json.load(f)
        print(cls.report)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_test_ran(self):
        # Every implementation is scored over the same ids; 321 of the
        # suite's 350 proxy tests are in every shipped file.
        self.assertGreaterEqual(self.scores["test_ids"], 300)
        self.assertEqual(self.scores["scores"]["verge"]["tests"], self.scores["test_ids"])

    def test_no_more_conformance_failures_than_reference_caches(self):
        verge = self.scores["scores"]["verge"]["FAIL"]
        peers = {p: self.scores["scores"][p]["FAIL"] for p in PEERS}
        best = min(peers.values())
        self.assertLessEqual(
            verge, best,
            "verge fails %d required (conformance) tests of cache-tests; the best of %s fails %d %s. "
            "Fix the engine, do not relax this: see tests/conformance/README.md.\n%s"
            % (verge, "/".join(PEERS), best, peers, self.report))

    def test_conformance_failures_are_the_expected_ones(self):
        actual = self.scores["verge_required_failures_all"]
        expected = expected_failures()
        new = sorted(set(actual) - set(expected))
        fixed = sorted(set(expected) - set(actual))
        self.assertEqual(
            (new, fixed), ([], []),
            "verge's required-test failures changed.\n  newly failing (regressions): %s\n"
            "  now passing (delete from tests/conformance/expected_failures.txt): %s\n"
            "Debug one with: tests/conformance/run.sh -i TEST_ID" % (new, fixed))
        self.assertEqual(len(actual), len(set(actual)))


if __name__ == "__main__":
    unittest.main()
