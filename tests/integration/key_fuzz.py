"""The shape the key-import fuzz tests share (test_webcrypto_fuzz.py,
test_node_crypto_fuzz.py): one `verge dev` for a worker that answers
/?seed=S&rounds=N with {counts, unexpected} after N seeded mutations, the
JS mutations of fuzz_mutations.js, and the checks run over several seeds."""
import json
import os
import unittest

from harness import dev, request, worker_dir

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_mutations.js")) as f:
    MUTATIONS = f.read()  # prng, mutateBytes, randomB64u, mutateJwk


class KeyFuzzCase(unittest.TestCase):
    WORKER = ""  # the worker's source
    TOML = ""    # more wrangler.toml lines

    @classmethod
    def setUpClass(cls):
        cls.verge = dev(worker_dir(cls.WORKER, cls.TOML))

    @classmethod
    def tearDownClass(cls):
        cls.verge.stop()

    def run_seeds(self, seeds=(1, 20261207, 4242), rounds=3000):
        """Runs every seed; none may report an unexpected outcome. Returns
        the outcome counts summed over the seeds, and checks afterwards that
        the node still answers and logged no uncaught error."""
        total = {}
        for seed in seeds:
            status, _, body = request(self.verge.port, path="/?seed=%d&rounds=%d" % (seed, rounds), timeout=180)
            self.assertEqual(status, 200, body[:2000])
            result = json.loads(body)
            self.assertEqual(result["unexpected"], [], "seed %d: %s" % (seed, json.dumps(result["unexpected"], indent=1)))
            for k, v in result["counts"].items():
                total[k] = total.get(k, 0) + v
        status, _, _ = request(self.verge.port, path="/?seed=7&rounds=1")
        self.assertEqual(status, 200)
        self.assertNotIn("Uncaught", self.verge.stderr())
        return total
