'use strict';
// Workers RPC over service bindings: `env.SVC.method(args)` calls a method
// of the other worker's WorkerEntrypoint. Values travel by structured clone
// (V8's serializer); functions, RpcTarget instances and stubs travel by
// reference: the receiver gets a stub, and calling it sends the call back
// to where the object lives. Every call on a binding opens a session (its
// own instance of the entrypoint, as on Cloudflare), which C++ carries
// between the two isolates (runtime/rpc_session.h). The caller closes it
// once the call has settled and it holds no stub from it; the stubs it
// holds keep it open until they are disposed or the caller's request ends.
//
// Messages (arrays, serialized with native.serialize):
//   [CALL, callId, capId, path, args]  call the method at `path` of a capability
//   [GET, callId, capId, path]         read the property at `path`
//   [RESOLVE, callId, value] / [REJECT, callId, error]
//   [RELEASE, capId]                   the stub of a capability was disposed
// Capability 0 is the callee's entrypoint instance.

const { DOMException } = internals;

const CALL = 0, GET = 1, RESOLVE = 2, REJECT = 3, RELEASE = 4;

// Marks a class whose instances are passed by reference over RPC.
class RpcTarget {}

// Entrypoint base classes (cloudflare:workers); the runtime makes one
// instance per event with the event's ctx and the worker's env.
class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
// Prototypes whose members are never reachable over RPC.
const kBasePrototypes = new Set([RpcTarget.prototype, WorkerEntrypoint.prototype, DurableObject.prototype,
  WorkflowEntrypoint.prototype, Object.prototype, Function.prototype]);

// A value sent by reference, as a host object (so V8's serializer hands it
// to us); `target` is the function, RpcTarget or stub.
class CapRef extends native.HostObject {
  constructor(target) {
    super();
    this.target = target;
  }
}

// A DOMException, which V8's serializer cannot carry (it is no JS Error):
// it crosses as its name and message.
class DOMExceptionRef extends native.HostObject {
  constructor(exception) {
    super();
    this.parts = [2, exception.message, exception.name];
  }
}

const stubs = new WeakSet();  // stubs and RPC promises made here (Proxies)
const kCloneRefused = Symbol('clone refused');

function notImplemented(name) {
  return new TypeError(`The RPC receiver does not implement the method "${String(name)}".`);
}

function typeName(value) {
  const ctor = value.constructor;
  if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
  return Object.prototype.toString.call(value).slice(8, -1);
}

// Objects V8's serializer copies as they are.
function isCloneableBuiltin(value) {
  return value instanceof Date || value instanceof RegExp || value instanceof Error ||
    value instanceof ArrayBuffer || ArrayBuffer.isView(value) || internals.isBlob(value) ||
    value instanceof Boolean || value instanceof Number || value instanceof String || value instanceof BigInt;
}

// `value` with what goes by reference (functions, RpcTargets, stubs)
// wrapped in CapRefs; containers are copied, nothing of the caller's is
// changed. An instance of any other class is a DataCloneError, as in
// workerd (its prototype would be lost).
function prepare(value, seen) {
  if (typeof value === 'function') return new CapRef(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RpcTarget || stubs.has(value)) return new CapRef(value);
  if (value instanceof DOMException) return new DOMExceptionRef(value);
  seen ??= new Map();
  let out = seen.get(value);
  if (out !== undefined) return out;
  if (Array.isArray(value)) {
    out = new Array(value.length);
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = prepare(value[i], seen);
    return out;
  }
  if (value instanceof Map) {
    out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(prepare(k, seen), prepare(v, seen));
    return out;
  }
  if (value instanceof Set) {
    out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(prepare(v, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    out = {};
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = prepare(value[key], seen);
    return out;
  }
  if (isCloneableBuiltin(value)) return value;
  throw new DOMException(`Could not serialize object of type "${typeName(value)}". This type does not support serialization.`, 'DataCloneError');
}

// What a rejection carries: the error itself when it can be cloned.
function errorValue(err) {
  if (err instanceof DOMException) return new DOMExceptionRef(err);
  if (err instanceof Error) return err;
  try {
    return prepare(err);
  } catch {
    return new Error(String(err));
  }
}

const sessions = new Map();  // session id → Session

class Session {
  constructor(id) {
    this.id = id;
    this.exports = new Map();  // capability id → target
    this.nextExport = 1;
    this.calls = new Map();    // call id → { resolve, reject }
    this.nextCall = 1;
    this.liveImports = 0;      // stubs from this session not yet disposed
    this.topDone = false;      // the caller's call has settled
    this.isCaller = false;
    this.closed = null;        // why, once closed
    this.onClosed = null;
    this.bootstrapError = undefined;  // the callee's entrypoint could not be made
    sessions.set(id, this);
  }

  encode(message) {
    try {
      return native.serialize(message, (obj) => this.hostParts(obj), kCloneRefused);
    } catch (err) {
      if (err !== null && typeof err === 'object' && err[kCloneRefused] === true) throw new DOMException(err.message, 'DataCloneError');
      throw err;
    }
  }
  hostParts(obj) {
    if (obj instanceof CapRef) {
      const id = this.nextExport++;
      this.exports.set(id, obj.target);
      return [1, id];
    }
    if (obj instanceof DOMExceptionRef) return obj.parts;
    return [0, internals.hostObjectParts(obj)];
  }
  fromParts(parts) {
    if (parts[0] === 1) return makeStub(this, parts[1]);
    if (parts[0] === 2) return new DOMException(parts[1], parts[2]);
    return internals.hostObjectFromParts(parts[1]);
  }
  send(message) {
    if (this.closed !== null) throw closedError(this.closed);
    const bytes = this.encode(message);
    if (!native.rpcSend(this.id, bytes)) throw closedError(this.closed ?? '');
  }

  // CALL or GET → a promise of the answer.
  request(kind, capId, path, args) {
    return new Promise((resolve, reject) => {
      const callId = this.nextCall++;
      this.calls.set(callId, { resolve, reject });
      try {
        this.send(kind === CALL ? [CALL, callId, capId, path, prepare(args)] : [GET, callId, capId, path]);
      } catch (err) {
        this.calls.delete(callId);
        reject(err);
      }
    });
  }

  receive(bytes) {
    const message = native.deserialize(bytes, (parts) => this.fromParts(parts));
    const kind = message[0];
    if (kind === CALL || kind === GET) {
      this.serve(message);
    } else if (kind === RESOLVE || kind === REJECT) {
      const call = this.calls.get(message[1]);
      if (!call) return;
      this.calls.delete(message[1]);
      if (kind === RESOLVE) call.resolve(message[2]);
      else call.reject(message[2]);
    } else if (kind === RELEASE) {
      this.exports.delete(message[1]);
    }
  }

  async serve([kind, callId, capId, path, args]) {
    let ok = true;
    let result;
    try {
      if (!this.exports.has(capId)) throw new Error('This RPC stub was disposed, or its session has ended.');
      if (capId === 0 && this.bootstrapError !== undefined) throw this.bootstrapError;
      result = await invoke(this.exports.get(capId), path, kind === CALL, args);
    } catch (err) {
      ok = false;
      result = err;
    }
    if (this.closed !== null) return;
    try {
      this.send(ok ? [RESOLVE, callId, prepare(result)] : [REJECT, callId, errorValue(result)]);
    } catch (err) {
      // The answer could not be sent (a DataCloneError): the caller gets why.
      if (this.closed === null) this.send([REJECT, callId, errorValue(err)]);
    }
  }

  // The caller's side ends the session once nothing more can come of it.
  checkIdle() {
    if (this.isCaller && this.closed === null && this.topDone && this.liveImports === 0 && this.calls.size === 0) {
      native.rpcClose(this.id, '');
      this.ended('');
    }
  }

  ended(reason) {
    if (this.closed !== null) return;
    this.closed = reason;
    sessions.delete(this.id);
    const error = closedError(reason);
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.exports.clear();
    if (this.onClosed) this.onClosed();
  }
}

function closedError(reason) {
  return new Error(reason || 'The RPC session has ended: the stub was used after its call or request was done.');
}

internals.rpcReceive = (id, bytes) => {
  const session = sessions.get(id);
  if (session) session.receive(bytes);
};
internals.rpcClosed = (id, reason) => {
  const session = sessions.get(id);
  if (session) session.ended(reason);
};

// The member `name` of `target` as RPC exposes it: for RpcTargets and
// entrypoints, what their class (not the instance) defines; stubs forward.
function member(target, name) {
  if (typeof name !== 'string' || name === 'constructor') throw notImplemented(name);
  if (target instanceof RpcTarget || target instanceof WorkerEntrypoint || target instanceof DurableObject) {
    for (let proto = Object.getPrototypeOf(target); proto !== null && !kBasePrototypes.has(proto);
      proto = Object.getPrototypeOf(proto)) {
      if (Object.prototype.hasOwnProperty.call(proto, name)) return target[name];
    }
    throw notImplemented(name);
  }
  if (stubs.has(target)) return target[name];
  throw notImplemented(name);
}

async function invoke(target, path, isCall, args) {
  if (target === null || target === undefined) throw notImplemented(path[path.length - 1] ?? 'call');
  let receiver;
  let value = target;
  for (const name of path) {
    receiver = await value;
    value = member(receiver, name);
  }
  if (!isCall) return await value;
  if (typeof value !== 'function') throw notImplemented(path[path.length - 1] ?? 'call');
  return Reflect.apply(value, receiver, args);
}

// ---- the caller's side: stubs and RPC promises ----

// A thenable that is also callable and whose properties pipeline:
// `then` waits for `settle()`, `p.x` is the property `x` of what it
// resolves to, `p(...)` calls `call(args)`.
function rpcThenable(settle, member, call) {
  let promise;
  const get = () => (promise ??= settle());
  const proxy = new Proxy(function () {}, {
    get(_, prop) {
      if (prop === 'then') return (a, b) => get().then(a, b);
      if (prop === 'catch') return (b) => get().catch(b);
      if (prop === 'finally') return (f) => get().finally(f);
      if (prop === Symbol.dispose) return () => { get().then((v) => disposeValue(v), () => {}); };
      if (typeof prop === 'symbol') return undefined;
      return member(prop);
    },
    apply(_, thisArg, args) { return call(args); },
    set() { throw new TypeError('RPC stubs and promises are read-only.'); },
  });
  stubs.add(proxy);
  return proxy;
}

function disposeValue(value) {
  if (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value[Symbol.dispose] === 'function') {
    value[Symbol.dispose]();
  }
}

// The result of an RPC call: a promise whose properties and methods can be
// used before it settles (promise pipelining).
function rpcPromise(promise) {
  return rpcThenable(() => promise, (prop) => pipelined(promise, [prop]),
    () => { throw new TypeError('An RPC promise is not a function.'); });
}

function pipelined(promise, path) {
  const resolve = async () => {
    let value = await promise;
    for (const name of path) value = await value[name];
    return value;
  };
  return rpcThenable(resolve, (prop) => pipelined(promise, [...path, prop]), (args) => rpcPromise((async () => {
    let receiver = await promise;
    for (const name of path.slice(0, -1)) receiver = await receiver[name];
    const fn = receiver[path[path.length - 1]];
    if (typeof fn !== 'function') throw notImplemented(path[path.length - 1]);
    return Reflect.apply(fn, receiver, args);
  })()));
}

// A stub of capability `capId` of `session`: its properties are remote
// reads and calls; it is callable when the capability is a function.
function makeStub(session, capId, shared = { count: 0 }) {
  session.liveImports += shared.count === 0 ? 1 : 0;
  shared.count++;
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    if (--shared.count > 0) return;
    session.liveImports--;
    if (session.closed === null) {
      try { session.send([RELEASE, capId]); } catch {}
      session.checkIdle();
    }
  };
  const property = (path) => rpcThenable(() => session.request(GET, capId, path),
    (prop) => property([...path, prop]), (args) => rpcPromise(session.request(CALL, capId, path, args)));
  const stub = new Proxy(function () {}, {
    get(_, prop) {
      if (prop === Symbol.dispose) return dispose;
      if (prop === 'dup') return () => makeStub(session, capId, shared);
      if (prop === 'then' || typeof prop === 'symbol') return undefined;  // a stub is not a promise
      return property([prop]);
    },
    apply(_, thisArg, args) { return rpcPromise(session.request(CALL, capId, [], args)); },
    set() { throw new TypeError('RPC stubs are read-only.'); },
  });
  stubs.add(stub);
  return stub;
}

// A call or read on a service binding: a new session with the callee.
function serviceRequest(descriptor, kind, path, args) {
  const session = new Session(native.rpcOpen(descriptor));
  session.isCaller = true;
  const promise = session.request(kind, 0, path, args);
  const done = () => {
    session.topDone = true;
    // After the answer's stubs exist (they are made as it is read).
    queueMicrotask(() => session.checkIdle());
  };
  promise.then(done, done);
  return promise;
}

// env.SVC for a service binding: fetch() goes to the worker as an HTTP
// request; any other property is an RPC method of its entrypoint.
function makeServiceBinding(service, entrypoint, propsJson) {
  const descriptor = [service, entrypoint, propsJson];
  const fetcher = {
    fetch: (input, init) => internals.fetchVia(descriptor, input, init),
  };
  const entry = (path) => rpcThenable(() => serviceRequest(descriptor, GET, path),
    (prop) => entry([...path, prop]), (args) => rpcPromise(serviceRequest(descriptor, CALL, path, args)));
  return new Proxy(fetcher, {
    get(target, prop) {
      if (prop === 'fetch') return target.fetch;
      if (prop === Symbol.toStringTag) return 'Fetcher';
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      // What every object has (toString, valueOf…) stays itself.
      if (prop in Object.prototype) return Object.prototype[prop];
      return entry([prop]);
    },
    set() { throw new TypeError('A service binding is read-only.'); },
  });
}

// ---- the callee's side ----

// A session this isolate serves for request `rid`, whose capability 0 is
// `target` (or whose every call fails with `error`); `onClosed` runs when
// it ends.
internals.serveRpc = (id, target, error, onClosed) => {
  const session = new Session(id);
  session.exports.set(0, target);
  session.bootstrapError = error;
  session.onClosed = onClosed;
  return session;
};

Object.assign(internals, { RpcTarget, WorkerEntrypoint, DurableObject, WorkflowEntrypoint, makeServiceBinding });
