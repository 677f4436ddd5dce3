'use strict';
// headers.js: the Fetch standard's Headers class (`internals.Headers`) plus
// fast helpers for the C++ glue and the Request/Response implementation.
//
// Storage: `#list` keeps one record { name, value } per header line in
// insertion order (names lowercased, values as given), `#map` maps a
// lowercased name to the array of its live records so get/has are O(1).
// Removed records get `name = null` and are compacted lazily. The sorted,
// combined view used for iteration is cached until the next mutation.
// Headers made by headersFromPairs (a fetched response's) or
// headersFromBlob (a request's) start as `#pending` instead: the flat
// [name, value, ...] array, or the server's "\nname:value\n..." string,
// which get() and has() search; the first other use copies it into `#list`
// and `#map`.
//
// Cloudflare Workers do not apply the forbidden header name lists, so the
// "request" and "response" guards behave like "none" here; only "immutable"
// rejects changes.

const ReflectApply = Reflect.apply;
const ReflectOwnKeys = Reflect.ownKeys;
const ObjectKeys = Object.keys;
const ObjectPrototype = Object.prototype;
const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const SymbolIterator = Symbol.iterator;
const MapCtor = Map;
const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));
const kInspect = Symbol.for('nodejs.util.inspect.custom');

const kGuards = ['none', 'immutable', 'request', 'response'];
const kTokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const kForbiddenValueRe = /[\0\r\n]/;
const kNonLatin1Re = /[^\x00-\xff]/;

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

function requireArgs(actual, needed, method) {
  if (actual < needed) {
    throw new TypeError(`Failed to execute '${method}' on 'Headers': ${needed} argument${
      needed === 1 ? '' : 's'} required, but only ${actual} present.`);
  }
}

// WebIDL ByteString conversion followed by the header-name check.
function toHeaderName(value) {
  const name = typeof value === 'string' ? value : `${value}`;
  if (!kTokenRe.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
  return name;
}

function isHTTPWhitespace(c) {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

// WebIDL ByteString conversion, normalisation and the header-value check.
function toHeaderValue(value, name) {
  let s = typeof value === 'string' ? value : `${value}`;
  if (kNonLatin1Re.test(s)) {
    throw new TypeError(`Invalid header value for "${name}": characters outside Latin-1 are not allowed`);
  }
  const n = s.length;
  if (n !== 0 && (isHTTPWhitespace(s.charCodeAt(0)) || isHTTPWhitespace(s.charCodeAt(n - 1)))) {
    let start = 0;
    let end = n;
    while (start < end && isHTTPWhitespace(s.charCodeAt(start))) start++;
    while (end > start && isHTTPWhitespace(s.charCodeAt(end - 1))) end--;
    s = s.slice(start, end);
  }
  if (kForbiddenValueRe.test(s)) {
    throw new TypeError(`Invalid header value for "${name}": NUL, CR and LF are not allowed`);
  }
  return s;
}

function lowerName(name) {
  return name.toLowerCase();
}

// Helpers with access to the private state, assigned in the static block.
let isHeaders;
let appendRaw;
let checkMutable;
let sortedPairs;
let getGuard;
let setGuard;
let getCombined;
let toPairs;
let fill;
let adoptPairs;

class Headers {
  #list = [];
  #map = new MapCtor();
  #removed = 0;
  #guard = 'none';
  #sorted = null;
  // Headers that arrived with a request or response, not yet copied into
  // #list and #map: a flat [name, value, ...] array or a blob string (see
  // blobValue), lowercase names. Most workers read one or two of them with
  // get() or has(), which search it; anything else copies it in first.
  #pending = null;

  constructor(init = undefined) {
    if (init !== undefined) fill(this, init);
  }

  append(name, value) {
    if (!isHeaders(this)) throw illegalInvocation();
    requireArgs(arguments.length, 2, 'append');
    name = toHeaderName(name);
    value = toHeaderValue(value, name);
    checkMutable(this);
    if (this.#pending !== null) this.#adopt();
    appendRaw(this, lowerName(name), value);
  }

  delete(name) {
    if (!isHeaders(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'delete');
    const key = lowerName(toHeaderName(name));
    checkMutable(this);
    if (this.#pending !== null) this.#adopt();
    const records = this.#map.get(key);
    if (records === undefined) return;
    for (let i = 0; i < records.length; i++) records[i].name = null;
    this.#map.delete(key);
    this.#removed += records.length;
    this.#sorted = null;
    this.#maybeCompact();
  }

  get(name) {
    if (!isHeaders(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'get');
    return getCombined(this, lowerName(toHeaderName(name)));
  }

  getSetCookie() {
    if (!isHeaders(this)) throw illegalInvocation();
    if (this.#pending !== null) this.#adopt();
    const records = this.#map.get('set-cookie');
    if (records === undefined) return [];
    const out = new Array(records.length);
    for (let i = 0; i < records.length; i++) out[i] = records[i].value;
    return out;
  }

  has(name) {
    if (!isHeaders(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'has');
    const key = lowerName(toHeaderName(name));
    const pending = this.#pending;
    if (typeof pending === 'string') return pending.includes('\n' + key + ':');
    if (pending !== null) {
      for (let i = 0; i < pending.length; i += 2) {
        if (pending[i] === key) return true;
      }
      return false;
    }
    return this.#map.has(key);
  }

  set(name, value) {
    if (!isHeaders(this)) throw illegalInvocation();
    requireArgs(arguments.length, 2, 'set');
    name = toHeaderName(name);
    value = toHeaderValue(value, name);
    checkMutable(this);
    if (this.#pending !== null) this.#adopt();
    const key = lowerName(name);
    const records = this.#map.get(key);
    if (records === undefined) {
      appendRaw(this, key, value);
      return;
    }
    records[0].value = value;
    if (records.length > 1) {
      for (let i = 1; i < records.length; i++) records[i].name = null;
      this.#removed += records.length - 1;
      records.length = 1;
      this.#maybeCompact();
    }
    this.#sorted = null;
  }

  forEach(callback, thisArg = undefined) {
    if (!isHeaders(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'forEach');
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not a function.");
    }
    // The pairs are re-read on every step, so changes made by the callback
    // are seen, as with the iterators.
    for (let i = 0; ; i += 2) {
      const pairs = sortedPairs(this);
      if (i >= pairs.length) break;
      ReflectApply(callback, thisArg, [pairs[i + 1], pairs[i], this]);
    }
  }

  keys() {
    if (!isHeaders(this)) throw illegalInvocation();
    return new HeadersIterator(this, 'key');
  }

  values() {
    if (!isHeaders(this)) throw illegalInvocation();
    return new HeadersIterator(this, 'value');
  }

  entries() {
    if (!isHeaders(this)) throw illegalInvocation();
    return new HeadersIterator(this, 'key+value');
  }

  #adopt() {
    let pending = this.#pending;
    this.#pending = null;
    if (typeof pending === 'string') pending = blobPairs(pending);
    for (let i = 0; i < pending.length; i += 2) appendRaw(this, pending[i], pending[i + 1]);
  }

  #maybeCompact() {
    const removed = this.#removed;
    if (removed < 16 || removed * 2 < this.#list.length) return;
    const list = this.#list;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i].name !== null) list[j++] = list[i];
    }
    list.length = j;
    this.#removed = 0;
  }

  [kInspect](depth, options, inspect) {
    if (!isHeaders(this)) return this;
    if (typeof depth === 'number' && depth < 0) return '[Headers]';
    const shown = {};
    const pairs = sortedPairs(this);
    for (let i = 0; i < pairs.length; i += 2) {
      const name = pairs[i];
      let value = pairs[i + 1];
      if (name === 'set-cookie') value = this.getSetCookie();
      ObjectDefineProperty(shown, name, { value, enumerable: true, writable: true, configurable: true });
    }
    return `Headers ${inspect(shown, { ...options, depth: 2 })}`;
  }

  static {
    isHeaders = (value) => typeof value === 'object' && value !== null && #list in value;

    appendRaw = (headers, key, value) => {
      const record = { name: key, value };
      headers.#list.push(record);
      const records = headers.#map.get(key);
      if (records === undefined) headers.#map.set(key, [record]);
      else records.push(record);
      headers.#sorted = null;
    };

    checkMutable = (headers) => {
      if (headers.#guard === 'immutable') throw new TypeError("Can't modify immutable headers");
    };

    getGuard = (headers) => headers.#guard;
    setGuard = (headers, guard) => {
      headers.#guard = guard;
    };

    getCombined = (headers, key) => {
      const pending = headers.#pending;
      if (typeof pending === 'string') return blobValue(pending, key);
      if (pending !== null) {
        let value = null;
        for (let i = 0; i < pending.length; i += 2) {
          if (pending[i] === key) value = value === null ? pending[i + 1] : value + ', ' + pending[i + 1];
        }
        return value;
      }
      const records = headers.#map.get(key);
      if (records === undefined) return null;
      let value = records[0].value;
      for (let i = 1; i < records.length; i++) value += ', ' + records[i].value;
      return value;
    };

    // The Fetch standard's "sort and combine", as a flat [name, value, ...]
    // array; Set-Cookie values stay separate.
    sortedPairs = (headers) => {
      if (headers.#sorted !== null) return headers.#sorted;
      if (headers.#pending !== null) headers.#adopt();
      const names = [];
      for (const key of headers.#map.keys()) names.push(key);
      names.sort();
      const out = [];
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name === 'set-cookie') {
          const records = headers.#map.get(name);
          for (let j = 0; j < records.length; j++) out.push(name, records[j].value);
        } else {
          out.push(name, getCombined(headers, name));
        }
      }
      headers.#sorted = out;
      return out;
    };

    toPairs = (headers) => {
      const pending = headers.#pending;
      if (typeof pending === 'string') return blobPairs(pending);
      if (pending !== null) return pending.slice();
      const list = headers.#list;
      const out = [];
      for (let i = 0; i < list.length; i++) {
        const record = list[i];
        if (record.name !== null) out.push(record.name, record.value);
      }
      return out;
    };

    adoptPairs = (headers, pairs) => {
      headers.#pending = pairs;
    };

    fill = (headers, init) => {
      if (init === null || (typeof init !== 'object' && typeof init !== 'function')) {
        throw new TypeError("Failed to construct 'Headers': The provided value is not of type " +
          "'(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      }
      if (isHeaders(init)) {
        if (init.#pending !== null) init.#adopt();
        const list = init.#list;
        for (let i = 0; i < list.length; i++) {
          const record = list[i];
          if (record.name !== null) appendRaw(headers, record.name, record.value);
        }
        return;
      }
      // Convert the whole argument first (WebIDL), then validate and append.
      const pairs = [];
      const method = init[SymbolIterator];
      if (method !== undefined && method !== null) {
        if (typeof method !== 'function') {
          throw new TypeError("Failed to construct 'Headers': The object's Symbol.iterator is not callable.");
        }
        const iterator = ReflectApply(method, init, []);
        for (;;) {
          const step = iterator.next();
          if (step === null || typeof step !== 'object') throw new TypeError('Iterator result is not an object');
          if (step.done) break;
          const pair = step.value;
          if (pair === null || typeof pair !== 'object' || typeof pair[SymbolIterator] !== 'function') {
            throw new TypeError("Failed to construct 'Headers': The provided value cannot be converted to a sequence.");
          }
          const items = [];
          for (const item of pair) items.push(typeof item === 'string' ? item : `${item}`);
          if (items.length !== 2) {
            throw new TypeError("Failed to construct 'Headers': Invalid value: each header pair must have exactly 2 items.");
          }
          pairs.push(items[0], items[1]);
        }
      } else if (ObjectGetPrototypeOf(init) === ObjectPrototype) {
        // Fast path for the common `{ 'content-type': '...' }` literal:
        // Object.keys is the own enumerable string keys in the same order,
        // without a property descriptor per key. (A symbol key, which the
        // slow path rejects, is skipped here.)
        const keys = ObjectKeys(init);
        for (let i = 0; i < keys.length; i++) {
          const value = init[keys[i]];
          pairs.push(keys[i], typeof value === 'string' ? value : `${value}`);
        }
      } else {
        const keys = ReflectOwnKeys(init);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          const desc = ReflectGetOwnPropertyDescriptor(init, key);
          if (desc === undefined || !desc.enumerable) continue;
          if (typeof key === 'symbol') {
            throw new TypeError("Failed to construct 'Headers': Cannot convert a Symbol to a header name.");
          }
          const value = init[key];
          pairs.push(key, typeof value === 'string' ? value : `${value}`);
        }
      }
      for (let i = 0; i < pairs.length; i += 2) {
        const name = toHeaderName(pairs[i]);
        const value = toHeaderValue(pairs[i + 1], name);
        checkMutable(headers);
        appendRaw(headers, lowerName(name), value);
      }
    };
  }
}

class HeadersIterator {
  #headers;
  #kind;
  #index = 0;

  constructor(headers, kind) {
    this.#headers = headers;
    this.#kind = kind;
  }

  next() {
    if (typeof this !== 'object' || this === null || !(#headers in this)) throw illegalInvocation();
    const pairs = sortedPairs(this.#headers);
    const i = this.#index;
    if (i >= pairs.length) return { value: undefined, done: true };
    this.#index = i + 2;
    const kind = this.#kind;
    if (kind === 'key') return { value: pairs[i], done: false };
    if (kind === 'value') return { value: pairs[i + 1], done: false };
    return { value: [pairs[i], pairs[i + 1]], done: false };
  }
}

// WebIDL shapes: operations and attributes are enumerable, @@iterator is
// the same function as entries(), iterator prototypes have no constructor.
function makeEnumerable(proto, names) {
  for (let i = 0; i < names.length; i++) {
    const desc = ObjectGetOwnPropertyDescriptor(proto, names[i]);
    desc.enumerable = true;
    ObjectDefineProperty(proto, names[i], desc);
  }
}
makeEnumerable(Headers.prototype, [
  'append', 'delete', 'get', 'getSetCookie', 'has', 'set', 'forEach', 'keys', 'values', 'entries',
]);
ObjectDefineProperty(Headers.prototype, SymbolIterator, {
  value: Headers.prototype.entries, writable: true, enumerable: false, configurable: true,
});
ObjectDefineProperty(Headers.prototype, Symbol.toStringTag, {
  value: 'Headers', writable: false, enumerable: false, configurable: true,
});
ObjectSetPrototypeOf(HeadersIterator.prototype, IteratorPrototype);
delete HeadersIterator.prototype.constructor;
makeEnumerable(HeadersIterator.prototype, ['next']);
ObjectDefineProperty(HeadersIterator.prototype, Symbol.toStringTag, {
  value: 'Headers Iterator', writable: false, enumerable: false, configurable: true,
});

function checkGuard(guard) {
  if (!kGuards.includes(guard)) throw new TypeError(`Invalid headers guard: ${guard}`);
}

internals.Headers = Headers;
internals.isHeaders = isHeaders;

// guard: "none" | "immutable" | "request" | "response".
internals.headersSetGuard = (headers, guard) => {
  if (!isHeaders(headers)) throw illegalInvocation();
  checkGuard(guard);
  setGuard(headers, guard);
};

internals.headersGetGuard = (headers) => {
  if (!isHeaders(headers)) throw illegalInvocation();
  return getGuard(headers);
};

// Builds Headers from [name0, value0, name1, value1, ...] of already valid
// strings (e.g. parsed from an incoming request) without validating them.
// Names are lowercased; values are stored as given. The Headers takes the
// array over (the caller must not use it again) and copies it into its
// lookup structures only when something other than get() or has() needs
// them.
// The value of `key` (lowercase) in a blob of the server's (a request's
// headers, runtime/natives.cc requestHeaders): "\nname:value" per field and
// a final "\n", names lowercase, no line break in a value; several fields of
// one name combine with ", " as get() does. null when there is none.
function blobValue(blob, key) {
  const pattern = '\n' + key + ':';
  let value = null;
  let at = blob.indexOf(pattern);
  while (at !== -1) {
    const start = at + pattern.length;
    const end = blob.indexOf('\n', start);
    const field = blob.slice(start, end);
    value = value === null ? field : value + ', ' + field;
    at = blob.indexOf(pattern, end);
  }
  return value;
}

// A blob as flat [name, value, ...] pairs in order.
function blobPairs(blob) {
  const pairs = [];
  let at = 1;
  while (at < blob.length) {
    const colon = blob.indexOf(':', at);
    const end = blob.indexOf('\n', colon);
    pairs.push(blob.slice(at, colon), blob.slice(colon + 1, end));
    at = end + 1;
  }
  return pairs;
}

// Headers of a request as the server hands them over (a blob, see
// blobValue), read in place.
internals.headersFromBlob = (blob, guard = 'none') => {
  if (typeof blob !== 'string') throw new TypeError('headersFromBlob: not a string');
  checkGuard(guard);
  const headers = new Headers();
  adoptPairs(headers, blob);
  if (guard !== 'none') setGuard(headers, guard);
  return headers;
};

internals.headersFromPairs = (pairs, guard = 'none') => {
  if (pairs.length % 2 !== 0) throw new TypeError('headersFromPairs: odd number of items');
  checkGuard(guard);
  for (let i = 0; i < pairs.length; i += 2) {
    const name = pairs[i];
    const lower = lowerName(name);
    if (lower !== name) pairs[i] = lower;
  }
  const headers = new Headers();
  adoptPairs(headers, pairs);
  if (guard !== 'none') setGuard(headers, guard);
  return headers;
};

// → [name, value, ...] in insertion order, lowercased names, values exactly
// as stored (not combined; every Set-Cookie line is its own pair).
internals.headersToPairs = (headers) => {
  if (!isHeaders(headers)) throw illegalInvocation();
  return toPairs(headers);
};

// get() without validation, for a name that is already lowercase.
internals.headersGetRaw = (headers, lowercaseName) => {
  if (!isHeaders(headers)) throw illegalInvocation();
  return getCombined(headers, lowercaseName);
};
