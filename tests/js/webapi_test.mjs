// Tests for src/js/{dom_exception,events,streams,encoding}.js.
//
// Loads the runtime files, in the runtime's order, into a fresh vm context
// with a fake `native` built on Node's APIs, and checks behaviour against the
// WHATWG/W3C/WebIDL specs. The whole suite runs twice: once as on V8 10.2
// (no way to detach ArrayBuffers) and once with a native.transferArrayBuffer
// that really detaches.
//
// Run: node tests/js/webapi_test.mjs   (prints "N passed, M failed")

import vm from 'node:vm';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILES = ['dom_exception.js', 'events.js', 'streams.js', 'encoding.js'];
const sources = FILES.map((f) => [f, fs.readFileSync(path.join(root, 'src/js', f), 'utf8')]);

function makeRuntime({ transfer = false } = {}) {
  const ctx = vm.createContext({});
  const R = vm.runInContext('globalThis', ctx);
  const globalsBefore = Object.getOwnPropertyNames(R).sort();
  const logs = [];
  const native = {
    utf8Encode(s) {
      const b = Buffer.from(s, 'utf8'); // lone surrogates -> EF BF BD
      const u = new R.Uint8Array(b.length);
      u.set(b);
      return u;
    },
    utf8Decode(u8, fatal, ignoreBOM) {
      try {
        return new TextDecoder('utf-8', { fatal: !!fatal, ignoreBOM: !!ignoreBOM }).decode(u8);
      } catch (e) {
        throw new R.TypeError(`The encoded data was not valid for encoding utf-8`);
      }
    },
    // The native label lookup (runtime/api/encoding.cc), for a few labels.
    encodingForLabel(label) {
      const known = { latin1: [20, 'windows-1252'], 'windows-1252': [20, 'windows-1252'], 'utf-16le': [38, 'utf-16le'],
        csiso2022kr: [36, 'replacement'] };
      return known[label] ? vm.runInContext('(x) => [x[0], x[1]]', ctx)(known[label]) : null;
    },
    domainToASCII(d) { return d; },
    domainToUnicode(d) { return d; },
    log(level, message) { logs.push([level, message]); },
    now() { return performance.now(); },
  };
  if (transfer) {
    // Really detaches (the result lives in Node's realm; fine for tests).
    native.transferArrayBuffer = (buffer) => structuredClone(buffer, { transfer: [buffer] });
  }
  const internals = vm.runInContext('({})', ctx);
  for (const [name, src] of sources) {
    const fn = vm.runInContext('(function(internals, native){' + src + '\n})', ctx, { filename: name });
    fn(internals, native);
  }
  const globalsAfter = Object.getOwnPropertyNames(R).sort();
  return { ctx, R, internals, native, logs, globalsBefore, globalsAfter, transfer };
}

// --- tiny harness -------------------------------------------------------------

const tests = [];
function test(name, fn) { tests.push({ name, fn }); }

const flush = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function errorKind(e, env) {
  if (e && env.internals.DOMException && e instanceof env.internals.DOMException) return `DOMException:${e.name}`;
  return e && e.constructor && e.constructor.name;
}

function throwsKind(env, fn, kind, re) {
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    assert.equal(errorKind(e, env), kind, `expected ${kind}, got ${errorKind(e, env)}: ${e && e.message}`);
    if (!kind.startsWith('DOMException')) {
      assert.ok(e instanceof env.R[kind], `${kind} should come from the runtime's realm`);
    }
    if (re) assert.match(String(e.message), re);
  }
  assert.ok(threw, `expected ${kind} to be thrown`);
}

async function rejectsKind(env, promise, kind, re) {
  assert.ok(promise && typeof promise.then === 'function', 'expected a promise');
  let rejected = false;
  try {
    await promise;
  } catch (e) {
    rejected = true;
    assert.equal(errorKind(e, env), kind, `expected ${kind}, got ${errorKind(e, env)}: ${e && e.message}`);
    if (re) assert.match(String(e.message), re);
  }
  assert.ok(rejected, `expected rejection with ${kind}`);
}

const bytes = (u8) => Array.from(u8);

async function readAll(reader) {
  const out = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

// A promise's state, observed after a flush.
async function state(p) {
  let s = 'pending';
  p.then(() => { s = 'fulfilled'; }, () => { s = 'rejected'; });
  await flush();
  return s;
}

// =============================================================================
// DOMException

test('DOMException: defaults, name/message/code', (env) => {
  const { DOMException } = env.internals;
  const e = new DOMException();
  assert.equal(e.name, 'Error');
  assert.equal(e.message, '');
  assert.equal(e.code, 0);
  const a = new DOMException('boom', 'AbortError');
  assert.equal(a.name, 'AbortError');
  assert.equal(a.message, 'boom');
  assert.equal(a.code, 20);
  assert.equal(new DOMException('x', 'TimeoutError').code, 23);
  assert.equal(new DOMException('x', 'InvalidCharacterError').code, 5);
  assert.equal(new DOMException('x', 'DataCloneError').code, 25);
  assert.equal(new DOMException('x', 'EncodingError').code, 0);
  assert.equal(new DOMException('x', 'ValidationError').code, 0);
  assert.equal(new DOMException('x', 'NotAllowedError').code, 0);
  assert.equal(new DOMException(42, 17).name, '17');
  assert.equal(new DOMException(42).message, '42');
  assert.equal(DOMException.length, 0);
});

test('DOMException: legacy code constants on interface and prototype', (env) => {
  const { DOMException } = env.internals;
  assert.equal(DOMException.ABORT_ERR, 20);
  assert.equal(DOMException.INDEX_SIZE_ERR, 1);
  assert.equal(DOMException.DATA_CLONE_ERR, 25);
  assert.equal(DOMException.VALIDATION_ERR, 16);
  assert.equal(DOMException.prototype.TIMEOUT_ERR, 23);
  assert.equal(new DOMException().SYNTAX_ERR, 12);
  const d = Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR');
  assert.equal(d.writable, false);
  assert.equal(d.configurable, false);
  assert.equal(d.enumerable, true);
});

test('DOMException: Error.prototype inheritance, stack, toString', (env) => {
  const { DOMException } = env.internals;
  const e = new DOMException('bad thing', 'SyntaxError');
  assert.ok(e instanceof env.R.Error);
  assert.equal(Object.getPrototypeOf(DOMException.prototype), env.R.Error.prototype);
  assert.equal(Object.getPrototypeOf(DOMException), env.R.Function.prototype);
  assert.equal(typeof e.stack, 'string');
  assert.ok(e.stack.startsWith('SyntaxError: bad thing'), e.stack);
  assert.equal(String(e), 'SyntaxError: bad thing');
  assert.equal(Object.prototype.toString.call(e), '[object DOMException]');
  assert.ok(!Object.prototype.hasOwnProperty.call(e, 'message'));
  assert.ok(Object.keys(DOMException.prototype).includes('code'));
  assert.ok(Object.keys(DOMException.prototype).includes('name'));
});

test('DOMException: brand checks and conversions', (env) => {
  const { DOMException } = env.internals;
  const get = (k) => Object.getOwnPropertyDescriptor(DOMException.prototype, k).get;
  throwsKind(env, () => get('name').call({}), 'TypeError');
  throwsKind(env, () => get('code').call(Object.create(DOMException.prototype)), 'TypeError');
  throwsKind(env, () => new DOMException(Symbol('x')), 'TypeError');
  throwsKind(env, () => DOMException(), 'TypeError');
  class MyErr extends DOMException { constructor() { super('sub', 'NotFoundError'); } }
  const m = new MyErr();
  assert.equal(m.code, 8);
  assert.ok(m instanceof DOMException);
});

// =============================================================================
// Event / EventTarget

test('Event: constructor, init dictionary, attributes', (env) => {
  const { Event } = env.internals;
  throwsKind(env, () => new Event(), 'TypeError');
  throwsKind(env, () => new Event('x', 5), 'TypeError');
  const e = new Event('foo');
  assert.equal(e.type, 'foo');
  assert.equal(e.bubbles, false);
  assert.equal(e.cancelable, false);
  assert.equal(e.composed, false);
  assert.equal(e.defaultPrevented, false);
  assert.equal(e.eventPhase, Event.NONE);
  assert.equal(e.target, null);
  assert.equal(e.currentTarget, null);
  assert.equal(e.isTrusted, false);
  assert.ok(Object.prototype.hasOwnProperty.call(e, 'isTrusted'));
  assert.equal(typeof e.timeStamp, 'number');
  assert.deepEqual(Array.from(e.composedPath()), []);
  const f = new Event(undefined, { bubbles: 1, cancelable: 'yes', composed: true });
  assert.equal(f.type, 'undefined');
  assert.equal(f.bubbles, true);
  assert.equal(f.cancelable, true);
  assert.equal(f.composed, true);
  assert.equal(Event.AT_TARGET, 2);
  assert.equal(Event.prototype.BUBBLING_PHASE, 3);
  assert.equal(Event.length, 1);
  assert.equal(Object.prototype.toString.call(e), '[object Event]');
});

test('Event: preventDefault / returnValue / cancelable', (env) => {
  const { Event } = env.internals;
  const a = new Event('a');
  a.preventDefault();
  assert.equal(a.defaultPrevented, false);
  const b = new Event('b', { cancelable: true });
  assert.equal(b.returnValue, true);
  b.returnValue = false;
  assert.equal(b.defaultPrevented, true);
  assert.equal(b.returnValue, false);
  b.returnValue = true; // cannot un-cancel
  assert.equal(b.defaultPrevented, true);
  const c = new Event('c');
  c.cancelBubble = true;
  assert.equal(c.cancelBubble, true);
  c.cancelBubble = false;
  assert.equal(c.cancelBubble, true);
});

test('EventTarget: dispatch basics, this, target, phases, return value', (env) => {
  const { Event, EventTarget } = env.internals;
  const t = new EventTarget();
  const seen = [];
  t.addEventListener('ping', function (ev) {
    seen.push([this === t, ev.target === t, ev.currentTarget === t, ev.eventPhase, ev.composedPath().length]);
  });
  const ev = new Event('ping', { cancelable: true });
  assert.equal(t.dispatchEvent(ev), true);
  assert.deepEqual(seen, [[true, true, true, 2, 1]]);
  assert.equal(ev.eventPhase, 0);
  assert.equal(ev.currentTarget, null);
  assert.equal(ev.target, t);
  assert.equal(ev.isTrusted, false);
  t.addEventListener('ping', (e) => e.preventDefault());
  assert.equal(t.dispatchEvent(new Event('ping', { cancelable: true })), false);
  assert.equal(t.dispatchEvent(new Event('ping')), true);
  assert.equal(t.dispatchEvent(new Event('other')), true);
});

test('EventTarget: ordering, duplicates, capture first at target', (env) => {
  const { Event, EventTarget } = env.internals;
  const t = new EventTarget();
  const log = [];
  const a = () => log.push('a');
  const b = () => log.push('b');
  const c = () => log.push('c-capture');
  t.addEventListener('x', a);
  t.addEventListener('x', b);
  t.addEventListener('x', a); // duplicate, ignored
  t.addEventListener('x', c, true);
  t.addEventListener('x', a, { capture: true }); // different capture -> distinct
  t.dispatchEvent(new Event('x'));
  assert.deepEqual(log, ['c-capture', 'a', 'a', 'b']);
  log.length = 0;
  t.removeEventListener('x', a); // removes the non-capture one
  t.dispatchEvent(new Event('x'));
  assert.deepEqual(log, ['c-capture', 'a', 'b']);
  log.length = 0;
  t.removeEventListener('x', a, { capture: true });
  t.removeEventListener('x', c, true);
  t.dispatchEvent(new Event('x'));
  assert.deepEqual(log, ['b']);
});

test('EventTarget: once, passive, signal options', (env) => {
  const { Event, EventTarget, AbortController } = env.internals;
  const t = new EventTarget();
  let n = 0;
  t.addEventListener('x', () => n++, { once: true });
  t.dispatchEvent(new Event('x'));
  t.dispatchEvent(new Event('x'));
  assert.equal(n, 1);
  // passive: preventDefault is ignored
  let prevented;
  t.addEventListener('p', (e) => { e.preventDefault(); prevented = e.defaultPrevented; }, { passive: true });
  assert.equal(t.dispatchEvent(new Event('p', { cancelable: true })), true);
  assert.equal(prevented, false);
  // signal
  const ac = new AbortController();
  let m = 0;
  t.addEventListener('s', () => m++, { signal: ac.signal });
  t.dispatchEvent(new Event('s'));
  ac.abort();
  t.dispatchEvent(new Event('s'));
  assert.equal(m, 1);
  // already-aborted signal: not added
  t.addEventListener('s', () => m++, { signal: ac.signal });
  t.dispatchEvent(new Event('s'));
  assert.equal(m, 1);
  throwsKind(env, () => t.addEventListener('s', () => {}, { signal: {} }), 'TypeError');
  throwsKind(env, () => t.addEventListener('s', () => {}, { signal: null }), 'TypeError');
});

test('EventTarget: handleEvent objects and bad callbacks', (env) => {
  const { Event, EventTarget } = env.internals;
  const t = new EventTarget();
  const calls = [];
  const obj = { handleEvent(e) { calls.push(['first', this === obj, e.type]); } };
  t.addEventListener('h', obj);
  t.dispatchEvent(new Event('h'));
  obj.handleEvent = function () { calls.push(['second', this === obj]); }; // looked up per dispatch
  t.dispatchEvent(new Event('h'));
  assert.deepEqual(calls, [['first', true, 'h'], ['second', true]]);
  throwsKind(env, () => t.addEventListener('h', 'nope'), 'TypeError');
  throwsKind(env, () => t.addEventListener('h'), 'TypeError');
  t.addEventListener('h', null); // allowed, no-op
  t.addEventListener('h', undefined);
  throwsKind(env, () => t.dispatchEvent({ type: 'h' }), 'TypeError');
  throwsKind(env, () => t.dispatchEvent(), 'TypeError');
  // object without handleEvent: reported TypeError, other listeners still run
  const bad = {};
  let after = false;
  t.addEventListener('z', bad);
  t.addEventListener('z', () => { after = true; });
  env.logs.length = 0;
  t.dispatchEvent(new Event('z'));
  assert.equal(after, true);
  assert.equal(env.logs.length, 1);
  assert.equal(env.logs[0][0], 'error');
  assert.match(env.logs[0][1], /TypeError/);
});

test('EventTarget: stopImmediatePropagation / stopPropagation', (env) => {
  const { Event, EventTarget } = env.internals;
  const t = new EventTarget();
  const log = [];
  t.addEventListener('x', (e) => { log.push(1); e.stopPropagation(); });
  t.addEventListener('x', (e) => { log.push(2); e.stopImmediatePropagation(); });
  t.addEventListener('x', () => log.push(3));
  const e = new Event('x');
  t.dispatchEvent(e);
  assert.deepEqual(log, [1, 2]);
  // flags are cleared after dispatch: the event can be dispatched again
  log.length = 0;
  t.dispatchEvent(e);
  assert.deepEqual(log, [1, 2]);
  // stop propagation at capture phase prevents bubbling listeners at target
  const u = new EventTarget();
  const l2 = [];
  u.addEventListener('y', (ev) => { l2.push('cap'); ev.stopPropagation(); }, true);
  u.addEventListener('y', () => l2.push('bubble'));
  u.dispatchEvent(new Event('y'));
  assert.deepEqual(l2, ['cap']);
});

test('EventTarget: listener exceptions are reported and do not stop others', (env) => {
  const { Event, EventTarget } = env.internals;
  const t = new EventTarget();
  const log = [];
  t.addEventListener('x', () => { throw new env.R.Error('first fails'); });
  t.addEventListener('x', () => log.push('second'));
  env.logs.length = 0;
  assert.equal(t.dispatchEvent(new Event('x')), true);
  assert.deepEqual(log, ['second']);
  assert.equal(env.logs.length, 1);
  assert.equal(env.logs[0][0], 'error');
  assert.match(env.logs[0][1], /first fails/);
  // internals.reportError takes precedence when defined
  const reported = [];
  env.internals.reportError = (e) => reported.push(e);
  t.dispatchEvent(new Event('x'));
  assert.equal(reported.length, 1);
  assert.equal(reported[0].message, 'first fails');
  assert.equal(env.logs.length, 1);
  delete env.internals.reportError;
});

test('EventTarget: changes during dispatch, re-dispatch is InvalidStateError', (env) => {
  const { Event, EventTarget } = env.internals;
  const t = new EventTarget();
  const log = [];
  const late = () => log.push('late');
  const removed = () => log.push('removed');
  t.addEventListener('x', (e) => {
    log.push('first');
    t.addEventListener('x', late);
    t.removeEventListener('x', removed);
    throwsKind(env, () => t.dispatchEvent(e), 'DOMException:InvalidStateError');
  });
  t.addEventListener('x', removed);
  t.dispatchEvent(new Event('x'));
  assert.deepEqual(log, ['first']);
  log.length = 0;
  t.dispatchEvent(new Event('x'));
  assert.deepEqual(log, ['first', 'late']);
  assert.equal(new env.internals.DOMException('', 'InvalidStateError').code, 11);
});

test('EventTarget: subclassing, initEvent, brand checks, trusted dispatch hook', (env) => {
  const { Event, EventTarget } = env.internals;
  class Thing extends EventTarget {
    fire() { return this.dispatchEvent(new Event('fire')); }
  }
  const th = new Thing();
  let got = null;
  th.addEventListener('fire', (e) => { got = e.target; });
  th.fire();
  assert.equal(got, th);
  const e = new Event('a');
  e.initEvent('b', true, true);
  assert.equal(e.type, 'b');
  assert.equal(e.bubbles, true);
  assert.equal(e.cancelable, true);
  throwsKind(env, () => EventTarget.prototype.addEventListener.call({}, 'x', () => {}), 'TypeError');
  throwsKind(env, () => Object.getOwnPropertyDescriptor(Event.prototype, 'type').get.call({}), 'TypeError');
  let trusted;
  th.addEventListener('t', (ev) => { trusted = ev.isTrusted; });
  env.internals.dispatchEventTrusted(th, new Event('t'));
  assert.equal(trusted, true);
  th.dispatchEvent(new Event('t'));
  assert.equal(trusted, false);
  assert.ok(Object.keys(EventTarget.prototype).includes('addEventListener'));
});

// =============================================================================
// AbortController / AbortSignal

test('AbortSignal: not constructible; controller basics', (env) => {
  const { AbortSignal, AbortController, DOMException } = env.internals;
  throwsKind(env, () => new AbortSignal(), 'TypeError');
  const ac = new AbortController();
  const s = ac.signal;
  assert.equal(ac.signal, s);
  assert.ok(s instanceof AbortSignal);
  assert.ok(s instanceof env.internals.EventTarget);
  assert.equal(s.aborted, false);
  assert.equal(s.reason, undefined);
  s.throwIfAborted();
  let events = 0;
  let trusted;
  s.addEventListener('abort', (e) => { events++; trusted = e.isTrusted; });
  ac.abort();
  assert.equal(s.aborted, true);
  assert.ok(s.reason instanceof DOMException);
  assert.equal(s.reason.name, 'AbortError');
  assert.equal(s.reason.code, 20);
  assert.equal(events, 1);
  assert.equal(trusted, true);
  ac.abort('again'); // no-op
  assert.equal(events, 1);
  assert.equal(s.reason.name, 'AbortError');
  throwsKind(env, () => s.throwIfAborted(), 'DOMException:AbortError');
  assert.equal(Object.prototype.toString.call(s), '[object AbortSignal]');
});

test('AbortSignal: custom reason, throwIfAborted, static abort()', (env) => {
  const { AbortSignal, AbortController } = env.internals;
  const ac = new AbortController();
  const reason = { why: 'custom' };
  ac.abort(reason);
  assert.equal(ac.signal.reason, reason);
  try { ac.signal.throwIfAborted(); assert.fail('should throw'); } catch (e) { assert.equal(e, reason); }
  const s1 = AbortSignal.abort();
  assert.equal(s1.aborted, true);
  assert.equal(s1.reason.name, 'AbortError');
  assert.equal(AbortSignal.abort('r').reason, 'r');
  const ac2 = new AbortController();
  ac2.abort(undefined);
  assert.equal(ac2.signal.reason.name, 'AbortError');
});

test('AbortSignal: onabort handler attribute', (env) => {
  const { AbortController } = env.internals;
  const ac = new AbortController();
  const s = ac.signal;
  const log = [];
  assert.equal(s.onabort, null);
  s.addEventListener('abort', () => log.push('listener1'));
  const h = function (e) { log.push(['handler', this === s, e.type]); };
  s.onabort = h;
  s.addEventListener('abort', () => log.push('listener2'));
  assert.equal(s.onabort, h);
  s.onabort = () => log.push('handler2'); // keeps its original position
  ac.abort();
  assert.deepEqual(log, ['listener1', 'handler2', 'listener2']);
  const ac2 = new AbortController();
  ac2.signal.onabort = () => log.push('nope');
  ac2.signal.onabort = null;
  assert.equal(ac2.signal.onabort, null);
  ac2.signal.onabort = 5; // non-object -> null
  assert.equal(ac2.signal.onabort, null);
  ac2.abort();
  assert.ok(!log.includes('nope'));
});

test('AbortSignal.timeout: TimeoutError via globalThis.setTimeout looked up at call time', async (env) => {
  const { AbortSignal, DOMException } = env.internals;
  const calls = [];
  env.R.setTimeout = (fn, ms) => { calls.push(ms); return setTimeout(fn, ms); };
  const s = AbortSignal.timeout(5);
  assert.deepEqual(calls, [5]);
  assert.equal(s.aborted, false);
  let fired = 0;
  s.onabort = () => fired++;
  await sleep(30);
  assert.equal(s.aborted, true);
  assert.ok(s.reason instanceof DOMException);
  assert.equal(s.reason.name, 'TimeoutError');
  assert.equal(s.reason.code, 23);
  assert.equal(fired, 1);
  throwsKind(env, () => AbortSignal.timeout(-1), 'TypeError');
  throwsKind(env, () => AbortSignal.timeout(NaN), 'TypeError');
  throwsKind(env, () => AbortSignal.timeout(Infinity), 'TypeError');
  throwsKind(env, () => AbortSignal.timeout(), 'TypeError');
  assert.equal(AbortSignal.timeout(0.9).aborted, false); // truncated to 0, still async
  delete env.R.setTimeout;
});

test('AbortSignal.any: dependent signals', async (env) => {
  const { AbortSignal, AbortController } = env.internals;
  const a = new AbortController();
  const b = new AbortController();
  const any = AbortSignal.any([a.signal, b.signal]);
  assert.equal(any.aborted, false);
  const log = [];
  any.addEventListener('abort', () => log.push('any'));
  b.signal.addEventListener('abort', () => log.push('b'));
  b.abort('B!');
  assert.equal(any.aborted, true);
  assert.equal(any.reason, 'B!');
  assert.deepEqual(log, ['b', 'any']);
  a.abort('A!');
  assert.equal(any.reason, 'B!');
  // already aborted input
  const pre = AbortSignal.any([new AbortController().signal, AbortSignal.abort('x')]);
  assert.equal(pre.aborted, true);
  assert.equal(pre.reason, 'x');
  // empty
  assert.equal(AbortSignal.any([]).aborted, false);
  // nested: any of any follows the original source
  const c = new AbortController();
  const inner = AbortSignal.any([c.signal]);
  const outer = AbortSignal.any([inner]);
  let outerFired = false;
  outer.onabort = () => { outerFired = true; };
  c.abort('C');
  assert.equal(outer.reason, 'C');
  assert.equal(outerFired, true);
  throwsKind(env, () => AbortSignal.any([{}]), 'TypeError');
  throwsKind(env, () => AbortSignal.any(5), 'TypeError');
  // iterable (not just arrays)
  const d = new AbortController();
  const fromSet = AbortSignal.any(new Set([d.signal]));
  d.abort();
  assert.equal(fromSet.reason.name, 'AbortError');
});

test('abortSignalAddAlgorithm: runs before the abort event, removable', (env) => {
  const { AbortController, abortSignalAddAlgorithm } = env.internals;
  const ac = new AbortController();
  const log = [];
  ac.signal.addEventListener('abort', () => log.push('event'));
  abortSignalAddAlgorithm(ac.signal, () => log.push(['algo', ac.signal.aborted]));
  const remove = abortSignalAddAlgorithm(ac.signal, () => log.push('removed'));
  remove();
  ac.abort();
  assert.deepEqual(log, [['algo', true], 'event']);
  // adding to an aborted signal: never runs, returns a remover
  const r = abortSignalAddAlgorithm(ac.signal, () => log.push('late'));
  assert.equal(typeof r, 'function');
  r();
  assert.equal(log.length, 2);
  // algorithms on dependent signals run too
  const src = new AbortController();
  const dep = env.internals.AbortSignal.any([src.signal]);
  let depRan = false;
  abortSignalAddAlgorithm(dep, () => { depRan = true; });
  src.abort();
  assert.equal(depRan, true);
});

// =============================================================================
// TextEncoder / TextDecoder

test('TextEncoder: encode', (env) => {
  const { TextEncoder } = env.internals;
  const enc = new TextEncoder();
  assert.equal(enc.encoding, 'utf-8');
  const e0 = enc.encode();
  assert.ok(e0 instanceof env.R.Uint8Array);
  assert.equal(e0.length, 0);
  assert.deepEqual(bytes(enc.encode('A€𝄞')), [0x41, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e]);
  assert.deepEqual(bytes(enc.encode('\ud800')), [0xef, 0xbf, 0xbd]);
  assert.deepEqual(bytes(enc.encode(12)), [0x31, 0x32]);
  throwsKind(env, () => enc.encode(Symbol('s')), 'TypeError');
  assert.equal(Object.prototype.toString.call(enc), '[object TextEncoder]');
});

test('TextEncoder: encodeInto', (env) => {
  const { TextEncoder } = env.internals;
  const enc = new TextEncoder();
  let dest = new Uint8Array(5);
  let r = enc.encodeInto('a€b', dest);
  assert.equal(r.read, 3);
  assert.equal(r.written, 5);
  assert.deepEqual(bytes(dest), [0x61, 0xe2, 0x82, 0xac, 0x62]);
  dest = new Uint8Array(3);
  r = enc.encodeInto('a€b', dest); // € does not fit -> stop without splitting
  assert.deepEqual([r.read, r.written], [1, 1]);
  dest = new Uint8Array(4);
  r = enc.encodeInto('x𝄞', dest);
  assert.deepEqual([r.read, r.written], [1, 1]);
  dest = new Uint8Array(5);
  r = enc.encodeInto('x𝄞', dest);
  assert.deepEqual([r.read, r.written], [3, 5]);
  r = enc.encodeInto('\udc00z', new Uint8Array(4));
  assert.deepEqual([r.read, r.written], [2, 4]);
  throwsKind(env, () => enc.encodeInto('x', new Uint16Array(4)), 'TypeError');
  throwsKind(env, () => enc.encodeInto('x', []), 'TypeError');
  // large input goes through the native fast path
  const big = 'ab€'.repeat(100);
  const out = new Uint8Array(big.length * 3);
  r = enc.encodeInto(big, out);
  assert.equal(r.read, big.length);
  assert.equal(r.written, 500);
  assert.deepEqual(bytes(out.subarray(0, 5)), [0x61, 0x62, 0xe2, 0x82, 0xac]);
});

test('TextDecoder: labels', (env) => {
  const { TextDecoder } = env.internals;
  for (const label of ['utf-8', 'utf8', 'UTF-8', ' \tUnicode-1-1-UTF-8\n', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']) {
    assert.equal(new TextDecoder(label).encoding, 'utf-8', label);
  }
  assert.equal(new TextDecoder().encoding, 'utf-8');
  assert.equal(new TextDecoder(undefined).encoding, 'utf-8');
  assert.equal(new TextDecoder(' Latin1 ').encoding, 'windows-1252');
  assert.equal(new TextDecoder('UTF-16LE').encoding, 'utf-16le');
  // 'replacement' is not a label; csiso2022kr is, of the replacement encoding,
  // which TextDecoder refuses.
  for (const label of ['replacement', 'csiso2022kr', 'utf-8 x', '\u00a0utf-8', 'utf\u212a8', '']) {
    throwsKind(env, () => new TextDecoder(label), 'RangeError');
  }
  throwsKind(env, () => new TextDecoder('utf-8', 5), 'TypeError');
  const d = new TextDecoder('utf8', { fatal: 1, ignoreBOM: true });
  assert.equal(d.fatal, true);
  assert.equal(d.ignoreBOM, true);
  assert.equal(new TextDecoder().fatal, false);
});

test('TextDecoder: decode inputs, replacement, fatal', (env) => {
  const { TextDecoder } = env.internals;
  const d = new TextDecoder();
  assert.equal(d.decode(), '');
  assert.equal(d.decode(new Uint8Array([0x68, 0x69])), 'hi');
  assert.equal(d.decode(new Uint8Array([0x68, 0x69]).buffer), 'hi');
  assert.equal(d.decode(new DataView(new Uint8Array([0x20, 0x68, 0x69]).buffer, 1)), 'hi');
  assert.equal(d.decode(new Uint16Array([0x6968])), 'hi');
  assert.equal(d.decode(new Uint8Array([0x61, 0xff, 0x62])), 'a\ufffdb');
  assert.equal(d.decode(new Uint8Array([0xe2, 0x82])), '\ufffd');
  throwsKind(env, () => d.decode('str'), 'TypeError');
  throwsKind(env, () => d.decode([1, 2]), 'TypeError');
  const f = new TextDecoder('utf-8', { fatal: true });
  throwsKind(env, () => f.decode(new Uint8Array([0xff])), 'TypeError');
  assert.equal(f.decode(new Uint8Array([0x6f, 0x6b])), 'ok');
});

test('TextDecoder: BOM handling', (env) => {
  const { TextDecoder } = env.internals;
  const bom = [0xef, 0xbb, 0xbf];
  assert.equal(new TextDecoder().decode(new Uint8Array([...bom, 0x61])), 'a');
  assert.equal(new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([...bom, 0x61])), '\ufeffa');
  // only one BOM stripped
  assert.equal(new TextDecoder().decode(new Uint8Array([...bom, ...bom])), '\ufeff');
  // streaming: BOM split across chunks is still stripped; a BOM later in the stream is kept
  const d = new TextDecoder();
  let s = d.decode(new Uint8Array([0xef]), { stream: true });
  s += d.decode(new Uint8Array([0xbb]), { stream: true });
  s += d.decode(new Uint8Array([0xbf, 0x61]), { stream: true });
  s += d.decode(new Uint8Array([...bom, 0x62]), { stream: true });
  s += d.decode();
  assert.equal(s, 'a\ufeffb');
  // a new stream starts after a non-stream decode: BOM stripped again
  assert.equal(d.decode(new Uint8Array([...bom, 0x63])), 'c');
  // empty first chunk does not count as the start having been seen
  const e = new TextDecoder();
  assert.equal(e.decode(new Uint8Array(0), { stream: true }) + e.decode(new Uint8Array([...bom, 0x64])), 'd');
});

test('TextDecoder: streaming across every chunk boundary', (env) => {
  const { TextDecoder, TextEncoder } = env.internals;
  const text = 'aé€𝄞z\u00ff\u0800\uffff\u{10ffff}.';
  const all = new TextEncoder().encode(text);
  const d = new TextDecoder();
  for (let i = 0; i <= all.length; i++) {
    for (let j = i; j <= all.length; j++) {
      let s = d.decode(all.subarray(0, i), { stream: true });
      s += d.decode(all.subarray(i, j), { stream: true });
      s += d.decode(all.subarray(j), { stream: true });
      s += d.decode();
      assert.equal(s, text, `split at ${i},${j}`);
    }
  }
  // byte at a time
  let s = '';
  for (const b of all) s += d.decode(new Uint8Array([b]), { stream: true });
  assert.equal(s + d.decode(), text);
});

test('TextDecoder: streaming errors and incomplete sequences', (env) => {
  const { TextDecoder } = env.internals;
  const d = new TextDecoder();
  // held incomplete sequence produces nothing yet
  assert.equal(d.decode(new Uint8Array([0x61, 0xe2, 0x82]), { stream: true }), 'a');
  // ... and one U+FFFD when the stream ends
  assert.equal(d.decode(), '\ufffd');
  // invalid prefix is not held: E0 80 is two errors right away
  assert.equal(d.decode(new Uint8Array([0xe0, 0x80]), { stream: true }), '\ufffd\ufffd');
  assert.equal(d.decode(), '');
  // broken continuation in the next chunk
  assert.equal(d.decode(new Uint8Array([0xf0, 0x9f]), { stream: true }), '');
  assert.equal(d.decode(new Uint8Array([0x41]), { stream: true }), '\ufffdA');
  assert.equal(d.decode(), '');
  // fatal: error raised when the stream is flushed, decoder usable afterwards
  const f = new TextDecoder('utf-8', { fatal: true });
  assert.equal(f.decode(new Uint8Array([0x61, 0xe2]), { stream: true }), 'a');
  throwsKind(env, () => f.decode(), 'TypeError');
  assert.equal(f.decode(new Uint8Array([0x62])), 'b');
  assert.equal(f.decode(new Uint8Array([0xe2]), { stream: true }), '');
  throwsKind(env, () => f.decode(new Uint8Array([0x41]), { stream: true }), 'TypeError');
  assert.equal(f.decode(new Uint8Array([0x43])), 'C');
  // the held bytes are copied: mutating the caller's buffer later is harmless
  const buf = new Uint8Array([0xe2, 0x82]);
  assert.equal(d.decode(buf, { stream: true }), '');
  buf.fill(0);
  assert.equal(d.decode(new Uint8Array([0xac])), '€');
});

test('atob/btoa: vectors and errors', (env) => {
  const { atob, btoa } = env.internals;
  assert.equal(btoa(''), '');
  assert.equal(btoa('f'), 'Zg==');
  assert.equal(btoa('fo'), 'Zm8=');
  assert.equal(btoa('foo'), 'Zm9v');
  assert.equal(btoa('foobar'), 'Zm9vYmFy');
  assert.equal(btoa('\u00ff\u00fe'), '//4=');
  assert.equal(btoa(null), 'bnVsbA==');
  throwsKind(env, () => btoa('\u0100'), 'DOMException:InvalidCharacterError');
  throwsKind(env, () => btoa('€'), 'DOMException:InvalidCharacterError');
  throwsKind(env, () => btoa(), 'TypeError');
  assert.equal(atob(''), '');
  assert.equal(atob('Zg=='), 'f');
  assert.equal(atob('Zg'), 'f');
  assert.equal(atob('Zm8'), 'fo');
  assert.equal(atob('Zm9v'), 'foo');
  assert.equal(atob(' Zm\t9v\nYm\fFy\r '), 'foobar');
  assert.equal(atob('Zm8 ='), 'fo');
  assert.equal(atob('Zh=='), 'f'); // non-zero discarded bits are allowed
  assert.equal(atob('//4='), '\u00ff\u00fe');
  for (const bad of ['Z', 'Zg=', 'Zg===', 'Z===', '====', '=', 'Zm9v=', 'Zm=9v', 'Z\u00e9==', 'Zm9v\u000b', 'Zm-v', 'Zm_v', 'Zm9v!', 'abcde']) {
    throwsKind(env, () => atob(bad), 'DOMException:InvalidCharacterError');
  }
  throwsKind(env, () => atob(), 'TypeError');
  assert.throws(() => atob(undefined)); // "undefined" has 9 characters
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  assert.equal(atob(btoa(all)), all);
  assert.equal(btoa(all), Buffer.from(all, 'latin1').toString('base64'));
});

test('atob/btoa: agree with Node on random inputs', (env) => {
  const { atob, btoa } = env.internals;
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\n\f\r-_.';
  for (let i = 0; i < 3000; i++) {
    const len = rnd(12);
    let s = '';
    for (let k = 0; k < len; k++) s += alphabet[rnd(alphabet.length)];
    let expected, actual;
    try { expected = globalThis.atob(s); } catch { expected = 'ERR'; }
    try { actual = atob(s); } catch (e) { actual = e.name === 'InvalidCharacterError' ? 'ERR' : 'OTHER'; }
    assert.equal(actual, expected, JSON.stringify(s));
    let b = '';
    for (let k = 0; k < len; k++) b += String.fromCharCode(rnd(256));
    assert.equal(btoa(b), globalThis.btoa(b));
  }
  const big = 'x'.repeat(100000);
  assert.equal(atob(btoa(big)), big);
});

// =============================================================================
// ReadableStream (default)

test('ReadableStream: start/enqueue/close and reading', async (env) => {
  const { ReadableStream } = env.internals;
  const rs = new ReadableStream({
    start(c) {
      assert.equal(c.desiredSize, 1);
      c.enqueue('a');
      c.enqueue('b');
      assert.equal(c.desiredSize, -1);
      c.close();
      throwsKind(env, () => c.enqueue('c'), 'TypeError');
      throwsKind(env, () => c.close(), 'TypeError');
    },
  });
  const reader = rs.getReader();
  assert.equal(rs.locked, true);
  const r1 = await reader.read();
  assert.equal(r1.value, 'a');
  assert.equal(r1.done, false);
  assert.equal(Object.getPrototypeOf(r1), env.R.Object.prototype);
  assert.equal((await reader.read()).value, 'b');
  const end = await reader.read();
  assert.equal(end.done, true);
  assert.equal(end.value, undefined);
  assert.equal(await reader.closed, undefined);
  assert.equal(Object.prototype.toString.call(rs), '[object ReadableStream]');
  assert.equal(ReadableStream.length, 0);
});

test('ReadableStream: pull is driven by highWaterMark (backpressure)', async (env) => {
  const { ReadableStream } = env.internals;
  let pulls = 0;
  const rs = new ReadableStream({
    pull(c) { pulls++; c.enqueue(pulls); },
  }, { highWaterMark: 3 });
  await flush();
  assert.equal(pulls, 3); // filled up to the high water mark, no further
  const reader = rs.getReader();
  assert.equal((await reader.read()).value, 1);
  await flush();
  assert.equal(pulls, 4);
  // HWM 0: nothing pulled until somebody reads
  let pulls0 = 0;
  const rs0 = new ReadableStream({ pull(c) { pulls0++; c.enqueue(pulls0); } }, { highWaterMark: 0 });
  await flush();
  assert.equal(pulls0, 0);
  const r0 = rs0.getReader();
  assert.equal((await r0.read()).value, 1);
  await flush();
  assert.equal(pulls0, 1);
  // pull is not called again while a pull promise is pending
  let pending = 0;
  let release;
  const rs2 = new ReadableStream({
    pull(c) { pending++; return new Promise((r) => { release = () => { c.enqueue(pending); r(); }; }); },
  }, { highWaterMark: 10 });
  await flush();
  assert.equal(pending, 1);
  release();
  await flush();
  assert.equal(pending, 2);
  await flush();
  assert.equal(pending, 2); // second pull still pending
  void rs2;
});

test('ReadableStream: size strategy and desiredSize', async (env) => {
  const { ReadableStream } = env.internals;
  let ctrl;
  const rs = new ReadableStream({ start(c) { ctrl = c; } }, { highWaterMark: 10, size: (chunk) => chunk.length });
  ctrl.enqueue('abcd');
  assert.equal(ctrl.desiredSize, 6);
  ctrl.enqueue('abcdefgh');
  assert.equal(ctrl.desiredSize, -2);
  const reader = rs.getReader();
  await reader.read();
  assert.equal(ctrl.desiredSize, 2);
  // size returning an invalid value errors the stream
  let c2;
  const rs2 = new ReadableStream({ start(c) { c2 = c; } }, { size: () => -1 });
  throwsKind(env, () => c2.enqueue('x'), 'RangeError');
  await rejectsKind(env, rs2.getReader().closed, 'RangeError');
  // size throwing
  let c3;
  const rs3 = new ReadableStream({ start(c) { c3 = c; } }, { size() { throw new env.R.SyntaxError('size!'); } });
  throwsKind(env, () => c3.enqueue('x'), 'SyntaxError');
  await rejectsKind(env, rs3.getReader().read(), 'SyntaxError');
});

test('ReadableStream: constructor argument validation', (env) => {
  const { ReadableStream } = env.internals;
  throwsKind(env, () => new ReadableStream(null), 'TypeError');
  throwsKind(env, () => new ReadableStream(5), 'TypeError');
  throwsKind(env, () => new ReadableStream({ type: 'foo' }), 'TypeError');
  throwsKind(env, () => new ReadableStream({ pull: 5 }), 'TypeError');
  throwsKind(env, () => new ReadableStream({ start: 'x' }), 'TypeError');
  throwsKind(env, () => new ReadableStream({}, { highWaterMark: -1 }), 'RangeError');
  throwsKind(env, () => new ReadableStream({}, { highWaterMark: NaN }), 'RangeError');
  throwsKind(env, () => new ReadableStream({}, { size: 5 }), 'TypeError');
  throwsKind(env, () => new ReadableStream({ type: 'bytes' }, { size: () => 1 }), 'RangeError');
  throwsKind(env, () => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 }), 'TypeError');
  throwsKind(env, () => new ReadableStream({ start() { throw new env.R.URIError('start'); } }), 'URIError');
  throwsKind(env, () => ReadableStream(), 'TypeError');
  throwsKind(env, () => new env.internals.ReadableStreamDefaultController(), 'TypeError');
  // getter order: strategy first, then underlying source members alphabetically
  const order = [];
  const src = {};
  for (const k of ['type', 'start', 'pull', 'cancel', 'autoAllocateChunkSize']) {
    Object.defineProperty(src, k, { get() { order.push(k); return undefined; } });
  }
  const strat = {};
  for (const k of ['size', 'highWaterMark']) {
    Object.defineProperty(strat, k, { get() { order.push(k); return undefined; } });
  }
  new ReadableStream(src, strat); // eslint-disable-line no-new
  assert.deepEqual(order, ['highWaterMark', 'size', 'autoAllocateChunkSize', 'cancel', 'pull', 'start', 'type']);
});

test('ReadableStream: locking, releaseLock, reader errors', async (env) => {
  const { ReadableStream, ReadableStreamDefaultReader } = env.internals;
  const rs = new ReadableStream({ start(c) { c.enqueue(1); } });
  const reader = rs.getReader();
  throwsKind(env, () => rs.getReader(), 'TypeError');
  throwsKind(env, () => new ReadableStreamDefaultReader(rs), 'TypeError');
  const pendingRead = (await reader.read()).value;
  assert.equal(pendingRead, 1);
  const p = reader.read(); // pending
  reader.releaseLock();
  await rejectsKind(env, p, 'TypeError');
  await rejectsKind(env, reader.closed, 'TypeError');
  await rejectsKind(env, reader.read(), 'TypeError');
  await rejectsKind(env, reader.cancel(), 'TypeError');
  reader.releaseLock(); // no-op
  assert.equal(rs.locked, false);
  const r2 = new ReadableStreamDefaultReader(rs);
  assert.equal(rs.locked, true);
  r2.releaseLock();
  throwsKind(env, () => rs.getReader({ mode: 'nope' }), 'TypeError');
  throwsKind(env, () => rs.getReader({ mode: 'byob' }), 'TypeError'); // not a byte stream
  throwsKind(env, () => new ReadableStreamDefaultReader({}), 'TypeError');
  await rejectsKind(env, ReadableStream.prototype.cancel.call({}), 'TypeError');
  throwsKind(env, () => Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked').get.call({}), 'TypeError');
});

test('ReadableStream: cancel', async (env) => {
  const { ReadableStream } = env.internals;
  let cancelReason;
  const rs = new ReadableStream({
    start(c) { c.enqueue('queued'); },
    cancel(reason) { cancelReason = reason; return 'ignored value'; },
  });
  assert.equal(await rs.cancel('why'), undefined);
  assert.equal(cancelReason, 'why');
  const reader = rs.getReader();
  assert.equal((await reader.read()).done, true); // queue discarded
  await rejectsKind(env, rs.cancel(), 'TypeError'); // locked
  // cancel through the reader, pending reads resolve as done
  const rs2 = new ReadableStream({});
  const r2 = rs2.getReader();
  const pending = r2.read();
  await r2.cancel('x');
  assert.equal((await pending).done, true);
  // underlying cancel rejecting -> cancel() rejects
  const rs3 = new ReadableStream({ cancel() { throw new env.R.RangeError('no'); } });
  await rejectsKind(env, rs3.cancel(), 'RangeError');
  // cancel an errored stream
  const rs4 = new ReadableStream({ start(c) { c.error(new env.R.EvalError('e')); } });
  await rejectsKind(env, rs4.cancel(), 'EvalError');
  assert.equal(env.internals.isDisturbed(rs4), true);
});

test('ReadableStream: errors from controller and pull', async (env) => {
  const { ReadableStream } = env.internals;
  let c1;
  const rs = new ReadableStream({ start(c) { c1 = c; } });
  const reader = rs.getReader();
  const p = reader.read();
  c1.error(new env.R.TypeError('broken'));
  await rejectsKind(env, p, 'TypeError', /broken/);
  await rejectsKind(env, reader.closed, 'TypeError', /broken/);
  await rejectsKind(env, reader.read(), 'TypeError', /broken/);
  assert.equal(c1.desiredSize, null);
  const rs2 = new ReadableStream({ pull() { return Promise.reject(new env.R.RangeError('pull failed')); } });
  await rejectsKind(env, rs2.getReader().read(), 'RangeError', /pull failed/);
  const rs3 = new ReadableStream({ start() { return Promise.reject(new env.R.RangeError('start failed')); } });
  await rejectsKind(env, rs3.getReader().closed, 'RangeError');
});

test('ReadableStream: tee', async (env) => {
  const { ReadableStream } = env.internals;
  let cancelReason;
  const rs = new ReadableStream({
    start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); },
    cancel(r) { cancelReason = r; },
  });
  const branches = rs.tee();
  assert.ok(Array.isArray(branches));
  const [b1, b2] = branches;
  assert.equal(rs.locked, true);
  assert.deepEqual(await readAll(b1.getReader()), ['a', 'b']);
  assert.deepEqual(await readAll(b2.getReader()), ['a', 'b']);
  assert.equal(cancelReason, undefined);
  // cancel both branches: source cancelled with [reason1, reason2]
  const src = new ReadableStream({ cancel(r) { cancelReason = r; } });
  const [c1, c2] = src.tee();
  const p1 = c1.cancel('r1');
  assert.equal(cancelReason, undefined);
  const p2 = c2.cancel('r2');
  await Promise.all([p1, p2]);
  assert.deepEqual(Array.from(cancelReason), ['r1', 'r2']);
  // errors reach both branches
  let ctl;
  const es = new ReadableStream({ start(c) { ctl = c; } });
  const [e1, e2] = es.tee();
  ctl.error(new env.R.TypeError('tee error'));
  await rejectsKind(env, e1.getReader().closed, 'TypeError');
  await rejectsKind(env, e2.getReader().closed, 'TypeError');
  // one branch continues after the other is cancelled
  let n = 0;
  const inf = new ReadableStream({ pull(c) { c.enqueue(n++); if (n === 5) c.close(); } });
  const [i1, i2] = inf.tee();
  const cancel1 = i1.cancel(); // settles only once the source is done (spec)
  assert.equal(await state(cancel1), 'pending');
  assert.deepEqual(await readAll(i2.getReader()), [0, 1, 2, 3, 4]);
  assert.equal(await cancel1, undefined);
});

test('ReadableStream: async iteration', async (env) => {
  const { ReadableStream } = env.internals;
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); } });
  const got = [];
  for await (const v of rs) got.push(v);
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(rs.locked, false);
  // break -> cancel
  let cancelled = 'no';
  let i = 0;
  const inf = new ReadableStream({ pull(c) { c.enqueue(i++); }, cancel(r) { cancelled = r; } });
  for await (const v of inf) { if (v === 2) break; }
  assert.equal(cancelled, undefined);
  assert.equal(inf.locked, false);
  // preventCancel
  let cancelled2 = false;
  const inf2 = new ReadableStream({ pull(c) { c.enqueue(i++); }, cancel() { cancelled2 = true; } });
  for await (const v of inf2.values({ preventCancel: true })) { void v; break; }
  assert.equal(cancelled2, false);
  assert.equal(inf2.locked, false);
  assert.equal((await inf2.getReader().read()).done, false);
  // errors propagate
  const bad = new ReadableStream({ start(c) { c.enqueue(1); c.error(new env.R.TypeError('iter boom')); } });
  await rejectsKind(env, (async () => { for await (const v of bad) void v; })(), 'TypeError', /iter boom/);
  // locked stream cannot be iterated
  const locked = new ReadableStream();
  locked.getReader();
  throwsKind(env, () => locked.values(), 'TypeError');
  // shape
  assert.equal(ReadableStream.prototype[Symbol.asyncIterator], ReadableStream.prototype.values);
  const it = new ReadableStream().values();
  const proto = Object.getPrototypeOf(it);
  assert.equal(Object.prototype.toString.call(it), '[object ReadableStream AsyncIterator]');
  assert.equal(typeof proto.next, 'function');
  assert.equal(typeof proto.return, 'function');
  assert.equal(Object.getPrototypeOf(proto), Object.getPrototypeOf(Object.getPrototypeOf(vm.runInContext('(async function*(){})', env.ctx).prototype)));
  // concurrent next() calls resolve in order
  const rs3 = new ReadableStream({ start(c) { setTimeout(() => { c.enqueue('x'); c.enqueue('y'); c.close(); }, 1); } });
  const it3 = rs3.values();
  const [n1, n2, n3] = await Promise.all([it3.next(), it3.next(), it3.next()]);
  assert.deepEqual([n1.value, n2.value, n3.done], ['x', 'y', true]);
  // return() value
  const it4 = new ReadableStream().values();
  const ret = await it4.return('v');
  assert.deepEqual([ret.value, ret.done], ['v', true]);
  assert.equal((await it4.next()).done, true);
});

test('ReadableStream.from', async (env) => {
  const { ReadableStream } = env.internals;
  assert.deepEqual(await readAll(ReadableStream.from([1, 2, 3]).getReader()), [1, 2, 3]);
  assert.deepEqual(await readAll(ReadableStream.from(new Set(['s'])).getReader()), ['s']);
  assert.deepEqual(await readAll(ReadableStream.from([Promise.resolve('p')]).getReader()), ['p']);
  async function* gen() { yield 'a'; yield 'b'; }
  assert.deepEqual(await readAll(ReadableStream.from(gen()).getReader()), ['a', 'b']);
  throwsKind(env, () => ReadableStream.from(5), 'TypeError');
  throwsKind(env, () => ReadableStream.from(null), 'TypeError');
  throwsKind(env, () => ReadableStream.from({ [Symbol.asyncIterator]: 5 }), 'TypeError');
  // cancel calls return() on the iterator
  let returned = 'no';
  const iterable = {
    [Symbol.asyncIterator]() {
      return {
        next() { return Promise.resolve({ value: 1, done: false }); },
        return(reason) { returned = reason; return Promise.resolve({ done: true }); },
      };
    },
  };
  const rs = ReadableStream.from(iterable);
  const reader = rs.getReader();
  await reader.read();
  await reader.cancel('stop');
  assert.equal(returned, 'stop');
  // next() returning a non-object errors the stream
  const badIter = { [Symbol.asyncIterator]() { return { next() { return 5; } }; } };
  await rejectsKind(env, ReadableStream.from(badIter).getReader().read(), 'TypeError');
  // lazy: iterator not advanced before reads (HWM 0)
  let advanced = 0;
  const lazy = ReadableStream.from({ [Symbol.iterator]() { return { next() { advanced++; return { value: advanced, done: false }; } }; } });
  await flush();
  assert.equal(advanced, 0);
  await lazy.getReader().read();
  assert.equal(advanced, 1);
});

// =============================================================================
// Byte streams

test('byte stream: default reader', async (env) => {
  const { ReadableStream, ReadableByteStreamController } = env.internals;
  let ctrl;
  const rs = new ReadableStream({
    type: 'bytes',
    start(c) { ctrl = c; },
  });
  assert.ok(ctrl instanceof ReadableByteStreamController);
  assert.equal(ctrl.desiredSize, 0);
  assert.equal(ctrl.byobRequest, null);
  const reader = rs.getReader();
  const p = reader.read();
  const chunk = new Uint8Array([1, 2, 3]);
  ctrl.enqueue(chunk);
  const r = await p;
  assert.deepEqual(bytes(r.value), [1, 2, 3]);
  assert.equal(r.value.constructor.name, 'Uint8Array');
  if (env.transfer) assert.equal(chunk.byteLength, 0, 'enqueued buffer is detached');
  ctrl.enqueue(new Uint16Array([0x0201]));
  assert.deepEqual(bytes((await reader.read()).value), [1, 2]);
  throwsKind(env, () => ctrl.enqueue(new Uint8Array(0)), 'TypeError');
  throwsKind(env, () => ctrl.enqueue('str'), 'TypeError');
  throwsKind(env, () => ctrl.enqueue([1]), 'TypeError');
  ctrl.close();
  throwsKind(env, () => ctrl.close(), 'TypeError');
  assert.equal((await reader.read()).done, true);
});

test('byte stream: BYOB reader', async (env) => {
  const { ReadableStream, ReadableStreamBYOBReader } = env.internals;
  let ctrl;
  const rs = new ReadableStream({ type: 'bytes', start(c) { ctrl = c; } });
  const reader = rs.getReader({ mode: 'byob' });
  assert.ok(reader instanceof ReadableStreamBYOBReader);
  ctrl.enqueue(new Uint8Array([1, 2, 3, 4, 5]));
  const r1 = await reader.read(new Uint8Array(2));
  assert.deepEqual(bytes(r1.value), [1, 2]);
  const r2 = await reader.read(new Uint8Array(10));
  assert.deepEqual(bytes(r2.value), [3, 4, 5]);
  // respond via byobRequest
  const p = reader.read(new Uint16Array(2));
  await flush();
  const req = ctrl.byobRequest;
  assert.ok(req);
  assert.equal(req.view.byteLength, 4);
  req.view[0] = 0x11; req.view[1] = 0x22; req.view[2] = 0x33;
  req.respond(3); // 1.5 elements -> one element delivered, one byte kept
  const r3 = await p;
  assert.equal(r3.value.constructor.name, 'Uint16Array');
  assert.equal(r3.value.length, 1);
  assert.deepEqual(bytes(new Uint8Array(r3.value.buffer, r3.value.byteOffset, 2)), [0x11, 0x22]);
  const r4p = reader.read(new Uint8Array(4));
  const r4 = await r4p;
  assert.deepEqual(bytes(r4.value), [0x33]);
  // errors
  await rejectsKind(env, reader.read(new Uint8Array(0)), 'TypeError');
  await rejectsKind(env, reader.read(), 'TypeError');
  await rejectsKind(env, reader.read({}), 'TypeError');
  await rejectsKind(env, reader.read(new Uint8Array(2), { min: 0 }), 'TypeError');
  await rejectsKind(env, reader.read(new Uint8Array(2), { min: 3 }), 'RangeError');
  // close while a read is pending: respond(0) finishes it with done
  const pending = reader.read(new Uint8Array(4));
  await flush();
  ctrl.close();
  ctrl.byobRequest.respond(0);
  const last = await pending;
  assert.equal(last.done, true);
  assert.equal(last.value.byteLength, 0);
  assert.equal(last.value.constructor.name, 'Uint8Array');
  reader.releaseLock();
});

test('byte stream: BYOB min option and respondWithNewView', async (env) => {
  const { ReadableStream } = env.internals;
  let ctrl;
  const rs = new ReadableStream({ type: 'bytes', start(c) { ctrl = c; } });
  const reader = rs.getReader({ mode: 'byob' });
  const p = reader.read(new Uint8Array(6), { min: 4 });
  ctrl.enqueue(new Uint8Array([1, 2]));
  assert.equal(await state(p), 'pending');
  ctrl.enqueue(new Uint8Array([3, 4, 5]));
  const r = await p;
  assert.deepEqual(bytes(r.value), [1, 2, 3, 4, 5]);
  const p2 = reader.read(new Uint8Array(4));
  await flush();
  const view = ctrl.byobRequest.view;
  const filled = new Uint8Array(view.buffer, view.byteOffset, 2);
  filled.set([9, 8]);
  ctrl.byobRequest.respondWithNewView(filled);
  assert.deepEqual(bytes((await p2).value), [9, 8]);
});

test('byte stream: autoAllocateChunkSize gives default readers a byobRequest', async (env) => {
  const { ReadableStream } = env.internals;
  let pulls = 0;
  const rs = new ReadableStream({
    type: 'bytes',
    autoAllocateChunkSize: 8,
    pull(c) {
      pulls++;
      const v = c.byobRequest.view;
      assert.equal(v.byteLength, 8);
      v[0] = 42;
      c.byobRequest.respond(1);
    },
  });
  const reader = rs.getReader();
  const r = await reader.read();
  assert.deepEqual(bytes(r.value), [42]);
  assert.equal(pulls, 1);
});

test('byte stream: tee gives each branch its own copy', async (env) => {
  const { ReadableStream } = env.internals;
  const rs = new ReadableStream({
    type: 'bytes',
    start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); },
  });
  const [a, b] = rs.tee();
  const ra = await a.getReader().read();
  const rb = await b.getReader().read();
  assert.deepEqual(bytes(ra.value), [1, 2, 3]);
  assert.deepEqual(bytes(rb.value), [1, 2, 3]);
  assert.notEqual(ra.value.buffer, rb.value.buffer);
  // BYOB read on a branch
  const rs2 = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([7, 8, 9])); c.close(); } });
  const [x, y] = rs2.tee();
  const bx = await x.getReader({ mode: 'byob' }).read(new Uint8Array(2));
  assert.deepEqual(bytes(bx.value), [7, 8]);
  assert.deepEqual((await readAll(y.getReader())).map(bytes).flat(), [7, 8, 9]);
});

// =============================================================================
// WritableStream

test('WritableStream: writes are sequential, close waits', async (env) => {
  const { WritableStream } = env.internals;
  const log = [];
  let inFlight = 0;
  const ws = new WritableStream({
    start() { log.push('start'); },
    async write(chunk, c) {
      assert.equal(Object.prototype.toString.call(c), '[object WritableStreamDefaultController]');
      inFlight++;
      assert.equal(inFlight, 1);
      log.push('write ' + chunk);
      await sleep(1);
      inFlight--;
    },
    close() { log.push('close'); },
  });
  const writer = ws.getWriter();
  assert.equal(ws.locked, true);
  throwsKind(env, () => ws.getWriter(), 'TypeError');
  const w1 = writer.write('a');
  const w2 = writer.write('b');
  const closed = writer.close();
  await Promise.all([w1, w2, closed]);
  assert.deepEqual(log, ['start', 'write a', 'write b', 'close']);
  assert.equal(await writer.closed, undefined);
  await rejectsKind(env, writer.write('c'), 'TypeError');
  await rejectsKind(env, writer.close(), 'TypeError');
  assert.equal(writer.desiredSize, 0);
  writer.releaseLock();
  throwsKind(env, () => writer.desiredSize, 'TypeError');
  await rejectsKind(env, writer.closed, 'TypeError');
  assert.equal(WritableStream.length, 0);
});

test('WritableStream: backpressure via desiredSize and ready', async (env) => {
  const { WritableStream, CountQueuingStrategy } = env.internals;
  const releases = [];
  const ws = new WritableStream({
    write() { return new Promise((r) => releases.push(r)); },
  }, new CountQueuingStrategy({ highWaterMark: 2 }));
  const writer = ws.getWriter();
  await writer.ready;
  assert.equal(writer.desiredSize, 2);
  writer.write(1);
  assert.equal(writer.desiredSize, 1);
  writer.write(2);
  assert.equal(writer.desiredSize, 0);
  const ready = writer.ready;
  assert.equal(await state(ready), 'pending');
  releases.shift()();
  await flush();
  assert.equal(await state(ready), 'fulfilled');
  assert.equal(writer.desiredSize, 1);
});

test('WritableStream: abort', async (env) => {
  const { WritableStream } = env.internals;
  let abortReason = 'none';
  let signal;
  let signalReasonAtAbort;
  const ws = new WritableStream({
    start(c) { signal = c.signal; },
    write() { return new Promise(() => {}); }, // never finishes
    abort(r) { abortReason = r; signalReasonAtAbort = signal.reason; },
  });
  const writer = ws.getWriter();
  assert.equal(signal.aborted, false);
  writer.write('stuck');
  const queued = writer.write('queued');
  await flush();
  const abortP = writer.abort('stop!');
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, 'stop!');
  // erroring: ready rejects now, but queued writes and abort() wait for the in-flight write
  let rr;
  try { await writer.ready; } catch (e) { rr = e; }
  assert.equal(rr, 'stop!');
  assert.equal(await state(queued), 'pending');
  assert.equal(await state(abortP), 'pending');
  assert.equal(abortReason, 'none');
  void signalReasonAtAbort;
  // once the in-flight write settles, the sink's abort runs and everything rejects
  let finishWrite;
  const ws1 = new WritableStream({
    write() { return new Promise((r) => { finishWrite = r; }); },
    abort(r) { abortReason = r; },
  });
  const w1 = ws1.getWriter();
  w1.write('in flight');
  const q1 = w1.write('queued');
  await flush();
  const a1 = w1.abort('later');
  finishWrite();
  let q1r;
  try { await q1; } catch (e) { q1r = e; }
  assert.equal(q1r, 'later');
  assert.equal(await a1, undefined);
  assert.equal(abortReason, 'later');
  // abort a fresh stream: sink.abort runs, closed rejects with the reason
  const ws2 = new WritableStream({ abort(r) { abortReason = r; } });
  const w2 = ws2.getWriter();
  await w2.abort('second');
  assert.equal(abortReason, 'second');
  let cr;
  try { await w2.closed; } catch (e) { cr = e; }
  assert.equal(cr, 'second');
  await rejectsKind(env, ws2.abort(), 'TypeError'); // locked by w2
});

test('WritableStream: sink errors, controller.error, validation', async (env) => {
  const { WritableStream, WritableStreamDefaultWriter } = env.internals;
  const ws = new WritableStream({ write() { throw new env.R.RangeError('sink failed'); } });
  const writer = ws.getWriter();
  await rejectsKind(env, writer.write('x'), 'RangeError');
  await rejectsKind(env, writer.closed, 'RangeError');
  await rejectsKind(env, writer.write('y'), 'RangeError');
  let ctrl;
  const ws2 = new WritableStream({ start(c) { ctrl = c; } });
  const w2 = new WritableStreamDefaultWriter(ws2);
  ctrl.error(new env.R.TypeError('controller error'));
  await rejectsKind(env, w2.closed, 'TypeError', /controller error/);
  assert.equal(w2.desiredSize, null);
  throwsKind(env, () => new WritableStream({ type: 'bytes' }), 'RangeError');
  throwsKind(env, () => new WritableStream({ write: 1 }), 'TypeError');
  throwsKind(env, () => new WritableStream(null), 'TypeError');
  throwsKind(env, () => new WritableStream({}, { highWaterMark: -1 }), 'RangeError');
  await rejectsKind(env, WritableStream.prototype.abort.call({}), 'TypeError');
  // close() on the stream itself
  let closedSink = false;
  const ws3 = new WritableStream({ close() { closedSink = true; } });
  await ws3.close();
  assert.equal(closedSink, true);
  await rejectsKind(env, ws3.close(), 'TypeError');
});

// =============================================================================
// pipeTo / pipeThrough

function recordingWritable(env, opts = {}) {
  const chunks = [];
  const events = [];
  const ws = new env.internals.WritableStream({
    write(c) { chunks.push(c); if (opts.delay) return sleep(opts.delay); return undefined; },
    close() { events.push('close'); },
    abort(r) { events.push(['abort', r]); },
  }, opts.strategy);
  return { ws, chunks, events };
}

test('pipeTo: copies everything and closes the destination', async (env) => {
  const { ReadableStream } = env.internals;
  const rs = new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(i); c.close(); } });
  const { ws, chunks, events } = recordingWritable(env);
  const p = rs.pipeTo(ws);
  assert.equal(rs.locked, true);
  assert.equal(ws.locked, true);
  assert.equal(await p, undefined);
  assert.deepEqual(chunks, [0, 1, 2, 3, 4]);
  assert.deepEqual(events, ['close']);
  assert.equal(rs.locked, false);
  assert.equal(ws.locked, false);
  // preventClose
  const rs2 = new ReadableStream({ start(c) { c.enqueue('x'); c.close(); } });
  const r2 = recordingWritable(env);
  await rs2.pipeTo(r2.ws, { preventClose: true });
  assert.deepEqual(r2.events, []);
  const w = r2.ws.getWriter();
  await w.write('more');
  assert.deepEqual(r2.chunks, ['x', 'more']);
});

test('pipeTo: error propagation both ways', async (env) => {
  const { ReadableStream, WritableStream } = env.internals;
  // source errors -> dest aborted with the error
  let ctl;
  const rs = new ReadableStream({ start(c) { ctl = c; } });
  const r1 = recordingWritable(env);
  const p1 = rs.pipeTo(r1.ws);
  ctl.enqueue('a');
  await flush();
  ctl.error(new env.R.TypeError('src broke'));
  await rejectsKind(env, p1, 'TypeError', /src broke/);
  assert.equal(r1.events.length, 1);
  assert.equal(r1.events[0][0], 'abort');
  assert.match(r1.events[0][1].message, /src broke/);
  // preventAbort
  let ctl2;
  const rs2 = new ReadableStream({ start(c) { ctl2 = c; } });
  const r2 = recordingWritable(env);
  const p2 = rs2.pipeTo(r2.ws, { preventAbort: true });
  ctl2.error(new env.R.TypeError('x'));
  await rejectsKind(env, p2, 'TypeError');
  assert.deepEqual(r2.events, []);
  // dest errors -> source cancelled
  let cancelReason;
  const rs3 = new ReadableStream({ pull(c) { c.enqueue('chunk'); }, cancel(r) { cancelReason = r; } });
  const ws3 = new WritableStream({ write() { throw new env.R.RangeError('dest broke'); } });
  await rejectsKind(env, rs3.pipeTo(ws3), 'RangeError', /dest broke/);
  assert.match(cancelReason.message, /dest broke/);
  // preventCancel
  let cancelled = false;
  const rs4 = new ReadableStream({ pull(c) { c.enqueue('chunk'); }, cancel() { cancelled = true; } });
  const ws4 = new WritableStream({ write() { throw new env.R.RangeError('dest broke'); } });
  await rejectsKind(env, rs4.pipeTo(ws4, { preventCancel: true }), 'RangeError');
  assert.equal(cancelled, false);
  assert.equal(rs4.locked, false);
  // closed destination -> source cancelled with a TypeError
  const ws5 = new WritableStream();
  await ws5.close();
  let cancel5;
  const rs5 = new ReadableStream({ cancel(r) { cancel5 = r; } });
  await rejectsKind(env, rs5.pipeTo(ws5), 'TypeError');
  assert.ok(cancel5 instanceof env.R.TypeError);
});

test('pipeTo: abort signal', async (env) => {
  const { ReadableStream, AbortController, DOMException } = env.internals;
  let i = 0;
  let cancelReason = 'none';
  const rs = new ReadableStream({
    async pull(c) { await sleep(1); c.enqueue(i++); },
    cancel(r) { cancelReason = r; },
  });
  const r = recordingWritable(env);
  const ac = new AbortController();
  const p = rs.pipeTo(r.ws, { signal: ac.signal });
  await sleep(15);
  ac.abort();
  await rejectsKind(env, p, 'DOMException:AbortError');
  assert.ok(cancelReason instanceof DOMException);
  assert.equal(cancelReason.name, 'AbortError');
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0][0], 'abort');
  assert.ok(r.chunks.length > 0);
  assert.deepEqual(r.chunks, r.chunks.map((_, k) => k));
  assert.equal(rs.locked, false);
  // already aborted signal with a custom reason, preventAbort + preventCancel
  const rs2 = new ReadableStream();
  const r2 = recordingWritable(env);
  let reason;
  try { await rs2.pipeTo(r2.ws, { signal: env.internals.AbortSignal.abort('why'), preventAbort: true, preventCancel: true }); } catch (e) { reason = e; }
  assert.equal(reason, 'why');
  assert.deepEqual(r2.events, []);
  assert.equal(rs2.locked, false);
  assert.equal(r2.ws.locked, false);
  await rejectsKind(env, rs2.pipeTo(r2.ws, { signal: 'nope' }), 'TypeError');
});

test('pipeTo: argument and lock checks', async (env) => {
  const { ReadableStream, WritableStream } = env.internals;
  const rs = new ReadableStream();
  await rejectsKind(env, rs.pipeTo({}), 'TypeError');
  await rejectsKind(env, rs.pipeTo(), 'TypeError');
  const ws = new WritableStream();
  ws.getWriter();
  await rejectsKind(env, rs.pipeTo(ws), 'TypeError');
  const locked = new ReadableStream();
  locked.getReader();
  await rejectsKind(env, locked.pipeTo(new WritableStream()), 'TypeError');
  throwsKind(env, () => locked.pipeThrough(new env.internals.TransformStream()), 'TypeError');
  throwsKind(env, () => rs.pipeThrough({ readable: rs }), 'TypeError');
  throwsKind(env, () => rs.pipeThrough(), 'TypeError');
});

test('pipeTo: respects backpressure from the destination', async (env) => {
  const { ReadableStream, WritableStream, CountQueuingStrategy } = env.internals;
  let pulls = 0;
  const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); } }, { highWaterMark: 0 });
  const releases = [];
  const written = [];
  const ws = new WritableStream({
    write(c) { written.push(c); return new Promise((r) => releases.push(r)); },
  }, new CountQueuingStrategy({ highWaterMark: 2 }));
  rs.pipeTo(ws).catch(() => {});
  await sleep(5);
  // 1 in flight + 1 queued fills HWM 2; nothing more is read
  assert.equal(written.length, 1);
  assert.ok(pulls <= 3, `pulls=${pulls}`);
  const before = pulls;
  await sleep(5);
  assert.equal(pulls, before);
  releases.shift()();
  await sleep(5);
  assert.equal(written.length, 2);
  assert.ok(pulls <= before + 1);
});

test('pipeThrough + TransformStream', async (env) => {
  const { ReadableStream, TransformStream } = env.internals;
  const rs = ReadableStream.from(['a', 'b', 'c']);
  const upper = new TransformStream({
    transform(chunk, c) { c.enqueue(chunk.toUpperCase()); c.enqueue(chunk); },
    flush(c) { c.enqueue('!'); },
  });
  const out = rs.pipeThrough(upper);
  assert.equal(out, upper.readable);
  assert.deepEqual(await readAll(out.getReader()), ['A', 'a', 'B', 'b', 'C', 'c', '!']);
});

// =============================================================================
// TransformStream

test('TransformStream: identity, backpressure, terminate, error', async (env) => {
  const { TransformStream } = env.internals;
  const id = new TransformStream();
  const writer = id.writable.getWriter();
  const reader = id.readable.getReader();
  assert.equal(writer.desiredSize, 1);
  const w1 = writer.write('x');
  assert.equal(await state(w1), 'pending'); // readable HWM 0: waits for a read
  const rx = await reader.read();
  assert.deepEqual([rx.value, rx.done], ['x', false]);
  await w1;
  writer.close();
  assert.equal((await reader.read()).done, true);
  // terminate
  const t = new TransformStream({ transform(chunk, c) { c.enqueue(chunk); c.terminate(); } });
  const tw = t.writable.getWriter();
  const tr = t.readable.getReader();
  tw.write('only').catch(() => {});
  assert.equal((await tr.read()).value, 'only');
  assert.equal((await tr.read()).done, true);
  await rejectsKind(env, tw.closed, 'TypeError');
  // transform throws -> both sides errored
  const e = new TransformStream({ transform() { throw new env.R.RangeError('bad chunk'); } });
  const ew = e.writable.getWriter();
  const er = e.readable.getReader().read();
  await rejectsKind(env, ew.write('z'), 'RangeError');
  await rejectsKind(env, er, 'RangeError');
  // controller.error
  const f = new TransformStream({ start(c) { c.error(new env.R.TypeError('nope')); } });
  await rejectsKind(env, f.readable.getReader().closed, 'TypeError');
  throwsKind(env, () => new TransformStream({ readableType: 'bytes' }), 'RangeError');
  throwsKind(env, () => new TransformStream({ writableType: 'bytes' }), 'RangeError');
  throwsKind(env, () => new TransformStream({ transform: 5 }), 'TypeError');
  assert.equal(Object.prototype.toString.call(id), '[object TransformStream]');
});

test('TransformStream: cancel readable reaches transformer.cancel and errors writable', async (env) => {
  const { TransformStream } = env.internals;
  let cancelled;
  const t = new TransformStream({ cancel(r) { cancelled = r; } });
  await t.readable.cancel('enough');
  assert.equal(cancelled, 'enough');
  let err;
  try { await t.writable.getWriter().closed; } catch (e) { err = e; }
  assert.equal(err, 'enough');
  // writable.abort errors the readable
  const t2 = new TransformStream();
  await t2.writable.abort('aborted');
  let err2;
  try { await t2.readable.getReader().read(); } catch (e) { err2 = e; }
  assert.equal(err2, 'aborted');
});

test('TransformStream: strategies and async transform', async (env) => {
  const { TransformStream } = env.internals;
  const t = new TransformStream({
    async transform(chunk, c) { await sleep(1); c.enqueue(chunk * 2); },
  }, { highWaterMark: 4 }, { highWaterMark: 2 });
  const w = t.writable.getWriter();
  assert.equal(w.desiredSize, 4);
  for (let i = 1; i <= 4; i++) w.write(i);
  w.close();
  assert.deepEqual(await readAll(t.readable.getReader()), [2, 4, 6, 8]);
});

// =============================================================================
// Queuing strategies

test('ByteLengthQueuingStrategy / CountQueuingStrategy', (env) => {
  const { ByteLengthQueuingStrategy, CountQueuingStrategy } = env.internals;
  const b = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
  assert.equal(b.highWaterMark, 16);
  assert.equal(b.size(new Uint8Array(5)), 5);
  assert.equal(b.size.call(undefined, { byteLength: 9 }), 9);
  assert.equal(b.size, new ByteLengthQueuingStrategy({ highWaterMark: 1 }).size);
  assert.equal(b.size.name, 'size');
  assert.equal(b.size.length, 1);
  const c = new CountQueuingStrategy({ highWaterMark: '3' });
  assert.equal(c.highWaterMark, 3);
  assert.equal(c.size('anything'), 1);
  throwsKind(env, () => new CountQueuingStrategy(), 'TypeError');
  throwsKind(env, () => new CountQueuingStrategy({}), 'TypeError');
  throwsKind(env, () => new ByteLengthQueuingStrategy(5), 'TypeError');
  throwsKind(env, () => Object.getOwnPropertyDescriptor(CountQueuingStrategy.prototype, 'size').get.call({}), 'TypeError');
  assert.equal(Object.prototype.toString.call(c), '[object CountQueuingStrategy]');
  assert.deepEqual(Object.keys(CountQueuingStrategy.prototype).sort(), ['highWaterMark', 'size']);
});

// =============================================================================
// TextEncoderStream / TextDecoderStream

test('TextEncoderStream: surrogate pairs across chunks', async (env) => {
  const { TextEncoderStream } = env.internals;
  const s = new TextEncoderStream();
  assert.equal(s.encoding, 'utf-8');
  const w = s.writable.getWriter();
  const r = s.readable.getReader();
  const outP = readAll(r);
  w.write('a\ud83d');
  w.write('\ude00b');
  w.write('');
  w.write('\ud800'); // lone at the end -> U+FFFD on flush
  w.close();
  const out = (await outP).map(bytes).flat();
  assert.deepEqual(out, [0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62, 0xef, 0xbf, 0xbd]);
});

test('TextDecoderStream: multi-byte characters across chunks, fatal errors', async (env) => {
  const { TextDecoderStream, TextEncoder, ReadableStream } = env.internals;
  const all = new TextEncoder().encode('héllo €𝄞!');
  const chunks = Array.from(all, (b) => new Uint8Array([b]));
  const text = (await readAll(ReadableStream.from(chunks).pipeThrough(new TextDecoderStream()).getReader())).join('');
  assert.equal(text, 'héllo €𝄞!');
  const d = new TextDecoderStream('utf8', { fatal: true, ignoreBOM: false });
  assert.equal(d.encoding, 'utf-8');
  assert.equal(d.fatal, true);
  assert.equal(d.ignoreBOM, false);
  const w = d.writable.getWriter();
  w.write(new Uint8Array([0xff])).catch(() => {});
  await rejectsKind(env, d.readable.getReader().read(), 'TypeError');
  // non-buffer chunk
  const d2 = new TextDecoderStream();
  const w2 = d2.writable.getWriter();
  const read2 = d2.readable.getReader().read(); // writes wait for demand on the readable side
  await rejectsKind(env, w2.write('text'), 'TypeError');
  await rejectsKind(env, read2, 'TypeError');
  throwsKind(env, () => new TextDecoderStream('csiso2022kr'), 'RangeError');
  // incomplete sequence at the end -> U+FFFD on flush
  const d3 = new TextDecoderStream();
  const w3 = d3.writable.getWriter();
  const p3 = readAll(d3.readable.getReader());
  w3.write(new Uint8Array([0x61, 0xe2, 0x82]));
  w3.close();
  assert.equal((await p3).join(''), 'a\ufffd');
});

// =============================================================================
// Runtime helpers

test('readableStreamFromChunks: pull on demand, end, cancel hook', async (env) => {
  const { readableStreamFromChunks, isReadableStream, isDisturbed } = env.internals;
  const data = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3]), null];
  let pulls = 0;
  const rs = readableStreamFromChunks(async () => { pulls++; return data.shift(); });
  assert.equal(isReadableStream(rs), true);
  assert.equal(isReadableStream({}), false);
  await flush();
  assert.equal(pulls, 0); // nothing read yet
  assert.equal(isDisturbed(rs), false);
  const reader = rs.getReader();
  assert.deepEqual(bytes((await reader.read()).value), [1, 2]);
  assert.equal(isDisturbed(rs), true);
  assert.equal(pulls, 1);
  assert.deepEqual(bytes((await reader.read()).value), [3]); // empty chunk skipped
  assert.equal((await reader.read()).done, true);
  // cancel hook
  let cancelled = 'no';
  const rs2 = readableStreamFromChunks(() => new Uint8Array([1]), (r) => { cancelled = r; });
  await rs2.cancel('bye');
  assert.equal(cancelled, 'bye');
  // BYOB reads work on it
  const rs3 = readableStreamFromChunks(async () => new Uint8Array([5, 6, 7]));
  const br = rs3.getReader({ mode: 'byob' });
  assert.deepEqual(bytes((await br.read(new Uint8Array(2))).value), [5, 6]);
  assert.deepEqual(bytes((await br.read(new Uint8Array(2))).value), [7]);
  // pull errors error the stream; bad chunk types too
  const rs4 = readableStreamFromChunks(async () => { throw new env.R.SyntaxError('io'); });
  await rejectsKind(env, rs4.getReader().read(), 'SyntaxError');
  const rs5 = readableStreamFromChunks(async () => 'text');
  await rejectsKind(env, rs5.getReader().read(), 'TypeError');
});

test('readAllBytes: concatenation and chunk type checks', async (env) => {
  const { readAllBytes, ReadableStream, readableStreamFromChunks } = env.internals;
  const rs = new ReadableStream({
    start(c) {
      c.enqueue(new Uint8Array([1, 2]));
      c.enqueue(new Uint16Array([0x0403]).buffer);
      c.enqueue(new DataView(new Uint8Array([9, 5, 9]).buffer, 1, 1));
    },
    pull(c) { c.enqueue(new Uint8Array([6])); c.close(); },
  });
  const all = await readAllBytes(rs);
  assert.ok(all instanceof Uint8Array || all instanceof env.R.Uint8Array);
  assert.deepEqual(bytes(all), [1, 2, 3, 4, 5, 6]);
  assert.equal(rs.locked, false);
  assert.equal(env.internals.isDisturbed(rs), true);
  assert.deepEqual(bytes(await readAllBytes(new ReadableStream({ start(c) { c.close(); } }))), []);
  // strings are not bytes
  let cancelled;
  const bad = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.enqueue('text'); }, cancel(r) { cancelled = r; } });
  await rejectsKind(env, readAllBytes(bad), 'TypeError', /string/);
  assert.ok(cancelled instanceof env.R.TypeError);
  await rejectsKind(env, readAllBytes(new ReadableStream({ start(c) { c.enqueue(42); } })), 'TypeError', /number/);
  // errors and locks
  await rejectsKind(env, readAllBytes(new ReadableStream({ start(c) { c.error(new env.R.RangeError('e')); } })), 'RangeError');
  const locked = new ReadableStream();
  locked.getReader();
  await rejectsKind(env, readAllBytes(locked), 'TypeError');
  await rejectsKind(env, readAllBytes({}), 'TypeError');
  // async source with many chunks
  let n = 0;
  const many = readableStreamFromChunks(async () => (n < 100 ? new Uint8Array([n++ & 0xff]) : null));
  const got = await readAllBytes(many);
  assert.equal(got.length, 100);
  assert.equal(got[99], 99);
});

// =============================================================================
// Timing and re-entrancy details the specs pin down

test('pipeTo: the sink never runs on the stack of the source\'s enqueue()', async (env) => {
  const { ReadableStream, WritableStream } = env.internals;
  let con;
  let synchronous = false;
  const written = [];
  const p = new ReadableStream({ start(c) { con = c; } }, { highWaterMark: 0 })
    .pipeTo(new WritableStream({ write(chunk) { synchronous = true; written.push(chunk); } }));
  await Promise.resolve();
  con.enqueue('x');
  assert.equal(synchronous, false);
  con.close();
  await p;
  assert.deepEqual(written, ['x']);
});

test('promise-returning callbacks are adopted like WebIDL "a promise resolved with"', async (env) => {
  const { WritableStream, ReadableStream } = env.internals;
  // start() returning an already-resolved promise: the controller is not
  // started before a reaction registered on that same promise runs.
  const startPromise = Promise.resolve();
  const events = [];
  const ws = new WritableStream({ start() { return startPromise; }, write(c) { events.push(c); } });
  ws.getWriter().write('a');
  await startPromise.then(() => assert.deepEqual(events, []));
  await flush();
  assert.deepEqual(events, ['a']);
  // pull() after start(): with a plain start, exactly one microtask later
  let pulls = 0;
  const rs = new ReadableStream({ pull() { pulls++; } }, { highWaterMark: 1 });
  rs.getReader();
  assert.equal(pulls, 0);
  await Promise.resolve();
  assert.equal(pulls, 1);
});

test('async iterator: queued next()/return() settle in order, pulls happen as in the spec', async (env) => {
  const { ReadableStream } = env.internals;
  let timesPulled = 0;
  const s = new ReadableStream({ pull(c) { c.enqueue(timesPulled); ++timesPulled; } });
  const it = s.values();
  const [r1, r2] = await Promise.allSettled([it.next(), it.return('bye')]);
  assert.deepEqual([r1.value.value, r1.value.done], [0, false]);
  assert.deepEqual([r2.value.value, r2.value.done], ['bye', true]);
  assert.equal(timesPulled, 2);
  const err = new env.R.Error('e1');
  let n = 0;
  const s2 = new ReadableStream({ pull(c) { if (n++ === 0) c.enqueue('ok'); else c.error(err); } });
  const it2 = s2[Symbol.asyncIterator]();
  const res = await Promise.allSettled([it2.next(), it2.next(), it2.next()]);
  assert.deepEqual(res.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(res[1].reason, err);
  assert.equal(res[2].value.done, true);
  const desc = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(it), 'next');
  assert.equal(desc.enumerable, true);
  assert.equal(it.return.length, 1);
});

test('TransformStream: transformer.cancel on either side, finish promise shared', async (env) => {
  const { TransformStream } = env.internals;
  const thrown = new env.R.Error('thrown');
  let seen;
  const t1 = new TransformStream({ cancel(r) { seen = r; throw thrown; } });
  const w1 = t1.writable.getWriter();
  let e1;
  try { await t1.readable.cancel('why'); } catch (e) { e1 = e; }
  assert.equal(seen, 'why');
  assert.equal(e1, thrown);
  let e2;
  try { await w1.closed; } catch (e) { e2 = e; }
  assert.equal(e2, thrown);
  // abort() on the writable calls cancel() too, flush() is not called
  let aborted;
  const t2 = new TransformStream({ cancel(r) { aborted = r; }, flush() { throw new Error('flush must not run'); } });
  assert.equal(await t2.writable.abort('stop'), undefined);
  assert.equal(aborted, 'stop');
  // controller.error() right after readable.cancel() errors the writable with that error
  let ctl;
  const t3 = new TransformStream({ start(c) { ctl = c; } });
  const cancelP = t3.readable.cancel('c');
  const ignored = new env.R.Error('from controller.error');
  ctl.error(ignored);
  await cancelP;
  let e3;
  try { await t3.writable.getWriter().closed; } catch (e) { e3 = e; }
  assert.equal(e3, ignored);
});

test('WritableStream: controller.signal reason and recursive abort', async (env) => {
  const { WritableStream, DOMException } = env.internals;
  let ctrl;
  const ws = new WritableStream({ start(c) { ctrl = c; }, write() { return new Promise(() => {}); } });
  const writer = ws.getWriter();
  writer.write(1);
  await flush();
  writer.abort();
  assert.equal(ctrl.signal.aborted, true);
  assert.ok(ctrl.signal.reason instanceof DOMException);
  assert.equal(ctrl.signal.reason.name, 'AbortError');
  // an abort listener that aborts again: the inner reason wins
  let c2;
  const ws2 = new WritableStream({ start(c) { c2 = c; } });
  const w2 = ws2.getWriter();
  c2.signal.addEventListener('abort', () => w2.abort('inner'));
  w2.abort('outer');
  let closedReason;
  try { await w2.closed; } catch (e) { closedReason = e; }
  assert.equal(closedReason, 'inner');
});

test('Event: isTrusted is an own, unforgeable accessor; timeStamp uses native.now', (env) => {
  const { Event } = env.internals;
  const before = performance.now();
  const e = new Event('x');
  const d = Object.getOwnPropertyDescriptor(e, 'isTrusted');
  assert.equal(typeof d.get, 'function');
  assert.equal(d.configurable, false);
  assert.equal(d.enumerable, true);
  assert.equal(d.get, Object.getOwnPropertyDescriptor(new Event('y'), 'isTrusted').get);
  assert.ok(e.timeStamp >= before && e.timeStamp <= performance.now());
  assert.equal('isTrusted' in Event.prototype, false);
});

// =============================================================================
// Contract / WebIDL shape

test('contract: no globals touched, everything published on internals', (env) => {
  assert.deepEqual(env.globalsAfter, env.globalsBefore);
  for (const name of [
    'DOMException', 'Event', 'EventTarget', 'AbortController', 'AbortSignal', 'abortSignalAddAlgorithm',
    'TextEncoder', 'TextDecoder', 'TextEncoderStream', 'TextDecoderStream', 'atob', 'btoa',
    'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamDefaultController',
    'ReadableByteStreamController', 'ReadableStreamBYOBRequest', 'WritableStream', 'WritableStreamDefaultWriter',
    'WritableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController',
    'ByteLengthQueuingStrategy', 'CountQueuingStrategy', 'isReadableStream', 'readableStreamFromChunks',
    'readAllBytes', 'isDisturbed',
  ]) {
    assert.equal(typeof env.internals[name], 'function', name);
  }
});

test('WebIDL shape: enumerable members, toStringTag, illegal constructors', (env) => {
  const I = env.internals;
  assert.ok(Object.keys(I.ReadableStream.prototype).includes('getReader'));
  assert.ok(Object.keys(I.ReadableStream.prototype).includes('locked'));
  assert.ok(Object.keys(I.ReadableStream).includes('from'));
  assert.ok(Object.keys(I.AbortSignal).includes('timeout'));
  assert.ok(Object.keys(I.TextDecoder.prototype).includes('decode'));
  for (const [name, Ctor] of Object.entries({
    ReadableStreamDefaultController: I.ReadableStreamDefaultController,
    ReadableByteStreamController: I.ReadableByteStreamController,
    ReadableStreamBYOBRequest: I.ReadableStreamBYOBRequest,
    WritableStreamDefaultController: I.WritableStreamDefaultController,
    TransformStreamDefaultController: I.TransformStreamDefaultController,
  })) {
    throwsKind(env, () => new Ctor(), 'TypeError');
    assert.equal(Ctor.prototype[Symbol.toStringTag], name);
  }
  assert.equal(I.WritableStreamDefaultWriter.length, 1);
  assert.equal(I.ReadableStreamDefaultReader.length, 1);
  assert.equal(I.TextDecoder.length, 0);
  assert.equal(I.TransformStream.length, 0);
});

// =============================================================================

let current = null;
let finished = false;
let passed = 0;
let failed = 0;

async function main() {
  for (const mode of [{ transfer: false }, { transfer: true }]) {
    const label = mode.transfer ? '[detaching transfer]' : '[no transfer]';
    for (const t of tests) {
      current = `${label} ${t.name}`;
      if (process.env.VERBOSE) console.log(`... ${current}`);
      const env = makeRuntime(mode);
      try {
        await t.fn(env);
        passed++;
      } catch (e) {
        failed++;
        console.log(`FAIL ${current}\n  ${(e && e.stack) || e}`);
      }
    }
  }
  finished = true;
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

process.on('unhandledRejection', (reason) => {
  console.log('UNHANDLED REJECTION', current, reason);
  failed++;
  process.exitCode = 1;
});

// A test whose promise never settles lets the event loop drain: report it.
process.on('exit', () => {
  if (!finished) {
    failed++;
    console.log(`FAIL ${current}\n  never finished (a promise was left pending)`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = 1;
  }
});

main();
