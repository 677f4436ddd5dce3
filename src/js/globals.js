'use strict';
// Installs the Workers global scope from what the other files published.
// Everything not listed here is absent: no stubs that pretend.

const define = (name, value) =>
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

// ---- timers ----
const timers = new Map();
let nextTimerId = 1;

function addTimer(fn, ms, args, repeat) {
  if (typeof fn !== 'function') {
    throw new TypeError('The callback provided to setTimeout/setInterval must be a function (strings are not evaluated).');
  }
  const id = nextTimerId++;
  // The async context (AsyncLocalStorage) of the caller goes with the
  // callback, as a promise reaction's does.
  timers.set(id, { fn, args, repeat, frame: native.asyncContextGet() });
  native.timerStart(id, Math.max(0, Number(ms) || 0), repeat);
  return id;
}

function clearTimer(id) {
  id = Number(id);
  if (timers.delete(id)) native.timerCancel(id);
}

// Fires timer `id`; returns whether it stays armed (an interval that its
// callback did not clear).
internals.fireTimer = (id) => {
  const t = timers.get(id);
  if (!t) return false;
  if (!t.repeat) timers.delete(id);
  const outer = native.asyncContextGet();
  native.asyncContextSet(t.frame);
  try {
    t.fn.apply(globalThis, t.args);
  } catch (err) {
    internals.reportError(err);
  } finally {
    native.asyncContextSet(outer);
  }
  return t.repeat && timers.has(id);
};
// The request these timers belonged to has ended: they will never fire.
internals.dropTimers = (ids) => {
  for (const id of ids) timers.delete(id);
};

define('setTimeout', function setTimeout(fn, ms, ...args) { return addTimer(fn, ms, args, false); });
define('setInterval', function setInterval(fn, ms, ...args) { return addTimer(fn, ms, args, true); });
define('clearTimeout', function clearTimeout(id) { clearTimer(id); });
define('clearInterval', function clearInterval(id) { clearTimer(id); });
define('queueMicrotask', function queueMicrotask(fn) {
  if (typeof fn !== 'function') throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  Promise.resolve().then(() => {
    try { fn(); } catch (err) { internals.reportError(err); }
  });
});

// ---- structuredClone ----
const { DOMException } = internals;

const kCloneRefused = Symbol('clone refused');
internals.structuredClone = structuredClone;
define('structuredClone', structuredClone);
function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  let transfer = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' && typeof options !== 'function') throw new TypeError("Failed to execute 'structuredClone': The provided value is not of type 'StructuredSerializeOptions'.");
    if (options.transfer !== undefined) {
      if (options.transfer === null || typeof options.transfer[Symbol.iterator] !== 'function') {
        throw new TypeError("Failed to execute 'structuredClone': The provided value cannot be converted to a sequence.");
      }
      transfer = [...options.transfer];
    }
  }
  const seen = new Set();
  for (const item of transfer) {
    if (!(item instanceof ArrayBuffer)) throw new DOMException('Value not transferable.', 'DataCloneError');
    if (seen.has(item)) throw new DOMException('ArrayBuffer at index ' + transfer.indexOf(item) + ' is a duplicate of an earlier ArrayBuffer.', 'DataCloneError');
    seen.add(item);
  }
  try {
    return native.structuredClone(value, transfer, internals.hostObjectParts, internals.hostObjectFromParts, kCloneRefused);
  } catch (err) {
    // V8's refusals become DataCloneErrors; what a getter threw stays itself.
    if (err !== null && typeof err === 'object' && err[kCloneRefused] === true) throw new DOMException(err.message, 'DataCloneError');
    throw err;
  }
}

// crypto.js: WebCrypto.
define('crypto', internals.crypto);
define('Crypto', internals.Crypto);
define('SubtleCrypto', internals.SubtleCrypto);
define('CryptoKey', internals.CryptoKey);

// ---- navigator, performance ----
class Navigator {
  get userAgent() { return 'Cloudflare-Workers'; }
  get hardwareConcurrency() { return 1; }
  get [Symbol.toStringTag]() { return 'Navigator'; }
}
define('navigator', new Navigator());
const timeOrigin = Date.now() - native.now();
const kPerformance = Symbol('Performance');
class Performance extends internals.EventTarget {
  constructor(token) {
    if (token !== kPerformance) throw new TypeError('Illegal constructor');
    super();
  }
  now() { return native.now(); }
  get timeOrigin() { return timeOrigin; }
  toJSON() { return { timeOrigin }; }
  get [Symbol.toStringTag]() { return 'Performance'; }
}
define('performance', new Performance(kPerformance));
define('Performance', Performance);

// ---- the Web API classes ----
const kClasses = [
  'DOMException', 'Event', 'EventTarget', 'AbortController', 'AbortSignal',
  'TextEncoder', 'TextDecoder', 'TextEncoderStream', 'TextDecoderStream',
  'CompressionStream', 'DecompressionStream',
  'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamDefaultController',
  'ReadableStreamBYOBReader', 'ReadableByteStreamController',
  'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController',
  'TransformStream', 'TransformStreamDefaultController', 'ReadableStreamBYOBRequest',
  'IdentityTransformStream', 'FixedLengthStream', 'MessageChannel', 'MessagePort', 'MessageEvent',
  'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
  'URL', 'URLSearchParams', 'URLPattern', 'Headers', 'Blob', 'File', 'FormData',
  'Request', 'Response', 'FetchEvent', 'ExecutionContext', 'Cache', 'CacheStorage', 'HTMLRewriter',
  'WebSocket', 'WebSocketPair', 'CloseEvent',
];
for (const name of kClasses) {
  if (internals[name] !== undefined) define(name, internals[name]);
}
define('fetch', function fetch(input, init) { return internals.fetch(input, init); });
define('caches', internals.caches);
define('atob', internals.atob);
define('btoa', internals.btoa);
define('console', internals.console);
define('self', globalThis);
define('reportError', function reportError(err) { internals.reportError(err); });

// HTML's ErrorEvent; an error reported by reportError(), a timer or a
// microtask is dispatched on the global scope as one, and logged unless a
// listener cancels it (event.preventDefault()).
const { Event } = internals;
class ErrorEvent extends Event {
  #message; #filename; #lineno; #colno; #error;
  constructor(type, init = undefined) {
    super(type, init);
    const d = init === undefined || init === null ? {} : init;
    this.#message = d.message === undefined ? '' : String(d.message);
    this.#filename = d.filename === undefined ? '' : String(d.filename);
    this.#lineno = d.lineno === undefined ? 0 : d.lineno >>> 0;
    this.#colno = d.colno === undefined ? 0 : d.colno >>> 0;
    this.#error = d.error;
  }
  get message() { return this.#message; }
  get filename() { return this.#filename; }
  get lineno() { return this.#lineno; }
  get colno() { return this.#colno; }
  get error() { return this.#error; }
  get [Symbol.toStringTag]() { return 'ErrorEvent'; }
}
define('ErrorEvent', ErrorEvent);
const logError = internals.reportError;
let reporting = false;
internals.reportError = (err) => {
  if (!reporting && internals.eventListenerCallbacks(internals.globalEventTarget, 'error').length !== 0) {
    reporting = true;  // an error thrown by an 'error' listener is only logged
    try {
      const event = new ErrorEvent('error', {
        cancelable: true, error: err, message: err && err.message !== undefined ? String(err.message) : String(err),
      });
      if (!internals.dispatchEventTrusted(internals.globalEventTarget, event)) return;
    } finally {
      reporting = false;
    }
  }
  logError(err);
};

// The global object is a ServiceWorkerGlobalScope, as in workerd:
// globalThis → ServiceWorkerGlobalScope.prototype → WorkerGlobalScope.prototype
// → EventTarget.prototype. Its listeners (service-worker syntax's 'fetch'
// among them) live in internals.globalEventTarget, which events.js uses
// whenever an EventTarget method is called on the global object.
const { EventTarget } = internals;
internals.globalEventTarget = new EventTarget();
class WorkerGlobalScope extends EventTarget {
  constructor() { throw new TypeError('Illegal constructor'); }
  get [Symbol.toStringTag]() { return 'WorkerGlobalScope'; }
}
class ServiceWorkerGlobalScope extends WorkerGlobalScope {
  constructor() { throw new TypeError('Illegal constructor'); }
  get [Symbol.toStringTag]() { return 'ServiceWorkerGlobalScope'; }
}
define('WorkerGlobalScope', WorkerGlobalScope);
define('ServiceWorkerGlobalScope', ServiceWorkerGlobalScope);
Object.setPrototypeOf(globalThis, ServiceWorkerGlobalScope.prototype);

// In service-worker syntax, bindings and vars are globals.
const configure = internals.configureWorker;
internals.configureWorker = (env, isServiceWorker, ...rest) => {
  configure(env, isServiceWorker, ...rest);
  if (isServiceWorker) for (const key of Object.keys(env)) define(key, env[key]);
};
