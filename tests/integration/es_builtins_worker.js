// The worker of test_es_builtins.py: test262-style cases, written from the
// ECMAScript spec text, for the built-ins src/js/es_builtins.js adds to V8
// 10.2. GET /run runs every case and answers [[name, error-or-null], ...];
// POST /sum answers Math.sumPrecise of the little-endian doubles posted, as
// 8 bytes.

const cases = [];
function test(name, fn) {
  cases.push([name, fn]);
}

function fmt(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Object.is(v, -0)) return '-0';
  if (typeof v === 'symbol') return v.toString();
  if (Array.isArray(v)) return `[${Array.prototype.map.call(v, fmt).join(', ')}]`;
  return String(v);
}
function fail(msg) {
  throw new Error(msg);
}
function eq(actual, expected, what = 'value') {
  if (!Object.is(actual, expected)) fail(`${what}: expected ${fmt(expected)}, got ${fmt(actual)}`);
}
function ok(cond, what) {
  if (!cond) fail(`not true: ${what}`);
}
// Same length and elements (SameValue); `holes` lists indices that must not
// be own properties, every other index must be one.
function arrEq(actual, expected, what = 'array', holes = []) {
  eq(actual.length, expected.length, `${what}.length`);
  for (let i = 0; i < expected.length; i++) {
    eq(actual[i], expected[i], `${what}[${i}]`);
    eq(Object.prototype.hasOwnProperty.call(actual, i), !holes.includes(i), `${what} has own ${i}`);
  }
}
function throws(Ctor, fn, what = 'call') {
  try {
    fn();
  } catch (e) {
    if (!e || e.constructor !== Ctor) fail(`${what}: expected ${Ctor.name}, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    return e;
  }
  fail(`${what}: expected ${Ctor.name}, nothing thrown`);
}
async function rejects(Ctor, promise, what = 'promise') {
  ok(promise instanceof Promise, `${what} is a Promise`);
  try {
    await promise;
  } catch (e) {
    if (!e || e.constructor !== Ctor) fail(`${what}: expected rejection with ${Ctor.name}, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    return e;
  }
  fail(`${what}: expected rejection with ${Ctor.name}, it fulfilled`);
}
function isConstructor(f) {
  try {
    Reflect.construct(String, [], f);
    return true;
  } catch {
    return false;
  }
}
// A built-in method: writable, non-enumerable, configurable; name, length;
// not a constructor; no prototype property.
function builtin(obj, key, name, length) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  ok(d !== undefined, `${name} exists`);
  eq(typeof d.value, 'function', `typeof ${name}`);
  eq(d.writable, true, `${name} writable`);
  eq(d.enumerable, false, `${name} enumerable`);
  eq(d.configurable, true, `${name} configurable`);
  eq(d.value.name, name, `${name}.name`);
  eq(d.value.length, length, `${name}.length`);
  const ld = Object.getOwnPropertyDescriptor(d.value, 'length');
  ok(!ld.writable && !ld.enumerable && ld.configurable, `${name}.length attributes`);
  eq(isConstructor(d.value), false, `${name} is a constructor`);
  eq(Object.prototype.hasOwnProperty.call(d.value, 'prototype'), false, `${name} has prototype`);
  return d.value;
}
function accessor(obj, key, getName, setName) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  ok(d !== undefined && typeof d.get === 'function', `${getName} exists`);
  eq(d.enumerable, false, `${getName} enumerable`);
  eq(d.configurable, true, `${getName} configurable`);
  eq(d.get.name, getName, 'getter name');
  eq(d.get.length, 0, 'getter length');
  eq(isConstructor(d.get), false, 'getter is a constructor');
  if (setName === undefined) {
    eq(d.set, undefined, 'setter');
  } else {
    eq(d.set.name, setName, 'setter name');
    eq(d.set.length, 1, 'setter length');
  }
  return d;
}
// An iterator over `values` that records what is done to it.
function spyIterator(values, { returnResult = {} } = {}) {
  const log = { nexts: 0, returns: 0, nextGets: 0 };
  let i = 0;
  const it = {
    __proto__: Iterator.prototype,
    get next() {
      log.nextGets++;
      return () => {
        log.nexts++;
        return i < values.length ? { value: values[i++], done: false } : { value: undefined, done: true };
      };
    },
    return() {
      log.returns++;
      return returnResult;
    },
  };
  return { it, log };
}
function iterable(values, spy) {
  return { [Symbol.iterator]() { const s = spyIterator(values); spy.log = s.log; return s.it; } };
}
// Runs fn with obj[key] replaced, restoring it afterwards.
function patched(obj, key, value, fn) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  Object.defineProperty(obj, key, { value, writable: true, configurable: true });
  try {
    return fn();
  } finally {
    if (d) Object.defineProperty(obj, key, d);
    else delete obj[key];
  }
}
const boom = () => { throw new Error('must not be called'); };

const TypedArray = Object.getPrototypeOf(Int8Array);
const TAP = TypedArray.prototype;
const MAX = Number.MAX_VALUE;

// ---------------------------------------------------------------------------
// Property descriptors, names, lengths

test('descriptors: Array.prototype', () => {
  builtin(Array.prototype, 'toReversed', 'toReversed', 0);
  builtin(Array.prototype, 'toSorted', 'toSorted', 1);
  builtin(Array.prototype, 'toSpliced', 'toSpliced', 2);
  builtin(Array.prototype, 'with', 'with', 2);
  builtin(Array, 'fromAsync', 'fromAsync', 1);
});
test('descriptors: Array.prototype[@@unscopables]', () => {
  const u = Array.prototype[Symbol.unscopables];
  for (const k of ['toReversed', 'toSorted', 'toSpliced']) {
    const d = Object.getOwnPropertyDescriptor(u, k);
    ok(d && d.value === true && d.writable && d.enumerable && d.configurable, `unscopables.${k}`);
  }
  eq(Object.prototype.hasOwnProperty.call(u, 'with'), false, 'unscopables has with');
  // `with` statements are sloppy-mode only; check the effect through the
  // spec's HasBinding on an object environment instead.
  eq(u.toSorted, true, 'unscopables.toSorted');
});
test('descriptors: %TypedArray%.prototype', () => {
  builtin(TAP, 'toReversed', 'toReversed', 0);
  builtin(TAP, 'toSorted', 'toSorted', 1);
  builtin(TAP, 'with', 'with', 2);
  eq(Object.prototype.hasOwnProperty.call(TAP, 'toSpliced'), false, 'TypedArray toSpliced');
  eq(Object.prototype.hasOwnProperty.call(Int8Array.prototype, 'toSorted'), false, 'own on Int8Array.prototype');
});
test('descriptors: statics', () => {
  builtin(Object, 'groupBy', 'groupBy', 2);
  builtin(Map, 'groupBy', 'groupBy', 2);
  builtin(Promise, 'withResolvers', 'withResolvers', 0);
  builtin(Promise, 'try', 'try', 1);
  builtin(RegExp, 'escape', 'escape', 1);
  builtin(Error, 'isError', 'isError', 1);
  builtin(Math, 'sumPrecise', 'sumPrecise', 1);
  builtin(Iterator, 'from', 'from', 1);
});
test('descriptors: Set.prototype', () => {
  for (const m of ['union', 'intersection', 'difference', 'symmetricDifference', 'isSubsetOf', 'isSupersetOf', 'isDisjointFrom']) {
    builtin(Set.prototype, m, m, 1);
  }
});
test('descriptors: String.prototype', () => {
  builtin(String.prototype, 'isWellFormed', 'isWellFormed', 0);
  builtin(String.prototype, 'toWellFormed', 'toWellFormed', 0);
});
test('descriptors: ArrayBuffer.prototype', () => {
  builtin(ArrayBuffer.prototype, 'transfer', 'transfer', 0);
  builtin(ArrayBuffer.prototype, 'transferToFixedLength', 'transferToFixedLength', 0);
  accessor(ArrayBuffer.prototype, 'detached', 'get detached');
});
test('descriptors: Iterator.prototype', () => {
  const methods = { map: 1, filter: 1, take: 1, drop: 1, flatMap: 1, reduce: 1, toArray: 0, forEach: 1, some: 1, every: 1, find: 1 };
  for (const [m, len] of Object.entries(methods)) builtin(Iterator.prototype, m, m, len);
  accessor(Iterator.prototype, Symbol.toStringTag, 'get [Symbol.toStringTag]', 'set [Symbol.toStringTag]');
  accessor(Iterator.prototype, 'constructor', 'get constructor', 'set constructor');
});
test('descriptors: the Iterator global', () => {
  const d = Object.getOwnPropertyDescriptor(globalThis, 'Iterator');
  ok(d.writable && !d.enumerable && d.configurable, 'globalThis.Iterator attributes');
  eq(Iterator.name, 'Iterator', 'name');
  eq(Iterator.length, 0, 'length');
  ok(isConstructor(Iterator), 'Iterator is a constructor');
  const p = Object.getOwnPropertyDescriptor(Iterator, 'prototype');
  ok(!p.writable && !p.enumerable && !p.configurable, 'Iterator.prototype attributes');
  eq(p.value, Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), 'Iterator.prototype is %IteratorPrototype%');
  eq(Object.getPrototypeOf(Iterator), Function.prototype, '[[Prototype]]');
});
test('descriptors: %IteratorHelperPrototype% and %WrapForValidIteratorPrototype%', () => {
  const helperProto = Object.getPrototypeOf([].values().map((x) => x));
  eq(Object.getPrototypeOf(helperProto), Iterator.prototype, 'helper proto parent');
  builtin(helperProto, 'next', 'next', 0);
  builtin(helperProto, 'return', 'return', 0);
  const tag = Object.getOwnPropertyDescriptor(helperProto, Symbol.toStringTag);
  ok(tag.value === 'Iterator Helper' && !tag.writable && !tag.enumerable && tag.configurable, 'helper toStringTag');
  eq(Reflect.ownKeys(helperProto).length, 3, 'helper proto own keys');
  const wrapProto = Object.getPrototypeOf(Iterator.from({ next() {} }));
  eq(Object.getPrototypeOf(wrapProto), Iterator.prototype, 'wrap proto parent');
  builtin(wrapProto, 'next', 'next', 0);
  builtin(wrapProto, 'return', 'return', 0);
  eq(Reflect.ownKeys(wrapProto).length, 2, 'wrap proto own keys');
});

// ---------------------------------------------------------------------------
// Array.prototype.toReversed / toSorted / toSpliced / with

test('toReversed: values, holes read as undefined, original untouched', () => {
  const a = [1, , 3];
  arrEq(a.toReversed(), [3, undefined, 1]);
  arrEq(a, [1, undefined, 3], 'original', [1]);
  arrEq([].toReversed(), []);
});
test('toReversed: generic this, ToObject, ToLength', () => {
  arrEq(Array.prototype.toReversed.call({ length: 2, 0: 'a', 1: 'b' }), ['b', 'a']);
  arrEq(Array.prototype.toReversed.call({ length: -5, 0: 'a' }), []);
  arrEq(Array.prototype.toReversed.call({ length: '2.9', 0: 'a', 1: 'b' }), ['b', 'a']);
  arrEq(Array.prototype.toReversed.call('ab'), ['b', 'a']);
  throws(TypeError, () => Array.prototype.toReversed.call(null));
  throws(TypeError, () => Array.prototype.toReversed.call(undefined));
  throws(TypeError, () => Array.prototype.toReversed.call({ length: 1n }), 'BigInt length');
});
test('toReversed: length over 2^32 - 1 is a RangeError before any read', () => {
  const o = { length: 2 ** 32, get 0() { fail('read index 0'); } };
  throws(RangeError, () => Array.prototype.toReversed.call(o));
});
test('toReversed/toSorted/with: no species, result is an Array', () => {
  class MyArray extends Array {}
  const a = MyArray.from([2, 1]);
  a.constructor = { [Symbol.species]: boom };
  eq(a.toReversed().constructor, Array, 'toReversed');
  eq(a.toSorted().constructor, Array, 'toSorted');
  eq(a.with(0, 1).constructor, Array, 'with');
  eq(a.toSpliced(0, 1).constructor, Array, 'toSpliced');
});
test('toReversed: elements are defined, not set (no inherited setter runs)', () => {
  let called = false;
  Object.defineProperty(Array.prototype, '0', { set() { called = true; }, configurable: true });
  try {
    const r = [1, 2].toReversed();
    eq(called, false, 'setter called');
    eq(Object.getOwnPropertyDescriptor(r, '0').value, 2, 'r[0]');
  } finally {
    delete Array.prototype[0];
  }
});
test('results and internal lists never reach setters on Array.prototype', () => {
  let hits = ''; // a string: pushing to an Array would hit the setters too
  const keys = ['0', '1', '2'];
  for (const k of keys) Object.defineProperty(Array.prototype, k, { set(v) { hits += `A${k} `; }, get() { return 'inherited'; }, configurable: true });
  Object.defineProperty(Object.prototype, '0', { set(v) { hits += 'O0 '; }, get() { return 'inherited'; }, configurable: true });
  let r;
  try {
    r = {
      toArray: [1, 2, 3].values().map((x) => x).toArray(),
      groupBy: Object.groupBy([1, 2, 3], () => 'k').k,
      mapGroupBy: Map.groupBy([1, 2, 3], () => 'k').get('k'),
      sum: Math.sumPrecise([1e100, 1, -1e100, 2 ** -60]),
      difference: [...new Set([1, 2, 3]).difference({ size: 5, has: (v) => v === 2, keys() {} })],
      toSpliced: [1, 2].toSpliced(0, 0, 0),
    };
  } finally {
    for (const k of keys) delete Array.prototype[k];
    delete Object.prototype[0];
  }
  eq(hits, '', 'setters called');
  arrEq(r.toArray, [1, 2, 3], 'toArray');
  arrEq(r.groupBy, [1, 2, 3], 'Object.groupBy');
  arrEq(r.mapGroupBy, [1, 2, 3], 'Map.groupBy');
  eq(r.sum, 1 + 2 ** -60, 'sumPrecise');
  arrEq(r.difference, [1, 3], 'difference');
  arrEq(r.toSpliced, [0, 1, 2], 'toSpliced');
});
test('toSorted: default order, undefined and holes last, stable', () => {
  arrEq([3, undefined, , 1, 10, 2].toSorted(), [1, 10, 2, 3, undefined, undefined]);
  const pairs = [[1, 'a'], [0, 'b'], [1, 'c'], [0, 'd']];
  arrEq(pairs.toSorted((x, y) => x[0] - y[0]).map((p) => p[1]), ['b', 'd', 'a', 'c'], 'stable');
  arrEq([1, 2, 3].toSorted((a, b) => b - a), [3, 2, 1]);
});
test('toSorted: comparefn checked before this is read', () => {
  const o = { get length() { fail('length read'); } };
  throws(TypeError, () => Array.prototype.toSorted.call(o, null));
  throws(TypeError, () => [].toSorted({}));
  throws(TypeError, () => Array.prototype.toSorted.call(null, 1));
});
test('toSorted: generic this reads every index once, in order', () => {
  const reads = [];
  const o = new Proxy({ length: 3, 0: 'c', 2: 'a' }, { get(t, k) { reads.push(String(k)); return t[k]; } });
  arrEq(Array.prototype.toSorted.call(o), ['a', 'c', undefined]);
  eq(reads.join(), 'length,0,1,2', 'reads');
});
test('toSorted: comparator errors propagate', () => {
  const e = new Error('x');
  try {
    [1, 2].toSorted(() => { throw e; });
    fail('no throw');
  } catch (err) {
    eq(err, e, 'error');
  }
});
test('toSpliced: start, skipCount, items', () => {
  const a = [1, 2, 3, 4, 5];
  arrEq(a.toSpliced(1, 2, 'x', 'y', 'z'), [1, 'x', 'y', 'z', 4, 5]);
  arrEq(a.toSpliced(-2, 1), [1, 2, 3, 5]);
  arrEq(a.toSpliced(-Infinity, 1), [2, 3, 4, 5]);
  arrEq(a.toSpliced(Infinity, 1, 'end'), [1, 2, 3, 4, 5, 'end']);
  arrEq(a.toSpliced(), [1, 2, 3, 4, 5], 'no arguments');
  arrEq(a.toSpliced(2), [1, 2], 'start only');
  arrEq(a.toSpliced(2, undefined), [1, 2, 3, 4, 5], 'skipCount undefined is 0');
  arrEq(a.toSpliced(1, -3), [1, 2, 3, 4, 5], 'negative skipCount');
  arrEq(a.toSpliced(1, 99), [1], 'skipCount clamped');
  arrEq(a.toSpliced('1', '1.9'), [1, 3, 4, 5], 'coercion');
  arrEq(a, [1, 2, 3, 4, 5], 'original');
  arrEq([1, , 3].toSpliced(0, 0), [1, undefined, 3], 'holes');
});
test('toSpliced: coercion order and length errors', () => {
  const log = [];
  const o = { get length() { log.push('length'); return 2; } };
  Array.prototype.toSpliced.call(o, { valueOf() { log.push('start'); return 0; } }, { valueOf() { log.push('skip'); return 0; } });
  eq(log.join(), 'length,start,skip', 'order');
  throws(TypeError, () => Array.prototype.toSpliced.call({ length: 2 ** 53 - 1 }, 0, 0, 'x'), 'length past 2^53 - 1');
  throws(RangeError, () => Array.prototype.toSpliced.call({ length: 2 ** 32 }, 0, 0), 'length past 2^32 - 1');
  arrEq(Array.prototype.toSpliced.call({ length: 2 ** 53 - 1 }, 0, 2 ** 53 - 1), [], 'everything skipped');
});
test('with: index forms and errors', () => {
  const a = [1, 2, 3];
  arrEq(a.with(0, 'x'), ['x', 2, 3]);
  arrEq(a.with(-1, 'x'), [1, 2, 'x']);
  arrEq(a.with(1.9, 'x'), [1, 'x', 3], 'fraction');
  arrEq(a.with(-0, 'x'), ['x', 2, 3], '-0');
  arrEq(a.with('2', 'x'), [1, 2, 'x'], 'string index');
  arrEq([1, , 3].with(0, 0), [0, undefined, 3], 'holes');
  throws(RangeError, () => a.with(3, 'x'));
  throws(RangeError, () => a.with(-4, 'x'));
  throws(RangeError, () => a.with(Infinity, 'x'));
  throws(RangeError, () => [].with(0, 'x'));
  throws(TypeError, () => a.with(Symbol(), 'x'));
  throws(RangeError, () => Array.prototype.with.call({ length: 2 ** 32 }, 0, 1), 'ArrayCreate');
  arrEq(a, [1, 2, 3], 'original');
});
test('with: the index is converted after the length', () => {
  const log = [];
  const o = { get length() { log.push('length'); return 1; }, 0: 'a' };
  Array.prototype.with.call(o, { valueOf() { log.push('index'); return 0; } }, 'b');
  eq(log.join(), 'length,index', 'order');
});
test('Array methods ignore monkey-patched built-ins', () => {
  // Results are checked after the patches are undone: the harness itself
  // needs Function.prototype.call.
  const results = patched(Array.prototype, 'sort', boom, () => patched(Array, 'from', boom,
    () => patched(Function.prototype, 'call', boom, () => [[2, 1].toSorted(), [2, 1].toReversed(), [1, 2].with(0, 3)])));
  arrEq(results[0], [1, 2], 'toSorted');
  arrEq(results[1], [1, 2], 'toReversed');
  arrEq(results[2], [3, 2], 'with');
});

// ---------------------------------------------------------------------------
// %TypedArray%.prototype.toReversed / toSorted / with

test('TypedArray toReversed/toSorted/with: values and type', () => {
  const ta = new Int16Array([3, -1, 2]);
  const r = ta.toReversed();
  eq(r.constructor, Int16Array, 'toReversed type');
  arrEq(Array.from(r), [2, -1, 3]);
  arrEq(Array.from(ta.toSorted()), [-1, 2, 3]);
  arrEq(Array.from(ta.toSorted((a, b) => b - a)), [3, 2, -1]);
  const w = ta.with(-1, 7.9);
  eq(w.constructor, Int16Array, 'with type');
  arrEq(Array.from(w), [3, -1, 7]);
  arrEq(Array.from(ta), [3, -1, 2], 'original');
  ok(r.buffer !== ta.buffer, 'new buffer');
});
test('TypedArray toSorted: numeric order, -0 before +0, NaN last', () => {
  const r = new Float64Array([NaN, 0, -0, Infinity, -Infinity, 1]).toSorted();
  arrEq(Array.from(r), [-Infinity, -0, 0, 1, Infinity, NaN]);
  arrEq(Array.from(new Uint8Array([10, 9, 100]).toSorted()), [9, 10, 100], 'not string order');
});
test('TypedArray: BigInt arrays', () => {
  const b = new BigInt64Array([3n, -1n]);
  arrEq(Array.from(b.toSorted()), [-1n, 3n]);
  arrEq(Array.from(b.with(0, 2n ** 64n + 5n)), [5n, -1n], 'ToBigInt64');
  arrEq(Array.from(new BigUint64Array([1n]).with(0, -1n)), [2n ** 64n - 1n], 'ToBigUint64');
  arrEq(Array.from(b.with(0, '7')), [7n, -1n], 'string to BigInt');
  throws(TypeError, () => b.with(0, 1), 'Number into BigInt64Array');
  throws(TypeError, () => new Int8Array(1).with(0, 1n), 'BigInt into Int8Array');
});
test('TypedArray: no species, intrinsic constructor of the same type', () => {
  class MyTA extends Uint8Array {}
  const t = new MyTA([2, 1]);
  t.constructor = { [Symbol.species]: boom };
  eq(t.toSorted().constructor, Uint8Array, 'toSorted');
  eq(t.toReversed().constructor, Uint8Array, 'toReversed');
  eq(t.with(0, 0).constructor, Uint8Array, 'with');
});
test('TypedArray: receiver checks and detached buffers', () => {
  throws(TypeError, () => TAP.toReversed.call([1, 2]));
  throws(TypeError, () => TAP.toSorted.call(new ArrayBuffer(1)));
  throws(TypeError, () => TAP.with.call({ length: 1 }, 0, 0));
  throws(TypeError, () => new Int8Array(1).toSorted('no'));
  const ta = new Uint8Array([1, 2]);
  ta.buffer.transfer();
  throws(TypeError, () => ta.toReversed(), 'toReversed detached');
  throws(TypeError, () => ta.toSorted(), 'toSorted detached');
  throws(TypeError, () => ta.with(0, 0), 'with detached');
  eq(new Uint8Array(0).toSorted().length, 0, 'empty, not detached');
});
test('TypedArray with: index errors, value converted before the index check', () => {
  const ta = new Uint8Array([1, 2]);
  throws(RangeError, () => ta.with(2, 0));
  throws(RangeError, () => ta.with(-3, 0));
  let converted = false;
  throws(RangeError, () => ta.with(5, { valueOf() { converted = true; return 1; } }));
  eq(converted, true, 'value converted first');
  const tb = new Uint8Array([1, 2]);
  throws(RangeError, () => tb.with(0, { valueOf() { tb.buffer.transfer(); return 1; } }), 'detached by valueOf');
});

// ---------------------------------------------------------------------------
// Object.groupBy / Map.groupBy

test('Object.groupBy: null-prototype object, keys in order, callback arguments', () => {
  const args = [];
  const g = Object.groupBy([1, 2, 3, 4, 5], (v, i) => { args.push([v, i]); return v % 2 ? 'odd' : 'even'; });
  eq(Object.getPrototypeOf(g), null, 'prototype');
  eq(Object.keys(g).join(), 'odd,even', 'keys');
  arrEq(g.odd, [1, 3, 5]);
  arrEq(g.even, [2, 4]);
  eq(JSON.stringify(args), '[[1,0],[2,1],[3,2],[4,3],[5,4]]', 'callback arguments');
  const d = Object.getOwnPropertyDescriptor(g, 'odd');
  ok(d.writable && d.enumerable && d.configurable, 'data property');
});
test('Object.groupBy: property keys, strings, __proto__', () => {
  const s = Symbol('s');
  const g = Object.groupBy([1, 2, 3], (v) => (v === 1 ? s : v === 2 ? 1.5 : { toString() { return '__proto__'; } }));
  arrEq(g[s], [1]);
  arrEq(g['1.5'], [2]);
  ok(Object.prototype.hasOwnProperty.call(g, '__proto__'), 'own __proto__');
  arrEq(g.__proto__, [3]);
  const toSym = Object.groupBy([1], () => ({ [Symbol.toPrimitive]() { return s; } }));
  arrEq(toSym[s], [1], 'ToPropertyKey gives a Symbol');
  eq(Object.keys(Object.groupBy('a\u{1F600}a', (c) => c)).length, 2, 'string iterated by code point');
  eq(Object.keys(Object.groupBy([], boom)).length, 0, 'empty');
});
test('Object.groupBy: errors, iterator closed when the callback throws', () => {
  throws(TypeError, () => Object.groupBy(null, () => 1));
  throws(TypeError, () => Object.groupBy([1], null));
  throws(TypeError, () => Object.groupBy({}, () => 1), 'not iterable');
  const spy = {};
  const e = new Error('cb');
  try {
    Object.groupBy(iterable([1, 2], spy), () => { throw e; });
    fail('no throw');
  } catch (err) {
    eq(err, e, 'error');
  }
  eq(spy.log.returns, 1, 'return() called');
  const spy2 = {};
  throws(TypeError, () => Object.groupBy(iterable([1], spy2), () => ({ toString() { return {}; }, valueOf() { return {}; } })));
  eq(spy2.log.returns, 1, 'closed when ToPropertyKey throws');
});
test('Map.groupBy: SameValueZero keys, -0 normalised, a new %Map%', () => {
  const o = {};
  const m = Map.groupBy([1, 2, 3, 4], (v) => (v === 1 ? -0 : v === 2 ? 0 : o));
  eq(Object.getPrototypeOf(m), Map.prototype, 'prototype');
  eq(m.size, 2, 'size');
  eq(Object.is([...m.keys()][0], 0), true, '-0 stored as +0');
  arrEq(m.get(0), [1, 2]);
  arrEq(m.get(o), [3, 4]);
  patched(Map.prototype, 'set', boom, () => eq(Map.groupBy([1], () => 1).size, 1, 'with Map.prototype.set patched'));
  throws(TypeError, () => Map.groupBy(undefined, () => 1));
  throws(TypeError, () => Map.groupBy([], 'x'));
});

// ---------------------------------------------------------------------------
// Promise.withResolvers / Promise.try

test('Promise.withResolvers: a record of promise, resolve, reject', async () => {
  const r = Promise.withResolvers();
  eq(Object.getPrototypeOf(r), Object.prototype, 'prototype');
  eq(Object.keys(r).join(), 'promise,resolve,reject', 'keys');
  ok(r.promise instanceof Promise, 'promise');
  r.resolve(5);
  eq(await r.promise, 5, 'resolved');
  const s = Promise.withResolvers();
  s.reject(new RangeError('r'));
  await rejects(RangeError, s.promise);
});
test('Promise.withResolvers: uses this as the constructor', () => {
  class P extends Promise {}
  ok(P.withResolvers().promise instanceof P, 'subclass');
  throws(TypeError, () => Promise.withResolvers.call({}), 'non-constructor');
  throws(TypeError, () => Promise.withResolvers.call(undefined), 'undefined');
  let executorLength, executorName;
  function C(executor) { executorLength = executor.length; executorName = executor.name; executor(() => {}, () => {}); }
  const r = Promise.withResolvers.call(C);
  ok(r.promise instanceof C, 'custom');
  eq(executorLength, 2, 'executor length');
  eq(executorName, '', 'executor name');
  throws(TypeError, () => Promise.withResolvers.call(function (ex) { ex(1, 2); ex(3, 4); }), 'executor called twice');
  throws(TypeError, () => Promise.withResolvers.call(function (ex) { ex(() => {}, undefined); ex(() => {}, () => {}); }), 'resolve already set');
  throws(TypeError, () => Promise.withResolvers.call(function (ex) { ex(undefined, () => {}); ex(() => {}, () => {}); }), 'reject already set');
  ok(Promise.withResolvers.call(function (ex) { ex(); ex(() => {}, () => {}); }).resolve, 'undefined, undefined then functions');
  throws(TypeError, () => Promise.withResolvers.call(function (ex) { ex(undefined, () => {}); }), 'resolve not callable');
});
test('Promise.try: value, arguments, thrown errors become rejections', async () => {
  const p = Promise.try((a, b) => a + b, 40, 2);
  ok(p instanceof Promise, 'promise');
  eq(await p, 42, 'value');
  const e = new Error('sync');
  const q = Promise.try(() => { throw e; });
  try { await q; fail('fulfilled'); } catch (err) { eq(err, e, 'rejection'); }
  await rejects(TypeError, Promise.try(5), 'non-callable rejects');
  eq(await Promise.try(() => Promise.resolve('inner')), 'inner', 'thenable adopted');
  let thisValue = 1;
  await Promise.try(function () { thisValue = this; });
  eq(thisValue, undefined, 'this');
});
test('Promise.try: receiver', () => {
  throws(TypeError, () => Promise.try.call(1, () => {}), 'primitive this');
  class P extends Promise {}
  ok(P.try(() => 1) instanceof P, 'subclass');
  throws(TypeError, () => Promise.try.call({}, () => {}), 'non-constructor this');
});

// ---------------------------------------------------------------------------
// Set methods

const set = (...v) => new Set(v);
const vals = (s) => [...s];
function setLike(values, { size = values.length, log } = {}) {
  return {
    size,
    has(v) { if (log) log.push(`has:${v}`); return values.includes(v); },
    keys() { if (log) log.push('keys'); return values[Symbol.iterator](); },
  };
}

test('Set methods: results with Sets', () => {
  arrEq(vals(set(1, 2, 3).union(set(3, 4))), [1, 2, 3, 4], 'union');
  arrEq(vals(set(1, 2, 3).intersection(set(3, 2, 9))), [2, 3], 'intersection, this smaller');
  arrEq(vals(set(1, 2, 3, 4).intersection(set(4, 2))), [4, 2], 'intersection, other smaller: its order');
  arrEq(vals(set(1, 2, 3).difference(set(2))), [1, 3], 'difference');
  arrEq(vals(set(1, 2, 3).symmetricDifference(set(3, 4))), [1, 2, 4], 'symmetricDifference');
  eq(set(1, 2).isSubsetOf(set(1, 2, 3)), true, 'isSubsetOf');
  eq(set(1, 4).isSubsetOf(set(1, 2, 3)), false, 'isSubsetOf false');
  eq(set(1, 2, 3).isSupersetOf(set(1, 2)), true, 'isSupersetOf');
  eq(set(1, 2, 3).isSupersetOf(set(1, 5)), false, 'isSupersetOf false');
  eq(set(1, 2).isDisjointFrom(set(3)), true, 'isDisjointFrom');
  eq(set(1, 2).isDisjointFrom(set(2, 3, 4)), false, 'isDisjointFrom false');
  eq(set().isSubsetOf(set()), true, 'empty subset');
});
test('Set methods: set-like arguments, GetSetRecord order', () => {
  const log = [];
  const other = {
    get size() { log.push('size'); return { valueOf() { log.push('valueOf'); return 2; } }; },
    get has() { log.push('get has'); return (v) => v === 1; },
    get keys() { log.push('get keys'); return function* () { yield 1; yield 5; }; },
  };
  arrEq(vals(set(1, 2).union(other)), [1, 2, 5], 'union with a set-like');
  eq(log.join(), 'size,valueOf,get has,get keys', 'GetSetRecord order');
  arrEq(vals(set(1, 2, 3).intersection(setLike([3, 1]))), [3, 1], 'intersection');
  arrEq(vals(set(1, 2, 3).difference(setLike([1, 9]))), [2, 3], 'difference');
  eq(set(1).isSubsetOf(setLike([1, 2])), true, 'isSubsetOf');
  arrEq(vals(set(1, 2).union(new Map([[7, 'a']]))), [1, 2, 7], 'a Map is set-like');
});
test('Set methods: GetSetRecord errors', () => {
  for (const m of ['union', 'intersection', 'difference', 'symmetricDifference', 'isSubsetOf', 'isSupersetOf', 'isDisjointFrom']) {
    const f = Set.prototype[m];
    throws(TypeError, () => f.call(set(1), [1]), `${m}: array (size undefined)`);
    throws(TypeError, () => f.call(set(1), 1), `${m}: primitive`);
    throws(TypeError, () => f.call(set(1), { size: 'abc', has() {}, keys() {} }), `${m}: NaN size`);
    throws(RangeError, () => f.call(set(1), { size: -1, has() {}, keys() {} }), `${m}: negative size`);
    throws(TypeError, () => f.call(set(1), { size: 1, has: 1, keys() {} }), `${m}: has`);
    throws(TypeError, () => f.call(set(1), { size: 1, has() {}, keys: {} }), `${m}: keys`);
    throws(TypeError, () => f.call(new Map(), set(1)), `${m}: this is a Map`);
    throws(TypeError, () => f.call({ size: 1, has() {}, keys() {} }, set(1)), `${m}: this is set-like`);
    throws(TypeError, () => f.call(set(1), { size: 1n, has() {}, keys() {} }), `${m}: BigInt size`);
  }
  eq(set().union({ size: -0.5, has() {}, keys() { return [][Symbol.iterator](); } }).size, 0, 'size -0.5 truncates to 0');
});
test('Set methods: -0 from keys() becomes +0', () => {
  const minusZero = { size: 1, has: () => false, keys: () => [-0][Symbol.iterator]() };
  const u = set(1).union(minusZero);
  ok(Object.is(vals(u)[1], 0), 'union');
  const sd = set(1).symmetricDifference(minusZero);
  ok(Object.is(vals(sd)[1], 0), 'symmetricDifference');
  const i = set(0, 1, 2).intersection(minusZero);
  ok(i.size === 1 && Object.is(vals(i)[0], 0), 'intersection');
});
test('Set methods: the size decides which side is iterated', () => {
  const log = [];
  set(1, 2).intersection(setLike([1], { size: Infinity, log }));
  eq(log.join(), 'has:1,has:2', 'this iterated when other is larger');
  log.length = 0;
  set(1, 2).intersection(setLike([2], { size: 1, log }));
  eq(log.join(), 'keys', 'keys iterated when other is smaller');
  log.length = 0;
  eq(set(1, 2, 3).isSubsetOf(setLike([1, 2, 3, 4], { size: 2, log })), false, 'size says too small');
  eq(log.join(), '', 'nothing called');
  eq(set(1).isSupersetOf(setLike([1], { size: 2, log })), false, 'isSupersetOf by size');
  eq(log.join(), '', 'nothing called (superset)');
});
test('Set methods: results are plain Sets, built without user-visible calls', () => {
  class MySet extends Set {}
  const s = new MySet([1]);
  eq(s.union(set(2)).constructor, Set, 'union');
  eq(s.difference(set(2)).constructor, Set, 'difference');
  const [a, b, c, d] = [set(1, 2), setLike([3]), setLike([2, 3]), setLike([1])];
  const r = patched(Set.prototype, 'add', boom, () => patched(Set.prototype, 'has', boom,
    () => patched(Set.prototype, 'values', boom, () => patched(Set.prototype, Symbol.iterator, boom,
      () => [a.union(b), a.symmetricDifference(c), a.isSupersetOf(d), a.intersection(c), a.difference(c)]))));
  arrEq(vals(r[0]), [1, 2, 3], 'union');
  arrEq(vals(r[1]), [1, 3], 'symmetricDifference');
  eq(r[2], true, 'isSupersetOf');
  arrEq(vals(r[3]), [2], 'intersection');
  arrEq(vals(r[4]), [1], 'difference');
});
test('Set methods: early exits close the keys iterator', () => {
  const mk = (values) => {
    const s = spyIterator(values);
    return { log: s.log, other: { size: values.length, has: boom, keys: () => s.it } };
  };
  const a = mk([1, 9, 2]);
  eq(set(1, 2, 3).isSupersetOf(a.other), false, 'isSupersetOf');
  eq(a.log.returns, 1, 'isSupersetOf closed');
  const b = mk([5, 2]);
  eq(set(1, 2, 3).isDisjointFrom(b.other), false, 'isDisjointFrom');
  eq(b.log.returns, 1, 'isDisjointFrom closed');
  const c = mk([1, 2]);
  eq(set(1, 2, 3).isSupersetOf(c.other), true, 'exhausted');
  eq(c.log.returns, 0, 'not closed when exhausted');
  const d = { size: 1, has: boom, keys: () => ({ next: () => 1 }) };
  throws(TypeError, () => set(1).union(d), 'non-object iterator result');
  throws(TypeError, () => set(1).union({ size: 1, has: boom, keys: () => 1 }), 'keys() returns a primitive');
});
test('Set methods: this is read live while has() runs', () => {
  const s = set(1, 2, 3);
  const r = s.intersection({ size: 10, has(v) { if (v === 1) { s.delete(2); s.add(4); } return true; }, keys: boom });
  arrEq(vals(r), [1, 3, 4], 'deleted element skipped, added element visited');
  const t = set(1, 2, 3);
  const d = t.difference({ size: 10, has(v) { t.clear(); return v === 2; }, keys: boom });
  arrEq(vals(d), [1, 3], 'difference walks a copy');
});

// ---------------------------------------------------------------------------
// Array.fromAsync

test('Array.fromAsync: iterables, async iterables, array-likes', async () => {
  arrEq(await Array.fromAsync([1, Promise.resolve(2), 3]), [1, 2, 3], 'sync iterable of promises');
  async function* gen() { yield 1; yield Promise.resolve(2); }
  arrEq(await Array.fromAsync(gen()), [1, 2], 'async generator');
  const p = Promise.resolve(3);
  const asyncIt = { [Symbol.asyncIterator]() { let done = false; return { next: async () => (done ? { done } : (done = true, { value: p, done: false })) }; } };
  const fromIt = await Array.fromAsync(asyncIt);
  eq(fromIt.length, 1, 'async iterator');
  eq(fromIt[0], p, 'values of an async iterator are not awaited');
  arrEq(await Array.fromAsync({ length: 2, 0: Promise.resolve('a'), 1: 'b' }), ['a', 'b'], 'array-like');
  arrEq(await Array.fromAsync(new Set(['x'])), ['x'], 'Set');
  arrEq(await Array.fromAsync('ab'), ['a', 'b'], 'string');
});
test('Array.fromAsync: mapfn, thisArg, awaited results', async () => {
  const seen = [];
  const thisArg = {};
  const r = await Array.fromAsync([10, 20], function (v, i) { seen.push(this === thisArg, i); return Promise.resolve(v + i); }, thisArg);
  arrEq(r, [10, 21]);
  eq(seen.join(), 'true,0,true,1', 'this and index');
  arrEq(await Array.fromAsync({ length: 1, 0: 5 }, (v) => v * 2), [10], 'array-like mapped');
  await rejects(TypeError, Array.fromAsync([1], 'not callable'), 'mapfn not callable');
});
test('Array.fromAsync: errors are rejections, never synchronous throws', async () => {
  await rejects(TypeError, Array.fromAsync(null), 'null');
  await rejects(TypeError, Array.fromAsync.call(1, undefined), 'undefined items');
  await rejects(TypeError, Array.fromAsync({ [Symbol.asyncIterator]: 5 }), 'non-callable @@asyncIterator');
  await rejects(RangeError, Array.fromAsync({ length: 2 ** 32 }), 'array-like too long');
  const e = new Error('rejected element');
  try { await Array.fromAsync([Promise.reject(e)]); fail('fulfilled'); } catch (err) { eq(err, e, 'rejected element'); }
});
test('Array.fromAsync: the iterator is closed when mapfn throws or rejects', async () => {
  let returns = 0;
  const asyncIt = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return { next: async () => ({ value: i, done: i++ > 2 }), return: async () => { returns++; return {}; } };
    },
  };
  const e = new Error('map');
  try { await Array.fromAsync(asyncIt, () => { throw e; }); fail('fulfilled'); } catch (err) { eq(err, e, 'error'); }
  eq(returns, 1, 'closed after a throw');
  try { await Array.fromAsync(asyncIt, async () => { throw e; }); fail('fulfilled'); } catch (err) { eq(err, e, 'error'); }
  eq(returns, 2, 'closed after a rejection');
  const spy = {};
  await rejects(Error, Array.fromAsync(iterable([1, 2], spy), () => { throw new Error('x'); }));
  eq(spy.log.returns, 1, 'sync iterator closed');
});
test('Array.fromAsync: this as constructor', async () => {
  const calls = [];
  function C(...args) { calls.push(args.length === 0 ? 'none' : args[0]); }
  const a = await Array.fromAsync.call(C, [1, 2]);
  ok(a instanceof C, 'iterable: instance of C');
  eq(a.length, 2, 'length set');
  eq(calls[0], 'none', 'iterable: constructed with no argument');
  const b = await Array.fromAsync.call(C, { length: 3, 0: 1, 1: 2, 2: 3 });
  eq(calls[1], 3, 'array-like: constructed with the length');
  eq(b[2], 3, 'element');
  const plain = await Array.fromAsync.call(Math.max, [1]);
  ok(Array.isArray(plain), 'non-constructor this: an Array');
  const frozen = function () { return Object.freeze({}); };
  await rejects(TypeError, Array.fromAsync.call(frozen, [1]), 'CreateDataPropertyOrThrow fails');
  let getOrder = [];
  const items = new Proxy([1], { get(t, k) { getOrder.push(typeof k === 'symbol' ? k.description : k); return t[k]; } });
  await Array.fromAsync(items);
  eq(getOrder.slice(0, 2).join(), 'Symbol.asyncIterator,Symbol.iterator', 'method lookups');
  eq(getOrder.filter((k) => k === 'Symbol.iterator').length, 1, '@@iterator read once');
});

// ---------------------------------------------------------------------------
// String.prototype.isWellFormed / toWellFormed

test('isWellFormed / toWellFormed', () => {
  const cases = [
    ['', true, ''], ['abc', true, 'abc'], ['\u{1F600}', true, '\u{1F600}'],
    ['a\uD800', false, 'a\uFFFD'], ['\uDC00b', false, '\uFFFDb'], ['\uDC00\uD800', false, '\uFFFD\uFFFD'],
    ['\uD800\uD800\uDC00', false, '\uFFFD\uD800\uDC00'], ['x\uD83D\uDE00\uDE00y', false, 'x\uD83D\uDE00\uFFFDy'],
  ];
  for (const [s, wf, fixed] of cases) {
    eq(s.isWellFormed(), wf, `isWellFormed(${escape(s)})`);
    eq(s.toWellFormed(), fixed, `toWellFormed(${escape(s)})`);
  }
  const big = 'a'.repeat(100000) + '\uD800';
  eq(big.isWellFormed(), false, 'long string');
  eq(big.toWellFormed().slice(-2), 'a\uFFFD', 'long string fixed');
});
test('isWellFormed / toWellFormed: this coercion', () => {
  eq(String.prototype.isWellFormed.call(123), true, 'number');
  eq(String.prototype.toWellFormed.call({ toString() { return '\uD800'; } }), '\uFFFD', 'object');
  throws(TypeError, () => String.prototype.isWellFormed.call(null));
  throws(TypeError, () => String.prototype.toWellFormed.call(undefined));
  throws(TypeError, () => String.prototype.isWellFormed.call(Symbol()));
  patched(RegExp.prototype, 'exec', boom, () => eq('\uD800'.isWellFormed(), false, 'RegExp.prototype.exec patched'));
});

// ---------------------------------------------------------------------------
// Iterator

test('Iterator: abstract constructor, subclassing, instanceof', () => {
  throws(TypeError, () => new Iterator(), 'new Iterator()');
  throws(TypeError, () => Iterator(), 'Iterator()');
  class Count extends Iterator {
    #i = 0;
    next() { return this.#i < 3 ? { value: this.#i++, done: false } : { value: undefined, done: true }; }
  }
  const c = new Count();
  ok(c instanceof Iterator, 'subclass instance');
  arrEq(c.map((x) => x * 2).toArray(), [0, 2, 4], 'helpers on a subclass');
  ok([].values() instanceof Iterator, 'array iterator');
  ok((function* () {})() instanceof Iterator, 'generator');
  ok(new Map().entries() instanceof Iterator, 'map iterator');
  eq(Iterator.prototype.constructor, Iterator, 'constructor');
  eq(Iterator.prototype[Symbol.toStringTag], 'Iterator', 'toStringTag');
  eq(Object.prototype.toString.call(Object.create(Iterator.prototype)), '[object Iterator]', 'class string');
});
test('Iterator.prototype accessors: SetterThatIgnoresPrototypeProperties', () => {
  throws(TypeError, () => { Iterator.prototype[Symbol.toStringTag] = 'x'; }, 'on Iterator.prototype');
  throws(TypeError, () => { Iterator.prototype.constructor = 'x'; }, 'constructor on Iterator.prototype');
  const o = Object.create(Iterator.prototype);
  o[Symbol.toStringTag] = 'Mine';
  o.constructor = 5;
  const d = Object.getOwnPropertyDescriptor(o, Symbol.toStringTag);
  ok(d.value === 'Mine' && d.writable && d.enumerable && d.configurable, 'own data property created');
  eq(o.constructor, 5, 'constructor');
  o[Symbol.toStringTag] = 'Again';
  eq(o[Symbol.toStringTag], 'Again', 'existing own property set');
  const setter = Object.getOwnPropertyDescriptor(Iterator.prototype, 'constructor').set;
  throws(TypeError, () => setter.call(1, 'x'), 'primitive this');
  eq(Iterator.prototype[Symbol.toStringTag], 'Iterator', 'unchanged');
});
test('Iterator.from: wraps, passes through, strings', () => {
  const it = [1, 2].values();
  eq(Iterator.from(it), it, 'an Iterator is returned as is');
  const gen = (function* () { yield 1; })();
  eq(Iterator.from(gen), gen, 'generator');
  let closed = 0;
  const plain = { i: 0, next() { return this.i < 2 ? { value: this.i++, done: false } : { done: true }; }, return() { closed++; return { done: true }; } };
  const w = Iterator.from(plain);
  ok(w !== plain && w instanceof Iterator, 'wrapped');
  arrEq(w.map((x) => x + 1).toArray(), [1, 2], 'wrapped values');
  eq(JSON.stringify(w.return()), '{"done":true}', 'return forwarded');
  eq(closed, 1, 'underlying return called');
  const noReturn = Iterator.from({ next() { return { done: true }; } });
  eq(JSON.stringify(noReturn.return()), '{"done":true}', 'return without underlying return');
  eq(noReturn.return().value, undefined, 'value');
  arrEq(Iterator.from('a\u{1F600}').toArray(), ['a', '\u{1F600}'], 'string');
  const iterableObj = { [Symbol.iterator]() { return plain2; } };
  const plain2 = { next() { return { done: true }; } };
  ok(Object.getPrototypeOf(Iterator.from(iterableObj)) !== Object.prototype, 'iterable wrapped');
  throws(TypeError, () => Iterator.from(5), 'number');
  throws(TypeError, () => Iterator.from(null), 'null');
  throws(TypeError, () => Iterator.from({ [Symbol.iterator]: () => 5 }), 'iterator not an object');
  throws(TypeError, () => Iterator.from({ [Symbol.iterator]: 5 }), '@@iterator not callable');
  const wrapNext = Object.getPrototypeOf(w).next;
  throws(TypeError, () => wrapNext.call({}), 'next on a foreign object');
  throws(TypeError, () => Object.getPrototypeOf(w).return.call([].values()), 'return on a foreign object');
});
test('Iterator helpers: map, filter, take, drop, flatMap', () => {
  const counters = [];
  arrEq([5, 6, 7].values().map((v, i) => { counters.push(i); return v * 10; }).toArray(), [50, 60, 70], 'map');
  eq(counters.join(), '0,1,2', 'map counter');
  arrEq([1, 2, 3, 4].values().filter((v, i) => v % 2 === 0 && i > 0).toArray(), [2, 4], 'filter');
  arrEq([1, 2, 3].values().take(2).toArray(), [1, 2], 'take');
  arrEq([1, 2, 3].values().take(Infinity).toArray(), [1, 2, 3], 'take Infinity');
  arrEq([1, 2, 3].values().take('1.9').toArray(), [1], 'take coerces');
  arrEq([1, 2, 3].values().drop(1).toArray(), [2, 3], 'drop');
  arrEq([1, 2, 3].values().drop(5).toArray(), [], 'drop past the end');
  arrEq([1, 2, 3].values().drop(Infinity).toArray(), [], 'drop Infinity');
  arrEq([1, 2].values().flatMap((v) => [v, v * 10]).toArray(), [1, 10, 2, 20], 'flatMap');
  arrEq([1].values().flatMap(() => ({ i: 0, next() { return this.i++ ? { done: true } : { value: 'it', done: false }; } })).toArray(), ['it'], 'flatMap accepts an iterator');
  throws(TypeError, () => [1].values().flatMap(() => 'ab').toArray(), 'flatMap rejects strings');
  throws(TypeError, () => [1].values().flatMap(() => 5).toArray(), 'flatMap rejects numbers');
  arrEq([1].values().flatMap(() => new String('ab')).toArray(), ['a', 'b'], 'String objects are iterable');
});
test('Iterator helpers: lazy, next read once, toStringTag', () => {
  const { it, log } = spyIterator([1, 2, 3]);
  const h = it.map((x) => x);
  eq(log.nextGets, 1, 'next read when the helper is made');
  eq(log.nexts, 0, 'nothing pulled yet');
  eq(Object.prototype.toString.call(h), '[object Iterator Helper]', 'class string');
  eq(JSON.stringify(h.next()), '{"value":1,"done":false}', 'first');
  h.next();
  h.next();
  eq(JSON.stringify(h.next()), '{"done":true}', 'done');
  eq(log.nextGets, 1, 'next read once');
  eq(log.returns, 0, 'not closed when exhausted');
  eq(JSON.stringify(h.return()), '{"done":true}', 'return after completion');
  eq(log.returns, 0, 'completed helper does not close');
});
test('Iterator helpers: return() closes the underlying iterator', () => {
  const a = spyIterator([1, 2]);
  const h = a.it.filter(() => true);
  eq(JSON.stringify(h.return()), '{"done":true}', 'return before next');
  eq(a.log.returns, 1, 'closed before start');
  eq(a.log.nexts, 0, 'never pulled');
  eq(h.next().done, true, 'done afterwards');
  h.return();
  eq(a.log.returns, 1, 'closed once');
  const b = spyIterator([1, 2]);
  const hb = b.it.map((x) => x);
  hb.next();
  hb.return();
  eq(b.log.returns, 1, 'closed after a yield');
  eq(hb.next().done, true, 'done');
  const c = spyIterator([1], { returnResult: 5 });
  const hc = c.it.take(5);
  hc.next();
  throws(TypeError, () => hc.return(), 'return() result not an object');
  const d = spyIterator([1, 2, 3]);
  const hd = d.it.take(1);
  eq(hd.next().value, 1, 'take value');
  eq(d.log.returns, 0, 'not closed yet');
  eq(hd.next().done, true, 'take done');
  eq(d.log.returns, 1, 'take closes at the limit');
  const e = spyIterator([1]);
  eq(e.it.take(0).next().done, true, 'take(0)');
  eq(e.log.nexts, 0, 'take(0) never pulls');
  eq(e.log.returns, 1, 'take(0) closes');
});
test('Iterator helpers: flatMap closes inner then outer', () => {
  const order = [];
  const inner = { next: () => ({ value: 'i', done: false }), return: () => { order.push('inner'); return {}; } };
  const outer = { __proto__: Iterator.prototype, next: () => ({ value: 1, done: false }), return: () => { order.push('outer'); return {}; } };
  const h = outer.flatMap(() => inner);
  h.next();
  h.return();
  eq(order.join(), 'inner,outer', 'order');
  const failing = { next: () => ({ value: 'i', done: false }), return: () => { throw new RangeError('inner'); } };
  order.length = 0;
  const h2 = outer.flatMap(() => failing);
  h2.next();
  throws(RangeError, () => h2.return(), 'inner return error wins');
  eq(order.join(), 'outer', 'outer still closed');
});
test('Iterator helpers: callback errors close the iterator, the original error wins', () => {
  const a = spyIterator([1, 2]);
  const e = new Error('mapper');
  try { a.it.map(() => { throw e; }).next(); fail('no throw'); } catch (err) { eq(err, e, 'error'); }
  eq(a.log.returns, 1, 'closed');
  const b = { __proto__: Iterator.prototype, next: () => ({ value: 1, done: false }), return() { throw new RangeError('return'); } };
  try { b.filter(() => { throw e; }).next(); fail('no throw'); } catch (err) { eq(err, e, 'original error wins over return()'); }
  const c = { __proto__: Iterator.prototype, next() { throw e; }, return: boom };
  try { c.map((x) => x).next(); fail('no throw'); } catch (err) { eq(err, e, 'next() errors do not close'); }
});
test('Iterator helpers: invalid arguments close the receiver before next is read', () => {
  for (const [m, arg, Err] of [['map', 1, TypeError], ['filter', null, TypeError], ['flatMap', {}, TypeError],
    ['take', NaN, RangeError], ['take', -1, RangeError], ['drop', 'x', RangeError], ['drop', -0.5, null],
    ['reduce', 1, TypeError], ['forEach', 1, TypeError], ['some', 1, TypeError], ['every', 1, TypeError], ['find', 1, TypeError]]) {
    let returns = 0;
    const it = { __proto__: Iterator.prototype, get next() { if (Err) fail(`${m}: next read`); return () => ({ done: true }); }, return() { returns++; return {}; } };
    if (Err === null) {
      it[m](arg);
      eq(returns, 0, `${m}(${fmt(arg)}) valid`);
      continue;
    }
    throws(Err, () => it[m](arg), `${m}(${fmt(arg)})`);
    eq(returns, 1, `${m}(${fmt(arg)}) closed`);
  }
  throws(TypeError, () => Iterator.prototype.map.call(1, (x) => x), 'primitive this');
  throws(TypeError, () => Iterator.prototype.toArray.call(null), 'null this');
  const it = { __proto__: Iterator.prototype, next: () => ({ done: true }), return() { return {}; } };
  throws(TypeError, () => it.take({ valueOf() { throw new TypeError('valueOf'); } }), 'ToNumber error');
  throws(TypeError, () => it.take(1n), 'BigInt limit');
});
test('Iterator helpers: re-entrancy throws TypeError', () => {
  let h;
  h = [1, 2].values().map(() => h.next());
  throws(TypeError, () => h.next(), 'next while running');
  let h2;
  h2 = [1, 2].values().map(() => h2.return());
  throws(TypeError, () => h2.next(), 'return while running');
  const proto = Object.getPrototypeOf(h);
  throws(TypeError, () => proto.next.call({}), 'next on a foreign object');
  throws(TypeError, () => proto.return.call(Iterator.from({ next() {} })), 'return on a wrapper');
  throws(TypeError, () => proto.next.call(undefined), 'next on undefined');
});
test('Iterator helpers: drop does not read dropped values', () => {
  let valueReads = 0;
  let i = 0;
  const it = { __proto__: Iterator.prototype, next() { i++; return { done: i > 3, get value() { valueReads++; return i; } }; } };
  arrEq(it.drop(2).toArray(), [3]);
  eq(valueReads, 1, 'value reads');
});
test('Iterator consumers: reduce, toArray, forEach, some, every, find', () => {
  eq([1, 2, 3].values().reduce((a, b) => a + b), 6, 'reduce without initial value');
  eq([1, 2, 3].values().reduce((a, b) => a + b, 10), 16, 'reduce with initial value');
  const counters = [];
  [5, 6].values().reduce((a, b, i) => { counters.push(i); return a; });
  eq(counters.join(), '1', 'reduce counter starts at 1 without initial value');
  counters.length = 0;
  [5, 6].values().reduce((a, b, i) => { counters.push(i); return a; }, 0);
  eq(counters.join(), '0,1', 'reduce counter with initial value');
  throws(TypeError, () => [].values().reduce((a, b) => a), 'empty without initial value');
  eq([].values().reduce((a, b) => a, 'init'), 'init', 'empty with initial value');
  eq([].values().reduce((a, b) => a, undefined), undefined, 'explicit undefined initial value');
  const fe = [];
  eq([7, 8].values().forEach((v, i) => fe.push(v, i)), undefined, 'forEach result');
  eq(fe.join(), '7,0,8,1', 'forEach');
  const a = spyIterator([1, 2, 3]);
  eq(a.it.some((v) => v === 2), true, 'some');
  eq(a.log.returns, 1, 'some closes');
  eq(a.log.nexts, 2, 'some stops');
  const b = spyIterator([1, 2, 3]);
  eq(b.it.every((v) => v < 2), false, 'every');
  eq(b.log.returns, 1, 'every closes');
  const c = spyIterator([1, 2, 3]);
  eq(c.it.find((v) => v > 1), 2, 'find');
  eq(c.log.returns, 1, 'find closes');
  const d = spyIterator([1, 2]);
  eq(d.it.some(() => false), false, 'some exhausted');
  eq(d.log.returns, 0, 'some exhausted: not closed');
  eq([1].values().find(() => false), undefined, 'find nothing');
  eq([].values().every(boom), true, 'every on empty');
  const e = spyIterator([1]);
  throws(RangeError, () => e.it.forEach(() => { throw new RangeError('fe'); }));
  eq(e.log.returns, 1, 'forEach closes on throw');
  const f = spyIterator([1, 2]);
  throws(RangeError, () => f.it.reduce(() => { throw new RangeError('r'); }));
  eq(f.log.returns, 1, 'reduce closes on throw');
  const arr = [1, 2].values().toArray();
  ok(Array.isArray(arr) && Object.getPrototypeOf(arr) === Array.prototype, 'toArray gives an Array');
});
test('Iterator helpers: work on generators and ignore patched built-ins', () => {
  function* nat() { let i = 0; for (;;) yield i++; }
  arrEq(nat().filter((x) => x % 3 === 0).map((x) => x * x).drop(1).take(3).toArray(), [9, 36, 81], 'pipeline');
  const g = nat();
  g.take(1).toArray();
  eq(g.next().done, true, 'take closed the generator');
  const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(g));
  const r = patched(Function.prototype, 'call', boom, () => patched(GeneratorPrototype, 'next', boom,
    () => patched(GeneratorPrototype, 'return', boom, () => {
      const h = [1, 2, 3].values().map((x) => x + 1);
      const first = h.next().value;
      h.return();
      return [first, [1, 2].values().filter((x) => x > 1).toArray()];
    })));
  eq(r[0], 2, 'helper next with %GeneratorPrototype% patched');
  arrEq(r[1], [2], 'toArray with %GeneratorPrototype% patched');
});

// ---------------------------------------------------------------------------
// RegExp.escape

test('RegExp.escape: spec examples', () => {
  eq(RegExp.escape('foo'), '\\x66oo', 'leading letter');
  eq(RegExp.escape('1'), '\\x31', 'leading digit');
  eq(RegExp.escape('_x1'), '_x1', 'underscore');
  eq(RegExp.escape('^$\\.*+?()[]{}|/'), '\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/', 'syntax characters');
  eq(RegExp.escape(',-=<>#&!%:;@~\'`"'), '\\x2c\\x2d\\x3d\\x3c\\x3e\\x23\\x26\\x21\\x25\\x3a\\x3b\\x40\\x7e\\x27\\x60\\x22', 'other punctuators');
  eq(RegExp.escape(' \t\n\v\f\r\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'),
    '\\x20\\t\\n\\v\\f\\r\\xa0\\u1680\\u2000\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff', 'white space and line terminators');
  eq(RegExp.escape('\u200b\u0085'), '\u200b\u0085', 'not Zs');
  eq(RegExp.escape('\uD800x\uDFFF'), '\\ud800x\\udfff', 'lone surrogates');
  eq(RegExp.escape('\u{1F600}a'), '\u{1F600}a', 'pair kept');
  eq(RegExp.escape('é1'), 'é1', 'non-ASCII letter is not escaped');
  eq(RegExp.escape(''), '', 'empty');
  eq(RegExp.escape('a1'), '\\x611', 'only the first letter');
});
test('RegExp.escape: argument must be a string; round trips', () => {
  throws(TypeError, () => RegExp.escape(new String('a')));
  throws(TypeError, () => RegExp.escape(1));
  throws(TypeError, () => RegExp.escape());
  for (const s of ['a.b*c', '(?<n>x)', '\\d+', '1$', 'x/y', '-]', '\u2028', 'f\uD800', '[\u{1F600}-z]', 'a{1,2}']) {
    for (const flags of ['', 'u', 'g']) {
      const re = new RegExp(`^${RegExp.escape(s)}$`, flags);
      ok(re.test(s), `round trip ${escape(s)} /${flags}`);
    }
    ok(new RegExp(`[${RegExp.escape(s)}]`, 'u').test(s[0]) || s[0] === '\uD800', `class ${escape(s)}`);
  }
});

// ---------------------------------------------------------------------------
// Error.isError

test('Error.isError', () => {
  class MyError extends TypeError {}
  for (const e of [new Error(), new TypeError(), new RangeError(), new AggregateError([]), new MyError(), new DOMException('x', 'AbortError'), new SyntaxError()]) {
    eq(Error.isError(e), true, `${e.constructor.name}`);
  }
  let caught;
  try { null.x; } catch (e) { caught = e; }
  eq(Error.isError(caught), true, 'engine error');
  const spoof = Object.create(Error.prototype);
  for (const v of [spoof, Error.prototype, { [Symbol.toStringTag]: 'Error' }, new Proxy(new Error(), {}), undefined, null, 'Error', 1, Error]) {
    eq(Error.isError(v), false, `${Object.prototype.toString.call(v)}`);
  }
  const e = new Error();
  Object.setPrototypeOf(e, null);
  eq(Error.isError(e), true, 'prototype changed');
  eq(Error.isError(), false, 'no argument');
});

// ---------------------------------------------------------------------------
// ArrayBuffer.prototype.transfer / transferToFixedLength / detached

test('ArrayBuffer transfer: contents move, the old buffer detaches', () => {
  const a = new Uint8Array([1, 2, 3]).buffer;
  const view = new Uint8Array(a);
  eq(a.detached, false, 'before');
  const b = a.transfer();
  eq(a.detached, true, 'detached');
  eq(a.byteLength, 0, 'old byteLength');
  eq(view.length, 0, 'views of the old buffer');
  eq(b.byteLength, 3, 'new byteLength');
  arrEq(Array.from(new Uint8Array(b)), [1, 2, 3], 'contents');
  eq(b.detached, false, 'new not detached');
  eq(Object.getPrototypeOf(b), ArrayBuffer.prototype, 'a plain ArrayBuffer');
  throws(TypeError, () => a.transfer(), 'transfer a detached buffer');
  throws(TypeError, () => a.transferToFixedLength(), 'transferToFixedLength a detached buffer');
  throws(TypeError, () => new Uint8Array(a), 'detached buffer cannot back a view');
});
test('ArrayBuffer transfer: new lengths', () => {
  const src = () => new Uint8Array([1, 2, 3, 4]).buffer;
  arrEq(Array.from(new Uint8Array(src().transfer(6))), [1, 2, 3, 4, 0, 0], 'grow, zero-filled');
  arrEq(Array.from(new Uint8Array(src().transfer(2))), [1, 2], 'shrink');
  eq(src().transfer(0).byteLength, 0, 'zero');
  arrEq(Array.from(new Uint8Array(src().transferToFixedLength(5))), [1, 2, 3, 4, 0], 'transferToFixedLength');
  eq(src().transfer('3').byteLength, 3, 'ToIndex of a string');
  eq(src().transfer(undefined).byteLength, 4, 'undefined is the same length');
  eq(src().transfer(2.9).byteLength, 2, 'fraction');
  throws(RangeError, () => src().transfer(-1), 'negative');
  throws(RangeError, () => src().transfer(2 ** 53), 'past 2^53 - 1');
  throws(RangeError, () => src().transfer(2 ** 40), 'past the memory limit');
  const a = src();
  throws(TypeError, () => a.transfer({ valueOf() { a.transfer(); return 1; } }), 'detached while converting');
  const empty = new ArrayBuffer(0);
  empty.transfer();
  eq(empty.detached, true, 'an empty buffer detaches too');
});
test('ArrayBuffer detached: agrees with structuredClone\'s transfer', () => {
  const a = new Uint8Array([7]).buffer;
  const b = structuredClone(a, { transfer: [a] });
  eq(a.detached, true, 'transferred by structuredClone');
  eq(b.detached, false, 'the clone');
  throws(TypeError, () => a.transfer(), 'transfer after structuredClone');
});
test('ArrayBuffer transfer: receivers', () => {
  const { transfer, transferToFixedLength } = ArrayBuffer.prototype;
  const getDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached').get;
  for (const v of [{}, new Uint8Array(1), 1, undefined, new DataView(new ArrayBuffer(1))]) {
    throws(TypeError, () => transfer.call(v), 'transfer');
    throws(TypeError, () => transferToFixedLength.call(v), 'transferToFixedLength');
    throws(TypeError, () => getDetached.call(v), 'detached');
  }
  if (typeof SharedArrayBuffer === 'function') {
    const sab = new SharedArrayBuffer(1);
    throws(TypeError, () => transfer.call(sab), 'SharedArrayBuffer');
    throws(TypeError, () => getDetached.call(sab), 'detached of a SharedArrayBuffer');
  }
  const mem = new WebAssembly.Memory({ initial: 1 });
  throws(TypeError, () => mem.buffer.transfer(), 'WebAssembly memory cannot be detached');
  eq(mem.buffer.detached, false, 'memory buffer still attached');
});

// ---------------------------------------------------------------------------
// Math.sumPrecise

test('Math.sumPrecise: signs of zero, infinities, NaN', () => {
  eq(Math.sumPrecise([]), -0, 'empty');
  eq(Math.sumPrecise([-0]), -0, '[-0]');
  eq(Math.sumPrecise([-0, -0]), -0, '[-0, -0]');
  eq(Math.sumPrecise([-0, 0]), 0, '[-0, 0]');
  eq(Math.sumPrecise([0]), 0, '[0]');
  eq(Math.sumPrecise([1, -1]), 0, 'exact cancellation is +0');
  eq(Math.sumPrecise([-5e-324, 5e-324]), 0, 'subnormal cancellation');
  eq(Math.sumPrecise([Infinity, 1]), Infinity);
  eq(Math.sumPrecise([-Infinity, MAX, MAX]), -Infinity);
  eq(Math.sumPrecise([Infinity, -Infinity]), NaN);
  eq(Math.sumPrecise([NaN, 1]), NaN);
  eq(Math.sumPrecise([1, NaN, Infinity]), NaN);
});
test('Math.sumPrecise: exact results', () => {
  eq(Math.sumPrecise([0.1, 0.2, 0.3]), 0.6);
  eq(Math.sumPrecise([1e20, 0.1, -1e20]), 0.1);
  eq(Math.sumPrecise([1, 1e100, 1, -1e100]), 2);
  eq(Math.sumPrecise([5e-324, 5e-324]), 1e-323);
  eq(Math.sumPrecise([2 ** 53, 1, 1]), 2 ** 53 + 2, 'no double rounding');
  eq(Math.sumPrecise([1, 2 ** -53]), 1, 'tie to even (down)');
  eq(Math.sumPrecise([1, 2 ** -53, 2 ** -100]), 1 + 2 ** -52, 'past the tie');
  eq(Math.sumPrecise([1, 2 ** -53, 2 ** -200]), 1 + 2 ** -52, 'past the tie, by a partial far below');
  eq(Math.sumPrecise([-1, -(2 ** -53), -(2 ** -200)]), -1 - 2 ** -52, 'past the tie, negative');
  eq(Math.sumPrecise([1 + 2 ** -52, 2 ** -53]), 1 + 2 ** -51, 'tie to even (up)');
  eq(Math.sumPrecise([1 + 2 ** -52, 2 ** -53, -(2 ** -100)]), 1 + 2 ** -52, 'below the tie');
  eq(Math.sumPrecise(new Set([1, 2])), 3, 'any iterable');
  eq(Math.sumPrecise([-7.5]), -7.5);
});
test('Math.sumPrecise: overflow of intermediate sums', () => {
  eq(Math.sumPrecise([MAX, MAX]), Infinity, 'overflows');
  eq(Math.sumPrecise([-MAX, -MAX]), -Infinity, 'overflows negatively');
  eq(Math.sumPrecise([MAX, MAX, -MAX]), MAX, 'comes back');
  eq(Math.sumPrecise([MAX, MAX, -MAX, -MAX]), 0, 'cancels');
  eq(Math.sumPrecise([MAX, 1e300, -1e300]), MAX);
  eq(Math.sumPrecise([MAX, 2 ** 970]), Infinity, 'half an ulp above MAX rounds to even: Infinity');
  eq(Math.sumPrecise([MAX, 2 ** 970, -(2 ** -1074)]), MAX, 'just below the tie');
  eq(Math.sumPrecise([MAX, 2 ** 969]), MAX, 'a quarter ulp above MAX');
  eq(Math.sumPrecise([MAX, MAX, MAX, -MAX, -MAX]), MAX, 'twice over and back');
  eq(Math.sumPrecise([MAX, MAX, -MAX, 2 ** 970, -(2 ** -1074)]), MAX, 'tie after an overflow');
  eq(Math.sumPrecise([MAX, MAX, -MAX, -MAX, 5e-324]), 5e-324, 'tiny after huge');
  eq(Math.sumPrecise([2 ** 1023, 2 ** 1023, -MAX]), 2 ** 971, 'exactly 2^1024 - MAX');
});
test('Math.sumPrecise: type errors close the iterator', () => {
  throws(TypeError, () => Math.sumPrecise(), 'undefined');
  throws(TypeError, () => Math.sumPrecise(1), 'number');
  throws(TypeError, () => Math.sumPrecise({}), 'not iterable');
  throws(TypeError, () => Math.sumPrecise([1, '2']), 'string item');
  throws(TypeError, () => Math.sumPrecise([1n]), 'BigInt item');
  throws(TypeError, () => Math.sumPrecise([new Number(1)]), 'Number object');
  throws(TypeError, () => Math.sumPrecise([NaN, 'x']), 'type checked after NaN');
  throws(TypeError, () => Math.sumPrecise([Infinity, -Infinity, null]), 'type checked after NaN state');
  const spy = {};
  throws(TypeError, () => Math.sumPrecise(iterable([1, 'x', 3], spy)));
  eq(spy.log.returns, 1, 'closed');
  eq(spy.log.nexts, 2, 'stopped');
});

// ---------------------------------------------------------------------------
// Streams use the native transfer: byte streams detach

test('byte streams detach enqueued chunks and BYOB views', async () => {
  let chunk;
  const rs = new ReadableStream({
    type: 'bytes',
    start(c) { chunk = new Uint8Array([1, 2, 3]); c.enqueue(chunk); c.close(); },
  });
  eq(chunk.byteLength, 0, 'enqueued chunk detached');
  eq(chunk.buffer.detached, true, 'its buffer');
  const r = await rs.getReader().read();
  arrEq(Array.from(r.value), [1, 2, 3], 'bytes arrive');
  eq(r.value.buffer.detached, false, 'delivered buffer attached');
  const rs2 = new ReadableStream({ type: 'bytes', pull(c) { c.byobRequest.view[0] = 9; c.byobRequest.respond(1); } });
  const view = new Uint8Array(4);
  const p = rs2.getReader({ mode: 'byob' }).read(view);
  eq(view.buffer.detached, true, 'BYOB view transferred');
  const got = await p;
  eq(got.value[0], 9, 'BYOB value');
  eq(got.value.buffer.byteLength, 4, 'same backing size');
});

// ---------------------------------------------------------------------------

async function runAll() {
  const results = [];
  for (const [name, fn] of cases) {
    try {
      await fn();
      results.push([name, null]);
    } catch (e) {
      results.push([name, `${e && e.constructor && e.constructor.name}: ${e && e.message}\n${e && e.stack}`]);
    }
  }
  return results;
}

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/run') return Response.json(await runAll());
    if (path === '/sum') {
      const doubles = new Float64Array(await request.arrayBuffer());
      let result;
      try {
        result = Math.sumPrecise(doubles);
      } catch (e) {
        return new Response(String(e), { status: 500 });
      }
      return new Response(new Float64Array([result]).buffer);
    }
    return new Response('not found', { status: 404 });
  },
};
