'use strict';
// node:events: the `events` npm package (MIT) plus the statics Node added
// since (on, getEventListeners, setMaxListeners, errorMonitor,
// addAbortListener, listenerCount).

const EventEmitter = require('events/events.js');

const kErrorMonitor = Symbol('events.errorMonitor');
const npmEmit = EventEmitter.prototype.emit;
// errorMonitor: listeners see 'error' before the ordinary handlers.
EventEmitter.prototype.emit = function emit(type, ...args) {
  if (type === 'error' && this._events !== undefined && this._events[kErrorMonitor] !== undefined) {
    npmEmit.call(this, kErrorMonitor, ...args);
  }
  return npmEmit.call(this, type, ...args);
};
EventEmitter.errorMonitor = kErrorMonitor;
EventEmitter.captureRejectionSymbol = Symbol.for('nodejs.rejection');
EventEmitter.captureRejections = false;

EventEmitter.getEventListeners = function getEventListeners(target, type) {
  if (typeof target.listeners === 'function') return target.listeners(type);
  const callbacks = internals.eventListenerCallbacks;
  if (internals.isEventTarget(target) && callbacks) return callbacks(target, type);
  throw new TypeError('The "emitter" argument must be an instance of EventEmitter or EventTarget.');
};

EventEmitter.setMaxListeners = function setMaxListeners(n = EventEmitter.defaultMaxListeners, ...targets) {
  if (targets.length === 0) EventEmitter.defaultMaxListeners = n;
  for (const t of targets) if (typeof t.setMaxListeners === 'function') t.setMaxListeners(n);
};

EventEmitter.addAbortListener = function addAbortListener(signal, listener) {
  if (signal.aborted) {
    queueMicrotask(() => listener());
  } else {
    signal.addEventListener('abort', listener, { once: true });
  }
  return { [Symbol.dispose || Symbol.for('nodejs.dispose')]() { signal.removeEventListener('abort', listener); } };
};

// events.on(emitter, name[, { signal }]): an async iterator of the argument
// arrays of each `name` event; rejects on 'error'.
EventEmitter.on = function on(emitter, event, options = {}) {
  const { signal } = options;
  if (signal && signal.aborted) {
    throw new internals.DOMException('The operation was aborted', 'AbortError');
  }
  const unconsumed = [];
  const pending = [];
  let error = null;
  let finished = false;
  const handler = (...args) => {
    const p = pending.shift();
    if (p) p.resolve({ value: args, done: false });
    else unconsumed.push(args);
  };
  const errorHandler = (err) => {
    finished = true;
    const p = pending.shift();
    if (p) p.reject(err);
    else error = err;
    iterator.return();
  };
  const abort = () => errorHandler(new internals.DOMException('The operation was aborted', 'AbortError'));
  emitter.on(event, handler);
  if (event !== 'error') emitter.on('error', errorHandler);
  if (signal) signal.addEventListener('abort', abort, { once: true });
  const iterator = {
    next() {
      const value = unconsumed.shift();
      if (value) return Promise.resolve({ value, done: false });
      if (error) {
        const p = Promise.reject(error);
        error = null;
        return p;
      }
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    return() {
      emitter.removeListener(event, handler);
      emitter.removeListener('error', errorHandler);
      if (signal) signal.removeEventListener('abort', abort);
      finished = true;
      for (const p of pending.splice(0)) p.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err) {
      error = err;
      emitter.removeListener(event, handler);
      emitter.removeListener('error', errorHandler);
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() { return this; },
  };
  return iterator;
};

module.exports = EventEmitter;
