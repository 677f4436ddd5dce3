"""The ECMAScript built-ins that src/js/es_builtins.js adds to V8 10.2,
through the real binary: a worker (es_builtins_worker.js) runs test262-style
cases written from the spec text and reports each one; Math.sumPrecise is
also checked against exact rational arithmetic on random inputs."""
import json
import os
import random
import struct
import unittest
from fractions import Fraction

from harness import dev, request, worker_dir

HERE = os.path.dirname(os.path.abspath(__file__))
MAX = 1.7976931348623157e308


def exact_sum(values):
    """Math.sumPrecise's result, computed with Fractions: the exact sum
    rounded once to the nearest double (ties to even), with the spec's rules
    for NaN, infinities and -0."""
    state = "minus-zero"
    total = Fraction(0)
    for v in values:
        if v != v or state == "nan":
            state = "nan"
        elif v == float("inf"):
            state = "nan" if state == "-inf" else "+inf"
        elif v == float("-inf"):
            state = "nan" if state == "+inf" else "-inf"
        elif not (v == 0 and struct.pack(">d", v)[0] & 0x80) and state in ("minus-zero", "finite"):
            state = "finite"
            total += Fraction(v)
    if state == "nan":
        return float("nan")
    if state in ("+inf", "-inf"):
        return float(state[0] + "inf")
    if state == "minus-zero":
        return -0.0
    # int / int true division in Python is correctly rounded; beyond the
    # double range it raises OverflowError, where the result is an infinity.
    try:
        return total.numerator / total.denominator
    except OverflowError:
        return float("inf") if total > 0 else float("-inf")


def random_double(rng):
    kind = rng.random()
    if kind < 0.25:
        return rng.choice([MAX, -MAX, 2.0 ** 1023, -(2.0 ** 1023), 2.0 ** 970, -(2.0 ** 970), 5e-324, -5e-324])
    if kind < 0.35:
        return rng.choice([0.0, -0.0, 1.0, -1.0, 0.1, 2.0 ** -53])
    sign = rng.choice([1, -1])
    exponent = rng.choice([rng.randint(-1074, 1023), rng.randint(-60, 60), rng.randint(990, 1023)])
    return sign * rng.random() * 2.0 ** exponent


def bits(x):
    return struct.pack("<d", x)


class EsBuiltinsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(HERE, "es_builtins_worker.js")) as f:
            cls.v = dev(worker_dir(f.read()))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def test_spec_cases(self):
        status, _, body = request(self.v.port, path="/run", timeout=60)
        self.assertEqual(status, 200, body[:2000])
        results = json.loads(body)
        self.assertGreater(len(results), 70)
        for name, error in results:
            with self.subTest(name):
                if error is not None:
                    self.fail(error)

    def sum_precise(self, values):
        status, _, body = request(self.v.port, method="POST", path="/sum",
                                  body=b"".join(bits(v) for v in values))
        self.assertEqual(status, 200, body)
        return struct.unpack("<d", body)[0]

    def check_sum(self, values):
        expected = exact_sum(values)
        got = self.sum_precise(values)
        self.assertEqual(bits(got), bits(expected), "sumPrecise(%r) = %r, expected %r" % (values, got, expected))

    def test_sum_precise_edges(self):
        for values in ([], [-0.0], [0.0, -0.0], [MAX, MAX], [MAX, MAX, -MAX], [MAX, 2.0 ** 970],
                       [MAX, 2.0 ** 970, -5e-324], [-MAX, -(2.0 ** 970)], [MAX, MAX, MAX, -MAX, -MAX, -MAX, 1.0],
                       [1e308, 1e308, 1e308, -1e308, -1e308, -1e308, 5e-324], [float("inf"), float("-inf")],
                       [1.0, 2.0 ** -53, 2.0 ** -1074], [1.0, -(2.0 ** -54), -(2.0 ** -1074)],
                       [1.0, 2.0 ** -53, 2.0 ** -200], [3.0, -(2.0 ** -52), -(2.0 ** -300)],
                       [2.0 ** 1023, 2.0 ** 1023, -(2.0 ** 1023), 2.0 ** 970, -(2.0 ** 970)]):
            with self.subTest(values=values):
                self.check_sum(values)

    def test_sum_precise_random(self):
        rng = random.Random(9)
        for _ in range(300):
            values = [random_double(rng) for _ in range(rng.randint(1, 12))]
            # Catastrophic cancellation: add the negations of a few of them.
            if rng.random() < 0.5:
                values += [-v for v in rng.sample(values, rng.randint(1, len(values)))]
                rng.shuffle(values)
            with self.subTest(values=values):
                self.check_sum(values)


if __name__ == "__main__":
    unittest.main()
