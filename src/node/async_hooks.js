'use strict';
// node:async_hooks: AsyncLocalStorage and AsyncResource (what Workers has;
// createHook, executionAsyncId and the like are absent).
//
// The current "frame" (an immutable Map from AsyncLocalStorage to its
// store) is V8's continuation-preserved embedder data when the runtime
// provides native.asyncContextGet/Set: V8 captures it with each promise
// reaction and restores it when the reaction runs, so a store follows
// await and .then(). Without those natives the frame lives in a variable
// and a store is visible only synchronously inside run().

let localFrame;
const getFrame = typeof native.asyncContextGet === 'function' ? native.asyncContextGet : () => localFrame;
const setFrame = typeof native.asyncContextSet === 'function' ? native.asyncContextSet : (f) => { localFrame = f; };
const frame = () => {
  const f = getFrame();
  return f instanceof Map ? f : undefined;
};

function runInFrame(f, fn, thisArg, args) {
  const previous = getFrame();
  setFrame(f);
  try {
    return Reflect.apply(fn, thisArg, args);
  } finally {
    setFrame(previous);
  }
}

function withStore(f, storage, value) {
  const next = new Map(f);
  next.set(storage, value);
  return next;
}

class AsyncLocalStorage {
  constructor() {
    this._enabled = true;
  }
  static bind(fn) {
    if (typeof fn !== 'function') {
      const err = new TypeError('The "fn" argument must be of type function.');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    const f = frame();
    return function bound(...args) { return runInFrame(f, fn, this, args); };
  }
  static snapshot() {
    const f = frame();
    return (fn, ...args) => runInFrame(f, fn, undefined, args);
  }
  getStore() {
    if (!this._enabled) return undefined;
    const f = frame();
    return f === undefined ? undefined : f.get(this);
  }
  run(store, fn, ...args) {
    this._enabled = true;
    return runInFrame(withStore(frame(), this, store), fn, undefined, args);
  }
  exit(fn, ...args) {
    const f = frame();
    if (f === undefined || !f.has(this)) return Reflect.apply(fn, undefined, args);
    const next = new Map(f);
    next.delete(this);
    return runInFrame(next, fn, undefined, args);
  }
  enterWith(store) {
    this._enabled = true;
    setFrame(withStore(frame(), this, store));
  }
  disable() {
    this._enabled = false;
    const f = frame();
    if (f !== undefined && f.has(this)) {
      const next = new Map(f);
      next.delete(this);
      setFrame(next);
    }
  }
  get name() { return undefined; }
}

class AsyncResource {
  #frame;
  constructor(type, options) {
    if (typeof type !== 'string') {
      const err = new TypeError('The "type" argument must be of type string.');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    this.type = type;
    this.#frame = frame();
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return runInFrame(this.#frame, fn, thisArg, args);
  }
  bind(fn, thisArg) {
    const self = this;
    const bound = function (...args) { return self.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args); };
    Object.defineProperty(bound, 'length', { value: fn.length, configurable: true });
    Object.defineProperty(bound, 'asyncResource', { value: this, configurable: true, enumerable: true, writable: true });
    return bound;
  }
  static bind(fn, type, thisArg) {
    return new AsyncResource(type || fn.name || 'bound-anonymous-fn').bind(fn, thisArg);
  }
  emitDestroy() { return this; }
}

module.exports = { AsyncLocalStorage, AsyncResource };
