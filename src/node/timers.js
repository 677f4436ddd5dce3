'use strict';
// node:timers over the runtime's timers (globals.js), and timers/promises.
// Node's Timeout objects are the runtime's numeric ids here, as in workerd:
// clearTimeout() takes either.

// Captured when this file loads, before user code can replace them.
const gSetTimeout = globalThis.setTimeout;
const gSetInterval = globalThis.setInterval;
const gClearTimeout = globalThis.clearTimeout;
const gClearInterval = globalThis.clearInterval;

// setImmediate: a macrotask after the current one (a 0 ms timer).
function setImmediate(callback, ...args) {
  if (typeof callback !== 'function') {
    const err = new TypeError('The "callback" argument must be of type function.');
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  return gSetTimeout(callback, 0, ...args);
}

function abortError(signal) {
  const err = new internals.DOMException('The operation was aborted', 'AbortError');
  if (signal !== undefined) err.cause = signal.reason;
  return err;
}

function checkSignal(signal) {
  if (signal !== undefined && !internals.isAbortSignal(signal)) {
    const err = new TypeError('The "options.signal" property must be an instance of AbortSignal.');
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
}

function delayPromise(ms, value, options = {}) {
  const { signal } = options;
  checkSignal(signal);
  if (signal && signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      gClearTimeout(id);
      reject(abortError(signal));
    };
    const id = gSetTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, ms);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function* setIntervalIterator(ms, value, options = {}) {
  const { signal } = options;
  checkSignal(signal);
  if (signal && signal.aborted) throw abortError(signal);
  let pending = 0;
  let wake = null;
  const id = gSetInterval(() => {
    pending++;
    if (wake) { wake(); wake = null; }
  }, ms);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    if (wake) { wake(); wake = null; }
  };
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (pending === 0 && !aborted) await new Promise((r) => { wake = r; });
      if (aborted) throw abortError(signal);
      pending--;
      yield value;
    }
  } finally {
    gClearInterval(id);
    if (signal) signal.removeEventListener('abort', onAbort);
  }
}

const promises = {
  setTimeout: delayPromise,
  setImmediate: (value, options) => delayPromise(0, value, options),
  setInterval: setIntervalIterator,
  scheduler: {
    wait: (ms, options) => delayPromise(ms, undefined, options),
    yield: () => delayPromise(0),
  },
};

function setTimeout(callback, ms, ...args) { return gSetTimeout(callback, ms, ...args); }
function setInterval(callback, ms, ...args) { return gSetInterval(callback, ms, ...args); }
function clearTimeout(id) { gClearTimeout(id); }
function clearInterval(id) { gClearInterval(id); }
function clearImmediate(id) { gClearTimeout(id); }
Object.defineProperty(setTimeout, Symbol.for('nodejs.util.promisify.custom'), { value: delayPromise });
Object.defineProperty(setImmediate, Symbol.for('nodejs.util.promisify.custom'), { value: promises.setImmediate });

module.exports = {
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval,
  setImmediate,
  clearImmediate,
  promises,
};
