'use strict';
// The Workers Cache API: `caches.default` and `await caches.open(name)`, each
// a Cache with match(), put() and delete(), as Cloudflare's docs describe
// them (developers.cloudflare.com/workers/runtime-apis/cache), over the
// natives in src/runtime/cache_natives.cc, which keep the entries in the
// node's edge cache store.
//
// This half coerces the key (a Request or a URL), throws the TypeErrors
// Cloudflare's runtime throws, and consumes the response body; the natives
// decide what is stored (Cache-Control, Expires, Set-Cookie, Cache-Tag) and
// answer match() with Range and conditional requests. The store is local,
// so the natives answer synchronously; every method still returns a promise.

const { Request, Response, URL, headersToPairs, headersFromPairs, headersSetGuard } = internals;
const kToken = Symbol('verge.cache');
// workerd's limit, there to bound a control header; kept for parity.
const kMaxNameBytes = 1024;
// The largest object Cloudflare caches (Free, Pro and Business plans).
const kMaxBodyBytes = 512 * 1024 * 1024;
const kNullBodyStatus = new Set([101, 204, 205, 304]);

let available;
function checkAvailable() {
  if (available === undefined) available = native.cacheAvailable();
  if (!available) throw new Error('the Cache API is not available on this node');
}

// Request.coerce(): a Request is used as is, anything else is a URL.
function coerce(request) {
  return request instanceof Request ? request : new Request(request);
}

// The key's absolute URL, without fragment (the Service Worker cache key
// excludes it), and its host and path+query for purge.
function keyOf(request) {
  let url;
  try {
    url = new URL(request.url);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError('Invalid URL. Cache API keys must be fully-qualified, valid URLs.');
  }
  url.hash = '';
  return { href: url.href, host: url.hostname, path: url.pathname + url.search };
}

function ignoresMethod(options) {
  if (options === undefined || options === null) return false;
  if (typeof options !== 'object') throw new TypeError("The provided value is not of type 'CacheQueryOptions'.");
  return !!options.ignoreMethod;
}

// Reads the whole body as chunks (no concatenation in JS). Returns null when
// it is larger than Cloudflare would cache; the body is consumed either way.
async function readChunks(response, coding) {
  if (response.bodyUsed) {
    throw new TypeError('Body has already been used. It can only be used once. Use tee() first if you need to read it twice.');
  }
  let stream = response.body;
  if (stream !== null && coding !== null) stream = stream.pipeThrough(new internals.CompressionStream(coding));
  if (stream === null) return [];
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const bytes = internals.bodyChunkBytes(value);
    total += bytes.byteLength;
    if (total > kMaxBodyBytes) {
      await reader.cancel(new RangeError('the response is too large to cache')).catch(() => {});
      return null;
    }
    if (bytes.byteLength > 0) chunks.push(bytes);
  }
  return chunks;
}

class Cache {
  #name;
  constructor(token, name) {
    if (token !== kToken) throw new TypeError('Illegal constructor: use caches.default or caches.open(name).');
    this.#name = name;
  }

  async match(request, options) {
    const req = coerce(request);
    if (!ignoresMethod(options) && req.method !== 'GET') return undefined;
    const key = keyOf(req);
    checkAvailable();
    const r = native.cacheMatch(this.#name, key.href, headersToPairs(req.headers));
    if (r === null) return undefined;
    const [status, statusText, pairs, bytes, sourceId] = r;
    let body = null;
    if (!kNullBodyStatus.has(status)) {
      if (bytes !== null) body = bytes;
      else if (sourceId) body = internals.makeSourceStream(sourceId);
      // Stored encoded: decoded for the worker, as a fetch() response is.
      const coding = internals.compressionOf(pairs);
      if (body !== null && coding !== null) {
        if (bytes !== null) body = new internals.Blob([bytes]).stream();
        body = body.pipeThrough(new internals.DecompressionStream(coding));
      }
    }
    const response = new Response(body, { status, statusText, headers: headersFromPairs(pairs) });
    // Like a fetch() response: clone it into a new Response to change it.
    headersSetGuard(response.headers, 'immutable');
    return response;
  }

  async put(request, response) {
    if (!(response instanceof Response)) {
      throw new TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
    }
    if (response.type === 'error') throw new TypeError('Cache is unable to store an error response');
    const req = coerce(request);
    if (req.method !== 'GET') throw new TypeError('Cannot cache response to non-GET request.');
    if (response.status === 206) throw new TypeError('Cannot cache response to a range request (206 Partial Content).');
    const vary = response.headers.get('vary');
    if (vary !== null && vary.includes('*')) throw new TypeError("Cannot cache response with 'Vary: *' header.");
    const key = keyOf(req);
    // workerd discards a 304 silently, leaving its body alone.
    if (response.status === 304) return undefined;
    checkAvailable();
    // A body that says Content-Encoding gzip or br is stored encoded, as it
    // would go on the wire (the cache may serve it to clients directly).
    const [coding, pairs] = internals.wireEncoding(response, headersToPairs(response.headers));
    const chunks = await readChunks(response, coding);
    if (chunks === null) return undefined;
    // Resolves to undefined whether or not the response was stored.
    native.cachePut(this.#name, key.href, key.host, key.path, headersToPairs(req.headers),
      response.status, pairs, chunks);
    return undefined;
  }

  async delete(request, options) {
    const req = coerce(request);
    if (!ignoresMethod(options) && req.method !== 'GET') return false;
    const key = keyOf(req);
    checkAvailable();
    return native.cacheDelete(this.#name, key.href);
  }

  // Cloudflare does not implement these.
  add() { return Promise.reject(new TypeError('Cache.add() is not implemented; use fetch() and Cache.put().')); }
  addAll() { return Promise.reject(new TypeError('Cache.addAll() is not implemented; use fetch() and Cache.put().')); }

  get [Symbol.toStringTag]() { return 'Cache'; }
}

class CacheStorage {
  #default;
  constructor(token) {
    if (token !== kToken) throw new TypeError('Illegal constructor: use the global caches.');
    this.#default = new Cache(kToken, '');
  }

  get default() { return this.#default; }

  async open(cacheName) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'open' on 'CacheStorage': 1 argument required, but only 0 present.");
    const name = String(cacheName);
    if (native.utf8Encode(name).byteLength >= kMaxNameBytes) throw new TypeError('Cache name is too long.');
    return new Cache(kToken, name);
  }

  get [Symbol.toStringTag]() { return 'CacheStorage'; }
}

internals.Cache = Cache;
internals.CacheStorage = CacheStorage;
internals.caches = new CacheStorage(kToken);
