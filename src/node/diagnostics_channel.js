'use strict';
// node:diagnostics_channel: named channels with subscribers, in-process.
// Channels with subscribers stay reachable; without, they may be collected
// (Node keeps them in a WeakRef map the same way).

const channels = new Map();

class Channel {
  #subscribers = [];
  #stores = new Map();
  constructor(name) {
    this.name = name;
  }
  get hasSubscribers() {
    return this.#subscribers.length > 0 || this.#stores.size > 0;
  }
  subscribe(subscription) {
    if (typeof subscription !== 'function') {
      const err = new TypeError('The "subscription" argument must be of type function.');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    this.#subscribers = [...this.#subscribers, subscription];
    channels.set(this.name, this);
  }
  unsubscribe(subscription) {
    const i = this.#subscribers.indexOf(subscription);
    if (i === -1) return false;
    this.#subscribers = [...this.#subscribers.slice(0, i), ...this.#subscribers.slice(i + 1)];
    return true;
  }
  publish(message) {
    for (const fn of this.#subscribers) {
      try {
        fn(message, this.name);
      } catch (err) {
        // As Node: a subscriber's error does not reach the publisher.
        queueMicrotask(() => { throw err; });
      }
    }
  }
  bindStore(store, transform) {
    this.#stores.set(store, transform);
    channels.set(this.name, this);
  }
  unbindStore(store) {
    return this.#stores.delete(store);
  }
  runStores(data, fn, thisArg, ...args) {
    let run = () => {
      this.publish(data);
      return Reflect.apply(fn, thisArg, args);
    };
    for (const [store, transform] of this.#stores) {
      const next = run;
      run = () => store.run(transform ? transform(data) : data, next);
    }
    return run();
  }
}

function channel(name) {
  if (typeof name !== 'string' && typeof name !== 'symbol') {
    const err = new TypeError('The "name" argument must be of type string or symbol.');
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  let ch = channels.get(name);
  if (ch === undefined) {
    ch = new Channel(name);
    channels.set(name, ch);
  }
  return ch;
}

function hasSubscribers(name) {
  const ch = channels.get(name);
  return ch !== undefined && ch.hasSubscribers;
}

function subscribe(name, fn) { channel(name).subscribe(fn); }
function unsubscribe(name, fn) { return channel(name).unsubscribe(fn); }

// Runs fn under `start`, publishing `error` if it throws and `end` after.
function traceBody(tc, context, fn) {
  return tc.start.runStores(context, () => {
    try {
      return fn();
    } catch (err) {
      context.error = err;
      tc.error.publish(context);
      throw err;
    } finally {
      tc.end.publish(context);
    }
  });
}

class TracingChannel {
  constructor(nameOrChannels) {
    for (const event of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) {
      this[event] = typeof nameOrChannels === 'string' ? channel(`tracing:${nameOrChannels}:${event}`) : nameOrChannels[event];
    }
  }
  get hasSubscribers() {
    return this.start.hasSubscribers || this.end.hasSubscribers || this.asyncStart.hasSubscribers ||
      this.asyncEnd.hasSubscribers || this.error.hasSubscribers;
  }
  subscribe(handlers) {
    for (const k of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) if (handlers[k]) this[k].subscribe(handlers[k]);
  }
  unsubscribe(handlers) {
    let done = true;
    for (const k of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) {
      if (handlers[k] && !this[k].unsubscribe(handlers[k])) done = false;
    }
    return done;
  }
  traceSync(fn, context = {}, thisArg, ...args) {
    return traceBody(this, context, () => {
      const result = Reflect.apply(fn, thisArg, args);
      context.result = result;
      return result;
    });
  }
  tracePromise(fn, context = {}, thisArg, ...args) {
    const { asyncStart, asyncEnd, error } = this;
    return traceBody(this, context, () => Promise.resolve(Reflect.apply(fn, thisArg, args)).then((result) => {
      context.result = result;
      asyncStart.publish(context);
      asyncEnd.publish(context);
      return result;
    }, (err) => {
      context.error = err;
      error.publish(context);
      asyncStart.publish(context);
      asyncEnd.publish(context);
      throw err;
    }));
  }
  traceCallback(fn, position = -1, context = {}, thisArg, ...args) {
    const { asyncStart, asyncEnd, error } = this;
    const index = position < 0 ? args.length + position : position;
    const callback = args[index];
    if (typeof callback !== 'function') {
      const err = new TypeError('The "callback" argument must be of type function.');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    args[index] = function wrapped(err, result) {
      if (err) {
        context.error = err;
        error.publish(context);
      } else {
        context.result = result;
      }
      asyncStart.publish(context);
      try {
        return Reflect.apply(callback, this, arguments);
      } finally {
        asyncEnd.publish(context);
      }
    };
    return traceBody(this, context, () => Reflect.apply(fn, thisArg, args));
  }
}

module.exports = {
  channel,
  hasSubscribers,
  subscribe,
  unsubscribe,
  tracingChannel: (nameOrChannels) => new TracingChannel(nameOrChannels),
  Channel,
};
