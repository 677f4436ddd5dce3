'use strict';
// Request, Response, the Body mixin and fetch() (Fetch Standard, with
// Cloudflare Workers' differences: no CORS, no forbidden headers, manual
// redirects return the real 3xx response, `cf` on requests).

const { Headers, headersFromPairs, headersFromBlob, headersToPairs, headersSetGuard, URL, URLSearchParams } = internals;

// ---- bodies ----

// A body is bytes we already hold, a ReadableStream, or a native source (the
// incoming request's body, a fetched response's body) read on demand.
class BodyState {
  constructor(bytes, stream, sourceId) {
    // Uint8Array | string | null. A string body stays a string until someone
    // needs its bytes: the server writes it as UTF-8 directly.
    this.bytes = bytes;
    this.stream = stream;      // ReadableStream | null (created lazily for bytes/source)
    this.sourceId = sourceId;  // native body source id, 0 = none
    this.used = false;
  }
}

// Whether an incoming request's headers (the server's blob, headers.js
// blobValue) have a Content-Length: a request that says "Content-Length: 0"
// has an empty body, not none, as in workerd.
function hasContentLength(blob) {
  return blob.includes('\ncontent-length:');
}

function streamFromSource(sourceId) {
  return new internals.ReadableStream({
    pull(controller) {
      return native.bodyRead(sourceId).then((chunk) => {
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      });
    },
    cancel() { native.bodyCancel(sourceId); },
  }, { highWaterMark: 0 });
}

// Streams made from a body whose bytes are all known, with their length: a
// Response built on one (new Response(other.body, other)) is sent with that
// Content-Length instead of chunked, as workerd does.
const streamLengths = new WeakMap();

function streamFromBytes(bytes) {
  const stream = new internals.ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
  streamLengths.set(stream, bytes.byteLength);
  return stream;
}

internals.setStreamLength = (stream, n) => { streamLengths.set(stream, n); };

// The length of `stream`'s bytes if it is one of those and nothing has read
// it yet, else -1.
internals.knownStreamLength = (stream) => {
  const n = streamLengths.get(stream);
  return n === undefined || internals.isDisturbed(stream) ? -1 : n;
};

function toBytes(view) {
  if (view instanceof ArrayBuffer) return new Uint8Array(view.slice(0));
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

// Fetch's "extract a body": returns [state, default content type].
function extractBody(init) {
  if (init === null || init === undefined) return [null, null];
  if (typeof init === 'string') return [new BodyState(init, null, 0), 'text/plain;charset=UTF-8'];
  if (init instanceof ArrayBuffer || ArrayBuffer.isView(init)) return [new BodyState(toBytes(init), null, 0), null];
  if (internals.isReadableStream(init)) {
    if (init.locked || internals.isDisturbed(init)) {
      throw new TypeError('This ReadableStream is disturbed or locked and cannot be used as a body.');
    }
    return [new BodyState(null, init, 0), null];
  }
  if (init instanceof URLSearchParams) {
    return [new BodyState(native.utf8Encode(init.toString()), null, 0), 'application/x-www-form-urlencoded;charset=UTF-8'];
  }
  if (init instanceof internals.Blob) {
    return [new BodyState(internals.blobBytes(init).slice(), null, 0), init.type || null];
  }
  if (init instanceof internals.FormData) return encodeMultipart(init);
  return [new BodyState(native.utf8Encode(String(init)), null, 0), 'text/plain;charset=UTF-8'];
}

function encodeMultipart(formData) {
  const rnd = new Uint8Array(12);
  native.randomFill(rnd);
  let boundary = '----verge';
  for (const b of rnd) boundary += b.toString(16).padStart(2, '0');
  const parts = [];
  const esc = (s) => s.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
  for (const [name, value] of internals.formDataEntries(formData)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(name)}"`;
    if (typeof value === 'string') {
      parts.push(native.utf8Encode(`${head}\r\n\r\n${value}\r\n`));
    } else {
      head += `; filename="${esc(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
      parts.push(native.utf8Encode(head), internals.blobBytes(value), native.utf8Encode('\r\n'));
    }
  }
  parts.push(native.utf8Encode(`--${boundary}--\r\n`));
  return [new BodyState(concatBytes(parts), null, 0), `multipart/form-data; boundary=${boundary}`];
}

function concatBytes(chunks) {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c instanceof Uint8Array ? c : new Uint8Array(c.buffer || c, c.byteOffset || 0, c.byteLength), off);
    off += c.byteLength;
  }
  return out;
}

async function readSource(sourceId) {
  const chunks = [];
  for (;;) {
    const chunk = await native.bodyRead(sourceId);
    if (chunk === null) break;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
}

const kBody = Symbol('verge.body');

// Shared by Request and Response (workerd has the same Body base class).
class Body {
  get body() {
    const s = this[kBody];
    if (!s) return null;
    if (!s.stream) {
      if (s.used && s.bytes === null && !s.sourceId) {
        // Read already (text(), arrayBuffer()…): a stream that is done, and
        // disturbed, so it cannot be read or used as a body again.
        s.stream = streamFromBytes(new Uint8Array(0));
        const reader = s.stream.getReader();
        reader.read();
        reader.releaseLock();
        return s.stream;
      }
      s.stream = s.sourceId ? streamFromSource(s.sourceId) : streamFromBytes(materialize(s.bytes));
      s.bytes = null;
      s.sourceId = 0;
    }
    return s.stream;
  }
  get bodyUsed() {
    const s = this[kBody];
    return !!s && (s.used || (!!s.stream && internals.isDisturbed(s.stream)));
  }
  async arrayBuffer() {
    const bytes = await consume(this);
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  async bytes() { return new Uint8Array(await this.arrayBuffer()); }
  async text() {
    const s = this[kBody];
    if (s && typeof s.bytes === 'string' && !s.stream && !s.used) {
      s.used = true;  // a string body read back as a string: no round trip
      const text = s.bytes;
      s.bytes = null;
      return text;
    }
    return native.utf8Decode(await consume(this), false, false);
  }
  async json() { return JSON.parse(await this.text()); }
  async blob() {
    const bytes = await consume(this);
    return new internals.Blob([bytes], { type: this.headers.get('content-type') || '' });
  }
  async formData() {
    const rawType = this.headers.get('content-type') || '';
    const type = rawType.toLowerCase();
    if (type.startsWith('application/x-www-form-urlencoded')) {
      const fd = new internals.FormData();
      for (const [k, v] of new URLSearchParams(await this.text())) fd.append(k, v);
      return fd;
    }
    // The boundary keeps its case (browsers send ----WebKitFormBoundary…).
    if (type.startsWith('multipart/form-data')) return parseMultipart(await consume(this), rawType);
    throw new TypeError('formData() needs a body of type multipart/form-data or application/x-www-form-urlencoded, got "' + type + '".');
  }
}

function consume(obj) {
  const s = obj[kBody];
  if (!s) return Promise.resolve(new Uint8Array(0));
  if (obj.bodyUsed) {
    return Promise.reject(new TypeError('Body has already been used. It can only be used once. Use tee() first if you need to read it twice.'));
  }
  s.used = true;
  if (s.stream) {
    if (s.stream.locked) return Promise.reject(new TypeError('The body stream is locked to a reader.'));
    return internals.readAllBytes(s.stream);
  }
  if (s.sourceId) {
    const id = s.sourceId;
    s.sourceId = 0;
    return readSource(id);
  }
  const bytes = materialize(s.bytes);
  s.bytes = null;
  return Promise.resolve(bytes);
}

function materialize(bytes) {
  return typeof bytes === 'string' ? native.utf8Encode(bytes) : bytes;
}

function parseMultipart(bytes, type) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!m) throw new TypeError('multipart/form-data body has no boundary parameter.');
  const boundary = m[1] || m[2];
  // Latin-1 view of the bytes so indexes match byte offsets.
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  const fd = new internals.FormData();
  const delim = '--' + boundary;
  let pos = text.indexOf(delim);
  if (pos < 0) throw new TypeError('multipart/form-data body does not contain its boundary.');
  for (;;) {
    pos += delim.length;
    if (text.startsWith('--', pos)) break;
    if (text.startsWith('\r\n', pos)) pos += 2;
    const headEnd = text.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new TypeError('malformed multipart/form-data part.');
    const head = text.slice(pos, headEnd);
    const next = text.indexOf('\r\n' + delim, headEnd + 4);
    if (next < 0) throw new TypeError('multipart/form-data body is truncated.');
    const content = bytes.subarray(headEnd + 4, next);
    const disp = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(head);
    const file = /filename="([^"]*)"/i.exec(head);
    const ctype = /content-type:\s*([^\r\n]*)/i.exec(head);
    const name = disp ? decodeLatin1Utf8(disp[1]) : '';
    if (file) {
      fd.append(name, new internals.File([content.slice()], decodeLatin1Utf8(file[1]), { type: ctype ? ctype[1] : '' }));
    } else {
      fd.append(name, native.utf8Decode(content, false, false));
    }
    pos = next + 2;
  }
  return fd;
}

function decodeLatin1Utf8(s) {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return native.utf8Decode(b, false, true);
}

function cloneBody(obj) {
  const s = obj[kBody];
  if (!s) return null;
  if (obj.bodyUsed) throw new TypeError('Body has already been used. It can only be used once. Use tee() first if you need to read it twice.');
  if (s.bytes !== null && !s.stream) return new BodyState(s.bytes, null, 0);
  const [a, b] = obj.body.tee();
  s.stream = a;
  return new BodyState(null, b, 0);
}

// ---- Request ----

const kToken = Symbol('verge.internal');
// Fetch normalises these case-insensitively (but not PATCH).
const kMethods = new Map(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].map((m) => [m.toLowerCase(), m]));
const kTokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normalizeMethod(method) {
  method = String(method);
  if (!kTokenRe.test(method)) throw new TypeError(`Invalid HTTP method "${method}".`);
  return kMethods.get(method.toLowerCase()) || method;
}

function parseUrl(input, what) {
  try {
    return new URL(input).href;
  } catch {
    throw new TypeError(`${what}: Invalid URL "${input}"`);
  }
}

class Request extends Body {
  #method; #url; #headers; #headerBlob; #redirect; #signal; #cf;

  constructor(input, init) {
    super();
    if (input === kToken) {
      // Incoming request from the server: trusted, headers built lazily.
      const [method, url, headerBlob, sourceId, cf] = init;
      this.#method = method;
      this.#url = url;
      this.#headerBlob = headerBlob;
      this.#redirect = 'manual';
      this.#cf = cf;
      this[kBody] = sourceId ? new BodyState(null, null, sourceId)
        : method !== 'GET' && method !== 'HEAD' && hasContentLength(headerBlob) ? new BodyState(new Uint8Array(0), null, 0)
        : null;
      return;
    }
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    if (init !== undefined && init !== null && typeof init !== 'object') {
      throw new TypeError("Failed to construct 'Request': The provided value is not of type 'RequestInit'.");
    }
    init = init || {};
    let base = null;
    if (input instanceof Request) {
      base = input;
      this.#url = input.url;
    } else {
      this.#url = parseUrl(String(input), "Failed to construct 'Request'");
    }
    this.#method = init.method !== undefined ? normalizeMethod(init.method) : base ? base.method : 'GET';
    const redirect = init.redirect !== undefined ? String(init.redirect) : base ? base.redirect : 'follow';
    if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') {
      throw new TypeError(`Invalid redirect value "${redirect}"; expected "follow", "manual" or "error".`);
    }
    this.#redirect = redirect;
    this.#signal = init.signal !== undefined ? init.signal : base ? base.signal : null;
    this.#cf = init.cf !== undefined ? init.cf : base ? base.cf : undefined;
    this.#headers = new Headers(init.headers !== undefined ? init.headers : base ? base.headers : undefined);

    let state = null;
    if (init.body !== undefined && init.body !== null) {
      const [s, type] = extractBody(init.body);
      state = s;
      if (type && !this.#headers.has('content-type')) this.#headers.set('content-type', type);
    } else if (base && base[kBody] && init.body === undefined) {
      if (base.bodyUsed) throw new TypeError('Cannot construct a Request with a Request whose body has already been used.');
      // The new request takes over the old one's body (Fetch: it is disturbed).
      const s = base[kBody];
      state = new BodyState(s.bytes, s.stream, s.sourceId);
      s.used = true;
    }
    if (state && (this.#method === 'GET' || this.#method === 'HEAD')) {
      throw new TypeError('Request with a GET or HEAD method cannot have a body.');
    }
    this[kBody] = state;
  }

  get method() { return this.#method; }
  get url() { return this.#url; }
  get headers() {
    if (!this.#headers) {
      this.#headers = headersFromBlob(this.#headerBlob);
      this.#headerBlob = null;
      headersSetGuard(this.#headers, 'immutable');
    }
    return this.#headers;
  }
  get redirect() { return this.#redirect; }
  get signal() {
    if (!this.#signal) this.#signal = new internals.AbortController().signal;
    return this.#signal;
  }
  get cf() { return this.#cf; }
  get integrity() { return ''; }
  get keepalive() { return false; }
  clone() {
    const r = new Request(this.#url, { method: this.#method, headers: this.headers, redirect: this.#redirect, signal: this.#signal || undefined, cf: this.#cf });
    r[kBody] = cloneBody(this);
    return r;
  }
  get [Symbol.toStringTag]() { return 'Request'; }
}

// ---- Response ----

// Response.json's Content-Type for the body of the Response it constructs.
let nextBodyType = null;
const kNullBodyStatus = new Set([101, 204, 205, 304]);
const kRedirectStatus = new Set([301, 302, 303, 307, 308]);

class Response extends Body {
  #status; #statusText; #headers; #type; #url; #redirected; #webSocket = null;
  // 'automatic': a body whose Content-Encoding is gzip or br is compressed
  // on the wire (and a fetched one was decoded); 'manual': bytes as they are.
  #encodeBody = 'automatic';

  constructor(body = null, init) {
    super();
    const bodyType = nextBodyType;
    nextBodyType = null;
    if (body === kToken) {
      // From fetch(): origin values are taken as they are.
      const [status, statusText, headerPairs, state, url, redirected, encodeBody] = init;
      if (encodeBody !== undefined) this.#encodeBody = encodeBody;
      this.#status = status;
      this.#statusText = statusText;
      this.#headers = headersFromPairs(headerPairs);
      headersSetGuard(this.#headers, 'immutable');
      this.#type = 'basic';
      this.#url = url;
      this.#redirected = redirected;
      this[kBody] = state;
      return;
    }
    if (init !== undefined && init !== null && typeof init !== 'object') {
      throw new TypeError("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
    }
    init = init || {};
    const status = init.status !== undefined ? Number(init.status) : 200;
    const webSocket = init.webSocket === undefined ? null : init.webSocket;
    if (webSocket !== null) {
      if (!(webSocket instanceof internals.WebSocket)) throw new TypeError("Failed to construct 'Response': webSocket must be a WebSocket.");
      if (status !== 101) throw new RangeError('A Response with a webSocket must have status 101 (Switching Protocols).');
      internals.claimWebSocket(webSocket);
    } else if (status === 101) {
      throw new RangeError('Responses may only be constructed with status 101 (Switching Protocols) when they carry a webSocket.');
    }
    if (status !== 101 && (!Number.isInteger(status) || status < 200 || status > 599)) {
      throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive (got ${init.status}).`);
    }
    const statusText = init.statusText !== undefined ? String(init.statusText) : '';
    if (/[^\t\x20-\x7e\x80-\xff]/.test(statusText)) throw new TypeError('Invalid statusText.');
    if (init.encodeBody !== undefined) {
      const mode = String(init.encodeBody);
      if (mode !== 'automatic' && mode !== 'manual') {
        throw new TypeError(`encodeBody must be "automatic" or "manual", not "${mode}".`);
      }
      this.#encodeBody = mode;
    }
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = new Headers(init.headers);
    this.#type = 'default';
    this.#url = '';
    this.#redirected = false;
    const [state, type] = extractBody(body);
    if (state && kNullBodyStatus.has(status)) {
      throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
    }
    if (type && !this.#headers.has('content-type')) this.#headers.set('content-type', bodyType ?? type);
    this[kBody] = state;
    this.#webSocket = webSocket;
  }

  static {
    internals.responseEncodeBody = (r) => r.#encodeBody;
  }

  static error() {
    const r = new Response(null, { status: 200 });
    r.#status = 0;
    r.#type = 'error';
    headersSetGuard(r.#headers, 'immutable');
    return r;
  }
  static redirect(url, status = 302) {
    const href = parseUrl(String(url), "Failed to execute 'redirect' on 'Response'");
    status = Number(status);
    if (!kRedirectStatus.has(status)) throw new RangeError(`Invalid redirect status ${status}; use 301, 302, 303, 307 or 308.`);
    const r = new Response(null, { status, headers: { location: href } });
    headersSetGuard(r.#headers, 'immutable');
    return r;
  }
  static json(data, init = {}) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable.');
    // The constructor builds the headers once and gives the body its type;
    // nextBodyType makes that type application/json (read and reset first
    // thing, before any user code can make another Response).
    nextBodyType = 'application/json';
    return new Response(text, init);
  }

  get status() { return this.#status; }
  get statusText() { return this.#statusText; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get headers() { return this.#headers; }
  get type() { return this.#type; }
  get url() { return this.#url; }
  get redirected() { return this.#redirected; }
  get webSocket() { return this.#webSocket; }
  clone() {
    if (this.#webSocket !== null) throw new TypeError('Cannot clone a response to a WebSocket handshake.');
    const state = cloneBody(this);
    const r = new Response(kToken, [this.#status, this.#statusText, headersToPairs(this.#headers), state, this.#url, this.#redirected]);
    r.#type = this.#type;
    // The clone's headers are as mutable as the original's.
    headersSetGuard(r.#headers, internals.headersGetGuard(this.#headers));
    return r;
  }
  get [Symbol.toStringTag]() { return 'Response'; }
}

// ---- fetch ----

function abortPromise(signal) {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

// The CompressionStream format for a Content-Encoding that verge encodes and
// decodes itself (gzip, br), else null. `pairs`: flat [name, value, ...].
function compressionOf(pairs) {
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i] !== 'content-encoding') continue;
    const v = pairs[i + 1].trim().toLowerCase();
    return v === 'gzip' || v === 'x-gzip' ? 'gzip' : v === 'br' ? 'brotli' : null;
  }
  return null;
}
internals.compressionOf = compressionOf;

// Flat header pairs without the (lowercase) names in the Set `drop`.
function pairsWithout(pairs, drop) {
  const kept = [];
  for (let i = 0; i < pairs.length; i += 2) if (!drop.has(pairs[i])) kept.push(pairs[i], pairs[i + 1]);
  return kept;
}

// How `response` goes on the wire (sent, or stored in the cache): with
// encodeBody "automatic" and a Content-Encoding of gzip or br, its body is
// compressed with that coding and its length is unknown, so Content-Length
// leaves `pairs`. → [coding or null, pairs].
const kContentLength = new Set(['content-length']);
internals.wireEncoding = (response, pairs) => {
  const coding = internals.responseEncodeBody(response) === 'automatic' ? compressionOf(pairs) : null;
  return coding === null ? [null, pairs] : [coding, pairsWithout(pairs, kContentLength)];
};

// Headers about the body, dropped when a redirect turns the request into a GET.
const kBodyHeaders = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

// fetch(), to the network or, with `service`, to that worker of the node
// (a service binding's Fetcher).
// Request headers the WebSocket handshake sets itself.
const kHandshakeHeaders = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version',
  'sec-websocket-extensions', 'sec-websocket-protocol', 'host', 'content-length']);

async function fetchVia(service, input, init) {
  const request = new Request(input, init);
  const upgrade = request.headers.get('upgrade');
  if (upgrade !== null && upgrade.toLowerCase() === 'websocket' && service === undefined) {
    // A WebSocket handshake: the Response (101) carries the WebSocket,
    // which the worker accept()s.
    const scheme = request.url.slice(0, request.url.indexOf(':'));
    if (scheme !== 'http' && scheme !== 'https') throw new TypeError(`Fetch API cannot load "${request.url}": a WebSocket needs an http: or https: URL.`);
    const protocols = (request.headers.get('sec-websocket-protocol') || '').split(',').map((p) => p.trim()).filter(Boolean);
    const ws = await internals.fetchWebSocket(request.url, protocols, pairsWithout(headersToPairs(request.headers), kHandshakeHeaders));
    if (!(ws instanceof internals.WebSocket)) {
      // The server did not switch protocols: its answer, read like any other.
      const { status, statusText, headerPairs, body } = ws;
      const state = status === 204 || status === 304 ? null : new BodyState(new Uint8Array(body), null, 0);
      return new Response(kToken, [status, statusText, headerPairs, state, request.url, false]);
    }
    const headers = ws.protocol ? { 'sec-websocket-protocol': ws.protocol } : {};
    return new Response(null, { status: 101, webSocket: ws, headers });
  }
  let encodeMode = 'automatic';
  if (init !== undefined && init !== null && init.encodeResponseBody !== undefined) {
    encodeMode = String(init.encodeResponseBody);
    if (encodeMode !== 'automatic' && encodeMode !== 'manual') {
      throw new TypeError(`encodeResponseBody must be "automatic" or "manual", not "${encodeMode}".`);
    }
  }
  const signal = init && init.signal !== undefined ? init.signal : (input instanceof Request ? input.signal : null);
  if (signal && signal.aborted) throw signal.reason;
  let body = request[kBody] ? await consume(request) : null;
  let method = request.method;
  let url = request.url;
  let headers = headersToPairs(request.headers);
  // Cloudflare's cache options (cacheTtl, cacheEverything, cacheKey, …) for
  // a subrequest to a zone; the node reads them as JSON.
  const cf = request.cf;
  const cfJson = cf !== undefined && cf !== null ? JSON.stringify(cf) : null;
  for (let redirects = 0; ; redirects++) {
    const scheme = url.slice(0, url.indexOf(':'));
    if (scheme === 'data' && redirects === 0) {
      const data = internals.processDataUrl(url);
      if (data === null) throw new TypeError(`Fetch API cannot load "${url}": it is not a valid data: URL.`);
      return new Response(kToken, [200, 'OK', ['content-type', data[0]], new BodyState(data[1], null, 0), url, false]);
    }
    if (scheme !== 'http' && scheme !== 'https') {
      throw new TypeError(`Fetch API cannot load "${url}": only http:, https: and data: URLs are supported.`);
    }
    let pending = native.fetch(method, url, headers, body, cfJson, service);
    const [status, statusText, pairs, sourceId] = signal ? await Promise.race([pending, abortPromise(signal)]) : await pending;
    let location = null;
    if (kRedirectStatus.has(status) && request.redirect !== 'manual') {
      for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === 'location') { location = pairs[i + 1]; break; }
    }
    if (location === null) {
      if (method === 'HEAD' || kNullBodyStatus.has(status)) {
        native.bodyCancel(sourceId);
        return new Response(kToken, [status, statusText, pairs, null, url, redirects > 0, encodeMode]);
      }
      // A gzip or br body is decoded (the headers still say how it came),
      // unless the request asked for encodeResponseBody: "manual".
      const coding = encodeMode === 'automatic' ? compressionOf(pairs) : null;
      const state = coding === null ? new BodyState(null, null, sourceId)
        : new BodyState(null, streamFromSource(sourceId).pipeThrough(new internals.DecompressionStream(coding)), 0);
      return new Response(kToken, [status, statusText, pairs, state, url, redirects > 0, encodeMode]);
    }
    native.bodyCancel(sourceId);
    if (request.redirect === 'error') throw new TypeError(`Fetch for "${request.url}" was redirected, but the request's redirect mode is "error".`);
    if (redirects >= 20) throw new TypeError(`Too many redirects fetching "${request.url}".`);
    try {
      url = new URL(location, url).href;
    } catch {
      throw new TypeError(`Fetch got a redirect to an invalid URL "${location}".`);
    }
    if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
      headers = pairsWithout(headers, kBodyHeaders);
    }
  }
}

// A chunk a response body stream yielded, as bytes (Uint8Array); other
// views and ArrayBuffers are accepted, anything else is a TypeError.
function bodyChunkBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError('This ReadableStream did not return bytes: a response body stream must yield Uint8Array chunks.');
}

internals.Request = Request;
internals.bodyChunkBytes = bodyChunkBytes;
internals.Response = Response;
internals.fetch = (input, init) => fetchVia(undefined, input, init);
internals.fetchVia = fetchVia;
internals.kToken = kToken;
internals.kBody = kBody;
internals.makeIncomingRequest = (method, url, headerBlob, sourceId, cf) =>
  new Request(kToken, [method, url, headerBlob, sourceId, cf]);
internals.makeSourceStream = streamFromSource;
