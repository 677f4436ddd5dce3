'use strict';
// WebCrypto as Cloudflare Workers has it: crypto (getRandomValues,
// randomUUID, subtle, DigestStream), SubtleCrypto and CryptoKey.
//
// This half does what the W3C Web Cryptography spec and WebIDL say about
// arguments: dictionary conversion, algorithm normalization (names are
// case-insensitive; hash may be a string or an object), usages, JWK members,
// and which DOMException each mistake is. The cryptography itself is in
// runtime/api/crypto.cc, over opaque key handles. Every operation runs to
// completion before its promise is returned, so the bytes it reads cannot
// change under it; errors are rejected promises, never thrown.
//
// Workers extensions: MD5 for digest() (not as an HMAC hash), the
// NODE-ED25519 algorithm name (namedCurve 'NODE-ED25519'),
// crypto.subtle.timingSafeEqual() and crypto.DigestStream.

const { DOMException, isArrayBuffer, toDOMString, finishInterface } = internals;

const ArrayBufferIsView = ArrayBuffer.isView;
const StringToUpperCase = String.prototype.toUpperCase;
const PromiseResolve = (v) => Promise.resolve(v);
const PromiseReject = (e) => Promise.reject(e);
const SymbolIterator = Symbol.iterator;

const kIntegerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

// ---- errors ----

const dom = (name, message) => new DOMException(message, name);
const notSupported = (m) => dom('NotSupportedError', m);
const syntaxError = (m) => dom('SyntaxError', m);
const dataError = (m) => dom('DataError', m);
const invalidAccess = (m) => dom('InvalidAccessError', m);
const operationError = (m) => dom('OperationError', m);

// Natives throw [name, message]; anything else (a RangeError from the memory
// limit) passes through.
function rethrow(err) {
  if (Array.isArray(err) && err.length === 2) throw dom(err[0], err[1]);
  throw err;
}

// ---- WebIDL conversions ----

// BufferSource (not [AllowShared]) → Uint8Array over the same bytes.
function bufferSource(value, what) {
  if (ArrayBufferIsView(value)) {
    if (!isArrayBuffer(value.buffer)) throw new TypeError(`${what} must not be a view on a SharedArrayBuffer`);
    if (value instanceof Uint8Array) return value;
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (isArrayBuffer(value)) return new Uint8Array(value);
  throw new TypeError(`${what} is not of type BufferSource (an ArrayBuffer or ArrayBufferView)`);
}

const copyBytes = (u8) => new Uint8Array(u8);

function enforceRange(value, max, what) {
  const x = +value;  // ToNumber: a TypeError for symbols and BigInts
  if (!Number.isFinite(x)) throw new TypeError(`${what} must be a finite number`);
  const t = Math.trunc(x);
  if (t < 0 || t > max) throw new TypeError(`${what} is outside the range 0 to ${max}`);
  return t;
}

function toBoolean(v) { return !!v; }

// sequence<T> from an iterable object.
function sequence(value, convert, what) {
  if (typeof value !== 'object' || value === null || typeof value[SymbolIterator] !== 'function') {
    throw new TypeError(`${what} is not a sequence`);
  }
  const out = [];
  for (const item of value) out.push(convert(item));
  return out;
}

// ---- usages ----

const kUsageBits = {
  encrypt: 1, decrypt: 2, sign: 4, verify: 8, deriveKey: 16, deriveBits: 32, wrapKey: 64, unwrapKey: 128,
};
const kUsageOrder = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];
const ENC = 1, DEC = 2, SIGN = 4, VERIFY = 8, DKEY = 16, DBITS = 32, WRAP = 64, UNWRAP = 128;

// sequence<KeyUsage> → bit mask.
function usagesMask(value) {
  let mask = 0;
  sequence(value, (u) => {
    const s = toDOMString(u);
    const bit = Object.prototype.hasOwnProperty.call(kUsageBits, s) ? kUsageBits[s] : 0;
    if (!bit) throw new TypeError(`'${s}' is not a valid KeyUsage`);
    mask |= bit;
  }, 'keyUsages');
  return mask;
}

function usagesList(mask) {
  const out = [];
  for (let i = 0; i < 8; i++) if (mask & (1 << i)) out.push(kUsageOrder[i]);
  return out;
}

function checkUsages(mask, allowed) {
  if (mask & ~allowed) throw syntaxError('Cannot create a key using the specified key usages.');
}

// ---- algorithm normalization (WebCrypto §18.4) ----

const kHashes = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const kAes = ['AES-CBC', 'AES-CTR', 'AES-GCM', 'AES-KW'];
const kRsa = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP'];

// operation → Map(UPPERCASE name → [registered name, dictionary type]).
const kRegistry = {};
function register(op, names, dict) {
  const map = kRegistry[op] || (kRegistry[op] = new Map());
  for (const n of names) map.set(n.toUpperCase(), [n, dict]);
}
register('digest', [...kHashes, 'MD5'], null);
register('hash', kHashes, null);
register('generateKey', kAes, 'AesKeyGenParams');
register('generateKey', ['HMAC'], 'HmacKeyGenParams');
register('generateKey', kRsa, 'RsaHashedKeyGenParams');
register('generateKey', ['ECDSA', 'ECDH', 'NODE-ED25519'], 'EcKeyGenParams');
register('generateKey', ['Ed25519', 'X25519'], null);
register('importKey', [...kAes, 'PBKDF2', 'HKDF', 'Ed25519', 'X25519'], null);
register('importKey', ['HMAC'], 'HmacImportParams');
register('importKey', kRsa, 'RsaHashedImportParams');
register('importKey', ['ECDSA', 'ECDH', 'NODE-ED25519'], 'EcKeyImportParams');
register('sign', ['HMAC', 'RSASSA-PKCS1-v1_5', 'Ed25519', 'NODE-ED25519'], null);
register('sign', ['RSA-PSS'], 'RsaPssParams');
register('sign', ['ECDSA'], 'EcdsaParams');
register('encrypt', ['AES-CBC'], 'AesCbcParams');
register('encrypt', ['AES-CTR'], 'AesCtrParams');
register('encrypt', ['AES-GCM'], 'AesGcmParams');
register('encrypt', ['RSA-OAEP'], 'RsaOaepParams');
register('deriveBits', ['ECDH', 'X25519'], 'EcdhKeyDeriveParams');
register('deriveBits', ['HKDF'], 'HkdfParams');
register('deriveBits', ['PBKDF2'], 'Pbkdf2Params');
register('getKeyLength', kAes, 'AesDerivedKeyParams');
register('getKeyLength', ['HMAC'], 'HmacImportParams');
register('getKeyLength', ['HKDF', 'PBKDF2'], null);
register('wrapKey', ['AES-KW'], null);
kRegistry.verify = kRegistry.sign;
kRegistry.decrypt = kRegistry.encrypt;
kRegistry.unwrapKey = kRegistry.wrapKey;

function required(dict, key, what) {
  const v = dict[key];
  if (v === undefined) throw new TypeError(`${what}: the required member '${key}' is missing`);
  return v;
}

const hashMember = (alg, what) => normalize(required(alg, 'hash', what), 'hash').name;

// Each converter reads the dictionary's members (beyond `name`) in WebIDL
// order: inherited dictionaries first, then lexicographic.
const kDictionaries = {
  AesKeyGenParams(alg, out) { out.length = enforceRange(required(alg, 'length', 'AesKeyGenParams'), 0xffff, 'length'); },
  AesDerivedKeyParams(alg, out) { out.length = enforceRange(required(alg, 'length', 'AesDerivedKeyParams'), 0xffff, 'length'); },
  AesCbcParams(alg, out) { out.iv = bufferSource(required(alg, 'iv', 'AesCbcParams'), 'iv'); },
  AesCtrParams(alg, out) {
    out.counter = bufferSource(required(alg, 'counter', 'AesCtrParams'), 'counter');
    out.length = enforceRange(required(alg, 'length', 'AesCtrParams'), 0xff, 'length');
  },
  AesGcmParams(alg, out) {
    const aad = alg.additionalData;
    out.additionalData = aad === undefined ? undefined : bufferSource(aad, 'additionalData');
    out.iv = bufferSource(required(alg, 'iv', 'AesGcmParams'), 'iv');
    const tag = alg.tagLength;
    out.tagLength = tag === undefined ? undefined : enforceRange(tag, 0xff, 'tagLength');
  },
  HmacKeyGenParams(alg, out) {
    out.hash = hashMember(alg, 'HmacKeyGenParams');
    const len = alg.length;
    out.length = len === undefined ? undefined : enforceRange(len, 0xffffffff, 'length');
  },
  HmacImportParams(alg, out) { kDictionaries.HmacKeyGenParams(alg, out); },
  RsaHashedKeyGenParams(alg, out) {
    out.modulusLength = enforceRange(required(alg, 'modulusLength', 'RsaHashedKeyGenParams'), 0xffffffff, 'modulusLength');
    const e = required(alg, 'publicExponent', 'RsaHashedKeyGenParams');
    if (!(e instanceof Uint8Array)) throw new TypeError('publicExponent must be a Uint8Array');
    out.publicExponent = copyBytes(e);
    out.hash = hashMember(alg, 'RsaHashedKeyGenParams');
  },
  RsaHashedImportParams(alg, out) { out.hash = hashMember(alg, 'RsaHashedImportParams'); },
  RsaPssParams(alg, out) { out.saltLength = enforceRange(required(alg, 'saltLength', 'RsaPssParams'), 0xffffffff, 'saltLength'); },
  RsaOaepParams(alg, out) {
    const label = alg.label;
    out.label = label === undefined ? undefined : bufferSource(label, 'label');
  },
  EcKeyGenParams(alg, out) { out.namedCurve = toDOMString(required(alg, 'namedCurve', 'EcKeyGenParams')); },
  EcKeyImportParams(alg, out) { out.namedCurve = toDOMString(required(alg, 'namedCurve', 'EcKeyImportParams')); },
  EcdsaParams(alg, out) { out.hash = hashMember(alg, 'EcdsaParams'); },
  EcdhKeyDeriveParams(alg, out) {
    const pub = required(alg, 'public', 'EcdhKeyDeriveParams');
    if (stateOf(pub) === undefined) throw new TypeError("EcdhKeyDeriveParams: 'public' is not a CryptoKey");
    out.public = pub;
  },
  HkdfParams(alg, out) {
    out.hash = hashMember(alg, 'HkdfParams');
    out.info = bufferSource(required(alg, 'info', 'HkdfParams'), 'info');
    out.salt = bufferSource(required(alg, 'salt', 'HkdfParams'), 'salt');
  },
  Pbkdf2Params(alg, out) {
    out.hash = hashMember(alg, 'Pbkdf2Params');
    out.iterations = enforceRange(required(alg, 'iterations', 'Pbkdf2Params'), 0xffffffff, 'iterations');
    out.salt = bufferSource(required(alg, 'salt', 'Pbkdf2Params'), 'salt');
  },
};

// The normalized algorithm for `op`, or a thrown TypeError / NotSupportedError.
function normalize(alg, op) {
  let name;
  if (typeof alg === 'string') {
    name = alg;
    alg = undefined;
  } else if (typeof alg === 'object' && alg !== null) {
    const n = alg.name;
    if (n === undefined) throw new TypeError("Algorithm: the required member 'name' is missing");
    name = toDOMString(n);
  } else if (typeof alg === 'function') {
    const n = alg.name;
    if (n === undefined) throw new TypeError("Algorithm: the required member 'name' is missing");
    name = toDOMString(n);
  } else {
    name = toDOMString(alg);
    alg = undefined;
  }
  const entry = kRegistry[op].get(StringToUpperCase.call(name));
  if (entry === undefined) throw notSupported(`Unrecognized or unsupported algorithm name for ${op}: '${name}'`);
  const out = { name: entry[0] };
  const dict = entry[1];
  if (dict !== null) {
    // A string stands for { name }: a required member is then missing.
    kDictionaries[dict](alg === undefined ? {} : alg, out);
  }
  return out;
}

// ---- CryptoKey ----

const kToken = Symbol('CryptoKey');
let stateOf;

// A key's internal slots: type, extractable, alg (internal, never exposed),
// usages (bit mask), handle (native), and the exposed objects, made once.
class CryptoKey {
  #s;
  // Default parameters keep CryptoKey.length 0, as WebIDL has it.
  constructor(token = undefined, state = undefined) {
    if (token !== kToken) throw new TypeError('Illegal constructor');
    this.#s = state;
  }
  static {
    stateOf = (k) => ((typeof k === 'object' && k !== null && #s in k) ? k.#s : undefined);
  }
  get type() { return slots(this).type; }
  get extractable() { return slots(this).extractable; }
  get algorithm() {
    const s = slots(this);
    if (s.algorithmObject === undefined) s.algorithmObject = exposeAlgorithm(s.alg);
    return s.algorithmObject;
  }
  get usages() {
    const s = slots(this);
    if (s.usagesObject === undefined) s.usagesObject = usagesList(s.usages);
    return s.usagesObject;
  }
}
finishInterface(CryptoKey, 'CryptoKey');

function slots(key) {
  const s = stateOf(key);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

function newKey(type, extractable, alg, usages, handle) {
  return new CryptoKey(kToken, {
    type, extractable, alg, usages, handle, algorithmObject: undefined, usagesObject: undefined,
  });
}

// KeyAlgorithm dictionaries as JS objects.
function exposeAlgorithm(alg) {
  const out = { name: alg.name };
  if (alg.length !== undefined) out.length = alg.length;
  if (alg.hash !== undefined) out.hash = { name: alg.hash };
  if (alg.namedCurve !== undefined) out.namedCurve = alg.namedCurve;
  if (alg.modulusLength !== undefined) {
    out.modulusLength = alg.modulusLength;
    out.publicExponent = copyBytes(alg.publicExponent);
  }
  return out;
}

// ---- base64url and JWK ----

const kB64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const kB64Index = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) kB64Index[kB64.charCodeAt(i)] = i;

function base64urlEncode(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kB64[n >> 18] + kB64[(n >> 12) & 63] + kB64[(n >> 6) & 63] + kB64[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    out += kB64[n >> 18] + kB64[(n >> 12) & 63];
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kB64[n >> 18] + kB64[(n >> 12) & 63] + kB64[(n >> 6) & 63];
  }
  return out;
}

// Strict base64url (padding tolerated); a DataError names the member.
function base64urlDecode(str, member) {
  if (typeof str !== 'string') throw dataError(`JWK member '${member}' is missing`);
  let end = str.length;
  while (end > 0 && str.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end % 4 === 1) throw dataError(`JWK member '${member}' is not valid base64url`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0, acc = 0, j = 0;
  for (let i = 0; i < end; i++) {
    const c = str.charCodeAt(i);
    const v = c < 128 ? kB64Index[c] : -1;
    if (v < 0) throw dataError(`JWK member '${member}' is not valid base64url`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const kJwkStrings = ['alg', 'crv', 'd', 'dp', 'dq', 'e', 'k', 'kty', 'n', 'p', 'q', 'qi', 'use', 'x', 'y'];

// The JsonWebKey dictionary conversion (WebIDL): members read in order and
// typed; a non-object is a TypeError.
function toJsonWebKey(value) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') throw new TypeError('keyData is not a JsonWebKey');
  const jwk = {};
  const read = (key) => {
    const v = value[key];
    if (v === undefined) return;
    jwk[key] = v;
  };
  for (const key of ['alg', 'crv', 'd', 'dp', 'dq', 'e', 'ext', 'k', 'key_ops', 'kty', 'n', 'oth', 'p', 'q', 'qi', 'use', 'x', 'y']) read(key);
  for (const key of kJwkStrings) if (jwk[key] !== undefined) jwk[key] = toDOMString(jwk[key]);
  if (jwk.ext !== undefined) jwk.ext = !!jwk.ext;
  if (jwk.key_ops !== undefined) jwk.key_ops = sequence(jwk.key_ops, toDOMString, 'key_ops');
  if (jwk.oth !== undefined) jwk.oth = sequence(jwk.oth, (o) => o, 'oth');
  return jwk;
}

// The checks every JWK import shares: use, key_ops and ext.
function checkJwkCommon(jwk, usages, extractable, use) {
  if (usages !== 0 && jwk.use !== undefined && jwk.use !== use) {
    throw dataError(`JWK 'use' must be '${use}' for this algorithm`);
  }
  if (jwk.key_ops !== undefined) {
    const seen = new Set();
    for (const op of jwk.key_ops) {
      if (seen.has(op)) throw dataError("JWK 'key_ops' contains a duplicate");
      seen.add(op);
    }
    for (const u of usagesList(usages)) {
      if (!seen.has(u)) throw dataError(`JWK 'key_ops' does not allow the usage '${u}'`);
    }
  }
  if (jwk.ext === false && extractable) throw dataError('JWK is not extractable (ext is false), but extractable was requested');
}

function parseJwkBytes(bytes) {
  let jwk;
  try {
    jwk = JSON.parse(native.utf8Decode(bytes, false, false));
  } catch {
    throw dataError('The unwrapped key is not valid JSON');
  }
  if (typeof jwk !== 'object' || jwk === null) throw dataError('The unwrapped key is not a JSON object');
  return toJsonWebKey(jwk);
}

// ---- algorithms ----

const kFormats = ['raw', 'spki', 'pkcs8', 'jwk'];
function keyFormat(v) {
  const s = toDOMString(v);
  if (!kFormats.includes(s)) throw new TypeError(`'${s}' is not a valid KeyFormat`);
  return s;
}

const kHashBits = { 'SHA-1': 160, 'SHA-256': 256, 'SHA-384': 384, 'SHA-512': 512 };
const kHashBlockBits = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
const kHashSuffix = { 'SHA-1': '1', 'SHA-256': '256', 'SHA-384': '384', 'SHA-512': '512' };

// -- AES --
const kAesUsages = { 'AES-CBC': ENC | DEC | WRAP | UNWRAP, 'AES-CTR': ENC | DEC | WRAP | UNWRAP, 'AES-GCM': ENC | DEC | WRAP | UNWRAP, 'AES-KW': WRAP | UNWRAP };
const aesJwkAlg = (name, bits) => `A${bits}${name.slice(4)}`;

const aes = {
  generate(alg, extractable, usages) {
    checkUsages(usages, kAesUsages[alg.name]);
    if (alg.length !== 128 && alg.length !== 192 && alg.length !== 256) throw operationError('AES key length must be 128, 192 or 256 bits');
    if (usages === 0) throw syntaxError('Usages cannot be empty when creating a key.');
    return newKey('secret', extractable, { name: alg.name, length: alg.length }, usages, native.cryptoSecretGenerate(alg.length / 8));
  },
  import(format, data, alg, extractable, usages) {
    checkUsages(usages, kAesUsages[alg.name]);
    let bytes;
    if (format === 'raw') {
      bytes = data;
    } else if (format === 'jwk') {
      if (data.kty !== 'oct') throw dataError("JWK 'kty' must be 'oct'");
      bytes = base64urlDecode(data.k, 'k');
      const expected = aesJwkAlg(alg.name, bytes.length * 8);
      if (data.alg !== undefined && data.alg !== expected) throw dataError(`JWK 'alg' must be '${expected}'`);
      checkJwkCommon(data, usages, extractable, 'enc');
    } else {
      throw notSupported(`${alg.name} keys cannot be imported as ${format}`);
    }
    if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) throw dataError('AES key data must be 128, 192 or 256 bits');
    return newKey('secret', extractable, { name: alg.name, length: bytes.length * 8 }, usages, native.cryptoSecretImport(bytes));
  },
  export(format, s) {
    if (format === 'raw') return native.cryptoSecretExport(s.handle);
    if (format === 'jwk') {
      const bytes = new Uint8Array(native.cryptoSecretExport(s.handle));
      return { kty: 'oct', k: base64urlEncode(bytes), alg: aesJwkAlg(s.alg.name, s.alg.length), key_ops: usagesList(s.usages), ext: s.extractable };
    }
    throw notSupported(`${s.alg.name} keys cannot be exported as ${format}`);
  },
  encrypt(alg, s, data, encrypt) {
    const name = alg.name;
    if (name === 'AES-GCM') {
      const tag = alg.tagLength === undefined ? 128 : alg.tagLength;
      return native.cryptoAes(s.handle, name, encrypt, alg.iv, alg.additionalData, tag, data);
    }
    if (name === 'AES-CTR') return native.cryptoAes(s.handle, name, encrypt, alg.counter, undefined, alg.length, data);
    return native.cryptoAes(s.handle, name, encrypt, alg.iv, undefined, 0, data);
  },
  wrap(alg, s, data, encrypt) { return native.cryptoAes(s.handle, 'AES-KW', encrypt, undefined, undefined, 0, data); },
  keyLength(alg) {
    if (alg.length !== 128 && alg.length !== 192 && alg.length !== 256) throw operationError('AES key length must be 128, 192 or 256 bits');
    return alg.length;
  },
};

// -- HMAC --
const hmac = {
  generate(alg, extractable, usages) {
    checkUsages(usages, SIGN | VERIFY);
    let length = alg.length;
    if (length === undefined) length = kHashBlockBits[alg.hash];
    else if (length === 0) throw operationError('HMAC key length must not be 0');
    if (usages === 0) throw syntaxError('Usages cannot be empty when creating a key.');
    const handle = native.cryptoSecretGenerate(Math.ceil(length / 8));
    return newKey('secret', extractable, { name: 'HMAC', hash: alg.hash, length }, usages, handle);
  },
  import(format, data, alg, extractable, usages) {
    checkUsages(usages, SIGN | VERIFY);
    let bytes;
    let hash = alg.hash;
    if (format === 'raw') {
      bytes = data;
    } else if (format === 'jwk') {
      if (data.kty !== 'oct') throw dataError("JWK 'kty' must be 'oct'");
      bytes = base64urlDecode(data.k, 'k');
      const expected = `HS${kHashSuffix[hash]}`;
      if (data.alg !== undefined && data.alg !== expected) throw dataError(`JWK 'alg' must be '${expected}'`);
      checkJwkCommon(data, usages, extractable, 'sig');
    } else {
      throw notSupported(`HMAC keys cannot be imported as ${format}`);
    }
    const bits = bytes.length * 8;
    if (bits === 0) throw dataError('HMAC key data must not be empty');
    let length = bits;
    if (alg.length !== undefined) {
      if (alg.length > bits || alg.length <= bits - 8) throw dataError('The HMAC length does not match the key data');
      length = alg.length;
    }
    return newKey('secret', extractable, { name: 'HMAC', hash, length }, usages, native.cryptoSecretImport(bytes));
  },
  export(format, s) {
    if (format === 'raw') return native.cryptoSecretExport(s.handle);
    if (format === 'jwk') {
      const bytes = new Uint8Array(native.cryptoSecretExport(s.handle));
      return { kty: 'oct', k: base64urlEncode(bytes), alg: `HS${kHashSuffix[s.alg.hash]}`, key_ops: usagesList(s.usages), ext: s.extractable };
    }
    throw notSupported(`HMAC keys cannot be exported as ${format}`);
  },
  sign(alg, s, data) { return native.cryptoHmacSign(s.handle, s.alg.hash, data); },
  verify(alg, s, sig, data) { return native.cryptoHmacVerify(s.handle, s.alg.hash, sig, data); },
  keyLength(alg) {
    if (alg.length === undefined) return kHashBlockBits[alg.hash];
    if (alg.length === 0) throw new TypeError('HMAC key length must not be 0');
    return alg.length;
  },
};

// -- asymmetric keys: shared import/export --

// Public and private usages of each asymmetric algorithm.
const kPairUsages = {
  'RSASSA-PKCS1-v1_5': [VERIFY, SIGN], 'RSA-PSS': [VERIFY, SIGN], 'RSA-OAEP': [ENC | WRAP, DEC | UNWRAP],
  ECDSA: [VERIFY, SIGN], ECDH: [0, DKEY | DBITS], Ed25519: [VERIFY, SIGN], 'NODE-ED25519': [VERIFY, SIGN], X25519: [0, DKEY | DBITS],
};

function makePair(alg, extractable, usages, result) {
  const [pubUsages, privUsages] = kPairUsages[alg.name];
  const publicKey = newKey('public', true, alg, usages & pubUsages, result[0]);
  const privateKey = newKey('private', extractable, alg, usages & privUsages, result[1]);
  return { publicKey, privateKey };
}

function generatePair(alg, extractable, usages, generate) {
  const [pubUsages, privUsages] = kPairUsages[alg.name];
  checkUsages(usages, pubUsages | privUsages);
  const prepared = generate.check();
  if ((usages & privUsages) === 0) throw syntaxError('Usages cannot be empty when creating a key.');
  let result;
  try { result = generate.run(prepared); } catch (e) { rethrow(e); }
  return makePair(generate.alg(result), extractable, usages, result);
}

// Checks the usages against the key's kind (which the format or the JWK's
// `d` tells) and runs the native import.
function importAsym(alg, usages, isPrivate, run) {
  const [pubUsages, privUsages] = kPairUsages[alg.name];
  checkUsages(usages, isPrivate ? privUsages : pubUsages);
  try { return run(); } catch (e) { rethrow(e); }
}

function exportAsym(format, s, jwkMembers) {
  if (format === 'spki') {
    if (s.type !== 'public') throw invalidAccess('Only public keys can be exported as spki');
    return native.cryptoExportSpki(s.handle);
  }
  if (format === 'pkcs8') {
    if (s.type !== 'private') throw invalidAccess('Only private keys can be exported as pkcs8');
    return native.cryptoExportPkcs8(s.handle);
  }
  if (format === 'jwk') {
    const parts = native.cryptoExportJwk(s.handle).map((b) => base64urlEncode(new Uint8Array(b)));
    const jwk = jwkMembers(parts);
    jwk.key_ops = usagesList(s.usages);
    jwk.ext = s.extractable;
    return jwk;
  }
  return undefined;
}

// -- RSA --
const kRsaJwkAlg = {
  'RSASSA-PKCS1-v1_5': (h) => `RS${kHashSuffix[h]}`,
  'RSA-PSS': (h) => `PS${kHashSuffix[h]}`,
  'RSA-OAEP': (h) => (h === 'SHA-1' ? 'RSA-OAEP' : `RSA-OAEP-${kHashSuffix[h]}`),
};

function rsaAlg(name, hash, info) {
  return { name, modulusLength: info[0], publicExponent: new Uint8Array(info[1]), hash };
}

const rsa = {
  generate(alg, extractable, usages) {
    return generatePair(alg, extractable, usages, {
      check() {
        const e = alg.publicExponent;
        // Only 3 and 65537 (workerd allows the same).
        let v = 0;
        let i = 0;
        while (i < e.length && e[i] === 0) i++;
        if (e.length - i > 4) throw operationError('publicExponent is too large');
        for (; i < e.length; i++) v = v * 256 + e[i];
        if (v !== 3 && v !== 65537) throw operationError('publicExponent must be 3 or 65537');
        const bits = alg.modulusLength;
        if (bits < 256 || bits > 16384 || bits % 8 !== 0) throw operationError('modulusLength must be a multiple of 8 from 256 to 16384');
        return null;
      },
      run() { return native.cryptoGenerateRsa(alg.modulusLength, alg.publicExponent); },
      alg(result) { return rsaAlg(alg.name, alg.hash, result[2][1]); },
    });
  },
  import(format, data, alg, extractable, usages) {
    let isPrivate;
    let run;
    if (format === 'spki' || format === 'pkcs8') {
      isPrivate = format === 'pkcs8';
      run = () => (isPrivate ? native.cryptoImportPkcs8(data) : native.cryptoImportSpki(data));
    } else if (format === 'jwk') {
      isPrivate = data.d !== undefined;
      run = () => {
        if (data.kty !== 'RSA') throw dataError("JWK 'kty' must be 'RSA'");
        const expected = kRsaJwkAlg[alg.name](alg.hash);
        if (data.alg !== undefined && data.alg !== expected) throw dataError(`JWK 'alg' must be '${expected}'`);
        checkJwkCommon(data, usages, extractable, alg.name === 'RSA-OAEP' ? 'enc' : 'sig');
        if (data.oth !== undefined) throw notSupported('JWK RSA keys with more than two primes are not supported');
        const n = base64urlDecode(data.n, 'n');
        const e = base64urlDecode(data.e, 'e');
        if (!isPrivate) return native.cryptoImportRsaJwk(n, e);
        const members = ['d', 'p', 'q', 'dp', 'dq', 'qi'].map((m) => base64urlDecode(data[m], m));
        return native.cryptoImportRsaJwk(n, e, ...members);
      };
    } else {
      throw notSupported(`${alg.name} keys cannot be imported as ${format}`);
    }
    const [handle, info] = importAsym(alg, usages, isPrivate, run);
    if (info[0] !== 'RSA') throw dataError('The key is not an RSA key');
    return newKey(isPrivate ? 'private' : 'public', extractable, rsaAlg(alg.name, alg.hash, info[1]), usages, handle);
  },
  export(format, s) {
    const out = exportAsym(format, s, (p) => {
      const jwk = { kty: 'RSA', alg: kRsaJwkAlg[s.alg.name](s.alg.hash), n: p[0], e: p[1] };
      if (p.length > 2) Object.assign(jwk, { d: p[2], p: p[3], q: p[4], dp: p[5], dq: p[6], qi: p[7] });
      return jwk;
    });
    if (out === undefined) throw notSupported(`${s.alg.name} keys cannot be exported as ${format}`);
    return out;
  },
  sign(alg, s, data) { return native.cryptoSign(s.handle, alg.name, s.alg.hash, alg.saltLength, data); },
  verify(alg, s, sig, data) { return native.cryptoVerify(s.handle, alg.name, s.alg.hash, alg.saltLength, sig, data); },
  encrypt(alg, s, data, encrypt) { return native.cryptoRsaOaep(s.handle, encrypt, s.alg.hash, alg.label, data); },
};

// -- EC (ECDSA, ECDH) --
const kCurves = ['P-256', 'P-384', 'P-521'];
const kCurveBytes = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const kEcdsaJwkAlg = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function checkCurve(curve) {
  if (!kCurves.includes(curve)) throw notSupported(`Unrecognized namedCurve '${curve}'`);
}

const ec = {
  generate(alg, extractable, usages) {
    return generatePair(alg, extractable, usages, {
      check() { checkCurve(alg.namedCurve); },
      run() { return native.cryptoGenerateEc(alg.namedCurve); },
      alg() { return { name: alg.name, namedCurve: alg.namedCurve }; },
    });
  },
  import(format, data, alg, extractable, usages) {
    const curve = alg.namedCurve;
    let isPrivate = false;
    let run;
    if (format === 'spki' || format === 'pkcs8') {
      isPrivate = format === 'pkcs8';
      run = () => {
        checkCurve(curve);
        return isPrivate ? native.cryptoImportPkcs8(data) : native.cryptoImportSpki(data);
      };
    } else if (format === 'raw') {
      run = () => {
        checkCurve(curve);
        return native.cryptoImportEcPublic(curve, data);
      };
    } else if (format === 'jwk') {
      isPrivate = data.d !== undefined;
      run = () => {
        checkCurve(curve);
        if (data.kty !== 'EC') throw dataError("JWK 'kty' must be 'EC'");
        if (data.crv !== curve) throw dataError(`JWK 'crv' must be '${curve}'`);
        checkJwkCommon(data, usages, extractable, alg.name === 'ECDH' ? 'enc' : 'sig');
        if (alg.name === 'ECDSA' && data.alg !== undefined && data.alg !== kEcdsaJwkAlg[curve]) {
          throw dataError(`JWK 'alg' must be '${kEcdsaJwkAlg[curve]}'`);
        }
        const x = base64urlDecode(data.x, 'x');
        const y = base64urlDecode(data.y, 'y');
        if (!isPrivate) return native.cryptoImportEcJwk(curve, x, y);
        return native.cryptoImportEcJwk(curve, x, y, base64urlDecode(data.d, 'd'));
      };
    } else {
      throw notSupported(`${alg.name} keys cannot be imported as ${format}`);
    }
    const [handle, info] = importAsym(alg, usages, isPrivate, run);
    if (info[0] !== 'EC') throw dataError('The key is not an EC key');
    if (info[1] !== curve) throw dataError(`The key's curve is not ${curve}`);
    return newKey(isPrivate ? 'private' : 'public', extractable, { name: alg.name, namedCurve: curve }, usages, handle);
  },
  export(format, s) {
    if (format === 'raw') {
      if (s.type !== 'public') throw invalidAccess('Only public keys can be exported as raw');
      return native.cryptoExportRawPublic(s.handle);
    }
    const out = exportAsym(format, s, (p) => {
      const jwk = { kty: 'EC', crv: s.alg.namedCurve, x: p[0], y: p[1] };
      if (p.length > 2) jwk.d = p[2];
      return jwk;
    });
    if (out === undefined) throw notSupported(`${s.alg.name} keys cannot be exported as ${format}`);
    return out;
  },
  sign(alg, s, data) { return native.cryptoSign(s.handle, 'ECDSA', alg.hash, 0, data); },
  verify(alg, s, sig, data) { return native.cryptoVerify(s.handle, 'ECDSA', alg.hash, 0, sig, data); },
};

// -- Ed25519, X25519 (and NODE-ED25519, Workers' older name for Ed25519) --
function okpType(name) { return name === 'X25519' ? 'X25519' : 'Ed25519'; }
function okpAlg(alg) {
  return alg.name === 'NODE-ED25519' ? { name: 'NODE-ED25519', namedCurve: 'NODE-ED25519' } : { name: alg.name };
}
function checkNodeCurve(alg) {
  if (alg.name === 'NODE-ED25519' && alg.namedCurve !== 'NODE-ED25519') {
    throw notSupported("NODE-ED25519 keys need namedCurve 'NODE-ED25519'");
  }
}

const okp = {
  generate(alg, extractable, usages) {
    return generatePair(alg, extractable, usages, {
      check() { checkNodeCurve(alg); },
      run() { return native.cryptoGenerateOkp(okpType(alg.name)); },
      alg() { return okpAlg(alg); },
    });
  },
  import(format, data, alg, extractable, usages) {
    const type = okpType(alg.name);
    let isPrivate = false;
    let run;
    if (format === 'spki' || format === 'pkcs8') {
      isPrivate = format === 'pkcs8';
      run = () => {
        checkNodeCurve(alg);
        return isPrivate ? native.cryptoImportPkcs8(data) : native.cryptoImportSpki(data);
      };
    } else if (format === 'raw') {
      run = () => {
        checkNodeCurve(alg);
        return native.cryptoImportOkp(type, data, undefined);
      };
    } else if (format === 'jwk') {
      isPrivate = data.d !== undefined;
      run = () => {
        checkNodeCurve(alg);
        if (data.kty !== 'OKP') throw dataError("JWK 'kty' must be 'OKP'");
        if (data.crv !== type) throw dataError(`JWK 'crv' must be '${type}'`);
        if (type === 'Ed25519' && data.alg !== undefined && data.alg !== 'EdDSA' && data.alg !== 'Ed25519') {
          throw dataError("JWK 'alg' must be 'Ed25519' or 'EdDSA'");
        }
        checkJwkCommon(data, usages, extractable, type === 'X25519' ? 'enc' : 'sig');
        const x = base64urlDecode(data.x, 'x');
        return native.cryptoImportOkp(type, x, isPrivate ? base64urlDecode(data.d, 'd') : undefined);
      };
    } else {
      throw notSupported(`${alg.name} keys cannot be imported as ${format}`);
    }
    const [handle, info] = importAsym(alg, usages, isPrivate, run);
    if (info[0] !== type) throw dataError(`The key is not an ${type} key`);
    return newKey(isPrivate ? 'private' : 'public', extractable, okpAlg(alg), usages, handle);
  },
  export(format, s) {
    if (format === 'raw') {
      if (s.type !== 'public') throw invalidAccess('Only public keys can be exported as raw');
      return native.cryptoExportRawPublic(s.handle);
    }
    const type = okpType(s.alg.name);
    const out = exportAsym(format, s, (p) => {
      const jwk = { kty: 'OKP', crv: type, x: p[0] };
      if (type === 'Ed25519') jwk.alg = 'Ed25519';
      if (p.length > 1) jwk.d = p[1];
      return jwk;
    });
    if (out === undefined) throw notSupported(`${s.alg.name} keys cannot be exported as ${format}`);
    return out;
  },
  sign(alg, s, data) { return native.cryptoSign(s.handle, 'Ed25519', '', 0, data); },
  verify(alg, s, sig, data) { return native.cryptoVerify(s.handle, 'Ed25519', '', 0, sig, data); },
};

// ECDH and X25519 deriveBits: the shared secret, cut to `length` bits.
function deriveShared(alg, s, length) {
  const pub = stateOf(alg.public);
  if (pub.type !== 'public') throw invalidAccess("The 'public' key must be a public key");
  if (pub.alg.name !== s.alg.name) throw invalidAccess("The 'public' key is not for the same algorithm");
  if (s.alg.namedCurve !== undefined && pub.alg.namedCurve !== s.alg.namedCurve) {
    throw invalidAccess("The 'public' key is on another curve");
  }
  if (s.type !== 'private') throw invalidAccess('The base key must be a private key');
  const secret = new Uint8Array(native.cryptoDeriveShared(s.handle, pub.handle));
  if (length === null) return secret.buffer;
  if (length > secret.length * 8) throw operationError('The requested length is longer than the shared secret');
  const out = secret.slice(0, Math.ceil(length / 8));
  if (length % 8) out[out.length - 1] &= 0xff << (8 - (length % 8));
  secret.fill(0);
  return out.buffer;
}

// -- PBKDF2, HKDF --
const kdf = {
  import(format, data, alg, extractable, usages) {
    if (format !== 'raw') throw notSupported(`${alg.name} keys can only be imported as raw`);
    checkUsages(usages, DKEY | DBITS);
    if (extractable) throw syntaxError(`${alg.name} keys cannot be extractable`);
    return newKey('secret', false, { name: alg.name }, usages, native.cryptoSecretImport(data));
  },
  export() { throw notSupported('PBKDF2 and HKDF keys cannot be exported'); },
  keyLength() { return null; },
};

function deriveKdf(alg, s, length) {
  if (length === null) throw operationError('A length is required');
  if (length % 8) throw operationError('The length must be a multiple of 8');
  if (alg.name === 'PBKDF2') {
    if (alg.iterations === 0) throw operationError('iterations must be greater than 0');
    // As workerd: more would let one request burn seconds of CPU.
    if (alg.iterations > 100000) throw notSupported('PBKDF2 iteration counts above 100000 are not supported');
    return native.cryptoPbkdf2(s.handle, alg.hash, alg.salt, alg.iterations, length / 8);
  }
  return native.cryptoHkdf(s.handle, alg.hash, alg.salt, alg.info, length / 8);
}

// name → implementation
const kImpl = {
  'AES-CBC': aes, 'AES-CTR': aes, 'AES-GCM': aes, 'AES-KW': aes, HMAC: hmac,
  'RSASSA-PKCS1-v1_5': rsa, 'RSA-PSS': rsa, 'RSA-OAEP': rsa,
  ECDSA: ec, ECDH: ec, Ed25519: okp, 'NODE-ED25519': okp, X25519: okp, PBKDF2: kdf, HKDF: kdf,
};

// ---- SubtleCrypto ----

const kSubtleToken = Symbol('SubtleCrypto');
let isSubtle;

function keyState(key, what) {
  const s = stateOf(key);
  if (s === undefined) throw new TypeError(`${what} is not a CryptoKey`);
  return s;
}

function checkArgs(args, n, method) {
  if (args.length < n) {
    throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': ${n} arguments required, but only ${args.length} present.`);
  }
}

// Runs `fn` and returns its result as a promise; anything it throws
// becomes the rejection, with native errors turned into DOMExceptions.
function run(self, fn) {
  try {
    if (!isSubtle(self)) throw new TypeError('Illegal invocation');
    return PromiseResolve(fn());
  } catch (err) {
    if (Array.isArray(err) && err.length === 2) return PromiseReject(dom(err[0], err[1]));
    return PromiseReject(err);
  }
}

function checkKeyFor(s, alg, usageBit, usage) {
  if (s.alg.name !== alg.name) throw invalidAccess(`The key is not a ${alg.name} key`);
  if ((s.usages & usageBit) === 0) throw invalidAccess(`The key does not allow '${usage}'`);
}

function importKeyImpl(format, keyData, alg, extractable, usages) {
  const impl = kImpl[alg.name];
  let key;
  try {
    key = impl.import(format, keyData, alg, extractable, usages);
  } catch (e) { rethrow(e); }
  const s = stateOf(key);
  if ((s.type === 'secret' || s.type === 'private') && s.usages === 0) {
    throw syntaxError('Usages cannot be empty when creating a key.');
  }
  return key;
}

// The keyData argument as BufferSource or JsonWebKey, by format.
function keyDataFor(format, keyData) {
  if (format === 'jwk') {
    if (ArrayBufferIsView(keyData) || isArrayBuffer(keyData)) throw new TypeError('keyData must be a JsonWebKey for the jwk format');
    return toJsonWebKey(keyData);
  }
  if (!ArrayBufferIsView(keyData) && !isArrayBuffer(keyData)) throw new TypeError('keyData must be a BufferSource for this format');
  return copyBytes(bufferSource(keyData, 'keyData'));
}

function exportKeyImpl(format, s) {
  const impl = kImpl[s.alg.name];
  if (!impl || !impl.export) throw notSupported(`${s.alg.name} keys cannot be exported`);
  if (!s.extractable) throw invalidAccess('The key is not extractable');
  try { return impl.export(format, s); } catch (e) { rethrow(e); }
}

function deriveBitsImpl(alg, s, length) {
  if (alg.name === 'ECDH' || alg.name === 'X25519') return deriveShared(alg, s, length);
  return deriveKdf(alg, s, length);
}

// A bit length argument: `optional unsigned long? length = null`.
const lengthArg = (v) => (v === undefined || v === null ? null : enforceRangeLoose(v));
function enforceRangeLoose(v) {
  // unsigned long without [EnforceRange]: modulo 2^32.
  const x = +v;
  if (!Number.isFinite(x)) return 0;
  return Math.trunc(x) >>> 0;
}

class SubtleCrypto {
  constructor(token = undefined) {
    if (token !== kSubtleToken) throw new TypeError('Illegal constructor');
  }
  static {
    isSubtle = (x) => x instanceof SubtleCrypto;
  }

  digest(algorithm, data) {
    return run(this, () => {
      checkArgs(arguments, 2, 'digest');
      const bytes = bufferSource(data, 'data');
      const alg = normalize(algorithm, 'digest');
      return native.cryptoDigest(alg.name, bytes);
    });
  }

  generateKey(algorithm, extractable, keyUsages) {
    return run(this, () => {
      checkArgs(arguments, 3, 'generateKey');
      extractable = toBoolean(extractable);
      const usages = usagesMask(keyUsages);
      const alg = normalize(algorithm, 'generateKey');
      try { return kImpl[alg.name].generate(alg, extractable, usages); } catch (e) { rethrow(e); }
    });
  }

  importKey(format, keyData, algorithm, extractable, keyUsages) {
    return run(this, () => {
      checkArgs(arguments, 5, 'importKey');
      format = keyFormat(format);
      const data = keyDataFor(format, keyData);
      extractable = toBoolean(extractable);
      const usages = usagesMask(keyUsages);
      const alg = normalize(algorithm, 'importKey');
      return importKeyImpl(format, data, alg, extractable, usages);
    });
  }

  exportKey(format, key) {
    return run(this, () => {
      checkArgs(arguments, 2, 'exportKey');
      format = keyFormat(format);
      return exportKeyImpl(format, keyState(key, 'key'));
    });
  }

  sign(algorithm, key, data) {
    return run(this, () => {
      checkArgs(arguments, 3, 'sign');
      const s = keyState(key, 'key');
      const bytes = bufferSource(data, 'data');
      const alg = normalize(algorithm, 'sign');
      checkKeyFor(s, alg, SIGN, 'sign');
      return kImpl[alg.name].sign(alg, s, bytes);
    });
  }

  verify(algorithm, key, signature, data) {
    return run(this, () => {
      checkArgs(arguments, 4, 'verify');
      const s = keyState(key, 'key');
      const sig = bufferSource(signature, 'signature');
      const bytes = bufferSource(data, 'data');
      const alg = normalize(algorithm, 'verify');
      checkKeyFor(s, alg, VERIFY, 'verify');
      return kImpl[alg.name].verify(alg, s, sig, bytes);
    });
  }

  encrypt(algorithm, key, data) {
    return run(this, () => {
      checkArgs(arguments, 3, 'encrypt');
      const s = keyState(key, 'key');
      const bytes = bufferSource(data, 'data');
      const alg = normalize(algorithm, 'encrypt');
      checkKeyFor(s, alg, ENC, 'encrypt');
      return kImpl[alg.name].encrypt(alg, s, bytes, true);
    });
  }

  decrypt(algorithm, key, data) {
    return run(this, () => {
      checkArgs(arguments, 3, 'decrypt');
      const s = keyState(key, 'key');
      const bytes = bufferSource(data, 'data');
      const alg = normalize(algorithm, 'decrypt');
      checkKeyFor(s, alg, DEC, 'decrypt');
      if (alg.name === 'RSA-OAEP' && s.type !== 'private') throw invalidAccess('Decryption needs a private key');
      return kImpl[alg.name].encrypt(alg, s, bytes, false);
    });
  }

  deriveBits(algorithm, baseKey, length = null) {
    return run(this, () => {
      checkArgs(arguments, 2, 'deriveBits');
      const s = keyState(baseKey, 'baseKey');
      const len = lengthArg(length);
      const alg = normalize(algorithm, 'deriveBits');
      checkKeyFor(s, alg, DBITS, 'deriveBits');
      return deriveBitsImpl(alg, s, len);
    });
  }

  deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    return run(this, () => {
      checkArgs(arguments, 5, 'deriveKey');
      const s = keyState(baseKey, 'baseKey');
      extractable = toBoolean(extractable);
      const usages = usagesMask(keyUsages);
      const alg = normalize(algorithm, 'deriveBits');
      const importAlg = normalize(derivedKeyType, 'importKey');
      const lengthAlg = normalize(derivedKeyType, 'getKeyLength');
      checkKeyFor(s, alg, DKEY, 'deriveKey');
      const length = kImpl[lengthAlg.name].keyLength(lengthAlg);
      const bits = new Uint8Array(deriveBitsImpl(alg, s, length));
      try {
        return importKeyImpl('raw', bits, importAlg, extractable, usages);
      } finally {
        bits.fill(0);
      }
    });
  }

  wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    return run(this, () => {
      checkArgs(arguments, 4, 'wrapKey');
      format = keyFormat(format);
      const ks = keyState(key, 'key');
      const ws = keyState(wrappingKey, 'wrappingKey');
      let alg;
      let viaWrap = true;
      try {
        alg = normalize(wrapAlgorithm, 'wrapKey');
      } catch (e) {
        if (!(e instanceof DOMException) || e.name !== 'NotSupportedError') throw e;
        alg = normalize(wrapAlgorithm, 'encrypt');
        viaWrap = false;
      }
      checkKeyFor(ws, alg, WRAP, 'wrapKey');
      const exported = exportKeyImpl(format, ks);
      const bytes = format === 'jwk' ? native.utf8Encode(JSON.stringify(exported)) : new Uint8Array(exported);
      const impl = kImpl[alg.name];
      return viaWrap ? impl.wrap(alg, ws, bytes, true) : impl.encrypt(alg, ws, bytes, true);
    });
  }

  unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    return run(this, () => {
      checkArgs(arguments, 7, 'unwrapKey');
      format = keyFormat(format);
      const wrapped = bufferSource(wrappedKey, 'wrappedKey');
      const us = keyState(unwrappingKey, 'unwrappingKey');
      extractable = toBoolean(extractable);
      const usages = usagesMask(keyUsages);
      let alg;
      let viaWrap = true;
      try {
        alg = normalize(unwrapAlgorithm, 'unwrapKey');
      } catch (e) {
        if (!(e instanceof DOMException) || e.name !== 'NotSupportedError') throw e;
        alg = normalize(unwrapAlgorithm, 'decrypt');
        viaWrap = false;
      }
      const importAlg = normalize(unwrappedKeyAlgorithm, 'importKey');
      checkKeyFor(us, alg, UNWRAP, 'unwrapKey');
      if (alg.name === 'RSA-OAEP' && us.type !== 'private') throw invalidAccess('Unwrapping needs a private key');
      const impl = kImpl[alg.name];
      let bytes;
      try {
        bytes = new Uint8Array(viaWrap ? impl.wrap(alg, us, wrapped, false) : impl.encrypt(alg, us, wrapped, false));
      } catch (e) { rethrow(e); }
      try {
        const data = format === 'jwk' ? parseJwkBytes(bytes) : bytes;
        return importKeyImpl(format, data, importAlg, extractable, usages);
      } finally {
        bytes.fill(0);
      }
    });
  }

  // Workers extension: compares two buffers in constant time.
  timingSafeEqual(a, b) {
    if (!isSubtle(this)) throw new TypeError('Illegal invocation');
    const x = bufferSource(a, 'a');
    const y = bufferSource(b, 'b');
    if (x.byteLength !== y.byteLength) throw new TypeError('Input buffers must have the same byte length');
    return native.cryptoTimingSafeEqual(x, y);
  }
}
finishInterface(SubtleCrypto, 'SubtleCrypto');

// ---- DigestStream (Workers extension) ----

// A WritableStream that hashes what is written to it; `digest` resolves
// with the ArrayBuffer when the stream is closed.
class DigestStream extends internals.WritableStream {
  #digest;
  #written;
  constructor(algorithm) {
    const alg = normalize(algorithm, 'digest');
    const handle = native.cryptoDigestStart(alg.name);
    let resolve;
    let reject;
    const written = { n: 0 };
    const digest = new Promise((res, rej) => { resolve = res; reject = rej; });
    // A rejection nobody asked for (the stream was aborted) is not an error.
    digest.catch(() => {});
    super({
      write(chunk) {
        try {
          const bytes = typeof chunk === 'string' ? native.utf8Encode(chunk) : bufferSource(chunk, 'chunk');
          native.cryptoDigestUpdate(handle, bytes);
          written.n += bytes.byteLength;
        } catch (e) {
          // The stream errors; so does the digest, which would otherwise
          // never settle.
          const err = Array.isArray(e) ? dom(e[0], e[1]) : e;
          reject(err);
          throw err;
        }
      },
      close() {
        try {
          resolve(native.cryptoDigestFinish(handle));
        } catch (e) {
          reject(Array.isArray(e) ? dom(e[0], e[1]) : e);
        }
      },
      abort(reason) { reject(reason); },
    });
    this.#digest = digest;
    this.#written = written;
  }
  get digest() {
    if (!(#digest in this)) throw new TypeError('Illegal invocation');
    return this.#digest;
  }
  get bytesWritten() {
    if (!(#written in this)) throw new TypeError('Illegal invocation');
    return this.#written.n;
  }
}
finishInterface(DigestStream, 'DigestStream');

// ---- Crypto ----

const kSubtle = new SubtleCrypto(kSubtleToken);

const kCryptoToken = Symbol('Crypto');
let isCrypto;

class Crypto {
  constructor(token = undefined) {
    if (token !== kCryptoToken) throw new TypeError('Illegal constructor');
  }
  static {
    isCrypto = (x) => x instanceof Crypto;
  }
  getRandomValues(array) {
    if (!isCrypto(this)) throw new TypeError('Illegal invocation');
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
    if (!ArrayBufferIsView(array)) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
    if (!kIntegerArrays.some((T) => array instanceof T)) {
      throw new DOMException('The data provided to getRandomValues() must be an integer-typed array.', 'TypeMismatchError');
    }
    if (array.byteLength > 65536) {
      throw new DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`, 'QuotaExceededError');
    }
    native.randomFill(array);
    return array;
  }
  randomUUID() {
    if (!isCrypto(this)) throw new TypeError('Illegal invocation');
    const b = new Uint8Array(16);
    native.randomFill(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = '';
    for (let i = 0; i < 16; i++) hex += (b[i] + 0x100).toString(16).slice(1);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  get subtle() {
    if (!isCrypto(this)) throw new TypeError('Illegal invocation');
    return kSubtle;
  }
  get DigestStream() {
    if (!isCrypto(this)) throw new TypeError('Illegal invocation');
    return DigestStream;
  }
}
finishInterface(Crypto, 'Crypto');

internals.Crypto = Crypto;
internals.crypto = new Crypto(kCryptoToken);
internals.SubtleCrypto = SubtleCrypto;
internals.CryptoKey = CryptoKey;
// node:crypto's KeyObject.from: a CryptoKey's type and native handle
// (undefined for anything else).
internals.cryptoKeyParts = (k) => {
  const s = stateOf(k);
  return s === undefined ? undefined : { type: s.type, handle: s.handle };
};
internals.DigestStream = DigestStream;
