'use strict';
// node:util over the runtime's own formatter (console.js's inspect and
// format, so util.inspect and console.log print alike), util.types from
// brand checks, and isDeepStrictEqual from the assert package's comparisons.

const { inspect: runtimeInspect, formatLogArgs, inspectCustom } = internals;
const process = require('./process.js');
const types = require('./util_types.js');

const kQuoteRe = /[\x00-\x1f\x7f'\\]/;
// Node quotes a top-level string with ', or " / ` when it holds a '.
function quote(s) {
  let q = "'";
  if (s.includes("'")) {
    if (!s.includes('"')) q = '"';
    else if (!s.includes('`') && !s.includes('${')) q = '`';
  }
  if (!kQuoteRe.test(s) && !s.includes(q)) return q + s + q;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += ch;
  }
  return q + out + q;
}

function inspect(value, opts) {
  let options = opts;
  if (typeof opts !== 'object' || opts === null) {
    // Legacy signature: inspect(value, showHidden, depth, colors).
    options = arguments.length >= 3 ? { depth: arguments[2] } : undefined;
  }
  options = { ...inspect.defaultOptions, ...options };
  if (typeof value === 'string') return quote(value);
  return runtimeInspect(value, options);
}
inspect.custom = inspectCustom;
inspect.defaultOptions = { depth: 2, breakLength: 72, maxArrayLength: 100, customInspect: true };

function format(...args) { return formatLogArgs(args); }
function formatWithOptions(inspectOptions, ...args) {
  if (typeof inspectOptions !== 'object' || inspectOptions === null) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "inspectOptions" argument must be of type object.');
  }
  return formatLogArgs(args);
}

function codeError(Ctor, code, message) {
  const err = new Ctor(message);
  err.code = code;
  return err;
}

const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');
function promisify(original) {
  if (typeof original !== 'function') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "original" argument must be of type function.');
  }
  if (original[kCustomPromisify]) {
    const fn = original[kCustomPromisify];
    if (typeof fn !== 'function') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "util.promisify.custom" argument must be of type function.');
    }
    return Object.defineProperty(fn, kCustomPromisify, { value: fn, configurable: true });
  }
  function fn(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (err, ...values) => {
        if (err) reject(err);
        else resolve(values[0]);
      }]);
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, kCustomPromisify, { value: fn, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = kCustomPromisify;

function callbackify(original) {
  if (typeof original !== 'function') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "original" argument must be of type function.');
  }
  function callbackified(...args) {
    const cb = args.pop();
    if (typeof cb !== 'function') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The last argument must be of type function.');
    }
    Reflect.apply(original, this, args).then(
      (value) => process.nextTick(cb, null, value),
      (reason) => {
        if (!reason) {
          const err = new Error('Promise was rejected with a falsy value');
          err.code = 'ERR_FALSY_VALUE_REJECTION';
          err.reason = reason;
          reason = err;
        }
        process.nextTick(cb, reason);
      });
  }
  const descriptors = Object.getOwnPropertyDescriptors(original);
  if (typeof descriptors.length.value === 'number') descriptors.length.value++;
  if (typeof descriptors.name.value === 'string') descriptors.name.value += 'Callbackified';
  Object.setPrototypeOf(callbackified, Object.getPrototypeOf(original));
  return Object.defineProperties(callbackified, descriptors);
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "ctor" argument must be of type function.');
  if (superCtor === undefined || superCtor === null) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "superCtor" argument must be of type function.');
  if (superCtor.prototype === undefined) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "superCtor.prototype" property must be of type object.');
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warnedCodes = new Set();
function deprecate(fn, msg, code) {
  if (typeof fn !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "fn" argument must be of type function.');
  let warned = false;
  function deprecated(...args) {
    if (!warned) {
      warned = true;
      if (code === undefined || !warnedCodes.has(code)) {
        if (code !== undefined) warnedCodes.add(code);
        process.emitWarning(msg, 'DeprecationWarning', code);
      }
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

function debuglog(section) {
  const enabled = new RegExp(`^(${String(process.env.NODE_DEBUG || '').replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*').replace(/,/g, '$|^')})$`, 'i').test(section) && !!process.env.NODE_DEBUG;
  const log = (...args) => { if (enabled) native.log('error', `${section.toUpperCase()}: ${format(...args)}`); };
  log.enabled = enabled;
  return log;
}

function isDeepStrictEqual(a, b) {
  return require('assert/build/internal/util/comparisons.js').isDeepStrictEqual(a, b);
}

function toUSVString(s) {
  return String(s).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const kAnsiRe = /[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;
function stripVTControlCharacters(str) {
  if (typeof str !== 'string') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "str" argument must be of type string.');
  return str.replace(kAnsiRe, '');
}

function aborted(signal, resource) {
  if (!internals.isAbortSignal(signal)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "signal" argument must be an instance of AbortSignal.');
  if (resource === null || (typeof resource !== 'object' && typeof resource !== 'function')) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "resource" argument must be of type object.');
  }
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

module.exports = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  debuglog,
  debug: debuglog,
  isDeepStrictEqual,
  isArray: Array.isArray,
  toUSVString,
  stripVTControlCharacters,
  aborted,
  types,
  TextEncoder: internals.TextEncoder,
  TextDecoder: internals.TextDecoder,
};
