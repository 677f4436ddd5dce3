// The small harness the node_cases files share: cases are registered with
// t(name, fn) (fn may be async), checked with eq/deepEq/throws, and run()
// runs them all, answering { passed, failures }. test_node_crypto_zlib.py
// puts this file before a cases file in one worker.
function caseHarness() {
  const cases = [];
  const show = (v) => String(JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x)));
  return {
    t: (name, fn) => cases.push([name, fn]),
    eq(a, b, what = '') {
      if (a !== b) throw new Error(`${what} expected ${show(b).slice(0, 300)}, got ${show(a).slice(0, 300)}`);
    },
    // Flat objects, member order aside.
    deepEq(a, b, what = '') {
      const canon = (v) => show(Object.keys(v).sort().map((k) => [k, v[k]]));
      const sa = canon(a), sb = canon(b);
      if (sa !== sb) throw new Error(`${what} expected ${sb}, got ${sa}`);
    },
    // fn must throw an instance of exactly Ctor (any Error when Ctor is
    // Error), with `code` and `message` when given.
    throws(fn, Ctor, code, message) {
      let err;
      try { fn(); } catch (e) { err = e; }
      if (err === undefined) throw new Error(`expected ${Ctor.name} ${code}, nothing thrown`);
      if (!(err instanceof Ctor) || (Ctor !== Error && err.constructor !== Ctor)) {
        throw new Error(`expected ${Ctor.name}, got ${err && err.constructor && err.constructor.name}: ${err && err.message}`);
      }
      if (code !== undefined && err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${err.message}`);
      if (message !== undefined && err.message !== message) throw new Error(`expected message ${show(message).slice(0, 300)}, got ${show(err.message).slice(0, 300)}`);
    },
    async run() {
      const failures = [];
      let passed = 0;
      for (const [name, fn] of cases) {
        try {
          await fn();
          passed++;
        } catch (e) {
          failures.push(`${name}: ${e && e.stack ? e.stack : e}`);
        }
      }
      return { passed, failures };
    },
  };
}
