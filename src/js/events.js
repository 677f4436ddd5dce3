'use strict';
// Event, EventTarget (DOM Standard §2), AbortController and AbortSignal
// (DOM Standard §3.1-3.2).
//
// Must load after dom_exception.js.
//
// Internal hooks published for other runtime files:
//   internals.dispatchEventTrusted(target, event) -> !canceled (isTrusted = true)
//   internals.isEvent(x), internals.isEventTarget(x), internals.isEventDispatching(event)
//   internals.defineEventHandlerAttribute(proto, 'type')  (onxxx attributes)
//   internals.reportException(err)  (internals.reportError, else native.log)
//   internals.isAbortSignal(x), internals.createAbortSignal(),
//   internals.signalAbort(signal, reason), internals.abortSignalAborted(signal),
//   internals.abortSignalReason(signal)
//   internals.abortSignalAddAlgorithm(signal, fn) -> function that removes fn
//     (fn runs when the signal aborts, before the 'abort' event; never for an
//     already-aborted signal, so check abortSignalAborted first)
//   internals.enforceRangeULL(v)  (WebIDL [EnforceRange] unsigned long long)
//   internals.globalEventTarget (read): EventTarget used when `this` is null,
//     undefined or the global object (whose listeners it holds)

const { DOMException, toDOMString, finishInterface, defineConstants } = internals;

const ObjectDefineProperty = Object.defineProperty;
const FunctionPrototypeCall = Function.prototype.call;
const call = FunctionPrototypeCall.bind(FunctionPrototypeCall);
const DateNow = Date.now;
const WeakRefCtor = typeof WeakRef === 'function' ? WeakRef : undefined;

// Event.timeStamp: milliseconds since the time origin, on the same clock as
// performance.now() (native.now when the embedder has it).
const timeOrigin = DateNow();
const nativeNow = typeof native.now === 'function' ? native.now : undefined;
function currentTimeStamp() {
  return nativeNow !== undefined ? nativeNow() : DateNow() - timeOrigin;
}

function reportException(error) {
  const report = internals.reportError;
  if (typeof report === 'function') {
    try { report(error); return; } catch { /* fall through to the log */ }
  }
  let text;
  try { text = String((error && error.stack) || error); } catch { text = 'Uncaught exception'; }
  native.log('error', text);
}

function requireArgs(count, required, what) {
  if (count < required) {
    throw new TypeError(`Failed to execute '${what}': ${required} argument${required > 1 ? 's' : ''} required, but only ${count} present.`);
  }
}

function isObject(v) {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

function dictionaryArg(value, what) {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new TypeError(`${what} must be an object`);
  return value;
}

// ---------------------------------------------------------------------------
// Event

const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;

const F_STOP_PROPAGATION = 1;
const F_STOP_IMMEDIATE = 2;
const F_CANCELED = 4;
const F_IN_PASSIVE = 8;
const F_COMPOSED = 16;
const F_INITIALIZED = 32;
const F_DISPATCH = 64;
const F_BUBBLES = 128;
const F_CANCELABLE = 256;

let isEvent, eventCancel, eventFlags, eventSetFlags, eventSetTarget, eventSetCurrentTarget,
  eventSetPhase, eventSetTrusted, eventType, isTrustedGetter;

class Event {
  #type;
  #flags;
  #target = null;
  #currentTarget = null;
  #phase = NONE;
  #timeStamp;
  #trusted = false;

  constructor(type, eventInitDict = undefined) {
    requireArgs(arguments.length, 1, "Event constructor");
    this.#type = toDOMString(type);
    const init = dictionaryArg(eventInitDict, "The 'eventInitDict' argument");
    let flags = F_INITIALIZED;
    if (init !== undefined) {
      if (init.bubbles) flags |= F_BUBBLES;
      if (init.cancelable) flags |= F_CANCELABLE;
      if (init.composed) flags |= F_COMPOSED;
    }
    this.#flags = flags;
    this.#timeStamp = currentTimeStamp();
    // [LegacyUnforgeable] readonly attribute boolean isTrusted;
    ObjectDefineProperty(this, 'isTrusted', isTrustedDescriptor);
  }

  get type() { return this.#type; }
  get target() { return this.#target; }
  get srcElement() { return this.#target; }
  get currentTarget() { return this.#currentTarget; }

  composedPath() {
    const t = this.#currentTarget;
    return t === null ? [] : [t];
  }

  get eventPhase() { return this.#phase; }

  stopPropagation() { this.#flags |= F_STOP_PROPAGATION; }

  get cancelBubble() { return (this.#flags & F_STOP_PROPAGATION) !== 0; }
  set cancelBubble(value) { if (value) this.#flags |= F_STOP_PROPAGATION; }

  stopImmediatePropagation() { this.#flags |= F_STOP_PROPAGATION | F_STOP_IMMEDIATE; }

  get bubbles() { return (this.#flags & F_BUBBLES) !== 0; }
  get cancelable() { return (this.#flags & F_CANCELABLE) !== 0; }

  get returnValue() { return (this.#flags & F_CANCELED) === 0; }
  set returnValue(value) {
    if (!value) this.#setCanceled();
  }

  preventDefault() { this.#setCanceled(); }

  #setCanceled() {
    const f = this.#flags;
    if ((f & F_CANCELABLE) !== 0 && (f & F_IN_PASSIVE) === 0) this.#flags = f | F_CANCELED;
  }

  get defaultPrevented() { return (this.#flags & F_CANCELED) !== 0; }
  get composed() { return (this.#flags & F_COMPOSED) !== 0; }
  get timeStamp() { return this.#timeStamp; }

  initEvent(type, bubbles = false, cancelable = false) {
    requireArgs(arguments.length, 1, 'initEvent');
    type = toDOMString(type);
    if ((this.#flags & F_DISPATCH) !== 0) return;
    let flags = (this.#flags & F_COMPOSED) | F_INITIALIZED;
    if (bubbles) flags |= F_BUBBLES;
    if (cancelable) flags |= F_CANCELABLE;
    this.#flags = flags;
    this.#trusted = false;
    this.#target = null;
    this.#type = type;
  }

  static {
    isEvent = (v) => typeof v === 'object' && v !== null && #flags in v;
    eventCancel = (e) => e.#setCanceled();
    eventFlags = (e) => e.#flags;
    eventSetFlags = (e, f) => { e.#flags = f; };
    eventSetTarget = (e, t) => { e.#target = t; };
    eventSetCurrentTarget = (e, t) => { e.#currentTarget = t; };
    eventSetPhase = (e, p) => { e.#phase = p; };
    eventSetTrusted = (e, v) => { e.#trusted = v; };
    eventType = (e) => e.#type;
    isTrustedGetter = {
      get isTrusted() {
        if (!isEvent(this)) throw new TypeError('Illegal invocation');
        return this.#trusted;
      },
    };
  }
}
isTrustedGetter = Object.getOwnPropertyDescriptor(isTrustedGetter, 'isTrusted').get;
const isTrustedDescriptor = { get: isTrustedGetter, set: undefined, enumerable: true, configurable: false };

finishInterface(Event, 'Event');
defineConstants(Event, { NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE });

// ---------------------------------------------------------------------------
// EventTarget

// One registered listener. `list` is the array it lives in (per type).
class Listener {
  constructor(type, callback, capture, once, passive) {
    this.type = type;
    this.callback = callback;
    this.capture = capture;
    this.once = once;
    this.passive = passive;
    this.removed = false;
    this.removeAbort = undefined;
  }
}

let isEventTarget, targetListeners, targetHandlers, targetSetHook;

function flattenCapture(options) {
  if (options === undefined || options === null) return false;
  if (isObject(options)) return !!options.capture;
  return !!options;
}

function removeListenerRecord(map, listener) {
  listener.removed = true;
  const list = map.get(listener.type);
  if (list !== undefined) {
    const i = list.indexOf(listener);
    if (i !== -1) {
      if (list.length === 1) map.delete(listener.type);
      else list.splice(i, 1);
    }
  }
  const removeAbort = listener.removeAbort;
  if (removeAbort !== undefined) {
    listener.removeAbort = undefined;
    removeAbort();
  }
}

class EventTarget {
  #listeners = null; // Map<type, Listener[]>
  #handlers = null;  // Map<type, {value, listener}> for onxxx attributes
  #hook = undefined; // called as hook(type) after listeners change

  constructor() {}

  addEventListener(type, callback, options = undefined) {
    const self = targetThis(this);
    requireArgs(arguments.length, 2, 'addEventListener');
    type = toDOMString(type);
    if (callback !== undefined && callback !== null && !isObject(callback)) {
      throw new TypeError("Failed to execute 'addEventListener': The callback provided as parameter 2 is not an object.");
    }
    let capture = false, once = false, passive = false, signal;
    if (isObject(options)) {
      capture = !!options.capture;
      once = !!options.once;
      const p = options.passive;
      passive = p === undefined ? false : !!p;
      signal = options.signal;
      if (signal !== undefined && !isAbortSignal(signal)) {
        throw new TypeError("Failed to execute 'addEventListener': member signal is not of type AbortSignal.");
      }
    } else if (options !== undefined && options !== null) {
      capture = !!options;
    }
    if (signal !== undefined && signalAborted(signal)) return;
    if (callback === undefined || callback === null) return;
    self.#addListener(type, callback, capture, once, passive, signal);
  }

  #addListener(type, callback, capture, once, passive, signal) {
    let map = this.#listeners;
    if (map === null) map = this.#listeners = new Map();
    let list = map.get(type);
    if (list === undefined) {
      list = [];
      map.set(type, list);
    } else {
      for (let i = 0; i < list.length; i++) {
        const l = list[i];
        if (l.callback === callback && l.capture === capture) return;
      }
    }
    const listener = new Listener(type, callback, capture, once, passive);
    list.push(listener);
    if (signal !== undefined) {
      listener.removeAbort = addAbortAlgorithm(signal, () => {
        listener.removeAbort = undefined;
        if (!listener.removed) this.#removeListener(listener);
      });
    }
    const hook = this.#hook;
    if (hook !== undefined) hook(type);
  }

  #removeListener(listener) {
    removeListenerRecord(this.#listeners, listener);
    const hook = this.#hook;
    if (hook !== undefined) hook(listener.type);
  }

  removeEventListener(type, callback, options = undefined) {
    const self = targetThis(this);
    requireArgs(arguments.length, 2, 'removeEventListener');
    type = toDOMString(type);
    if (callback !== undefined && callback !== null && !isObject(callback)) {
      throw new TypeError("Failed to execute 'removeEventListener': The callback provided as parameter 2 is not an object.");
    }
    const capture = flattenCapture(options);
    const map = self.#listeners;
    if (map === null || callback === undefined || callback === null) return;
    const list = map.get(type);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      if (l.callback === callback && l.capture === capture) {
        self.#removeListener(l);
        return;
      }
    }
  }

  dispatchEvent(event) {
    const self = targetThis(this);
    requireArgs(arguments.length, 1, 'dispatchEvent');
    if (!isEvent(event)) {
      throw new TypeError("Failed to execute 'dispatchEvent': parameter 1 is not of type 'Event'.");
    }
    const flags = eventFlags(event);
    if ((flags & F_DISPATCH) !== 0 || (flags & F_INITIALIZED) === 0) {
      throw new DOMException('The event is already being dispatched or was not initialized.', 'InvalidStateError');
    }
    eventSetTrusted(event, false);
    return dispatch(self, event);
  }

  static {
    isEventTarget = (v) => isObject(v) && #listeners in v;
    targetListeners = (t) => t.#listeners;
    targetHandlers = (t, create) => {
      let h = t.#handlers;
      if (h === null && create) h = t.#handlers = new Map();
      return h;
    };
    targetSetHook = (t, hook) => { t.#hook = hook; };
    // Used by event handler attributes (which register an ordinary listener).
    EventTarget.addInternalListener = (t, type, callback) => t.#addListener(type, callback, false, false, false, undefined);
    EventTarget.removeInternalListener = (t, listener) => t.#removeListener(listener);
  }
}
const addInternalListener = EventTarget.addInternalListener;
const removeInternalListener = EventTarget.removeInternalListener;
delete EventTarget.addInternalListener;
delete EventTarget.removeInternalListener;
finishInterface(EventTarget, 'EventTarget');

// WebIDL: operations called with an undefined/null `this` use the global
// object; the runtime can make the global scope an event target by setting
// internals.globalEventTarget.
function targetThis(self) {
  if (isEventTarget(self)) return self;
  if (self === undefined || self === null || self === globalThis) {
    const g = internals.globalEventTarget;
    if (g !== undefined && isEventTarget(g)) return g;
  }
  throw new TypeError('Illegal invocation');
}

// What listeners see as the target: the global scope stands for
// internals.globalEventTarget, which holds its listeners.
function visibleTarget(target) {
  return target === internals.globalEventTarget ? globalThis : target;
}

function dispatch(target, event) {
  eventSetFlags(event, eventFlags(event) | F_DISPATCH);
  eventSetTarget(event, visibleTarget(target));
  eventSetPhase(event, AT_TARGET);
  const map = targetListeners(target);
  if (map !== null) {
    const type = eventType(event);
    let list = map.get(type);
    if (list !== undefined) {
      let hasCapture = false;
      for (let i = 0; i < list.length; i++) if (list[i].capture) { hasCapture = true; break; }
      if (hasCapture) {
        invoke(target, event, list, true);
        // The bubbling invocation takes a fresh copy of the list (listeners
        // added by capture listeners at the target run too).
        list = map.get(type);
      }
      if (list !== undefined) invoke(target, event, list, false);
    }
  }
  eventSetPhase(event, NONE);
  eventSetCurrentTarget(event, null);
  const flags = eventFlags(event) & ~(F_DISPATCH | F_STOP_PROPAGATION | F_STOP_IMMEDIATE);
  eventSetFlags(event, flags);
  return (flags & F_CANCELED) === 0;
}

function invoke(target, event, list, capturing) {
  if ((eventFlags(event) & F_STOP_PROPAGATION) !== 0) return;
  eventSetCurrentTarget(event, visibleTarget(target));
  // Snapshot (spec: "clone"), so listeners added during dispatch do not run.
  const n = list.length;
  const snapshot = n === 1 ? list : list.slice();
  for (let i = 0; i < n; i++) {
    const listener = snapshot[i];
    if (listener.removed || listener.capture !== capturing) continue;
    if (listener.once) removeInternalListener(target, listener);
    const passive = listener.passive;
    if (passive) eventSetFlags(event, eventFlags(event) | F_IN_PASSIVE);
    const callback = listener.callback;
    try {
      if (typeof callback === 'function') {
        call(callback, visibleTarget(target), event);
      } else {
        const handleEvent = callback.handleEvent;
        if (typeof handleEvent !== 'function') {
          throw new TypeError("The listener's 'handleEvent' property is not callable.");
        }
        call(handleEvent, callback, event);
      }
    } catch (error) {
      reportException(error);
    }
    if (passive) eventSetFlags(event, eventFlags(event) & ~F_IN_PASSIVE);
    if ((eventFlags(event) & F_STOP_IMMEDIATE) !== 0) return;
  }
}

function dispatchEventTrusted(target, event) {
  eventSetTrusted(event, true);
  return dispatch(target, event);
}

// Event handler IDL attributes (HTML §8.1.8.1), e.g. onabort.
function defineEventHandlerAttribute(proto, type) {
  const name = 'on' + type;
  const desc = {
    get() {
      if (!isEventTarget(this)) throw new TypeError('Illegal invocation');
      const handlers = targetHandlers(this, false);
      if (handlers === null) return null;
      const h = handlers.get(type);
      return h === undefined ? null : h.value;
    },
    set(value) {
      if (!isEventTarget(this)) throw new TypeError('Illegal invocation');
      // [LegacyTreatNonObjectAsNull]
      if (!isObject(value)) value = null;
      const handlers = targetHandlers(this, true);
      let h = handlers.get(type);
      if (value === null) {
        if (h !== undefined) {
          handlers.delete(type);
          if (h.listener !== undefined) removeInternalListener(this, h.listener);
        }
        return;
      }
      if (h === undefined) {
        h = { value, listener: undefined };
        handlers.set(type, h);
        const callback = function eventHandler(event) {
          const fn = h.value;
          if (typeof fn !== 'function') return;
          const result = call(fn, this, event);
          if (result === false) eventCancel(event);
        };
        addInternalListener(this, type, callback);
        const list = targetListeners(this).get(type);
        h.listener = list[list.length - 1];
      } else {
        h.value = value;
      }
    },
    enumerable: true,
    configurable: true,
  };
  Object.defineProperty(desc.get, 'name', { value: 'get ' + name });
  Object.defineProperty(desc.set, 'name', { value: 'set ' + name });
  ObjectDefineProperty(proto, name, desc);
}

// ---------------------------------------------------------------------------
// AbortSignal

const kCreate = Symbol('create AbortSignal');

let isAbortSignal, signalAborted, signalReason, signalAbort, addAbortAlgorithm, createDependent;

class AbortSignal extends EventTarget {
  #reason = undefined;            // aborted iff not undefined
  #algorithms = null;             // Set<Function>
  #dependent = false;
  #sources = null;                // AbortSignal[] (source signals)
  #dependents = null;             // Set<WeakRef|AbortSignal> (dependent signals)
  #retained = null;               // Set<AbortSignal>: dependents that must stay alive
  #selfRef = undefined;           // WeakRef to this (dependent signals only)
  #pruneAt = 32;

  constructor() {
    if (arguments[0] !== kCreate) throw new TypeError('Illegal constructor');
    super();
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(kCreate);
    signal.#reason = reason === undefined ? newAbortError() : reason;
    return signal;
  }

  static timeout(milliseconds) {
    requireArgs(arguments.length, 1, 'AbortSignal.timeout');
    const ms = enforceRangeULL(milliseconds);
    const signal = new AbortSignal(kCreate);
    const setTimeoutFn = globalThis.setTimeout;
    if (typeof setTimeoutFn !== 'function') throw new TypeError('AbortSignal.timeout requires setTimeout');
    call(setTimeoutFn, globalThis, () => {
      signal.#signalAbort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms);
    return signal;
  }

  static any(signals) {
    requireArgs(arguments.length, 1, 'AbortSignal.any');
    // sequence<AbortSignal>
    if (!isObject(signals) || typeof signals[Symbol.iterator] !== 'function') {
      throw new TypeError("Failed to execute 'any' on 'AbortSignal': The provided value cannot be converted to a sequence.");
    }
    const list = [];
    for (const s of signals) {
      if (!isAbortSignal(s)) {
        throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
      }
      list.push(s);
    }
    return createDependent(list);
  }

  get aborted() {
    if (!isAbortSignal(this)) throw new TypeError('Illegal invocation');
    return this.#reason !== undefined;
  }

  get reason() {
    if (!isAbortSignal(this)) throw new TypeError('Illegal invocation');
    return this.#reason;
  }

  throwIfAborted() {
    if (!isAbortSignal(this)) throw new TypeError('Illegal invocation');
    const reason = this.#reason;
    if (reason !== undefined) throw reason;
  }

  #signalAbort(reason) {
    if (this.#reason !== undefined) return;
    this.#reason = reason === undefined ? newAbortError() : reason;
    const toAbort = [];
    const dependents = this.#dependents;
    if (dependents !== null) {
      this.#dependents = null;
      this.#retained = null;
      for (const ref of dependents) {
        const d = WeakRefCtor !== undefined ? ref.deref() : ref;
        if (d !== undefined && d.#reason === undefined) {
          d.#reason = this.#reason;
          toAbort.push(d);
        }
      }
    }
    this.#runAbortSteps();
    for (let i = 0; i < toAbort.length; i++) toAbort[i].#runAbortSteps();
  }

  #runAbortSteps() {
    const algorithms = this.#algorithms;
    this.#algorithms = null;
    if (algorithms !== null) {
      for (const fn of algorithms) {
        try { fn(); } catch (e) { reportException(e); }
      }
    }
    if (this.#dependent) this.#detachFromSources();
    dispatchEventTrusted(this, new Event('abort'));
  }

  #detachFromSources() {
    const sources = this.#sources;
    this.#sources = null;
    if (sources === null) return;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      if (s.#dependents !== null) s.#dependents.delete(this.#selfRef);
      if (s.#retained !== null) s.#retained.delete(this);
    }
  }

  // A dependent signal has to stay alive while it has abort listeners or
  // algorithms (DOM §3.2.6 "Garbage collection"); otherwise its sources only
  // hold it weakly.
  #updateRetention() {
    const sources = this.#sources;
    if (sources === null || this.#reason !== undefined) return;
    let needed = this.#algorithms !== null && this.#algorithms.size > 0;
    if (!needed) {
      const map = targetListeners(this);
      needed = map !== null && map.has('abort');
    }
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      if (needed) {
        if (s.#retained === null) s.#retained = new Set();
        s.#retained.add(this);
      } else if (s.#retained !== null) {
        s.#retained.delete(this);
      }
    }
  }

  #addDependent(d) {
    if (this.#dependents === null) this.#dependents = new Set();
    const set = this.#dependents;
    set.add(d.#selfRef);
    if (WeakRefCtor !== undefined && set.size >= this.#pruneAt) {
      for (const ref of set) if (ref.deref() === undefined) set.delete(ref);
      this.#pruneAt = Math.max(32, set.size * 2);
    }
  }

  static {
    isAbortSignal = (v) => typeof v === 'object' && v !== null && #reason in v;
    signalAborted = (s) => s.#reason !== undefined;
    signalReason = (s) => s.#reason;
    signalAbort = (s, reason) => s.#signalAbort(reason);
    addAbortAlgorithm = (s, fn) => {
      if (s.#reason !== undefined) return noop;
      if (s.#algorithms === null) s.#algorithms = new Set();
      // Wrap so that adding the same function twice yields two entries.
      const entry = () => fn();
      s.#algorithms.add(entry);
      if (s.#dependent) s.#updateRetention();
      return () => {
        const set = s.#algorithms;
        if (set !== null && set.delete(entry) && s.#dependent) s.#updateRetention();
      };
    };
    createDependent = (signals) => {
      const result = new AbortSignal(kCreate);
      for (let i = 0; i < signals.length; i++) {
        const s = signals[i];
        if (s.#reason !== undefined) {
          result.#reason = s.#reason;
          return result;
        }
      }
      result.#dependent = true;
      result.#sources = [];
      result.#selfRef = WeakRefCtor !== undefined ? new WeakRefCtor(result) : result;
      const seen = new Set();
      const addSource = (source) => {
        if (seen.has(source)) return;
        seen.add(source);
        result.#sources.push(source);
        source.#addDependent(result);
      };
      for (let i = 0; i < signals.length; i++) {
        const s = signals[i];
        if (!s.#dependent) {
          addSource(s);
        } else if (s.#sources !== null) {
          for (let j = 0; j < s.#sources.length; j++) addSource(s.#sources[j]);
        }
      }
      targetSetHook(result, (type) => { if (type === 'abort') result.#updateRetention(); });
      return result;
    };
  }
}
finishInterface(AbortSignal, 'AbortSignal');
defineEventHandlerAttribute(AbortSignal.prototype, 'abort');

function noop() {}

function newAbortError() {
  return new DOMException('This operation was aborted', 'AbortError');
}

// WebIDL [EnforceRange] unsigned long long.
function enforceRangeULL(value) {
  let x = +value;
  if (x !== x || x === Infinity || x === -Infinity) throw new TypeError('Value is not a finite number');
  x = x < 0 ? Math.ceil(x) : Math.floor(x);
  if (x < 0 || x > Number.MAX_SAFE_INTEGER) throw new TypeError('Value is outside the accepted range');
  return x === 0 ? 0 : x;
}

// ---------------------------------------------------------------------------
// AbortController

class AbortController {
  #signal;

  constructor() {
    this.#signal = new AbortSignal(kCreate);
  }

  get signal() { return this.#signal; }

  abort(reason = undefined) {
    signalAbort(this.#signal, reason);
  }
}
finishInterface(AbortController, 'AbortController');

function createAbortSignal() {
  return new AbortSignal(kCreate);
}

internals.Event = Event;
internals.EventTarget = EventTarget;
internals.AbortController = AbortController;
internals.AbortSignal = AbortSignal;
internals.isEvent = isEvent;
internals.isEventTarget = isEventTarget;
internals.isEventDispatching = (e) => (eventFlags(e) & F_DISPATCH) !== 0;
internals.dispatchEventTrusted = dispatchEventTrusted;
// The callbacks currently registered on `target` for `type`, in order.
internals.eventListenerCallbacks = (target, type) => {
  const map = targetListeners(target);
  const list = map === null ? undefined : map.get(type);
  if (list === undefined) return [];
  const out = [];
  for (const l of list) if (!l.removed) out.push(l.callback);
  return out;
};
internals.defineEventHandlerAttribute = defineEventHandlerAttribute;
internals.reportException = reportException;
internals.isAbortSignal = isAbortSignal;
internals.createAbortSignal = createAbortSignal;
internals.signalAbort = signalAbort;
internals.abortSignalAborted = signalAborted;
internals.abortSignalReason = signalReason;
internals.abortSignalAddAlgorithm = addAbortAlgorithm;
internals.enforceRangeULL = enforceRangeULL;
