'use strict';
// Runs the user's worker: module syntax (`export default { fetch }`) or
// service-worker syntax (`addEventListener('fetch', ...)`), the `ctx` object,
// and turning what the handler returns into bytes on the wire.

const { Request, Response, URL, DOMException, makeIncomingRequest, kBody, headersToPairs } = internals;

let env = {};
let serviceWorker = false;
let originUrl = '';
let moduleExports = null;
let compatFlags = [];
const hasFlag = (flag) => compatFlags.includes(flag);
const nodeCompat = () => hasFlag('nodejs_compat') || hasFlag('nodejs_compat_v2');
// The runtime adds nodejs_compat_v2 when the compatibility date implies it.
const nodeCompatV2 = () => hasFlag('nodejs_compat_v2');

internals.configureWorker = (workerEnv, isServiceWorker, origin, flags) => {
  env = workerEnv;
  serviceWorker = isServiceWorker;
  originUrl = origin || '';
  compatFlags = flags || [];
  if (nodeCompatV2() && internals.installNodeGlobals) {
    internals.installNodeGlobals(globalThis, hasFlag('nodejs_compat_populate_process_env') ? env : null);
  }
};
internals.setModuleExports = (ns) => { moduleExports = ns; };
internals.workerEnv = () => env;
internals.isServiceWorker = () => serviceWorker;

function describe(err) {
  if (err instanceof Error || (err && typeof err.stack === 'string')) return internals.mapStack(err.stack || String(err));
  try { return 'Uncaught ' + internals.inspect(err); } catch { return 'Uncaught ' + String(err); }
}

function isStackOverflow(err) {
  return err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message);
}

internals.reportError = (err) => native.log('error', 'Uncaught ' + describe(err));

class ExecutionContext {
  #rid; #props; #passThrough = false;
  constructor(rid, props = {}) {
    this.#rid = rid;
    this.#props = props;
  }
  waitUntil(promise) {
    const rid = this.#rid;
    native.waitUntilBegin(rid);
    Promise.resolve(promise).then(
      () => native.waitUntilEnd(rid),
      (err) => { internals.reportError(err); native.waitUntilEnd(rid); });
  }
  passThroughOnException() {
    this.#passThrough = true;
  }
  // What the service binding that called this worker passed (`props` in
  // its config); {} otherwise.
  get props() { return this.#props; }
  static passThrough(ctx) { return ctx.#passThrough; }
}
internals.ExecutionContext = ExecutionContext;

// ---- cloudflare:workers ----
const { WorkerEntrypoint, DurableObject, WorkflowEntrypoint, RpcTarget } = internals;

// waitUntil() of the request being handled, for code that has no ctx.
function waitUntil(promise) {
  const rid = native.currentRequest();
  if (!rid) throw new Error('waitUntil() can only be called while a request is being handled.');
  new ExecutionContext(rid).waitUntil(promise);
}

// verge:bundle, imported by the bundler's keepNames helper only.
let vergeBundle;
const nameAnonymousFunction = native.nameAnonymousFunction;

let cloudflareWorkers;
internals.builtinModule = (specifier) => {
  if (specifier === 'verge:bundle') {
    vergeBundle ??= { nameFunction: (fn, name) => nameAnonymousFunction(fn, name) };
    return vergeBundle;
  }
  if (specifier === 'cloudflare:workers') {
    cloudflareWorkers ??= { WorkerEntrypoint, DurableObject, WorkflowEntrypoint, RpcTarget, env, waitUntil };
    return cloudflareWorkers;
  }
  if (specifier === 'cloudflare:sockets') return internals.socketsModule();
  const node = internals.nodeModule;
  // Version 1 of nodejs_compat takes node:-prefixed names only.
  if (node && nodeCompat() && (nodeCompatV2() || specifier.startsWith('node:'))) return node(specifier);
  if (node && hasFlag('nodejs_als') && specifier === 'node:async_hooks') return node(specifier);
  return undefined;
};

// import(): the namespace once the module's evaluation promise settles.
internals.importResult = (evaluation, namespace) => Promise.resolve(evaluation).then(() => namespace);

class FetchEvent extends internals.Event {
  #request; #ctx; #response = null;
  constructor(type, request, ctx) {
    super(type, { cancelable: true });
    this.#request = request;
    this.#ctx = ctx;
  }
  get request() { return this.#request; }
  respondWith(response) {
    if (this.#response) throw new DOMException('respondWith() was already called.', 'InvalidStateError');
    this.#response = Promise.resolve(response);
    this.stopImmediatePropagation();
  }
  waitUntil(promise) { this.#ctx.waitUntil(promise); }
  passThroughOnException() { this.#ctx.passThroughOnException(); }
  static responseOf(event) { return event.#response; }
}
internals.FetchEvent = FetchEvent;

// The export that serves a call: the default one, or the named one a
// service binding's `entrypoint` says.
function entrypointExport(name) {
  if (!name) return moduleExports && moduleExports.default;
  const value = moduleExports ? moduleExports[name] : undefined;
  if (value === undefined) throw new Error(`The worker has no export named "${name}" (the entrypoint a service binding names).`);
  return value;
}

function callHandler(request, ctx, entrypoint) {
  if (serviceWorker) {
    // addEventListener('fetch', ...) on the global scope (globals.js).
    const fetchListeners = internals.eventListenerCallbacks(internals.globalEventTarget, 'fetch');
    if (fetchListeners.length === 0) throw new Error('No fetch event listener: call addEventListener("fetch", event => event.respondWith(...)).');
    const event = new FetchEvent('fetch', request, ctx);
    for (const listener of fetchListeners) {
      if (typeof listener === 'function') listener.call(globalThis, event);
      else listener.handleEvent(event);
      if (FetchEvent.responseOf(event)) break;
    }
    const response = FetchEvent.responseOf(event);
    if (!response) throw new Error('No fetch event listener called event.respondWith().');
    return response;
  }
  const handler = entrypointExport(entrypoint);
  if (!handler) throw new Error("The worker's main module has no default export; export default { async fetch(request, env, ctx) { ... } }.");
  if (isEntrypointClass(handler)) {
    // `export default class extends WorkerEntrypoint`: an instance per
    // request, with ctx and env on `this`.
    const entrypoint = new handler(ctx, env);
    if (typeof entrypoint.fetch !== 'function') throw new Error('Handler does not export a fetch() function.');
    return entrypoint.fetch(request);
  }
  if (typeof handler.fetch !== 'function') throw new Error('Handler does not export a fetch() function.');
  return handler.fetch(request, env, ctx);
}

function isEntrypointClass(value) {
  return typeof value === 'function' && typeof value.prototype === 'object' && value.prototype !== null &&
    (value.prototype instanceof WorkerEntrypoint || typeof value.prototype.fetch === 'function');
}

function propsOf(json) {
  return json ? JSON.parse(json) : {};
}

// request.cf's geolocation fields (RequestInfo::cf_geo, a JSON object's
// text), parsed once per distinct text: a node sees the same few records
// again and again, and a Map lookup costs less than JSON.parse.
const geoObjects = new Map();
function geoFields(text) {
  let geo = geoObjects.get(text);
  if (geo === undefined) {
    if (geoObjects.size >= 512) geoObjects.clear();
    geo = JSON.parse(text);
    geoObjects.set(text, geo);
  }
  return geo;
}

internals.dispatchFetch = (rid, method, url, headerBlob, sourceId, cfParts, entrypoint, propsJson) => {
  const cf = { httpProtocol: cfParts[0], clientTcpRtt: 0, colo: cfParts[2] };
  if (cfParts[1]) cf.tlsVersion = cfParts[1];
  if (cfParts[4]) Object.assign(cf, geoFields(cfParts[4]));
  const request = makeIncomingRequest(method, url, headerBlob, sourceId, cf);
  let ctx, result;
  try {
    ctx = new ExecutionContext(rid, propsOf(propsJson));
    result = callHandler(request, ctx, entrypoint);
  } catch (err) {
    handleFailure(rid, err, request, ctx);
    return;
  }
  if (result instanceof Response) {
    sendResponse(rid, result);
  } else {
    Promise.resolve(result).then((r) => sendResponse(rid, r), (err) => handleFailure(rid, err, request, ctx));
  }
};

// An RPC session through a service binding (rpc.js): a new instance of
// the entrypoint class serves its calls; the request ends with the session.
internals.dispatchRpc = (rid, sid, entrypoint, propsJson) => {
  let target = null, error;
  try {
    const handler = entrypointExport(entrypoint);
    if (isEntrypointClass(handler)) target = new handler(new ExecutionContext(rid, propsOf(propsJson)), env);
  } catch (err) {
    error = err;
  }
  internals.serveRpc(sid, target, error, () => native.respond(rid, 200, [], null));
};

function handleFailure(rid, err, request, ctx) {
  if (isStackOverflow(err)) {
    native.respFail(rid, 'limit', 'stack overflow: ' + describe(err));
    return;
  }
  if (ctx && ExecutionContext.passThrough(ctx) && originUrl && !request.bodyUsed) {
    native.log('warn', 'worker threw; passing the request through to the origin: ' + describe(err));
    const u = new URL(request.url);
    const target = new URL(u.pathname + u.search, originUrl).href;
    internals.fetch(new Request(target, request)).then(
      (r) => sendResponse(rid, r),
      (e) => native.respFail(rid, 'exception', describe(e)));
    return;
  }
  native.respFail(rid, 'exception', describe(err));
}

function sendResponse(rid, response) {
  if (!(response instanceof Response)) {
    native.respFail(rid, 'exception', "TypeError: Incorrect type for Promise: the Promise did not resolve to 'Response'.");
    return;
  }
  if (response.webSocket !== null) {
    // 101: the client's connection becomes the other end of the pair.
    try {
      internals.upgradeToWebSocket(rid, response);
    } catch (err) {
      native.respFail(rid, 'exception', describe(err));
    }
    return;
  }
  const status = response.status === 0 ? 500 : response.status;
  const state = response[kBody];
  let headers = headersToPairs(response.headers);
  if (!state) {
    native.respond(rid, status, headers, null);
    return;
  }
  // encodeBody "automatic": a body whose Content-Encoding says gzip or br is
  // compressed here (workerd's behaviour); its length is then unknown.
  const [coding, wireHeaders] = internals.wireEncoding(response, headers);
  if (coding !== null) {
    native.respWriteHead(rid, status, wireHeaders, -1);
    pump(rid, response.body.pipeThrough(new internals.CompressionStream(coding)));
    return;
  }
  if (state.bytes !== null && !state.stream && !state.used) {
    // Fast path: the whole body is in memory (bytes, or a string written as
    // UTF-8 by the server): head, body and end in one call.
    native.respond(rid, status, headers, state.bytes);
    return;
  }
  let length = -1;
  const declared = response.headers.get('content-length');
  const body = response.body;
  if (declared !== null && /^\d+$/.test(declared)) length = Number(declared);
  else length = internals.knownStreamLength(body);
  native.respWriteHead(rid, status, headers, length);
  pump(rid, body);
}

async function pump(rid, stream) {
  let reader;
  try {
    reader = stream.getReader();
  } catch (err) {
    native.respFail(rid, 'exception', describe(err));
    return;
  }
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const bytes = internals.bodyChunkBytes(value);
      if (bytes.byteLength === 0) continue;
      try {
        await native.respWrite(rid, bytes, false);
      } catch {
        reader.cancel(new Error('client disconnected')).catch(() => {});
        return;
      }
    }
    native.respFinish(rid);
  } catch (err) {
    reader.cancel(err).catch(() => {});
    native.respFail(rid, isStackOverflow(err) ? 'limit' : 'exception', describe(err));
  }
}
