// Tests for the Node.js compatibility modules (src/node/, bundled by
// tools/bundler/build-node-compat.mjs into the runtime's last JS file).
//
// Builds the bundle, loads it with the runtime files it uses into a fresh vm
// context (stand-in natives built on Node's APIs), and checks each module
// from Node's documentation; where Node's own module gives the answer, the
// same inputs go into both and the outputs are compared.
//
// Run: node tests/js/node_compat_test.mjs [--keep=FILE]   (prints "N passed, M failed")

import vm from 'node:vm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import nodeZlib from 'node:zlib';
import nodeUrl from 'node:url';
import nodeUtil from 'node:util';
import nodePath from 'node:path';
import nodeQs from 'node:querystring';
import { StringDecoder as NodeStringDecoder } from 'node:string_decoder';
import { AsyncLocalStorage as NodeALS } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verge-node-compat-')), 'node_compat.js');
execFileSync(process.execPath, [path.join(root, 'tools/bundler/build-node-compat.mjs'), bundlePath], { stdio: 'inherit' });
const bundle = fs.readFileSync(bundlePath, 'utf8');
const RUNTIME_FILES = ['dom_exception.js', 'events.js', 'streams.js', 'encoding.js', 'compression.js', 'console.js', 'url.js'];
const runtimeSources = RUNTIME_FILES.map((f) => [f, fs.readFileSync(path.join(root, 'src/js', f), 'utf8')]);

// A stand-in for the zlib natives: buffers the input and runs Node's zlib
// at the end (the real natives stream; the results are the same).
function fakeZlib(R) {
  const toR = (b) => { const u = new R.Uint8Array(b.length); u.set(b); return u; };
  return {
    zlibCreate(format, decompress) {
      return { format, decompress, chunks: [], ended: false, options: {} };
    },
    // node:zlib's constructor: the options go to Node's zlib at the end.
    zlibCreateWith(format, decompress, level, windowBits, memLevel, strategy, dictionary, params) {
      const options = { level, windowBits, memLevel, strategy };
      if (dictionary !== undefined) options.dictionary = Buffer.from(dictionary);
      if (params !== undefined) {
        options.params = {};
        for (let i = 0; i + 1 < params.length; i += 2) options.params[params[i]] = params[i + 1];
      }
      return { format, decompress, chunks: [], ended: false, options };
    },
    zlibPush(h, bytes, finish) {
      if (bytes) h.chunks.push(Buffer.from(bytes));
      if (!finish) return new R.Array();
      const input = Buffer.concat(h.chunks);
      const fn = {
        gzip: h.decompress ? nodeZlib.gunzipSync : nodeZlib.gzipSync,
        deflate: h.decompress ? nodeZlib.inflateSync : nodeZlib.deflateSync,
        'deflate-raw': h.decompress ? nodeZlib.inflateRawSync : nodeZlib.deflateRawSync,
        brotli: h.decompress ? nodeZlib.brotliDecompressSync : nodeZlib.brotliCompressSync,
      }[h.format];
      let out;
      try {
        out = fn(input, h.options);
      } catch (e) {
        throw new R.TypeError(e.code === 'Z_BUF_ERROR' ? 'The compressed data ended before its end.' : 'The compressed data is invalid.');
      }
      const arr = new R.Array();
      if (out.length) arr.push(toR(out));
      return arr;
    },
  };
}

// Stand-ins for the crypto natives (runtime/api/crypto.cc) on Node's crypto.
function fakeCrypto(R) {
  const ab = (buf) => { const a = new R.ArrayBuffer(buf.length); new Uint8Array(a).set(buf); return a; };
  const md = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', MD5: 'md5' };
  const need = (name) => {
    if (!md[name]) throw R.Array.of('NotSupportedError', `Unrecognized hash algorithm: ${name}`);
    return md[name];
  };
  return {
    cryptoDigestStart: (name) => ({ h: nodeCrypto.createHash(need(name)) }),
    cryptoDigestUpdate: (h, bytes) => { h.h.update(bytes); },
    cryptoDigestFinish: (h) => ab(h.h.digest()),
    cryptoSecretImport: (bytes) => ({ secret: Buffer.from(bytes) }),
    cryptoHmacSign: (k, name, data) => ab(nodeCrypto.createHmac(need(name), k.secret).update(data).digest()),
    cryptoPbkdf2: (k, name, salt, it, n) => ab(nodeCrypto.pbkdf2Sync(k.secret, salt, it, n, need(name))),
    cryptoHkdf: (k, name, salt, info, n) => {
      if (n > 255 * nodeCrypto.createHash(need(name)).digest().length) throw R.Array.of('OperationError', 'HKDF output is too long');
      return ab(Buffer.from(nodeCrypto.hkdfSync(need(name), k.secret, salt, info, n)));
    },
    cryptoTimingSafeEqual: (a, b) => nodeCrypto.timingSafeEqual(a, b),
    randomFill: (view) => { nodeCrypto.randomFillSync(view); },
  };
}

function makeRuntime({ asyncContext = false } = {}) {
  const ctx = vm.createContext({});
  const R = vm.runInContext('globalThis', ctx);
  const logs = [];
  const native = {
    utf8Encode(s) {
      const b = Buffer.from(s, 'utf8');
      const u = new R.Uint8Array(b.length);
      u.set(b);
      return u;
    },
    utf8Decode(u8, fatal, ignoreBOM) {
      try {
        return new TextDecoder('utf-8', { fatal: !!fatal, ignoreBOM: !!ignoreBOM }).decode(u8);
      } catch {
        throw new R.TypeError('The encoded data was not valid for encoding utf-8');
      }
    },
    domainToASCII: (d) => nodeUrl.domainToASCII(d) || null,
    domainToUnicode: (d) => nodeUrl.domainToUnicode(d),
    log(level, message) { logs.push([level, message]); },
    now: () => performance.now(),
    isError: (v) => nodeUtil.types.isNativeError(v),
    ...fakeZlib(R),
    ...fakeCrypto(R),
  };
  if (asyncContext) {
    // V8's continuation-preserved embedder data, as Node's own
    // AsyncLocalStorage carries it (enterWith sets it for the continuation).
    const als = new NodeALS();
    native.asyncContextGet = () => als.getStore();
    native.asyncContextSet = (v) => als.enterWith(v);
  }
  const internals = vm.runInContext('({})', ctx);
  for (const [name, src] of runtimeSources) {
    vm.runInContext('(function(internals, native){' + src + '\n})', ctx, { filename: name })(internals, native);
  }
  // What globals.js installs, from Node's own, for the factories that use them.
  Object.assign(R, {
    setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask,
    AbortController: internals.AbortController, AbortSignal: internals.AbortSignal,
    TextEncoder: internals.TextEncoder, TextDecoder: internals.TextDecoder,
  });
  internals.crypto = nodeCrypto.webcrypto;
  const globalsBefore = Object.getOwnPropertyNames(R).sort();
  vm.runInContext('(function(internals, native){' + bundle + '\n})', ctx, { filename: 'node_compat.js' })(internals, native);
  const globalsAfter = Object.getOwnPropertyNames(R).sort();
  const req = (name) => internals.nodeModule(name);
  return { ctx, R, internals, native, logs, req, globalsBefore, globalsAfter, run: (code) => vm.runInContext(code, ctx) };
}

// --- harness -------------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const hex = (b) => Buffer.from(b.buffer ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b).toString('hex');
const plain = (v) => JSON.parse(JSON.stringify(v));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function throwsCode(fn, code, Ctor) {
  let threw = false;
  try { fn(); } catch (e) {
    threw = true;
    if (code) assert.equal(e.code, code, `code: ${e.message}`);
    if (Ctor) assert.equal(e.constructor.name, Ctor);
  }
  assert.ok(threw, 'expected a throw');
}

// =============================================================================
// The interface

test('interface: names, lazy loading, caching, unknown names', (rt) => {
  const names = [...rt.internals.nodeModuleNames];
  for (const n of ['buffer', 'events', 'util', 'util/types', 'path', 'path/posix', 'process', 'string_decoder', 'stream',
    'stream/promises', 'stream/web', 'crypto', 'assert', 'assert/strict', 'url', 'querystring', 'timers', 'timers/promises',
    'diagnostics_channel', 'zlib', 'async_hooks']) {
    assert.ok(names.includes(n) && names.includes('node:' + n), n);
    assert.ok(rt.req(n) !== undefined, n);
    assert.equal(rt.req(n), rt.req('node:' + n), `${n} is one object`);
  }
  assert.equal(rt.req('fs'), undefined);
  assert.equal(rt.req('node:nope'), undefined);
  assert.equal(rt.req('constructor'), undefined);
  assert.equal(rt.req('__proto__'), undefined);
});

test('interface: loading defines no globals; installNodeGlobals does', () => {
  const rt = makeRuntime();
  assert.deepEqual(rt.globalsAfter, rt.globalsBefore);
  for (const n of rt.internals.nodeModuleNames) rt.req(n);
  assert.deepEqual(Object.getOwnPropertyNames(rt.R).sort(), rt.globalsBefore);
  rt.internals.installNodeGlobals(rt.R, { API_KEY: 'k', NUM: 3, KV: {}, LEVEL: 'debug' });
  assert.equal(rt.R.Buffer, rt.req('buffer').Buffer);
  assert.equal(rt.R.process, rt.req('process'));
  assert.equal(rt.R.global, rt.R);
  assert.equal(rt.R.process.env.API_KEY, 'k');
  assert.equal(rt.R.process.env.LEVEL, 'debug');
  assert.equal(rt.R.process.env.NUM, undefined, 'only string values');
  assert.equal(rt.R.process.env.KV, undefined);
  assert.equal(Object.getOwnPropertyDescriptor(rt.R, 'Buffer').enumerable, false);
});

test('interface: top level runs nothing (no module factory at load)', () => {
  // A module factory reads internals; at load only nodeModule* and
  // installNodeGlobals are written.
  const ctx = vm.createContext({});
  const reads = [];
  const internals = new Proxy({}, { get(t, k) { reads.push(k); return t[k]; } });
  vm.runInContext('(function(internals, native){' + bundle + '\n})', ctx)(internals, new Proxy({}, { get(t, k) { reads.push('native.' + String(k)); } }));
  assert.deepEqual(reads, []);
  assert.deepEqual(Object.keys(internals).sort(), ['installNodeGlobals', 'nodeModule', 'nodeModuleNames']);
});

// =============================================================================
// buffer

test('buffer: encodings round-trip as in Node', (rt) => {
  const { Buffer: B } = rt.req('buffer');
  const inputs = ['', 'hello', 'héllo wörld €𝄞', '\ud800x', 'a'.repeat(1000)];
  for (const s of inputs) {
    for (const enc of ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'ucs2', 'utf16le']) {
      const ours = B.from(s, enc);
      const theirs = Buffer.from(s, enc);
      assert.equal(hex(ours), theirs.toString('hex'), `from(${JSON.stringify(s.slice(0, 20))}, ${enc})`);
      assert.equal(ours.toString(enc), theirs.toString(enc), `toString(${enc})`);
      assert.equal(B.byteLength(s, enc), Buffer.byteLength(s, enc), `byteLength(${enc})`);
    }
  }
  assert.equal(B.from('aGk_-w', 'base64url').toString('hex'), Buffer.from('aGk_-w', 'base64url').toString('hex'));
  assert.equal(B.from([0xff, 0xfe, 0x80]).toString(), Buffer.from([0xff, 0xfe, 0x80]).toString());
  assert.equal(B.from('hello').toString('utf8', 1, 3), 'el');
  assert.ok(B.isEncoding('base64url') && B.isEncoding('UTF8') && !B.isEncoding('nope'));
});

test('buffer: API surface as in Node', (rt) => {
  const m = rt.req('buffer');
  const { Buffer: B } = m;
  const b = B.alloc(16);
  b.writeUInt32BE(0xdeadbeef, 0);
  b.writeInt16LE(-2, 4);
  b.writeDoubleLE(Math.PI, 8);
  const n = Buffer.alloc(16);
  n.writeUInt32BE(0xdeadbeef, 0);
  n.writeInt16LE(-2, 4);
  n.writeDoubleLE(Math.PI, 8);
  assert.equal(hex(b), n.toString('hex'));
  assert.equal(b.readDoubleLE(8), Math.PI);
  assert.equal(b.readBigUInt64BE(0), n.readBigUInt64BE(0));
  assert.equal(hex(B.concat([B.from('ab'), B.from('cd')])), '61626364');
  assert.equal(B.compare(B.from('a'), B.from('b')), -1);
  assert.ok(B.isBuffer(b) && !B.isBuffer(new Uint8Array(1)));
  assert.ok(b instanceof rt.R.Uint8Array);
  assert.equal(B.from('hello world').indexOf('world'), 6);
  assert.equal(hex(B.from('abc').slice(1)), '6263');
  assert.deepEqual(plain(B.from('hi').toJSON()), { type: 'Buffer', data: [104, 105] });
  assert.equal(rt.internals.inspect(B.from('hi')), '<Buffer 68 69>');
  assert.ok(m.isUtf8(B.from('héllo')) && !m.isUtf8(B.from([0xff])));
  assert.ok(m.isAscii(B.from('abc')) && !m.isAscii(B.from('é')));
  assert.equal(m.kMaxLength, m.constants.MAX_LENGTH);
  assert.equal(typeof m.atob, 'function');
  assert.equal(hex(B.copyBytesFrom(new Uint16Array([1, 2, 3]), 1, 1)), Buffer.copyBytesFrom(new Uint16Array([1, 2, 3]), 1, 1).toString('hex'));
  assert.equal(B.from('xyz').equals(B.from('xyz')), true);
  assert.equal(B.alloc(3, 'ab').toString(), 'aba');
});

// =============================================================================
// events

test('events: EventEmitter as in Node', async (rt) => {
  const EventEmitter = rt.req('events');
  assert.equal(EventEmitter.EventEmitter, EventEmitter);
  const e = new EventEmitter();
  const seen = [];
  e.on('x', (a, b) => seen.push(['on', a, b]));
  e.once('x', (a) => seen.push(['once', a]));
  e.prependListener('x', () => seen.push(['first']));
  assert.equal(e.emit('x', 1, 2), true);
  e.emit('x', 3);
  assert.deepEqual(plain(seen), [['first'], ['on', 1, 2], ['once', 1], ['first'], ['on', 3, null]]);
  assert.equal(e.listenerCount('x'), 2);
  assert.deepEqual(plain(e.eventNames()), ['x']);
  assert.throws(() => e.emit('error', new Error('boom')), /boom/);
  const monitored = [];
  e.on(EventEmitter.errorMonitor, (err) => monitored.push(err.message));
  e.on('error', () => {});
  e.emit('error', new Error('m'));
  assert.deepEqual(monitored, ['m']);
  const p = EventEmitter.once(e, 'ready');
  e.emit('ready', 42);
  assert.deepEqual(plain(await p), [42]);
  const it = EventEmitter.on(e, 'tick');
  e.emit('tick', 1);
  e.emit('tick', 2);
  assert.deepEqual(plain((await it.next()).value), [1]);
  assert.deepEqual(plain((await it.next()).value), [2]);
  await it.return();
  assert.equal(e.listenerCount('tick'), 0);
  assert.deepEqual(EventEmitter.getEventListeners(e, 'x').length, 2);
  assert.equal(EventEmitter.defaultMaxListeners, 10);
});

// =============================================================================
// util

test('util: format and inspect as in Node', (rt) => {
  const util = rt.req('util');
  const cases = [
    ['%s is %d years', 'Bob', 42], ['%i %f', '42.5', '1.5'], ['%j', { a: 1 }], ['%%', 1], ['a', 'b', 3],
    ['no args'],
  ];
  for (const args of cases) assert.equal(util.format(...args), nodeUtil.format(...args), JSON.stringify(args));
  const values = ['str', "it's", 42, -0, 10n, null, undefined, true, Symbol('s'), [1, 'a', [2, [3, [4]]]],
    { a: 1, b: 'two', c: { d: { e: { f: 1 } } } }, new Map([[1, 'a']]), new Set([1, 2]), [], {}, function named() {}];
  for (const v of values) {
    const ours = util.inspect(rt.run(`(${toSource(v)})`));
    assert.equal(ours, nodeUtil.inspect(v), `inspect ${nodeUtil.inspect(v)}`);
  }
  assert.equal(util.inspect({ a: { b: { c: { d: 1 } } } }, { depth: 0 }), nodeUtil.inspect({ a: { b: { c: { d: 1 } } } }, { depth: 0 }));
  assert.equal(util.inspect.custom, nodeUtil.inspect.custom);
  const custom = { [util.inspect.custom]: () => 'CUSTOM' };
  assert.equal(util.inspect(custom), 'CUSTOM');
});
// Source text for a test value, evaluated in the runtime's realm.
function toSource(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return `Symbol(${JSON.stringify(v.description)})`;
  if (v === undefined) return 'undefined';
  if (Object.is(v, -0)) return '-0';
  if (typeof v === 'function') return v.toString();
  if (v instanceof Map) return `new Map(${toSource([...v])})`;
  if (v instanceof Set) return `new Set(${toSource([...v])})`;
  if (Array.isArray(v)) return `[${v.map(toSource).join(', ')}]`;
  if (v && typeof v === 'object') return `({${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${toSource(x)}`).join(', ')}})`;
  return JSON.stringify(v);
}

test('util: promisify, callbackify, inherits, deprecate', async (rt) => {
  const util = rt.req('util');
  const fn = (a, cb) => setTimeout(() => (a < 0 ? cb(new Error('neg')) : cb(null, a * 2)), 1);
  const p = util.promisify(fn);
  assert.equal(await p(21), 42);
  await assert.rejects(p(-1), /neg/);
  const custom = () => {};
  custom[util.promisify.custom] = () => 'custom';
  assert.equal(util.promisify(custom)(), 'custom');
  assert.equal(util.promisify.custom, nodeUtil.promisify.custom);
  const cbf = util.callbackify(async (x) => x + 1);
  const result = await new Promise((resolve) => cbf(1, (err, v) => resolve([err, v])));
  assert.deepEqual(result, [null, 2]);
  const cbr = util.callbackify(() => Promise.reject(null));
  const err = await new Promise((resolve) => cbr((e) => resolve(e)));
  assert.equal(err.code, 'ERR_FALSY_VALUE_REJECTION');
  function A() {}
  A.prototype.hi = () => 'hi';
  function B() {}
  util.inherits(B, A);
  assert.equal(new B().hi(), 'hi');
  assert.equal(B.super_, A);
  const old = util.deprecate(() => 7, 'old() is deprecated', 'DEP0');
  assert.equal(old(), 7);
  old();
  await sleep(1);
  assert.equal(rt.logs.filter(([, m]) => m.includes('old() is deprecated')).length, 1);
  throwsCode(() => util.promisify(1), 'ERR_INVALID_ARG_TYPE', 'TypeError');
});

test('util: types as in Node', (rt) => {
  const { types } = rt.req('util');
  assert.equal(rt.req('util/types'), types);
  const samples = {
    date: 'new Date()', regexp: '/x/', map: 'new Map()', set: 'new Set()', weakmap: 'new WeakMap()', weakset: 'new WeakSet()',
    promise: 'Promise.resolve()', u8: 'new Uint8Array(1)', f64: 'new Float64Array(1)', dv: 'new DataView(new ArrayBuffer(1))',
    ab: 'new ArrayBuffer(1)', num: 'new Number(1)', str: "new String('')", bool: 'new Boolean(true)', big: 'Object(1n)',
    sym: 'Object(Symbol())', gen: '(function*(){})', agen: '(async function*(){})', afn: '(async () => {})',
    genobj: '(function*(){})()', args: '(function(){ return arguments })()', err: 'new TypeError()', plain: '({})',
    mapit: 'new Map().keys()', setit: 'new Set().values()', arr: '[]', fakeDate: '({ __proto__: Date.prototype })',
    thenable: '({ then() {} })', bi64: 'new BigInt64Array(1)',
  };
  const checks = Object.keys(nodeUtil.types).filter((k) => !['isProxy', 'isExternal', 'isKeyObject', 'isCryptoKey'].includes(k));
  for (const check of checks) {
    assert.equal(typeof types[check], 'function', check);
    for (const [label, code] of Object.entries(samples)) {
      const theirs = nodeUtil.types[check](vm.runInNewContext(code));
      assert.equal(types[check](rt.run(code)), theirs, `${check}(${label})`);
    }
  }
  assert.equal(types.isProxy, undefined);
});

test('util: isDeepStrictEqual, TextEncoder, stripVTControlCharacters, toUSVString', (rt) => {
  const util = rt.req('util');
  const pairs = [['({a:[1,{b:2}]})', '({a:[1,{b:2}]})'], ['[1,2]', '[1,"2"]'], ['new Map([[1,{}]])', 'new Map([[1,{}]])'],
    ['new Set([1])', 'new Set([2])'], ['NaN', 'NaN'], ['0', '-0'], ['new Date(1)', 'new Date(1)'], ['/a/g', '/a/i']];
  for (const [a, b] of pairs) {
    const [x, y] = vm.runInNewContext(`[${a}, ${b}]`);
    assert.equal(util.isDeepStrictEqual(rt.run(a), rt.run(b)), nodeUtil.isDeepStrictEqual(x, y), `${a} vs ${b}`);
  }
  assert.equal(hex(new util.TextEncoder().encode('é')), 'c3a9');
  assert.equal(util.stripVTControlCharacters('\u001b[31mred\u001b[39m'), 'red');
  assert.equal(util.toUSVString('a\ud800b'), 'a\ufffdb');
});

// =============================================================================
// path, process, string_decoder, querystring, url

test('path: POSIX functions as in Node', (rt) => {
  const p = rt.req('path');
  assert.equal(rt.req('path/posix'), p.posix);
  const calls = [
    ['join', '/a', 'b', '../c', './d'], ['normalize', '/a//b/../c/.'], ['dirname', '/a/b/c'], ['basename', '/a/b.txt', '.txt'],
    ['extname', 'x.tar.gz'], ['extname', '.bashrc'], ['isAbsolute', 'a/b'], ['relative', '/a/b/c', '/a/d'],
    ['resolve', '/x', 'y', '..', 'z'], ['parse', '/home/u/f.txt'], ['format', { dir: '/a', base: 'b.c' }], ['toNamespacedPath', '/a'],
  ];
  for (const [fn, ...args] of calls) assert.deepEqual(plain(p[fn](...args)), plain(nodePath.posix[fn](...args)), `${fn}(${args})`);
  assert.equal(p.sep, '/');
  assert.equal(p.delimiter, ':');
  assert.equal(p.resolve('rel'), '/bundle/rel');
});

test('process: env, nextTick, hrtime, emitter', async (rt) => {
  const process = rt.req('process');
  process.env.X = 5;
  assert.equal(process.env.X, '5');
  assert.equal(process.platform, 'linux');
  assert.equal(typeof process.version, 'string');
  const order = [];
  process.nextTick((a) => order.push(a), 'tick');
  Promise.resolve().then(() => order.push('promise'));
  order.push('sync');
  await sleep(0);
  assert.deepEqual(order, ['sync', 'tick', 'promise']);
  const [s, ns] = process.hrtime();
  assert.ok(s >= 0 && ns >= 0 && ns < 1e9);
  assert.equal(typeof process.hrtime.bigint(), 'bigint');
  const d = process.hrtime([s, ns]);
  assert.ok(d[0] >= 0 && d[1] >= 0);
  assert.equal(typeof process.on, 'function');
  assert.equal(process.getBuiltinModule('node:path'), rt.req('path'));
  assert.equal(process.cwd(), '/bundle');
});

test('string_decoder: multi-byte splits as in Node', (rt) => {
  const { StringDecoder } = rt.req('string_decoder');
  const { Buffer: B } = rt.req('buffer');
  const bytes = Buffer.from('€𝄞héllo', 'utf8');
  for (const enc of ['utf8', 'utf16le', 'base64', 'hex']) {
    const src = enc === 'utf16le' ? Buffer.from('€𝄞h', 'utf16le') : bytes;
    const ours = new StringDecoder(enc);
    const theirs = new NodeStringDecoder(enc);
    let a = '';
    let b = '';
    for (let i = 0; i < src.length; i++) {
      a += ours.write(B.from([src[i]]));
      b += theirs.write(src.subarray(i, i + 1));
    }
    assert.equal(a + ours.end(), b + theirs.end(), enc);
  }
});

test('querystring: parse and stringify as in Node', (rt) => {
  const qs = rt.req('querystring');
  for (const s of ['a=1&b=2&a=3', 'x=%20y+z&empty=&flag', 'a%5Bb%5D=1', 'bad=%E0%A4%A', 'k=v;k2=v2']) {
    assert.deepEqual(plain(qs.parse(s)), plain(nodeQs.parse(s)), s);
  }
  assert.deepEqual(plain(qs.parse('a:1;b:2', ';', ':')), plain(nodeQs.parse('a:1;b:2', ';', ':')));
  for (const o of [{ a: [1, 2], b: 'x y', c: '' }, { 'ü': 'é&=' }]) assert.equal(qs.stringify(o), nodeQs.stringify(o));
  assert.equal(qs.escape("a b!'()*"), nodeQs.escape("a b!'()*"));
  assert.equal(qs.unescape('%E2%82%AC+%zz'), nodeQs.unescape('%E2%82%AC+%zz'));
  assert.equal(qs.decode, qs.parse);
});

test('url: WHATWG and legacy as in Node', (rt) => {
  const url = rt.req('url');
  assert.equal(url.URL, rt.internals.URL);
  for (const s of ['http://user:pw@host.com:8080/p/a/t/h?query=string#hash', 'https://example.org/?a=1&a=2', '/relative?x=1', 'mailto:x@y.z']) {
    const ours = url.parse(s, true);
    const theirs = nodeUrl.parse(s, true);
    for (const k of ['protocol', 'auth', 'host', 'port', 'hostname', 'hash', 'search', 'pathname', 'path', 'href']) {
      assert.equal(ours[k], theirs[k], `${s} ${k}`);
    }
    assert.deepEqual(plain(ours.query), plain(theirs.query));
  }
  assert.equal(url.resolve('http://a/b/c/d', '../e'), nodeUrl.resolve('http://a/b/c/d', '../e'));
  assert.equal(url.format({ protocol: 'https', hostname: 'x.com', pathname: '/p', query: { a: 1 } }),
    nodeUrl.format({ protocol: 'https', hostname: 'x.com', pathname: '/p', query: { a: 1 } }));
  const u = new url.URL('https://user:pw@ex.com:81/p?q#f');
  assert.equal(url.format(u, { auth: false, search: false, fragment: false }),
    nodeUrl.format(new URL('https://user:pw@ex.com:81/p?q#f'), { auth: false, search: false, fragment: false }));
  assert.equal(url.fileURLToPath('file:///a/b%20c'), nodeUrl.fileURLToPath('file:///a/b%20c'));
  assert.equal(url.pathToFileURL('/a/b c#').href, nodeUrl.pathToFileURL('/a/b c#').href);
  assert.deepEqual(plain(url.urlToHttpOptions(new url.URL('http://a:b@x.com:81/p?q'))), plain(nodeUrl.urlToHttpOptions(new URL('http://a:b@x.com:81/p?q'))));
  assert.equal(url.domainToASCII('español.com'), nodeUrl.domainToASCII('español.com'));
  throwsCode(() => url.fileURLToPath('http://x/'), 'ERR_INVALID_URL_SCHEME');
});

// =============================================================================
// stream

test('stream: Readable, Transform, pipeline, promises', async (rt) => {
  const stream = rt.req('stream');
  const { Readable, Writable, Transform, PassThrough, pipeline, Duplex } = stream;
  assert.equal(typeof Duplex, 'function');
  const chunks = [];
  const upper = new Transform({ transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); } });
  const sink = new Writable({ write(chunk, enc, cb) { chunks.push(chunk.toString()); cb(); } });
  await rt.req('stream/promises').pipeline(Readable.from(['a', 'b', 'c']), upper, new PassThrough(), sink);
  assert.deepEqual(chunks, ['A', 'B', 'C']);
  const out = [];
  for await (const x of Readable.from([1, 2, 3])) out.push(x);
  assert.deepEqual(out, [1, 2, 3]);
  await new Promise((resolve, reject) => pipeline(Readable.from(['x']), new Writable({ write(c, e, cb) { cb(new Error('w')); } }),
    (err) => (err && err.message === 'w' ? resolve() : reject(new Error('expected error')))));
  assert.equal(stream.promises, rt.req('stream/promises'));
  assert.equal(rt.req('stream/web').ReadableStream, rt.internals.ReadableStream);
  assert.ok(new Readable() instanceof rt.req('events'));
  assert.equal(stream.Stream, stream);
});

// =============================================================================
// crypto

test('crypto: hashes and HMAC as in Node', (rt) => {
  const c = rt.req('crypto');
  for (const alg of ['md5', 'sha1', 'sha256', 'SHA384', 'sha512', 'RSA-SHA256']) {
    for (const enc of ['hex', 'base64', 'base64url', undefined]) {
      const ours = c.createHash(alg).update('hello ').update(Buffer.from('world')).digest(enc);
      const theirs = nodeCrypto.createHash(alg).update('hello ').update(Buffer.from('world')).digest(enc);
      assert.equal(typeof ours === 'string' ? ours : hex(ours), typeof theirs === 'string' ? theirs : theirs.toString('hex'), `${alg} ${enc}`);
      assert.equal(c.createHmac(alg, 'key').update('a').update('b').digest(enc === undefined ? 'hex' : enc),
        nodeCrypto.createHmac(alg, 'key').update('a').update('b').digest(enc === undefined ? 'hex' : enc), `hmac ${alg}`);
    }
  }
  assert.equal(c.createHash('sha256').update('é', 'latin1').digest('hex'), nodeCrypto.createHash('sha256').update('é', 'latin1').digest('hex'));
  assert.equal(c.hash('sha1', 'abc'), nodeCrypto.hash('sha1', 'abc'));
  assert.throws(() => c.createHash('whirlpool'), /Digest method not supported/);
  const h = c.createHash('sha1');
  h.digest();
  throwsCode(() => h.digest(), 'ERR_CRYPTO_HASH_FINALIZED');
});

test('crypto: random, timingSafeEqual', async (rt) => {
  const c = rt.req('crypto');
  assert.equal(c.randomBytes(70000).length, 70000);
  const b = await new Promise((resolve) => c.randomBytes(8, (err, buf) => resolve(buf)));
  assert.equal(b.length, 8);
  assert.match(c.randomUUID(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  for (let i = 0; i < 200; i++) {
    const n = c.randomInt(-3, 4);
    assert.ok(n >= -3 && n < 4 && Number.isInteger(n));
  }
  assert.ok(c.randomInt(5) < 5);
  throwsCode(() => c.randomInt(5, 5), 'ERR_OUT_OF_RANGE', 'RangeError');
  const u = new Uint32Array(4);
  c.randomFillSync(u, 1, 2);
  assert.equal(u[0], 0);
  assert.equal(u[3], 0);
  assert.equal(c.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')), true);
  assert.equal(c.timingSafeEqual(Buffer.from('ab'), Buffer.from('ac')), false);
  throwsCode(() => c.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')), 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'RangeError');
  assert.equal(c.webcrypto, rt.internals.crypto);
  assert.equal(c.subtle, rt.internals.crypto.subtle);
});

test('crypto: pbkdf2, hkdf, scrypt as in Node', async (rt) => {
  const c = rt.req('crypto');
  assert.equal(c.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha256').toString('hex'), nodeCrypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha256').toString('hex'));
  const k = await new Promise((resolve, reject) => c.pbkdf2('pw', 'salt', 10, 20, 'sha1', (e, key) => (e ? reject(e) : resolve(key))));
  assert.equal(k.toString('hex'), nodeCrypto.pbkdf2Sync('pw', 'salt', 10, 20, 'sha1').toString('hex'));
  assert.equal(Buffer.from(c.hkdfSync('sha256', 'key', 'salt', 'info', 42)).toString('hex'),
    Buffer.from(nodeCrypto.hkdfSync('sha256', 'key', 'salt', 'info', 42)).toString('hex'));
  throwsCode(() => c.hkdfSync('sha256', 'key', 'salt', 'info', 255 * 32 + 1), 'ERR_CRYPTO_INVALID_KEYLEN');
  throwsCode(() => c.pbkdf2Sync('pw', 'salt', 1, 32, 'nope'), 'ERR_CRYPTO_INVALID_DIGEST');
  assert.equal(c.scryptSync('pw', 'salt', 32, { N: 1024 }).toString('hex'), nodeCrypto.scryptSync('pw', 'salt', 32, { N: 1024 }).toString('hex'));
  const s = await new Promise((resolve) => c.scrypt('pw', 'salt', 16, (e, key) => resolve(key)));
  assert.equal(s.toString('hex'), nodeCrypto.scryptSync('pw', 'salt', 16).toString('hex'));
  throwsCode(() => c.scryptSync('pw', 'salt', 16, { N: 3 }), 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS');
});

// =============================================================================
// assert

test('assert: Node semantics', async (rt) => {
  const a = rt.req('assert');
  const strict = rt.req('assert/strict');
  assert.equal(a.strict, strict);
  a.equal(1, '1');
  a.deepEqual({ a: 1 }, { a: '1' });
  strict.deepEqual({ a: [1, new Map([[1, 2]])] }, { a: [1, new Map([[1, 2]])] });
  assert.throws(() => strict.equal(1, '1'), (e) => e.code === 'ERR_ASSERTION' && e.name === 'AssertionError');
  assert.throws(() => strict.deepEqual({ a: 1 }, { a: '1' }), (e) => e.code === 'ERR_ASSERTION');
  assert.throws(() => a.ok(false), (e) => e instanceof a.AssertionError);
  a.throws(() => { throw new TypeError('x'); }, TypeError);
  a.throws(() => { throw new Error('abc'); }, /b/);
  await a.rejects(Promise.reject(new Error('r')), { message: 'r' });
  await a.doesNotReject(Promise.resolve(1));
  a.match('abc', /b/);
  assert.throws(() => a.fail('boom'), /boom/);
  assert.throws(() => a.ifError(new Error('e')), /e/);
  a.notDeepStrictEqual({ a: 1 }, { a: 2 });
});

// =============================================================================
// timers, diagnostics_channel, async_hooks, zlib

test('timers and timers/promises', async (rt) => {
  const t = rt.req('timers');
  const tp = rt.req('timers/promises');
  assert.equal(t.promises, tp);
  const order = [];
  t.setImmediate((x) => order.push(x), 'imm');
  t.setTimeout(() => order.push('timeout'), 5);
  const cancel = t.setTimeout(() => order.push('cancelled'), 1);
  t.clearTimeout(cancel);
  Promise.resolve().then(() => order.push('micro'));
  assert.equal(await tp.setTimeout(10, 'v'), 'v');
  assert.deepEqual(order, ['micro', 'imm', 'timeout']);
  assert.equal(await tp.setImmediate('i'), 'i');
  const ac = new rt.internals.AbortController();
  const p = tp.setTimeout(1000, null, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, (e) => e.name === 'AbortError');
  let n = 0;
  for await (const v of tp.setInterval(1, 'x')) {
    assert.equal(v, 'x');
    if (++n === 3) break;
  }
  assert.equal(await rt.req('util').promisify(t.setTimeout)(1, 'p'), 'p');
});

test('diagnostics_channel: channels and tracing', (rt) => {
  const dc = rt.req('diagnostics_channel');
  const ch = dc.channel('my-channel');
  assert.equal(dc.channel('my-channel'), ch);
  assert.equal(ch.hasSubscribers, false);
  const got = [];
  const fn = (msg, name) => got.push([msg, name]);
  dc.subscribe('my-channel', fn);
  assert.ok(dc.hasSubscribers('my-channel'));
  ch.publish({ x: 1 });
  assert.deepEqual(plain(got), [[{ x: 1 }, 'my-channel']]);
  assert.equal(dc.unsubscribe('my-channel', fn), true);
  assert.equal(ch.hasSubscribers, false);
  const tc = dc.tracingChannel('op');
  const events = [];
  tc.subscribe({ start: () => events.push('start'), end: () => events.push('end'), error: () => events.push('error') });
  assert.equal(tc.traceSync((a) => a * 2, {}, null, 21), 42);
  assert.throws(() => tc.traceSync(() => { throw new Error('t'); }));
  assert.deepEqual(events, ['start', 'end', 'start', 'error', 'end']);
});

test('async_hooks: AsyncLocalStorage without the native (synchronous)', (rt) => {
  const { AsyncLocalStorage, AsyncResource } = rt.req('async_hooks');
  const als = new AsyncLocalStorage();
  assert.equal(als.getStore(), undefined);
  assert.equal(als.run(1, () => als.getStore() + als.run(2, () => als.getStore())), 3);
  assert.equal(als.getStore(), undefined);
  als.run('outer', () => {
    assert.equal(als.exit(() => als.getStore()), undefined);
    const bound = AsyncLocalStorage.bind(() => als.getStore());
    const snap = AsyncLocalStorage.snapshot();
    const res = new AsyncResource('X');
    als.run('inner', () => {
      assert.equal(bound(), 'outer');
      assert.equal(snap(() => als.getStore()), 'outer');
      assert.equal(res.runInAsyncScope(() => als.getStore()), 'outer');
    });
  });
});

test('async_hooks: AsyncLocalStorage across await (with the native)', async () => {
  const rt = makeRuntime({ asyncContext: true });
  const { AsyncLocalStorage } = rt.req('async_hooks');
  const als = new AsyncLocalStorage();
  const seen = [];
  // Task 1 waits for task 2 to finish, so the two interleave in a fixed
  // order without depending on timer precision under load.
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const task = async (id) => {
    if (id === 1) await gate;
    else await sleep(1);
    seen.push([id, als.getStore()]);
    await null;
    seen.push([id, als.getStore()]);
    if (id === 2) release();
  };
  await Promise.all([als.run('a', () => task(1)), als.run('b', () => task(2))]);
  assert.deepEqual(seen, [[2, 'b'], [2, 'b'], [1, 'a'], [1, 'a']]);
  assert.equal(als.getStore(), undefined);
});

test('zlib: one-shot and streams as in Node', async (rt) => {
  const z = rt.req('zlib');
  const { Buffer: B } = rt.req('buffer');
  const input = 'hello hello hello zlib '.repeat(50);
  for (const [c, d] of [['gzip', 'gunzip'], ['deflate', 'inflate'], ['deflateRaw', 'inflateRaw'], ['brotliCompress', 'brotliDecompress'], ['deflate', 'unzip'], ['gzip', 'unzip']]) {
    const packed = z[c + 'Sync'](input);
    assert.equal(packed.toString('hex'), nodeZlib[c + 'Sync'](input).toString('hex'), c);
    assert.equal(z[d + 'Sync'](packed).toString(), input, d);
    const viaCallback = await new Promise((resolve, reject) => z[d](packed, (err, out) => (err ? reject(err) : resolve(out))));
    assert.equal(viaCallback.toString(), input);
  }
  throwsCode(() => z.gunzipSync(B.from('not gzip')), 'Z_DATA_ERROR');
  const err = await new Promise((resolve) => z.inflate(B.from('xx'), (e) => resolve(e)));
  assert.equal(err.code, 'Z_DATA_ERROR');
  const gz = z.createGzip();
  const gunzip = z.createGunzip();
  const parts = [];
  gunzip.on('data', (d) => parts.push(d.toString()));
  const done = new Promise((resolve, reject) => { gunzip.on('end', resolve); gunzip.on('error', reject); });
  gz.pipe(gunzip);
  gz.write('abc');
  gz.end('def');
  await done;
  assert.equal(parts.join(''), 'abcdef');
  assert.ok(gz instanceof z.Gzip);
  assert.equal(z.crc32('hello'), nodeZlib.crc32 ? nodeZlib.crc32('hello') : 907060870);
  assert.equal(z.crc32('world', z.crc32('hello ')), z.crc32('hello world'));
  assert.equal(z.constants.Z_BEST_COMPRESSION, nodeZlib.constants.Z_BEST_COMPRESSION);
  assert.equal(z.constants.BROTLI_PARAM_QUALITY, nodeZlib.constants.BROTLI_PARAM_QUALITY);
  assert.equal(z.inflateSync(z.deflateSync('x', { dictionary: B.from('d') }), { dictionary: B.from('d') }).toString(), 'x');
  assert.throws(() => z.deflateSync('x', { level: 10 }), { code: 'ERR_OUT_OF_RANGE' });
});

// =============================================================================

let passed = 0;
let failed = 0;
const only = process.env.ONLY;
for (const t of tests.filter((x) => !only || x.name.includes(only))) {
  try {
    await t.fn(makeRuntime());
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}\n  ${(e && e.stack) || e}`);
  }
}
fs.rmSync(path.dirname(bundlePath), { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
