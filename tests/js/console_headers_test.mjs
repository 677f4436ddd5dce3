// Tests for src/js/console.js, src/js/headers.js and src/js/blob.js.
// Each file is loaded into a fresh vm context as fn(internals, native) with a
// fake `native` built on Node's APIs. Run: node tests/js/console_headers_test.mjs

import vm from 'node:vm';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReadableStream as NodeReadableStream } from 'node:stream/web';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sources = {};
for (const name of ['console.js', 'headers.js', 'blob.js']) {
  sources[name] = fs.readFileSync(path.join(root, 'src/js', name), 'utf8');
}

// A fresh realm with the runtime files loaded. `setup` runs in the realm
// before the files (e.g. to install a fake performance.now or Date.now).
function makeRealm({ setup = '', files = ['console.js', 'headers.js', 'blob.js'] } = {}) {
  const ctx = vm.createContext({});
  if (setup) vm.runInContext(setup, ctx);
  const realm = vm.runInContext('({ Uint8Array, TypeError, ArrayBuffer, RangeError, Promise })', ctx);
  const logs = [];
  const native = {
    // The base class of Blob (runtime: instances are V8 host objects).
    HostObject: vm.runInContext('(class HostObject {})', ctx),
    utf8Encode(s) {
      const b = Buffer.from(`${s}`, 'utf8');
      const u = new realm.Uint8Array(b.length);
      u.set(b);
      return u;
    },
    utf8Decode(u8, fatal, ignoreBOM) {
      try {
        return new TextDecoder('utf-8', { fatal, ignoreBOM }).decode(u8);
      } catch (err) {
        throw new realm.TypeError(err.message);
      }
    },
    log(level, message) {
      logs.push([level, message]);
    },
  };
  const internals = vm.runInContext('({})', ctx);
  for (const f of files) {
    vm.runInContext(`(function(internals, native){${sources[f]}\n})`, ctx, { filename: f })(internals, native);
  }
  ctx.internals = internals;
  const run = (code) => vm.runInContext(code, ctx);
  return { ctx, realm, internals, native, logs, run };
}

// ---------------------------------------------------------------------------
// Minimal harness

let passed = 0;
let failed = 0;
const queue = []; // tests run one after another (some share realm state)

function report(name, ok, detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `\n${detail}` : ''}`);
  }
}

function eq(name, actual, expected) {
  const ok = Object.is(actual, expected);
  report(name, ok, ok ? '' : `  expected: ${JSON.stringify(expected)}\n  actual:   ${JSON.stringify(actual)}`);
}

function deepEq(name, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  report(name, a === e, a === e ? '' : `  expected: ${e}\n  actual:   ${a}`);
}

function ok(name, cond, detail = '') {
  report(name, !!cond, detail);
}

// Expects fn to throw an error whose constructor is `ctor` (a realm's
// TypeError, say) and whose message matches `re` when given.
function throws(name, fn, ctor, re) {
  try {
    fn();
  } catch (err) {
    const good = err instanceof ctor && (re === undefined || re.test(err.message));
    report(name, good, good ? '' : `  threw ${err && err.constructor && err.constructor.name}: ${err && err.message}`);
    return;
  }
  report(name, false, '  did not throw');
}

function test(name, fn) {
  queue.push([name, fn]);
}

// ---------------------------------------------------------------------------
// inspect

{
  const { internals, run } = makeRealm();
  const { inspect } = internals;
  const cases = [
    // [expression evaluated in the realm, expected output, options]
    ['"hello"', 'hello'],
    ['["hello"]', "[ 'hello' ]"],
    ['({ s: "it\'s" })', `{ s: "it's" }`],
    ['[`a\'b"c`]', "[ `a'b\"c` ]"],
    ['["a\\nb\\t\\u0001\\\\"]', "[ 'a\\nb\\t\\x01\\\\' ]"],
    ['["\\ud800x"]', "[ '\\uD800x' ]"],
    ['["😀"]', "[ '😀' ]"],
    ['42', '42'],
    ['-0', '-0'],
    ['[-0, 0, 1.5, NaN, -Infinity]', '[ -0, 0, 1.5, NaN, -Infinity ]'],
    ['1n', '1n'],
    ['-123n', '-123n'],
    ['Symbol("tag")', 'Symbol(tag)'],
    ['Symbol()', 'Symbol()'],
    ['undefined', 'undefined'],
    ['null', 'null'],
    ['true', 'true'],
    ['(function foo() {})', '[Function: foo]'],
    ['(() => {})', '[Function (anonymous)]'],
    ['(async function af() {})', '[AsyncFunction: af]'],
    ['(function* gen() {})', '[GeneratorFunction: gen]'],
    ['(async function* ag() {})', '[AsyncGeneratorFunction: ag]'],
    ['(class X {})', '[class X]'],
    ['(class {})', '[class (anonymous)]'],
    ['(() => { class A {} return class B extends A {}; })()', '[class B extends A]'],
    ['(class S { static count = 2 })', '[class S] { count: 2 }'],
    ['Object.assign(function f() {}, { a: 1 })', '[Function: f] { a: 1 }'],
    ['[1, 2, 3]', '[ 1, 2, 3 ]'],
    ['[]', '[]'],
    ['[1, , 3, , , 6]', '[ 1, <1 empty item>, 3, <2 empty items>, 6 ]'],
    ['Object.assign([1, 2], { extra: true })', '[ 1, 2, extra: true ]'],
    ['new Array(5000)', '[ <5000 empty items> ]'],
    ['({ a: 1, b: "x" })', "{ a: 1, b: 'x' }"],
    ['({})', '{}'],
    ['({ "a-b": 1, 2: 3, $ok: 4, [Symbol("s")]: 5 })', "{ '2': 3, 'a-b': 1, $ok: 4, [Symbol(s)]: 5 }"],
    ['({ a: { b: { c: { d: 1 } } } })', '{ a: { b: { c: [Object] } } }'],
    ['({ a: { b: { c: [1] } } })', '{ a: { b: { c: [Array] } } }'],
    ['({ a: { b: { c: new Map([[1, 2]]) } } })', '{ a: { b: { c: [Map] } } }'],
    ['(() => { class Foo { constructor() { this.x = 1; } } return { a: { b: { c: new Foo() } } }; })()',
      '{ a: { b: { c: [Foo] } } }'],
    ['({ a: { b: { c: {} } } })', '{ a: { b: { c: {} } } }'],
    ['[[[[]]]]', '[ [ [ [] ] ] ]'],
    ['({ a: { b: { c: { d: 1 } } } })', '{ a: { b: { c: { d: 1 } } } }', { depth: 3 }],
    ['({ a: { b: 1 } })', '{ a: [Object] }', { depth: 0 }],
    ['({ a: { b: { c: { d: { e: { f: 1 } } } } } })', '{ a: { b: { c: { d: { e: { f: 1 } } } } } }', { depth: null }],
    ['(() => { const o = { name: "o" }; o.self = o; return o; })()', "<ref *1> { name: 'o', self: [Circular *1] }"],
    ['(() => { const a = [1]; a.push(a); return a; })()', '<ref *1> [ 1, [Circular *1] ]'],
    ['(() => { const o = {}; o.x = { back: o }; return o; })()', '<ref *1> { x: { back: [Circular *1] } }'],
    ['(() => { const s = {}; return [s, s]; })()', '[ {}, {} ]'],
    ['new Map([["a", 1], ["b", { x: 1 }]])', "Map(2) { 'a' => 1, 'b' => { x: 1 } }"],
    ['new Map()', 'Map(0) {}'],
    ['new Set([1, "a"])', "Set(2) { 1, 'a' }"],
    ['new Set()', 'Set(0) {}'],
    ['new WeakMap()', 'WeakMap { <items unknown> }'],
    ['new WeakSet()', 'WeakSet { <items unknown> }'],
    ['new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6))', '2020-01-02T03:04:05.006Z'],
    ['new Date(NaN)', 'Invalid Date'],
    ['({ when: new Date(0) })', '{ when: 1970-01-01T00:00:00.000Z }'],
    ['/ab+c/gi', '/ab+c/gi'],
    ['[/x/]', '[ /x/ ]'],
    ['(() => { const e = new Error("boom"); e.stack = "Error: boom\\n    at f (file.js:1:2)"; return e; })()',
      'Error: boom\n    at f (file.js:1:2)'],
    ['(() => { const e = new TypeError("bad"); e.stack = undefined; return e; })()', 'TypeError: bad'],
    ['(() => { const e = new RangeError(""); e.stack = ""; return e; })()', 'RangeError'],
    ['(() => { const e = new Error("boom"); e.stack = "Error: boom\\n    at f"; return { e }; })()',
      '{\n  e: Error: boom\n      at f\n}'],
    ['(() => { const e = new Error("x", { cause: "y" }); e.stack = "Error: x"; e.code = "E1"; return e; })()',
      "Error: x { code: 'E1', [cause]: 'y' }"],
    ['new Uint8Array([1, 2, 3])', 'Uint8Array(3) [ 1, 2, 3 ]'],
    ['new Float64Array([-0, 0.5])', 'Float64Array(2) [ -0, 0.5 ]'],
    ['new BigInt64Array([1n, -2n])', 'BigInt64Array(2) [ 1n, -2n ]'],
    ['new Uint8Array(0)', 'Uint8Array(0) []'],
    ['new Uint8Array([1, 2, 255]).buffer', 'ArrayBuffer { [Uint8Contents]: <01 02 ff>, byteLength: 3 }'],
    ['new ArrayBuffer(0)', 'ArrayBuffer { [Uint8Contents]: <>, byteLength: 0 }'],
    ['new DataView(new ArrayBuffer(2), 1)',
      'DataView {\n  byteLength: 1,\n  byteOffset: 1,\n  buffer: ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 }\n}'],
    ['Promise.resolve(1)', 'Promise {}'],
    ['(() => { class Foo { constructor() { this.x = 1; } } return new Foo(); })()', 'Foo { x: 1 }'],
    ['(() => { class Empty {} return new Empty(); })()', 'Empty {}'],
    ['(() => { class Base {} class Derived extends Base { constructor() { super(); this.y = 2; } } return new Derived(); })()',
      'Derived { y: 2 }'],
    ['Object.create(null)', '[Object: null prototype] {}'],
    ['Object.assign(Object.create(null), { a: 1 })', '[Object: null prototype] { a: 1 }'],
    ['({ [Symbol.toStringTag]: "Tagged", a: 1 })', "Object [Tagged] { a: 1, [Symbol(Symbol.toStringTag)]: 'Tagged' }"],
    ['(function* () {})()', 'Object [Generator] {}'],
    ['(function () { return arguments; })(1, 2)', '[Arguments] [ 1, 2 ]'],
    ['[new Number(3), new String("ab"), new Boolean(false), Object(1n), Object(Symbol("q"))]',
      "[\n  [Number: 3],\n  [String: 'ab'],\n  [Boolean: false],\n  [BigInt: 1n],\n  [Symbol: Symbol(q)]\n]"],
    ['({ get a() { throw new Error("getter ran"); }, set b(v) {}, get c() { return 1; }, set c(v) {} })',
      '{ a: [Getter], b: [Setter], c: [Getter/Setter] }'],
    ['({ a: 1, [Symbol("hidden")]: 2, ...Object.defineProperty({}, "nonEnum", { value: 3 }) })',
      '{ a: 1, [Symbol(hidden)]: 2 }'],
    // line breaking
    // exactly 72 columns stays on one line, 73 breaks
    ['({ alpha: "aaaaaaaaaa", beta: "bbbbbbbbbb", gamma: "cccccc", delta: "d" })',
      "{ alpha: 'aaaaaaaaaa', beta: 'bbbbbbbbbb', gamma: 'cccccc', delta: 'd' }"],
    ['({ alpha: "aaaaaaaaaa", beta: "bbbbbbbbbb", gamma: "cccccc", delta: "dd" })',
      "{\n  alpha: 'aaaaaaaaaa',\n  beta: 'bbbbbbbbbb',\n  gamma: 'cccccc',\n  delta: 'dd'\n}"],
    ['({ outer: { alpha: "aaaaaaaaaaaaaaaaaaaa", beta: "bbbbbbbbbbbbbbbbbbbb", g: "cccccccc" }, z: 1 })',
      "{\n  outer: {\n    alpha: 'aaaaaaaaaaaaaaaaaaaa',\n    beta: 'bbbbbbbbbbbbbbbbbbbb',\n    g: 'cccccccc'\n  },\n  z: 1\n}"],
    ['Array.from({ length: 26 }, (_, i) => i)',
      '[\n   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,\n  16, 17, 18, 19, 20, 21, 22, 23, 24, 25\n]'],
    ['Array.from({ length: 12 }, (_, i) => "s" + i * 1000)',
      "[\n  's0',     's1000',  's2000',  's3000',  's4000',  's5000',  's6000',\n  's7000',  's8000',  's9000',  's10000', 's11000'\n]"],
    ['Array.from({ length: 103 }, () => 7)',
      '[\n' + Array.from({ length: 6 }, () => `  ${Array(16).fill('7').join(', ')},\n`).join('') +
      '  7, 7, 7, 7,\n  ... 3 more items\n]'],
    ['Array.from({ length: 101 }, () => 0).concat([])', null], // checked separately below
    ['Array.from({ length: 102 }, () => "x")', null],
  ];
  for (const [code, expected, options] of cases) {
    if (expected === null) continue;
    test(`inspect ${code}`, () => eq(`inspect ${code}`, inspect(run(code), options), expected));
  }
  test('inspect: maxArrayLength singular', () => {
    const out = inspect(run('Array.from({ length: 101 }, () => 0)'));
    ok('inspect: 101 items ends with "... 1 more item"', out.endsWith('\n  ... 1 more item\n]'), out);
  });
  test('inspect: maxArrayLength option', () => {
    eq('inspect maxArrayLength 2', inspect(run('[1, 2, 3, 4]'), { maxArrayLength: 2 }), '[ 1, 2, ... 2 more items ]');
    eq('inspect Set truncation', inspect(run('new Set([1, 2, 3])'), { maxArrayLength: 1 }), 'Set(3) { 1, ... 2 more items }');
  });
  test('inspect: getters are not invoked', () => {
    run('globalThis.getterCalls = 0');
    inspect(run('({ get a() { globalThis.getterCalls++; return 1; } })'));
    eq('getter not called', run('getterCalls'), 0);
  });
  test('inspect: real Error prints its stack', () => {
    const out = inspect(run('new Error("real")'));
    ok('stack first line', out.startsWith('Error: real\n    at '), out);
  });
  test('inspect: custom inspect hook', () => {
    eq('custom hook string', inspect(run('({ [Symbol.for("nodejs.util.inspect.custom")]() { return "CUSTOM"; } })')), 'CUSTOM');
    eq('custom hook in object',
      inspect(run('({ v: { [Symbol.for("nodejs.util.inspect.custom")](depth) { return { depth }; } } })')),
      '{ v: { depth: 1 } }');
  });
  test('inspect: proxies do not break brand checks', () => {
    eq('proxy of array', inspect(run('new Proxy([1, 2], {})')), '[ 1, 2 ]');
    eq('spoofed Map tag', inspect(run('({ [Symbol.toStringTag]: "Map" })')),
      "Object [Map] { [Symbol(Symbol.toStringTag)]: 'Map' }");
  });
  test('inspect: revoked proxy', () => {
    eq('revoked proxy', inspect(run('(() => { const p = Proxy.revocable({}, {}); p.revoke(); return [p.proxy]; })()')),
      '[ [Object: null prototype] {} ]');
  });
  test('inspect: optional native.promiseState', () => {
    const r = makeRealm({ files: ['console.js'] });
    r.native.promiseState = (p) => r.run('(p) => p.state')(p);
    const show = (code) => r.internals.inspect(r.run(code));
    eq('pending', show('Object.assign(Promise.resolve(), { state: ["pending"] })'),
      "Promise { <pending>, state: [ 'pending' ] }");
    eq('fulfilled', show('(() => { const p = Promise.resolve(); Object.defineProperty(p, "state", { value: ["fulfilled", 42] }); return p; })()'),
      'Promise { 42 }');
    eq('rejected', show('(() => { const p = Promise.resolve(); Object.defineProperty(p, "state", { value: ["rejected", "why"] }); return p; })()'),
      "Promise { <rejected> 'why' }");
  });
  test('inspect: Map subclass', () => {
    eq('map subclass', inspect(run('(() => { class M extends Map {} return new M([[1, 2]]); })()')),
      'M(1) [Map] { 1 => 2 }');
  });
}

// ---------------------------------------------------------------------------
// formatLogArgs

{
  const { internals, run } = makeRealm();
  const fmt = (code) => internals.formatLogArgs(run(code));
  const cases = [
    ['[]', ''],
    ['["plain"]', 'plain'],
    ['["%%"]', '%%'],
    ['["%s is %d years", "Bob", 42]', 'Bob is 42 years'],
    ['["%s", { a: 1 }]', '{ a: 1 }'],
    ['["%s", { a: { b: 1 } }]', '{ a: [Object] }'],
    ['["%s", [1, "x"]]', "[ 1, 'x' ]"],
    ['["%s", { toString() { return "custom!"; } }]', 'custom!'],
    ['["%s", (() => { class P { toString() { return "P!"; } } return new P(); })()]', 'P!'],
    ['["%s|%s|%s|%s|%s", null, undefined, -0, 5n, Symbol("y")]', 'null|undefined|-0|5n|Symbol(y)'],
    ['["%s", function named() {}]', '[Function: named]'],
    ['["%d", "42.5"]', '42.5'],
    ['["%d", -0]', '-0'],
    ['["%d", 10n]', '10n'],
    ['["%d", {}]', 'NaN'],
    ['["%d", Symbol()]', 'NaN'],
    ['["%i", 42.9]', '42'],
    ['["%i", "-7.5px"]', '-7'],
    ['["%i", 5n]', '5n'],
    ['["%f", "3.25abc"]', '3.25'],
    ['["%f", Symbol()]', 'NaN'],
    ['["%j", { a: [1, "x"] }]', '{"a":[1,"x"]}'],
    ['["%j", undefined]', 'undefined'],
    ['["%j", (() => { const o = {}; o.o = o; return o; })()]', '[Circular]'],
    ['["%o", { a: { b: { c: { d: { e: { f: 1 } } } } } }]', '{ a: { b: { c: { d: { e: [Object] } } } } }'],
    ['["%O", { a: { b: { c: { d: 1 } } } }]', '{ a: { b: { c: [Object] } } }'],
    ['["%O", "str"]', "'str'"],
    ['["%c styled", "color: red"]', ' styled'],
    ['["100%% done %s", "now"]', '100% done now'],
    ['["%s and %s", "one"]', 'one and %s'],
    ['["%x %s", "a"]', '%x a'],
    ['["%s", "a", "b", 3, { c: 1 }]', "a b 3 { c: 1 }"],
    ['["a", 1, "b", { c: "d" }]', "a 1 b { c: 'd' }"],
    ['[1, "a", null]', '1 a null'],
    ['[{ a: "x" }]', "{ a: 'x' }"],
    ['["x", "y"]', 'x y'],
    ['["trailing %"]', 'trailing %'],
    ['["trailing %", 1]', 'trailing % 1'],
  ];
  for (const [code, expected] of cases) {
    test(`formatLogArgs ${code}`, () => eq(`formatLogArgs ${code}`, fmt(code), expected));
  }
}

// ---------------------------------------------------------------------------
// console

{
  const { internals, run, logs, ctx } = makeRealm();
  const c = internals.console;
  const take = () => logs.splice(0, logs.length);

  test('console levels', () => {
    c.log('l %d', 1);
    c.info('i');
    c.warn('w');
    c.error('e', { a: 1 });
    c.debug('d');
    deepEq('console levels', take(), [['log', 'l 1'], ['info', 'i'], ['warn', 'w'], ['error', "e { a: 1 }"], ['debug', 'd']]);
  });
  test('console methods work unbound', () => {
    const { log } = c;
    log('unbound');
    deepEq('unbound log', take(), [['log', 'unbound']]);
  });
  test('console.trace', () => {
    c.trace('hi %s', 'there');
    const out = take();
    eq('trace count', out.length, 1);
    eq('trace level', out[0][0], 'log');
    ok('trace message', out[0][1].startsWith('Trace: hi there\n    at '), out[0][1]);
    c.trace();
    ok('trace without args', take()[0][1].startsWith('Trace\n'));
  });
  test('console.assert', () => {
    c.assert(true, 'nope');
    c.assert(1 === 1);
    deepEq('assert passes silently', take(), []);
    c.assert(false, 'x is %d', 5);
    c.assert(0);
    c.assert(false, { a: 1 });
    deepEq('assert failures', take(), [
      ['error', 'Assertion failed: x is 5'], ['error', 'Assertion failed'], ['error', 'Assertion failed: { a: 1 }'],
    ]);
  });
  test('console.count', () => {
    c.count();
    c.count();
    c.count('x');
    c.countReset();
    c.count();
    c.countReset('missing');
    deepEq('count', take(), [
      ['info', 'default: 1'], ['info', 'default: 2'], ['info', 'x: 1'], ['info', 'default: 1'],
      ['warn', "Warning: Count for 'missing' does not exist"],
    ]);
  });
  test('console.group', () => {
    c.group('Outer');
    c.log('one\ntwo');
    c.group();
    c.warn('deep');
    c.groupEnd();
    c.groupCollapsed('Collapsed %d', 1);
    c.error('in');
    c.groupEnd();
    c.groupEnd();
    c.groupEnd(); // extra groupEnd is harmless
    c.log('out');
    deepEq('group', take(), [
      ['log', 'Outer'], ['log', '  one\n  two'], ['warn', '    deep'], ['log', '  Collapsed 1'],
      ['error', '    in'], ['log', 'out'],
    ]);
  });
  test('console.dir', () => {
    c.dir('str');
    c.dir({ a: { b: { c: 1 } } }, { depth: 0 });
    deepEq('dir', take(), [['log', "'str'"], ['log', '{ a: [Object] }']]);
  });
  test('console.table', () => {
    c.table(run('[{ a: 1, b: "Y" }, { a: "Z", b: 2 }]'));
    c.table(run('["x"]'));
    c.table(run('[{ a: 1, b: 2, c: 3 }]'), ['c', 'a']);
    c.table(run('new Map([["k", { v: 1 }]])'));
    c.table('not tabular');
    deepEq('table', take(), [
      ['log', [
        '┌─────────┬─────┬─────┐',
        '│ (index) │ a   │ b   │',
        '├─────────┼─────┼─────┤',
        "│ 0       │ 1   │ 'Y' │",
        "│ 1       │ 'Z' │ 2   │",
        '└─────────┴─────┴─────┘'].join('\n')],
      ['log', [
        '┌─────────┬────────┐',
        '│ (index) │ Values │',
        '├─────────┼────────┤',
        "│ 0       │ 'x'    │",
        '└─────────┴────────┘'].join('\n')],
      ['log', [
        '┌─────────┬───┬───┐',
        '│ (index) │ c │ a │',
        '├─────────┼───┼───┤',
        '│ 0       │ 3 │ 1 │',
        '└─────────┴───┴───┘'].join('\n')],
      ['log', [
        '┌───────────────────┬─────┬──────────┐',
        '│ (iteration index) │ Key │ Values   │',
        '├───────────────────┼─────┼──────────┤',
        "│ 0                 │ 'k' │ { v: 1 } │",
        '└───────────────────┴─────┴──────────┘'].join('\n')],
      ['log', 'not tabular'],
    ]);
  });
  test('console.time with performance.now looked up at call time', () => {
    let t = 1000;
    ctx.performance = { now: () => t };
    c.time();
    t += 12.3456;
    c.timeLog(undefined, 'extra', 1);
    t += 2000;
    c.timeEnd();
    c.timeEnd();
    c.time('a');
    c.time('a');
    c.timeLog('nope');
    deepEq('time', take(), [
      ['info', 'default: 12.346ms extra 1'],
      ['info', 'default: 2.012s'],
      ['warn', "Warning: Timer 'default' does not exist"],
      ['warn', "Warning: Timer 'a' already exists"],
      ['warn', "Warning: Timer 'nope' does not exist"],
    ]);
    delete ctx.performance;
  });
  test('console toStringTag', () => {
    eq('console tag', Object.prototype.toString.call(c), '[object console]');
  });
}

{
  // Without performance, Date.now is used.
  const { internals, logs, run } = makeRealm({ setup: 'globalThis.fakeNow = 5; Date.now = () => globalThis.fakeNow;' });
  test('console.time falls back to Date.now', () => {
    internals.console.time('d');
    run('fakeNow = 7.5');
    internals.console.timeEnd('d');
    deepEq('time via Date.now', logs, [['info', 'd: 2.500ms']]);
  });
}

// ---------------------------------------------------------------------------
// Headers

{
  const { internals, realm, run } = makeRealm();
  const { Headers } = internals;
  const TE = realm.TypeError;
  const entries = (h) => [...h];

  test('Headers basics', () => {
    const h = new Headers();
    h.append('Content-Type', 'text/plain');
    eq('get case-insensitive', h.get('content-type'), 'text/plain');
    eq('get upper', h.get('CONTENT-TYPE'), 'text/plain');
    eq('has', h.has('Content-type'), true);
    eq('has missing', h.has('x-missing'), false);
    eq('get missing', h.get('x-missing'), null);
    h.append('Accept', 'a');
    h.append('accept', 'b');
    eq('combined', h.get('ACCEPT'), 'a, b');
    h.set('accept', 'c');
    eq('set replaces', h.get('accept'), 'c');
    h.delete('Accept');
    eq('deleted', h.has('accept'), false);
    eq('delete missing is fine', h.delete('nothing'), undefined);
    eq('tag', Object.prototype.toString.call(h), '[object Headers]');
  });

  test('Headers value normalisation', () => {
    const h = new Headers({ 'X-A': '  spaced \t', 'X-B': '\r\n v\n', 'X-C': '', 'X-D': 'in  side' });
    eq('trimmed', h.get('x-a'), 'spaced');
    eq('trimmed CRLF', h.get('x-b'), 'v');
    eq('empty value', h.get('x-c'), '');
    eq('inner whitespace kept', h.get('x-d'), 'in  side');
    h.set('x-e', 42);
    eq('value stringified', h.get('x-e'), '42');
  });

  test('Headers set-cookie', () => {
    const h = new Headers();
    h.append('Set-Cookie', 'a=1');
    h.append('set-cookie', 'b=2; Path=/');
    h.append('X', 'y');
    deepEq('getSetCookie', h.getSetCookie(), ['a=1', 'b=2; Path=/']);
    eq('get combines set-cookie', h.get('set-cookie'), 'a=1, b=2; Path=/');
    deepEq('iteration keeps set-cookie separate', entries(h), [['set-cookie', 'a=1'], ['set-cookie', 'b=2; Path=/'], ['x', 'y']]);
    deepEq('getSetCookie empty', new Headers().getSetCookie(), []);
  });

  test('Headers sorted iteration', () => {
    const h = new Headers([['Zeta', '1'], ['alpha', '2'], ['Beta', '3'], ['ALPHA', '4']]);
    deepEq('entries sorted + combined', entries(h), [['alpha', '2, 4'], ['beta', '3'], ['zeta', '1']]);
    deepEq('keys', [...h.keys()], ['alpha', 'beta', 'zeta']);
    deepEq('values', [...h.values()], ['2, 4', '3', '1']);
    deepEq('entries()', [...h.entries()], [['alpha', '2, 4'], ['beta', '3'], ['zeta', '1']]);
    const seen = [];
    h.forEach(function (value, key, obj) { seen.push([value, key, obj === h, this.tag]); }, { tag: 't' });
    deepEq('forEach', seen, [['2, 4', 'alpha', true, 't'], ['3', 'beta', true, 't'], ['1', 'zeta', true, 't']]);
    eq('@@iterator is entries', Headers.prototype[Symbol.iterator], Headers.prototype.entries);
    const it = h.keys();
    eq('iterator tag', Object.prototype.toString.call(it), '[object Headers Iterator]');
    eq('iterator proto chain', Object.getPrototypeOf(Object.getPrototypeOf(it)),
      run('Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))'));
    eq('first', it.next().value, 'alpha');
    h.append('aardvark', 'x'); // the iterator sees later changes
    eq('live iteration', it.next().value, 'alpha');
    eq('live iteration 2', it.next().value, 'beta');
    throws('forEach non-callable', () => h.forEach(5), TE);
  });

  test('Headers constructor forms', () => {
    const a = new Headers({ A: '1', b: '2' });
    deepEq('record', entries(a), [['a', '1'], ['b', '2']]);
    const b = new Headers(a);
    b.append('c', '3');
    deepEq('copy', entries(b), [['a', '1'], ['b', '2'], ['c', '3']]);
    eq('copy independent', a.has('c'), false);
    deepEq('map init', entries(new Headers(run('new Map([["m", "1"]])'))), [['m', '1']]);
    deepEq('generator init', entries(new Headers(run('(function* () { yield ["g", "1"]; })()'))), [['g', '1']]);
    deepEq('undefined init', entries(new Headers(undefined)), []);
    throws('string init', () => new Headers('a: b'), TE);
    throws('null init', () => new Headers(null), TE);
    throws('pair of one', () => new Headers([['a']]), TE);
    throws('pair of three', () => new Headers([['a', 'b', 'c']]), TE);
    throws('non-iterable pair', () => new Headers([5]), TE);
    throws('symbol key record', () => new Headers({ [Symbol('s')]: 'x' }), TE);
    throws('without new', () => Headers(), TE);
  });

  test('Headers validation', () => {
    const h = new Headers();
    throws('bad name (space)', () => h.append('bad name', 'x'), TE, /bad name/);
    throws('bad name (empty)', () => h.append('', 'x'), TE);
    throws('bad name (colon)', () => h.set('a:b', 'x'), TE, /a:b/);
    throws('bad name (non-ASCII)', () => h.set('é', 'x'), TE);
    throws('bad value LF', () => h.append('x-v', 'a\nb'), TE, /x-v/);
    throws('bad value CR', () => h.set('x-v', 'a\rb'), TE, /x-v/);
    throws('bad value NUL', () => h.append('x-v', 'a\0b'), TE, /x-v/);
    throws('bad value non-Latin-1', () => h.append('x-v', '☃'), TE, /x-v/);
    throws('get bad name', () => h.get('bad name'), TE);
    throws('has bad name', () => h.has('(x)'), TE);
    throws('delete bad name', () => h.delete('bad name'), TE);
    throws('bad init record value', () => new Headers({ 'x-r': 'a\nb' }), TE, /x-r/);
    throws('append missing args', () => h.append('a'), TE);
    throws('illegal invocation', () => Headers.prototype.get.call({}, 'a'), TE);
    h.append('x-latin1', '\u00e9');
    eq('latin-1 value allowed', h.get('x-latin1'), '\u00e9');
    h.append("!#$%&'*+-.^_`|~09azAZ", 'ok');
    eq('all token chars', h.get("!#$%&'*+-.^_`|~09azaz"), 'ok');
    h.append('host', 'example.com');
    h.append('set-cookie', 'a=b');
    eq('forbidden names are not filtered', h.get('host'), 'example.com');
  });

  test('Headers guards', () => {
    const h = new Headers({ a: '1' });
    eq('default guard', internals.headersGetGuard(h), 'none');
    internals.headersSetGuard(h, 'immutable');
    eq('guard set', internals.headersGetGuard(h), 'immutable');
    throws('immutable append', () => h.append('b', '2'), TE, /^Can't modify immutable headers$/);
    throws('immutable set', () => h.set('a', '2'), TE, /^Can't modify immutable headers$/);
    throws('immutable delete', () => h.delete('a'), TE, /^Can't modify immutable headers$/);
    throws('immutable delete missing', () => h.delete('zzz'), TE, /immutable/);
    throws('validation comes before the guard', () => h.append('bad name', 'x'), TE, /bad name/);
    eq('immutable still readable', h.get('a'), '1');
    deepEq('immutable iterable', entries(h), [['a', '1']]);
    const copy = new Headers(h);
    copy.append('b', '2');
    eq('copy of immutable is mutable', copy.get('b'), '2');
    for (const guard of ['request', 'response', 'none']) {
      const g = new Headers();
      internals.headersSetGuard(g, guard);
      g.append('set-cookie', 'x=1');
      g.append('host', 'h');
      eq(`guard ${guard} allows everything`, g.get('set-cookie'), 'x=1');
    }
    throws('invalid guard', () => internals.headersSetGuard(new Headers(), 'bogus'), TE);
    throws('guard on non-Headers', () => internals.headersSetGuard({}, 'none'), TE);
  });

  test('headersFromPairs / headersToPairs', () => {
    const h = internals.headersFromPairs(run('["Content-Type", "text/html", "Set-Cookie", "a=1", "X-Raw", " kept ", "set-cookie", "b=2"]'));
    eq('fast get', h.get('content-type'), 'text/html');
    eq('no re-validation (value kept as given)', h.get('x-raw'), ' kept ');
    deepEq('getSetCookie', h.getSetCookie(), ['a=1', 'b=2']);
    deepEq('toPairs insertion order', internals.headersToPairs(h),
      ['content-type', 'text/html', 'set-cookie', 'a=1', 'x-raw', ' kept ', 'set-cookie', 'b=2']);
    const g = new Headers();
    g.append('B', '1');
    g.append('A', '2');
    g.append('b', '3');
    g.append('Set-Cookie', 'c=1');
    g.append('set-cookie', 'c=2');
    deepEq('toPairs keeps duplicates in order', internals.headersToPairs(g),
      ['b', '1', 'a', '2', 'b', '3', 'set-cookie', 'c=1', 'set-cookie', 'c=2']);
    g.set('b', '9');
    deepEq('set keeps first position, drops the rest', internals.headersToPairs(g),
      ['b', '9', 'a', '2', 'set-cookie', 'c=1', 'set-cookie', 'c=2']);
    g.delete('a');
    deepEq('delete', internals.headersToPairs(g), ['b', '9', 'set-cookie', 'c=1', 'set-cookie', 'c=2']);
    const im = internals.headersFromPairs(['a', 'b'], 'immutable');
    throws('fromPairs guard', () => im.set('a', 'c'), TE);
    throws('odd pairs', () => internals.headersFromPairs(['a']), TE);
    eq('headersGetRaw', internals.headersGetRaw(g, 'set-cookie'), 'c=1, c=2');
    eq('isHeaders', internals.isHeaders(g) && !internals.isHeaders({}), true);
  });

  test('Headers compaction after many deletes', () => {
    const h = new Headers();
    for (let i = 0; i < 40; i++) h.append(`h${i}`, `${i}`);
    for (let i = 0; i < 35; i++) h.delete(`h${i}`);
    h.append('h0', 'again');
    deepEq('pairs after compaction', internals.headersToPairs(h),
      ['h35', '35', 'h36', '36', 'h37', '37', 'h38', '38', 'h39', '39', 'h0', 'again']);
    eq('has after compaction', h.has('h36') && !h.has('h1'), true);
  });

  test('Headers inspect', () => {
    const h = new Headers([['Set-Cookie', 'a'], ['set-cookie', 'b'], ['X-Y', 'z']]);
    eq('inspect headers', internals.inspect(h), "Headers { 'set-cookie': [ 'a', 'b' ], 'x-y': 'z' }");
    ok('inspect prototype', internals.inspect(Headers.prototype).startsWith('Object [Headers] {\n  append: [Function: append],'));
    eq('WebIDL enumerable methods', Object.getOwnPropertyDescriptor(Headers.prototype, 'append').enumerable, true);
  });
}

// ---------------------------------------------------------------------------
// Blob / File / FormData

{
  const { internals, realm, run } = makeRealm();
  const { Blob, File, FormData } = internals;
  const TE = realm.TypeError;
  const bytes = (u8) => Array.from(u8);

  test('Blob parts and size', async () => {
    const part = new Blob(['xy']);
    const buf = new realm.Uint8Array([10, 11, 12]).buffer;
    const view = new realm.Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3);
    const dv = new (run('DataView'))(new realm.Uint8Array([20, 21, 22]).buffer, 1, 1);
    const b = new Blob(['a€', buf, view, dv, part, 7]);
    eq('size', b.size, 4 + 3 + 2 + 1 + 2 + 1);
    deepEq('bytes', bytes(await b.bytes()), [0x61, 0xe2, 0x82, 0xac, 10, 11, 12, 2, 3, 21, 0x78, 0x79, 0x37]);
    eq('empty', new Blob().size, 0);
    eq('empty array', new Blob([]).size, 0);
    eq('default type', b.type, '');
    ok('Blob instanceof', b instanceof Blob);
    eq('tag', Object.prototype.toString.call(b), '[object Blob]');
    // The constructor snapshots buffers.
    const src = new realm.Uint8Array([1, 2]);
    const snap = new Blob([src]);
    src[0] = 9;
    deepEq('snapshot', bytes(internals.blobBytes(snap)), [1, 2]);
    // Lone surrogates become U+FFFD.
    deepEq('lone surrogate', bytes(internals.blobBytes(new Blob(['\ud800']))), [0xef, 0xbf, 0xbd]);
    throws('string is not a sequence', () => new Blob('abc'), TE);
    throws('number is not a sequence', () => new Blob(5), TE);
    throws('null', () => new Blob(null), TE);
  });

  test('Blob type and endings', async () => {
    eq('type lowercased', new Blob([], { type: 'Text/Plain;Charset=UTF-8' }).type, 'text/plain;charset=utf-8');
    eq('non-printable type', new Blob([], { type: 'a\u0001b' }).type, '');
    eq('non-ASCII type', new Blob([], { type: 'tëxt' }).type, '');
    eq('native endings', await new Blob(['a\r\nb\rc\n'], { endings: 'native' }).text(), 'a\nb\nc\n');
    eq('transparent endings', await new Blob(['a\r\nb'], { endings: 'transparent' }).text(), 'a\r\nb');
    throws('bad endings', () => new Blob([], { endings: 'unix' }), TE);
    throws('options not an object', () => new Blob([], 'text/plain'), TE);
    eq('null options', new Blob(['x'], null).size, 1);
  });

  test('Blob slice', async () => {
    const b = new Blob(['0123456789'], { type: 'text/plain' });
    eq('slice()', await b.slice().text(), '0123456789');
    eq('slice() type', b.slice().type, '');
    eq('slice(2)', await b.slice(2).text(), '23456789');
    eq('slice(2, 5)', await b.slice(2, 5).text(), '234');
    eq('slice(-3)', await b.slice(-3).text(), '789');
    eq('slice(-5, -2)', await b.slice(-5, -2).text(), '567');
    eq('slice(5, 2) empty', b.slice(5, 2).size, 0);
    eq('slice(0, 100)', b.slice(0, 100).size, 10);
    eq('slice(-100, 2)', await b.slice(-100, 2).text(), '01');
    eq('slice(1.5, 3.5) rounds half to even', await b.slice(1.5, 3.5).text(), '23');
    eq('slice(NaN, "4")', await b.slice(NaN, '4').text(), '0123');
    eq('slice type', b.slice(0, 1, 'Application/JSON').type, 'application/json');
    ok('slice of File is a Blob', !(new File(['x'], 'f').slice() instanceof File));
    eq('slice of slice', await b.slice(2, 8).slice(1, -1).text(), '3456');
  });

  test('Blob readers', async () => {
    const b = new Blob(['héllo']);
    const ab = await b.arrayBuffer();
    ok('arrayBuffer realm', ab instanceof realm.ArrayBuffer);
    deepEq('arrayBuffer bytes', bytes(new Uint8Array(ab)), [0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]);
    const u8 = await b.bytes();
    ok('bytes realm', u8 instanceof realm.Uint8Array);
    u8[0] = 0;
    eq('bytes() is a copy', await b.text(), 'héllo');
    eq('text', await new Blob([new realm.Uint8Array([0xef, 0xbb, 0xbf, 0x61])]).text(), 'a');
    eq('text replaces invalid bytes', await new Blob([new realm.Uint8Array([0x61, 0xff])]).text(), 'a\ufffd');
    ok('promise realm', b.text() instanceof realm.Promise);
    let rejected = false;
    await Blob.prototype.text.call({}).catch((err) => { rejected = err instanceof TE; });
    ok('text on non-Blob rejects', rejected);
  });

  test('Blob stream (byte stream)', async () => {
    internals.ReadableStream = NodeReadableStream;
    const big = new realm.Uint8Array(150000).map((_, i) => i & 0xff);
    const b = new Blob([big]);
    const chunks = [];
    for await (const chunk of b.stream()) chunks.push(chunk);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    eq('stream total', total, 150000);
    ok('stream chunked', chunks.length >= 3);
    const all = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length)));
    ok('stream content', all.equals(Buffer.from(big.buffer)));
    const reader = new Blob(['abcdef']).stream().getReader({ mode: 'byob' });
    const r1 = await reader.read(new Uint8Array(4));
    eq('byob read', Buffer.from(r1.value).toString(), 'abcd');
    const r2 = await reader.read(new Uint8Array(4));
    eq('byob read 2', Buffer.from(r2.value).toString(), 'ef');
    const r3 = await reader.read(new Uint8Array(4));
    eq('byob done', r3.done, true);
    const empty = await new Blob([]).stream().getReader().read();
    eq('empty stream done', empty.done, true);
  });

  test('Blob stream (no byte streams)', async () => {
    class PlainOnly extends NodeReadableStream {
      constructor(source) {
        if (source && source.type !== undefined) throw new RangeError('byte streams unsupported');
        super(source);
      }
    }
    internals.ReadableStream = PlainOnly;
    const chunks = [];
    for await (const chunk of new Blob(['hello ', 'world']).stream()) chunks.push(Buffer.from(chunk));
    eq('fallback stream', Buffer.concat(chunks).toString(), 'hello world');
    delete internals.ReadableStream;
    throws('no ReadableStream', () => new Blob([]).stream(), TE);
  });

  test('File', async () => {
    const f = new File(['abc'], 'a.txt', { type: 'Text/Plain', lastModified: 1234 });
    eq('name', f.name, 'a.txt');
    eq('lastModified', f.lastModified, 1234);
    eq('type', f.type, 'text/plain');
    eq('size', f.size, 3);
    eq('text', await f.text(), 'abc');
    ok('instanceof Blob', f instanceof Blob && f instanceof File);
    eq('tag', Object.prototype.toString.call(f), '[object File]');
    const before = Date.now();
    const g = new File([], 'x');
    ok('default lastModified', g.lastModified >= before && g.lastModified <= Date.now());
    eq('lastModified truncated', new File([], 'x', { lastModified: 12.9 }).lastModified, 12);
    eq('name stringified', new File([], 42).name, '42');
    eq('name USVString', new File([], 'a\ud800').name, 'a\ufffd');
    throws('needs 2 args', () => new File(['x']), TE);
    eq('File from blob parts', await new File([new Blob(['x']), 'y'], 'n').text(), 'xy');
  });

  test('FormData', () => {
    const fd = new FormData();
    fd.append('a', '1');
    fd.append('b', 2);
    fd.append('a', '3');
    eq('get first', fd.get('a'), '1');
    deepEq('getAll', fd.getAll('a'), ['1', '3']);
    eq('value stringified', fd.get('b'), '2');
    eq('has', fd.has('b') && !fd.has('c'), true);
    eq('get missing', fd.get('c'), null);
    deepEq('getAll missing', fd.getAll('c'), []);
    deepEq('entries order', [...fd], [['a', '1'], ['b', '2'], ['a', '3']]);
    deepEq('keys', [...fd.keys()], ['a', 'b', 'a']);
    deepEq('values', [...fd.values()], ['1', '2', '3']);
    fd.set('a', 'x');
    deepEq('set replaces first, removes rest', [...fd], [['a', 'x'], ['b', '2']]);
    fd.set('z', 'new');
    deepEq('set appends', [...fd], [['a', 'x'], ['b', '2'], ['z', 'new']]);
    fd.delete('b');
    deepEq('delete', [...fd], [['a', 'x'], ['z', 'new']]);
    const seen = [];
    fd.forEach((value, key, obj) => seen.push([key, value, obj === fd]));
    deepEq('forEach', seen, [['a', 'x', true], ['z', 'new', true]]);
    eq('tag', Object.prototype.toString.call(fd), '[object FormData]');
    eq('iterator tag', Object.prototype.toString.call(fd.entries()), '[object FormData Iterator]');
    eq('@@iterator is entries', FormData.prototype[Symbol.iterator], FormData.prototype.entries);
    throws('form argument unsupported', () => new FormData({}), TE);
    throws('append needs 2 args', () => fd.append('a'), TE);
  });

  test('FormData files', async () => {
    const fd = new FormData();
    const blob = new Blob(['data'], { type: 'text/csv' });
    fd.append('blob', blob);
    const v = fd.get('blob');
    ok('Blob becomes File', v instanceof File);
    eq('default file name', v.name, 'blob');
    eq('type kept', v.type, 'text/csv');
    eq('content kept', await v.text(), 'data');
    fd.append('named', blob, 'report.csv');
    eq('filename used', fd.get('named').name, 'report.csv');
    const file = new File(['f'], 'orig.txt', { lastModified: 5 });
    fd.append('file', file);
    eq('File kept as is', fd.get('file'), file);
    fd.append('renamed', file, 'new.txt');
    const renamed = fd.get('renamed');
    eq('File renamed', renamed.name, 'new.txt');
    eq('renamed keeps lastModified', renamed.lastModified, 5);
    ok('renamed is a new File', renamed !== file);
    fd.set('blob', new Blob(['2']), 'two.txt');
    eq('set with filename', fd.get('blob').name, 'two.txt');
    throws('filename with non-Blob', () => fd.append('x', 'string', 'name.txt'), TE);
    const raw = internals.formDataEntries(fd);
    eq('formDataEntries length', raw.length, 4);
    eq('formDataEntries pair', raw[0][0], 'blob');
    ok('formDataEntries value', raw[0][1] instanceof File);
    raw.length = 0;
    eq('formDataEntries is a copy', [...fd].length, 4);
    internals.formDataAppendRaw(fd, 'raw', 'v');
    eq('formDataAppendRaw', fd.get('raw'), 'v');
  });

  test('blob internals', async () => {
    const b = new Blob(['abc']);
    const u = internals.blobBytes(b);
    eq('blobBytes no copy', internals.blobBytes(b), u);
    deepEq('blobBytes content', bytes(u), [0x61, 0x62, 0x63]);
    const backing = new realm.Uint8Array([1, 2, 3]);
    const c = internals.createBlob(backing, 'x/y');
    eq('createBlob shares bytes', internals.blobBytes(c), backing);
    eq('createBlob type', c.type, 'x/y');
    const f = internals.createFile(backing, 'n.bin', 'a/b', 99);
    eq('createFile', `${f.name} ${f.type} ${f.lastModified} ${f.size}`, 'n.bin a/b 99 3');
    throws('blobBytes on non-Blob', () => internals.blobBytes({}), TE);
    eq('inspect blob', internals.inspect(new Blob(['abc'], { type: 'text/plain' })), "Blob { size: 3, type: 'text/plain' }");
    eq('inspect file', internals.inspect(new File(['x'], 'f.txt', { lastModified: 1 })),
      "File { size: 1, type: '', name: 'f.txt', lastModified: 1 }");
    const fd = new FormData();
    fd.append('k', 'v');
    eq('inspect formdata', internals.inspect(fd), "FormData [ [ 'k', 'v' ] ]");
    eq('Blob.length', Blob.length, 0);
    eq('File.length', File.length, 2);
  });
}

for (const [name, fn] of queue) {
  try {
    await fn();
  } catch (err) {
    report(name, false, `  threw ${err && err.stack}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
