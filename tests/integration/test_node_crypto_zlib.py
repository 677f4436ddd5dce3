"""node:crypto and node:zlib under nodejs_compat (issue 10), in the real
binary over loopback. The cases (node_cases/crypto_cases.js and
zlib_cases.js, on node_cases/harness.js) check ciphers, key objects, signatures, RSA encryption,
ECDH, and zlib/brotli options, flush, params and reset against values
computed with Node 20 when they were written (and they all pass under Node
itself: see the header of each file). Each file becomes one worker; the
worker runs every case and answers with the failures."""
import json
import os
import unittest

from harness import dev, request, worker_dir

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = 'compatibility_flags = ["nodejs_compat"]\n'


def cases_worker(cases_file, module):
    cases = ""
    for name in ("harness.js", cases_file):
        with open(os.path.join(HERE, "node_cases", name)) as f:
            cases += f.read()
    return (
        "import %s from 'node:%s';\nimport { Buffer } from 'node:buffer';\n" % (module, module)
        + cases
        + "\nexport default { async fetch() { return Response.json(await caseRunner(%s, Buffer)()); } };\n" % module
    )


class NodeCasesTest(unittest.TestCase):
    def run_cases(self, cases_file, module, minimum):
        verge = dev(worker_dir(cases_worker(cases_file, module), COMPAT))
        try:
            status, _, body = request(verge.port, timeout=120)
            self.assertEqual(status, 200, body[:3000])
            result = json.loads(body)
            self.assertEqual(result["failures"], [], "\n\n".join(result["failures"]))
            self.assertGreaterEqual(result["passed"], minimum)
            self.assertNotIn("Uncaught", verge.stderr())
        finally:
            verge.stop()

    def test_node_crypto_cases(self):
        self.run_cases("crypto_cases.js", "crypto", 43)

    def test_node_zlib_cases(self):
        self.run_cases("zlib_cases.js", "zlib", 35)


if __name__ == "__main__":
    unittest.main()
