'use strict';
// env bindings: Workers KV (KVNamespace), D1 (D1Database), R2 (R2Bucket)
// and static assets (ASSETS),
// as Cloudflare's docs describe them, over the natives in
// src/runtime/binding_natives.cc. The stores are local (SQLite and files in
// the data directory), so the natives answer synchronously; every method
// still returns a promise, as on Cloudflare.

const { Headers, ReadableStream } = internals;
const kToken = Symbol('verge.binding');

function illegal() {
  throw new TypeError('Illegal constructor: bindings come from env, as configured in wrangler.toml.');
}

function bytesOfBuffer(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

function streamOfBytes(bytes) {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

function decodeText(bytes) {
  return native.utf8Decode(bytes, false, true);
}

// ---------------------------------------------------------------- KV ----

const kKvTypes = new Set(['text', 'json', 'arrayBuffer', 'stream']);

function kvGetOptions(options) {
  let type = 'text';
  let cacheTtl;
  if (typeof options === 'string') {
    type = options;
  } else if (options !== undefined && options !== null) {
    if (typeof options !== 'object') throw new TypeError('KV get() options must be a type string or an object { type, cacheTtl }.');
    if (options.type !== undefined) type = String(options.type);
    if (options.cacheTtl !== undefined) {
      cacheTtl = Number(options.cacheTtl);
      if (!Number.isFinite(cacheTtl) || cacheTtl < 60) {
        throw new Error(`KV GET failed: 400 Invalid cache_ttl of ${options.cacheTtl}. Cache TTL must be at least 60.`);
      }
    }
  }
  if (!kKvTypes.has(type)) {
    throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".');
  }
  return [type, cacheTtl];
}

function kvDecode(bytes, type) {
  switch (type) {
    case 'json': return JSON.parse(decodeText(bytes));
    case 'arrayBuffer': return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
    case 'stream': return streamOfBytes(bytes);
    default: return decodeText(bytes);
  }
}

class KVNamespace {
  #id;
  constructor(token, id) {
    if (token !== kToken) illegal();
    this.#id = id;
  }

  async get(key, options) {
    const [type, cacheTtl] = kvGetOptions(options);
    if (Array.isArray(key)) return this.#bulk(key, type, cacheTtl, false);
    const r = native.kvGet(this.#id, String(key), cacheTtl);
    return r === null ? null : kvDecode(r[0], type);
  }

  async getWithMetadata(key, options) {
    const [type, cacheTtl] = kvGetOptions(options);
    if (Array.isArray(key)) return this.#bulk(key, type, cacheTtl, true);
    const r = native.kvGet(this.#id, String(key), cacheTtl);
    if (r === null) return { value: null, metadata: null, cacheStatus: null };
    return { value: kvDecode(r[0], type), metadata: r[1] === null ? null : JSON.parse(r[1]), cacheStatus: null };
  }

  #bulk(keys, type, cacheTtl, withMetadata) {
    if (keys.length > 100) throw new Error(`KV GET_BULK failed: 400 You can request a maximum of 100 keys (got ${keys.length}).`);
    if (type !== 'text' && type !== 'json') {
      throw new Error(`KV GET_BULK failed: 400 "${type}" is not a valid type. Use "json" or "text".`);
    }
    const out = new Map();
    for (const k of keys) {
      const key = String(k);
      const r = native.kvGet(this.#id, key, cacheTtl);
      if (withMetadata) {
        out.set(key, r === null ? null : { value: kvDecode(r[0], type), metadata: r[1] === null ? null : JSON.parse(r[1]) });
      } else {
        out.set(key, r === null ? null : kvDecode(r[0], type));
      }
    }
    return out;
  }

  async put(key, value, options) {
    key = String(key);
    let body;
    if (typeof value === 'string') {
      body = value;
    } else if ((body = bytesOfBuffer(value)) !== null) {
      // bytes
    } else if (internals.isReadableStream(value)) {
      body = await internals.readAllBytes(value);
    } else {
      throw new TypeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.');
    }
    let expiration = null;
    let metadata = null;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('KV put() options must be an object.');
      // As in workerd, expirationTtl wins when both are given.
      if (options.expirationTtl !== undefined && options.expirationTtl !== null) {
        const ttl = Number(options.expirationTtl);
        if (!Number.isFinite(ttl) || ttl <= 0) {
          throw new Error(`KV PUT failed: 400 Invalid expiration_ttl of ${options.expirationTtl}. Please specify integer greater than 0.`);
        }
        if (ttl < 60) {
          throw new Error(`KV PUT failed: 400 Invalid expiration_ttl of ${options.expirationTtl}. Expiration TTL must be at least 60.`);
        }
        expiration = Math.floor(Date.now() / 1000) + Math.floor(ttl);
      } else if (options.expiration !== undefined && options.expiration !== null) {
        expiration = Number(options.expiration);
        if (!Number.isFinite(expiration)) throw new Error(`KV PUT failed: 400 Invalid expiration of ${options.expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`);
        expiration = Math.floor(expiration);
      }
      if (options.metadata !== undefined) {
        metadata = JSON.stringify(options.metadata);
        if (metadata === undefined) throw new TypeError('KV put() metadata must be serializable to JSON.');
      }
    }
    native.kvPut(this.#id, key, body, expiration, metadata);
  }

  async delete(key) {
    native.kvDelete(this.#id, String(key));
  }

  async list(options) {
    let prefix = '';
    let limit = 1000;
    let cursor = '';
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('KV list() options must be an object.');
      if (options.prefix !== undefined && options.prefix !== null) prefix = String(options.prefix);
      if (options.limit !== undefined && options.limit !== null) {
        limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw new Error(`KV LIST failed: 400 Invalid key_count_limit of ${options.limit}. Please specify an integer between 1 and 1000.`);
        }
      }
      if (options.cursor !== undefined && options.cursor !== null) cursor = String(options.cursor);
    }
    const [keys, complete, next] = native.kvList(this.#id, prefix, limit, cursor);
    const out = {
      keys: keys.map(([name, expiration, metadata]) => {
        const k = { name };
        if (expiration !== null) k.expiration = expiration;
        if (metadata !== null) k.metadata = JSON.parse(metadata);
        return k;
      }),
      list_complete: complete,
      cacheStatus: null,
    };
    if (!complete) out.cursor = next;
    return out;
  }

  get [Symbol.toStringTag]() { return 'KvNamespace'; }
}

// ---------------------------------------------------------------- D1 ----

function d1Param(value) {
  if (value === null || typeof value === 'number' || typeof value === 'string' ||
      typeof value === 'boolean' || typeof value === 'bigint') {
    return value;
  }
  const bytes = bytesOfBuffer(value);
  if (bytes !== null) return bytes;
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return new Uint8Array(value);  // D1 takes byte arrays as BLOBs
  }
  const shown = typeof value === 'object' ? Object.prototype.toString.call(value) : String(value);
  throw new Error(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${shown}'`);
}

function d1Rows(result) {
  const { columns, rows } = result;
  return rows.map((row) => {
    const o = {};
    for (let i = 0; i < columns.length; i++) o[columns[i]] = row[i];
    return o;
  });
}

function d1Meta(meta) {
  return {
    served_by: 'verge',
    served_by_region: 'LOCAL',
    served_by_primary: true,
    timings: { sql_duration_ms: meta.duration },
    duration: meta.duration,
    changes: meta.changes,
    last_row_id: meta.last_row_id,
    changed_db: meta.changed_db,
    size_after: meta.size_after,
    rows_read: meta.rows_read,
    rows_written: meta.rows_written,
  };
}

function d1Full(result) {
  return { success: true, meta: d1Meta(result.meta), results: d1Rows(result) };
}

class D1PreparedStatement {
  #db; #sql; #params;
  constructor(token, db, sql, params) {
    if (token !== kToken) illegal();
    this.#db = db;
    this.#sql = sql;
    this.#params = params;
  }
  bind(...values) {
    return new D1PreparedStatement(kToken, this.#db, this.#sql, values.map(d1Param));
  }
  async first(column) {
    const r = native.d1Query(this.#db, this.#sql, this.#params);
    if (r.rows.length === 0) return null;
    const row = d1Rows({ columns: r.columns, rows: [r.rows[0]] })[0];
    if (column === undefined) return row;
    if (!Object.prototype.hasOwnProperty.call(row, column)) throw new Error('D1_COLUMN_NOTFOUND: Column not found');
    return row[column];
  }
  async run() { return d1Full(native.d1Query(this.#db, this.#sql, this.#params)); }
  async all() { return d1Full(native.d1Query(this.#db, this.#sql, this.#params)); }
  async raw(options) {
    const r = native.d1Query(this.#db, this.#sql, this.#params);
    return options && options.columnNames ? [r.columns, ...r.rows] : r.rows;
  }
  static parts(stmt) { return [stmt.#db, stmt.#sql, stmt.#params]; }
  get [Symbol.toStringTag]() { return 'D1PreparedStatement'; }
}

class D1Database {
  #id;
  constructor(token, id) {
    if (token !== kToken) illegal();
    this.#id = id;
  }
  prepare(query) {
    if (typeof query !== 'string') throw new TypeError('D1 prepare() takes the SQL query as a string.');
    return new D1PreparedStatement(kToken, this.#id, query, []);
  }
  async batch(statements) {
    if (!Array.isArray(statements)) throw new TypeError('D1 batch() takes an array of prepared statements.');
    const list = statements.map((s) => {
      if (!(s instanceof D1PreparedStatement)) throw new TypeError('D1 batch() takes an array of prepared statements.');
      const [db, sql, params] = D1PreparedStatement.parts(s);
      if (db !== this.#id) throw new Error('D1_ERROR: batch() statements must all come from this database.');
      return [sql, params];
    });
    return native.d1Batch(this.#id, list).map(d1Full);
  }
  async exec(query) {
    if (typeof query !== 'string') throw new TypeError('D1 exec() takes SQL statements as a string.');
    const [count, duration] = native.d1Exec(this.#id, query);
    return { count, duration };
  }
  withSession(constraintOrBookmark) {
    return new D1DatabaseSession(kToken, this, constraintOrBookmark);
  }
  get [Symbol.toStringTag]() { return 'D1Database'; }
}

// One local database has no replicas: a session reads and writes the primary,
// and its bookmark only records that it was used.
class D1DatabaseSession {
  #db; #bookmark;
  constructor(token, db, constraintOrBookmark) {
    if (token !== kToken) illegal();
    if (constraintOrBookmark !== undefined && typeof constraintOrBookmark !== 'string') {
      throw new TypeError('withSession() takes "first-primary", "first-unconstrained" or a bookmark string.');
    }
    this.#db = db;
    this.#bookmark = null;
  }
  prepare(query) { return this.#db.prepare(query); }
  async batch(statements) {
    const r = await this.#db.batch(statements);
    this.#bookmark = `verge-${Date.now().toString(16)}`;
    return r;
  }
  getBookmark() { return this.#bookmark; }
  get [Symbol.toStringTag]() { return 'D1DatabaseSession'; }
}

// ---------------------------------------------------------------- R2 ----

const kHttpMetadataKeys = ['contentType', 'contentLanguage', 'contentDisposition', 'contentEncoding', 'cacheControl', 'cacheExpiry'];

function httpMetadataIn(value) {
  if (value === undefined || value === null) return {};
  if (value instanceof Headers) {
    const out = {};
    const map = { 'content-type': 'contentType', 'content-language': 'contentLanguage', 'content-disposition': 'contentDisposition', 'content-encoding': 'contentEncoding', 'cache-control': 'cacheControl' };
    for (const [h, k] of Object.entries(map)) if (value.has(h)) out[k] = value.get(h);
    if (value.has('expires')) {
      const t = Date.parse(value.get('expires'));
      if (!Number.isNaN(t)) out.cacheExpiry = t;
    }
    return out;
  }
  if (typeof value !== 'object') throw new TypeError('httpMetadata must be an object or a Headers.');
  const out = {};
  for (const k of kHttpMetadataKeys) {
    if (value[k] === undefined || value[k] === null) continue;
    out[k] = k === 'cacheExpiry' ? new Date(value[k]).getTime() : String(value[k]);
  }
  return out;
}

function conditionalIn(value) {
  if (value === undefined || value === null) return null;
  const stripQuotes = (s) => s.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (value instanceof Headers) {
    const out = {};
    if (value.has('if-match')) out.etagMatches = value.get('if-match').split(',').map(stripQuotes);
    if (value.has('if-none-match')) out.etagDoesNotMatch = value.get('if-none-match').split(',').map(stripQuotes);
    if (value.has('if-modified-since')) out.uploadedAfter = Date.parse(value.get('if-modified-since'));
    if (value.has('if-unmodified-since')) out.uploadedBefore = Date.parse(value.get('if-unmodified-since'));
    out.secondsGranularity = true;
    return out;
  }
  if (typeof value !== 'object') throw new TypeError('onlyIf must be an object or a Headers.');
  const out = {};
  const list = (v) => (Array.isArray(v) ? v : [v]).map((e) => stripQuotes(String(e)));
  if (value.etagMatches !== undefined) out.etagMatches = list(value.etagMatches);
  if (value.etagDoesNotMatch !== undefined) out.etagDoesNotMatch = list(value.etagDoesNotMatch);
  if (value.uploadedBefore !== undefined) out.uploadedBefore = new Date(value.uploadedBefore).getTime();
  if (value.uploadedAfter !== undefined) out.uploadedAfter = new Date(value.uploadedAfter).getTime();
  if (value.secondsGranularity !== undefined) out.secondsGranularity = !!value.secondsGranularity;
  return out;
}

function rangeIn(value) {
  if (value === undefined || value === null) return null;
  if (value instanceof Headers) {
    const h = value.get('range');
    if (h === null) return null;
    const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
    if (!m || (m[1] === '' && m[2] === '')) throw new RangeError(`Unsupported Range header "${h}": use a single range like "bytes=0-99".`);
    if (m[1] === '') return { suffix: Number(m[2]) };
    const offset = Number(m[1]);
    return m[2] === '' ? { offset } : { offset, length: Number(m[2]) - offset + 1 };
  }
  if (typeof value !== 'object') throw new TypeError('range must be an object { offset, length } / { suffix } or a Headers.');
  const out = {};
  for (const k of ['offset', 'length', 'suffix']) {
    if (value[k] === undefined) continue;
    const n = Number(value[k]);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`range.${k} must be a non-negative integer.`);
    out[k] = n;
  }
  if (out.suffix !== undefined && (out.offset !== undefined || out.length !== undefined)) {
    throw new TypeError('range takes either { offset, length } or { suffix }, not both.');
  }
  return out;
}

function hexOf(value, name) {
  if (typeof value === 'string') {
    if (!/^[0-9a-fA-F]+$/.test(value)) throw new TypeError(`${name} must be a hex string or an ArrayBuffer.`);
    return value.toLowerCase();
  }
  const bytes = bytesOfBuffer(value);
  if (bytes === null) throw new TypeError(`${name} must be a hex string or an ArrayBuffer.`);
  let hex = '';
  for (const b of bytes) hex += (b + 0x100).toString(16).slice(1);
  return hex;
}

function hexToBuffer(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out.buffer;
}

class R2Checksums {
  #hex;
  constructor(token, hex) {
    if (token !== kToken) illegal();
    this.#hex = hex || {};
  }
  get md5() { return this.#hex.md5 ? hexToBuffer(this.#hex.md5) : undefined; }
  get sha1() { return this.#hex.sha1 ? hexToBuffer(this.#hex.sha1) : undefined; }
  get sha256() { return this.#hex.sha256 ? hexToBuffer(this.#hex.sha256) : undefined; }
  get sha384() { return this.#hex.sha384 ? hexToBuffer(this.#hex.sha384) : undefined; }
  get sha512() { return this.#hex.sha512 ? hexToBuffer(this.#hex.sha512) : undefined; }
  toJSON() { return { ...this.#hex }; }
}

class R2Object {
  #m; #range;
  constructor(token, meta, range) {
    if (token !== kToken) illegal();
    this.#m = meta;
    this.#range = range;
  }
  get key() { return this.#m.key; }
  get version() { return this.#m.version; }
  get size() { return this.#m.size; }
  get etag() { return this.#m.etag; }
  get httpEtag() { return `"${this.#m.etag}"`; }
  get uploaded() { return new Date(this.#m.uploaded); }
  get httpMetadata() {
    const h = { ...(this.#m.httpMetadata || {}) };
    if (h.cacheExpiry !== undefined) h.cacheExpiry = new Date(h.cacheExpiry);
    return h;
  }
  get customMetadata() { return { ...(this.#m.customMetadata || {}) }; }
  get range() { return this.#range; }
  get checksums() { return new R2Checksums(kToken, this.#m.checksums); }
  get storageClass() { return this.#m.storageClass || 'Standard'; }
  writeHttpMetadata(headers) {
    if (!(headers instanceof Headers)) throw new TypeError('writeHttpMetadata() takes a Headers object.');
    const h = this.#m.httpMetadata || {};
    if (h.contentType !== undefined) headers.set('content-type', h.contentType);
    if (h.contentLanguage !== undefined) headers.set('content-language', h.contentLanguage);
    if (h.contentDisposition !== undefined) headers.set('content-disposition', h.contentDisposition);
    if (h.contentEncoding !== undefined) headers.set('content-encoding', h.contentEncoding);
    if (h.cacheControl !== undefined) headers.set('cache-control', h.cacheControl);
    if (h.cacheExpiry !== undefined) headers.set('expires', new Date(h.cacheExpiry).toUTCString());
  }
  get [Symbol.toStringTag]() { return 'R2Object'; }
}

class R2ObjectBody extends R2Object {
  #body;
  constructor(token, meta, range, sourceId) {
    super(token, meta, range);
    this.#body = new internals.Response(internals.makeSourceStream(sourceId));
  }
  get body() { return this.#body.body; }
  get bodyUsed() { return this.#body.bodyUsed; }
  arrayBuffer() { return this.#body.arrayBuffer(); }
  bytes() { return this.#body.bytes(); }
  text() { return this.#body.text(); }
  json() { return this.#body.json(); }
  async blob() {
    const type = (this.httpMetadata.contentType) || '';
    return new internals.Blob([await this.#body.arrayBuffer()], { type });
  }
  get [Symbol.toStringTag]() { return 'R2ObjectBody'; }
}

// Feeds a put body into a native writer chunk by chunk; aborts on failure.
async function r2Write(writerId, value) {
  try {
    if (value === null || value === undefined) {
      // empty object
    } else if (typeof value === 'string') {
      native.r2PutAppend(writerId, native.utf8Encode(value));
    } else if (bytesOfBuffer(value) !== null) {
      native.r2PutAppend(writerId, bytesOfBuffer(value));
    } else if (value instanceof internals.Blob) {
      native.r2PutAppend(writerId, internals.blobBytes(value));
    } else if (internals.isReadableStream(value)) {
      const reader = value.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        const bytes = bytesOfBuffer(chunk);
        if (bytes === null) throw new TypeError('R2 put() body streams must yield ArrayBuffer or ArrayBufferView chunks.');
        native.r2PutAppend(writerId, bytes);
      }
    } else {
      throw new TypeError('R2 put() takes a ReadableStream, ArrayBuffer, ArrayBufferView, string, Blob or null.');
    }
  } catch (err) {
    native.r2PutAbort(writerId);
    throw err;
  }
}

function r2KeyOf(key) {
  if (key === undefined) throw new TypeError('R2 operations need a key.');
  return String(key);
}

class R2MultipartUpload {
  #bucket; #key; #uploadId;
  constructor(token, bucket, key, uploadId) {
    if (token !== kToken) illegal();
    this.#bucket = bucket;
    this.#key = key;
    this.#uploadId = uploadId;
  }
  get key() { return this.#key; }
  get uploadId() { return this.#uploadId; }
  async uploadPart(partNumber, value) {
    const n = Number(partNumber);
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw new RangeError('uploadPart: partNumber must be an integer from 1 to 10000.');
    const writerId = native.r2PartBegin(this.#bucket, this.#key, this.#uploadId, n);
    await r2Write(writerId, value);
    return native.r2PartFinish(writerId);
  }
  async abort() { native.r2MpuAbort(this.#bucket, this.#key, this.#uploadId); }
  async complete(parts) {
    if (!Array.isArray(parts)) throw new TypeError('complete() takes an array of uploaded parts { partNumber, etag }.');
    const meta = native.r2MpuComplete(this.#bucket, this.#key, this.#uploadId, JSON.stringify(parts));
    return new R2Object(kToken, meta, undefined);
  }
  get [Symbol.toStringTag]() { return 'R2MultipartUpload'; }
}

class R2Bucket {
  #name;
  constructor(token, name) {
    if (token !== kToken) illegal();
    this.#name = name;
  }
  async head(key) {
    const meta = native.r2Head(this.#name, r2KeyOf(key));
    return meta === null ? null : new R2Object(kToken, meta, undefined);
  }
  async get(key, options) {
    let range = null;
    let onlyIf = null;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('R2 get() options must be an object.');
      range = rangeIn(options.range);
      onlyIf = conditionalIn(options.onlyIf);
    }
    const r = native.r2Get(this.#name, r2KeyOf(key), range && JSON.stringify(range), onlyIf && JSON.stringify(onlyIf));
    if (r === null) return null;
    const [meta, preconditionFailed, offset, length, sourceId] = r;
    const objectRange = range ? { offset, length } : undefined;
    if (preconditionFailed) return new R2Object(kToken, meta, objectRange);
    return new R2ObjectBody(kToken, meta, objectRange, sourceId);
  }
  async put(key, value, options) {
    key = r2KeyOf(key);
    const opts = {};
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('R2 put() options must be an object.');
      opts.httpMetadata = httpMetadataIn(options.httpMetadata);
      if (options.customMetadata !== undefined) {
        if (typeof options.customMetadata !== 'object' || options.customMetadata === null) throw new TypeError('customMetadata must be an object of strings.');
        opts.customMetadata = {};
        for (const [k, v] of Object.entries(options.customMetadata)) opts.customMetadata[k] = String(v);
      }
      const only = conditionalIn(options.onlyIf);
      if (only) opts.onlyIf = only;
      for (const sum of ['md5', 'sha1', 'sha256', 'sha384', 'sha512']) {
        if (options[sum] !== undefined) opts[sum] = hexOf(options[sum], sum);
      }
    }
    const writerId = native.r2PutBegin(this.#name, key);
    await r2Write(writerId, value);
    const meta = native.r2PutCommit(writerId, JSON.stringify(opts));
    return meta === null ? null : new R2Object(kToken, meta, undefined);
  }
  async delete(keys) {
    const list = Array.isArray(keys) ? keys.map(String) : [r2KeyOf(keys)];
    if (list.length > 1000) throw new Error('delete: at most 1000 keys can be deleted at once.');
    native.r2Delete(this.#name, list);
  }
  async list(options) {
    const opts = {};
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('R2 list() options must be an object.');
      for (const k of ['prefix', 'delimiter', 'cursor', 'startAfter']) if (options[k] !== undefined) opts[k] = String(options[k]);
      if (options.limit !== undefined) {
        const n = Number(options.limit);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new RangeError('list: limit must be an integer from 1 to 1000.');
        opts.limit = n;
      }
      if (options.include !== undefined) opts.include = Array.from(options.include, String);
    }
    const r = native.r2List(this.#name, JSON.stringify(opts));
    const out = {
      objects: r.objects.map((m) => new R2Object(kToken, m, undefined)),
      truncated: r.truncated,
      delimitedPrefixes: r.delimitedPrefixes,
    };
    if (r.truncated) out.cursor = r.cursor;
    return out;
  }
  async createMultipartUpload(key, options) {
    key = r2KeyOf(key);
    const opts = {};
    if (options && options.httpMetadata) opts.httpMetadata = httpMetadataIn(options.httpMetadata);
    if (options && options.customMetadata) opts.customMetadata = options.customMetadata;
    const uploadId = native.r2MpuCreate(this.#name, key, JSON.stringify(opts));
    return new R2MultipartUpload(kToken, this.#name, key, uploadId);
  }
  resumeMultipartUpload(key, uploadId) {
    return new R2MultipartUpload(kToken, this.#name, r2KeyOf(key), String(uploadId));
  }
  get [Symbol.toStringTag]() { return 'R2Bucket'; }
}

// workerd's UnsafeEval binding: code from strings, for test harnesses and
// tools (Workers may not eval otherwise).
class UnsafeEval {
  constructor(token) {
    if (token !== kToken) illegal();
  }
  // Runs `script` as a classic script in the global scope; returns its
  // completion value.
  eval(script, name = 'anonymous') {
    return native.unsafeEval(String(script), String(name));
  }
  // A function with parameters `args` and body `script`.
  newFunction(script, name = 'anonymous', ...args) {
    return native.unsafeNewFunction(String(script), String(name), args.map(String));
  }
  // The same, as an async function.
  newAsyncFunction(script, name = 'anonymous', ...args) {
    const body = native.unsafeEval(`(async function ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : 'anonymous'}(${args.map(String).join(', ')}) {\n${String(script)}\n})`, String(name));
    return body;
  }
  get [Symbol.toStringTag]() { return 'UnsafeEval'; }
}

// env.ASSETS (Workers Static Assets): fetch() answers from the worker's
// static assets as the node serves them to clients (html_handling,
// _headers, _redirects, ETags, ranges), without entering the worker again;
// a request with no asset gets a 404.
class AssetsFetcher {
  constructor(token) {
    if (token !== kToken) illegal();
  }
  async fetch(input, init) {
    const request = new internals.Request(input, init);
    const answer = native.assetsFetch(request.method, request.url, internals.headersToPairs(request.headers));
    if (!answer) throw new Error('This worker has no static assets: set `assets.directory` in its wrangler config.');
    const [status, pairs, bytes] = answer;
    const headers = new Headers();
    for (let i = 0; i + 1 < pairs.length; i += 2) headers.append(pairs[i], pairs[i + 1]);
    const noBody = request.method === 'HEAD' || status === 204 || status === 304 || (status >= 300 && status < 400 && bytes.byteLength === 0);
    return new internals.Response(noBody ? null : bytes, { status, headers });
  }
  get [Symbol.toStringTag]() { return 'Fetcher'; }
}

// A service binding (`services` in the wrangler config) is made by rpc.js:
// fetch() and RPC to the node's worker of that name, without a socket.
internals.makeBinding = (kind, id, entrypoint, propsJson) => {
  if (kind === 'unsafe_eval') return new UnsafeEval(kToken);
  if (kind === 'service') return internals.makeServiceBinding(id, entrypoint, propsJson);
  if (kind === 'assets') return new AssetsFetcher(kToken);
  if (kind === 'kv') return new KVNamespace(kToken, id);
  if (kind === 'd1') return new D1Database(kToken, id);
  return new R2Bucket(kToken, id);
};
Object.assign(internals, { KVNamespace, D1Database, D1PreparedStatement, R2Bucket, R2Object, R2ObjectBody, R2MultipartUpload, R2Checksums });
