'use strict';
// node:crypto. Here, over the runtime's WebCrypto natives
// (runtime/api/crypto.cc, the same ones crypto.js uses): hashes and HMAC
// (md5, sha1, sha256, sha384, sha512), random numbers and UUIDs,
// timingSafeEqual, pbkdf2, hkdf, scrypt (the `scrypt-js` npm package, MIT),
// and webcrypto/subtle. Ciphers are in crypto_cipher.js; key objects,
// signatures, RSA encryption and ECDH in crypto_keys.js (both over
// runtime/api/node_crypto.cc).
// Work Node does on its thread pool (pbkdf2, hkdf, scrypt, key generation
// with a callback) runs here on the request's thread; the callback comes on
// a later tick. X509Certificate is in crypto_x509.js, checkPrime and
// generatePrime in crypto_prime.js, classic Diffie-Hellman in
// crypto_dh.js. Certificate and the legacy createCipher are absent.

const { Buffer } = require('./buffer.js');
const process = require('./process.js');

const { codeError, invalidArg, toBytes, encodeOutput } = require('./crypto_util.js');
const keys = require('./crypto_keys.js');
const ciphers = require('./crypto_cipher.js');
const x509 = require('./crypto_x509.js');
const primes = require('./crypto_prime.js');
const dh = require('./crypto_dh.js');

// Natives throw [DOMException name, message]; Node throws Errors.
function callNative(fn) {
  try {
    return fn();
  } catch (err) {
    if (Array.isArray(err) && err.length === 2) throw new Error(err[1]);
    throw err;
  }
}

// node hash name (any case, RSA- prefixed too) → the natives' name
const kHashes = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
const kHashAliases = { 'sha-1': 'sha1', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };
function hashName(algorithm) {
  if (typeof algorithm !== 'string') throw invalidArg('algorithm', 'of type string', algorithm);
  let name = algorithm.toLowerCase();
  if (name.startsWith('rsa-')) name = name.slice(4);
  name = kHashAliases[name] || name;
  return kHashes[name];
}

const kFinalized = () => codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');

class Hash {
  #handle;
  #algorithm;
  #done = false;
  constructor(algorithm, options) {
    const name = hashName(algorithm);
    if (name === undefined) throw new Error('Digest method not supported');
    if (options !== undefined && options !== null && options.outputLength !== undefined) {
      throw codeError(Error, 'ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH', 'outputLength is only supported for XOF hash functions');
    }
    this.#algorithm = name;
    this.#handle = callNative(() => native.cryptoDigestStart(name));
  }
  update(data, inputEncoding) {
    if (this.#done) throw kFinalized();
    const bytes = toBytes(data, inputEncoding);
    callNative(() => native.cryptoDigestUpdate(this.#handle, bytes));
    return this;
  }
  digest(outputEncoding) {
    if (this.#done) throw kFinalized();
    this.#done = true;
    return encodeOutput(callNative(() => native.cryptoDigestFinish(this.#handle)), outputEncoding);
  }
}

class Hmac {
  #key;
  #algorithm;
  #chunks = [];
  #done = false;
  constructor(algorithm, key, options) {
    const name = hashName(algorithm);
    if (name === undefined) throw new Error(`Invalid digest: ${algorithm}`);
    if (key === null || key === undefined) throw invalidArg('key', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', key);
    const bytes = keys.internal.secretKeyBytes(key, options && options.encoding);
    this.#algorithm = name;
    this.#key = callNative(() => native.cryptoSecretImport(bytes));
  }
  update(data, inputEncoding) {
    if (this.#done) throw codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    this.#chunks.push(Uint8Array.from(toBytes(data, inputEncoding)));
    return this;
  }
  digest(outputEncoding) {
    if (this.#done) return encodeOutput(new ArrayBuffer(0), outputEncoding);
    this.#done = true;
    const data = concat(this.#chunks);
    this.#chunks = [];
    return encodeOutput(callNative(() => native.cryptoHmacSign(this.#key, this.#algorithm, data)), outputEncoding);
  }
}

function concat(chunks) {
  if (chunks.length === 1) return chunks[0];
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

const createHash = (algorithm, options) => new Hash(algorithm, options);
const createHmac = (algorithm, key, options) => new Hmac(algorithm, key, options);
function hash(algorithm, data, outputEncoding = 'hex') {
  if (typeof data !== 'string' && !ArrayBuffer.isView(data)) throw invalidArg('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  return new Hash(algorithm).update(data).digest(outputEncoding);
}
const getHashes = () => ['md5', 'sha1', 'sha256', 'sha384', 'sha512'];

// ---- random ----

const kMaxRandom = 2 ** 31 - 1;
function fillRandom(view) {
  // getRandomValues' 64 KiB limit per call does not apply to node's API.
  for (let at = 0; at < view.length; at += 65536) native.randomFill(view.subarray(at, Math.min(view.length, at + 65536)));
}
function checkSize(size) {
  if (typeof size !== 'number') throw invalidArg('size', 'of type number', size);
  if (!(size >= 0 && size <= kMaxRandom) || !Number.isInteger(size)) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "size" is out of range. It must be >= 0 && <= ${kMaxRandom}. Received ${size}`);
  }
}
function randomBytes(size, callback) {
  checkSize(size);
  const buf = Buffer.alloc(size);
  fillRandom(buf);
  if (callback === undefined) return buf;
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  process.nextTick(callback, null, buf);
  return undefined;
}
function viewBytes(buf) {
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf instanceof ArrayBuffer) return new Uint8Array(buf);
  throw invalidArg('buf', 'an instance of ArrayBuffer or ArrayBufferView', buf);
}
function randomFillSync(buf, offset = 0, size = undefined) {
  const bytes = viewBytes(buf);
  const elem = ArrayBuffer.isView(buf) && buf.BYTES_PER_ELEMENT ? buf.BYTES_PER_ELEMENT : 1;
  const start = offset * elem;
  const end = size === undefined ? bytes.length : start + size * elem;
  if (start < 0 || start > bytes.length || end > bytes.length || end < start) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "offset" or "size" is out of range.');
  }
  fillRandom(bytes.subarray(start, end));
  return buf;
}
function randomFill(buf, offset, size, callback) {
  if (typeof offset === 'function') { callback = offset; offset = 0; size = undefined; }
  else if (typeof size === 'function') { callback = size; size = undefined; }
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  randomFillSync(buf, offset, size);
  process.nextTick(callback, null, buf);
}
// randomInt([min, ]max[, callback]): uniform in [min, max) without bias.
function randomInt(min, max, callback) {
  if (max === undefined || typeof max === 'function') { callback = max; max = min; min = 0; }
  if (!Number.isSafeInteger(min)) throw invalidArg('min', 'a safe integer', min);
  if (!Number.isSafeInteger(max)) throw invalidArg('max', 'a safe integer', max);
  if (max <= min) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
  }
  const range = max - min;
  if (range > 2 ** 48 - 1) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "max - min" is out of range. It must be <= 281474976710655. Received ${range}`);
  }
  const limit = 2 ** 48 - (2 ** 48 % range);
  const b = new Uint8Array(6);
  let x;
  do {
    native.randomFill(b);
    x = b[0] * 2 ** 40 + b[1] * 2 ** 32 + b[2] * 2 ** 24 + b[3] * 2 ** 16 + b[4] * 2 ** 8 + b[5];
  } while (x >= limit);
  const n = min + (x % range);
  if (typeof callback === 'function') {
    process.nextTick(callback, null, n);
    return undefined;
  }
  return n;
}

function timingSafeEqual(a, b) {
  if (!ArrayBuffer.isView(a) && !(a instanceof ArrayBuffer)) throw invalidArg('buf1', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', a);
  if (!ArrayBuffer.isView(b) && !(b instanceof ArrayBuffer)) throw invalidArg('buf2', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', b);
  const x = viewBytes(a);
  const y = viewBytes(b);
  if (x.byteLength !== y.byteLength) {
    throw codeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
  }
  return native.cryptoTimingSafeEqual(x, y);
}

// ---- key derivation ----

function digestFor(digest) {
  const name = hashName(digest);
  if (name === undefined) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${digest}`);
  return name;
}
function checkInt(value, name, min, max) {
  if (typeof value !== 'number') throw invalidArg(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= ${min} && <= ${max}. Received ${value}`);
  }
}

function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  const pass = toBytes(password, undefined, 'password');
  const s = toBytes(salt, undefined, 'salt');
  checkInt(iterations, 'iterations', 1, kMaxRandom);
  checkInt(keylen, 'keylen', 0, kMaxRandom);
  const md = digestFor(digest);
  const handle = callNative(() => native.cryptoSecretImport(pass));
  return Buffer.from(callNative(() => native.cryptoPbkdf2(handle, md, s, iterations, keylen)));
}
function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  if (typeof digest === 'function') { callback = digest; digest = undefined; }
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  const key = pbkdf2Sync(password, salt, iterations, keylen, digest);
  process.nextTick(callback, null, key);
}

function hkdfSync(digest, ikm, salt, info, keylen) {
  const md = digestFor(digest);
  const key = toBytes(ikm, undefined, 'ikm');
  const s = toBytes(salt, undefined, 'salt');
  const i = toBytes(info, undefined, 'info');
  checkInt(keylen, 'length', 0, kMaxRandom);
  if (i.byteLength > 1024) throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "info" is out of range. It must be <= 1024 bytes.');
  const handle = callNative(() => native.cryptoSecretImport(key));
  try {
    return native.cryptoHkdf(handle, md, s, i, keylen);
  } catch (err) {
    if (Array.isArray(err)) throw codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
    throw err;
  }
}
function hkdf(digest, ikm, salt, info, keylen, callback) {
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  const key = hkdfSync(digest, ikm, salt, info, keylen);
  process.nextTick(callback, null, key);
}

function scryptOptions(options = {}) {
  const N = options.N ?? options.cost ?? 16384;
  const r = options.r ?? options.blockSize ?? 8;
  const p = options.p ?? options.parallelization ?? 1;
  const maxmem = options.maxmem ?? 32 << 20;
  if (N < 2 || (N & (N - 1)) !== 0) throw codeError(RangeError, 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', 'Invalid scrypt params: N must be a power of 2 greater than 1');
  if (128 * N * r > maxmem) throw codeError(RangeError, 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', 'Invalid scrypt params: memory limit exceeded');
  return { N, r, p };
}
function scryptSync(password, salt, keylen, options) {
  const pass = toBytes(password, undefined, 'password');
  const s = toBytes(salt, undefined, 'salt');
  checkInt(keylen, 'keylen', 0, kMaxRandom);
  const { N, r, p } = scryptOptions(options);
  return Buffer.from(require('scrypt-js/scrypt.js').syncScrypt(pass, s, N, r, p, keylen));
}
function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === 'function') { callback = options; options = undefined; }
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  const key = scryptSync(password, salt, keylen, options);
  process.nextTick(callback, null, key);
}

const webcrypto = internals.crypto;

module.exports = {
  createHash,
  createHmac,
  hash,
  getHashes,
  Hash,
  Hmac,
  randomBytes,
  pseudoRandomBytes: randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID: () => webcrypto.randomUUID(),
  getRandomValues: (array) => webcrypto.getRandomValues(array),
  timingSafeEqual,
  pbkdf2,
  pbkdf2Sync,
  hkdf,
  hkdfSync,
  scrypt,
  scryptSync,
  webcrypto,
  subtle: webcrypto.subtle,
};
for (const from of [keys, ciphers, x509, primes, dh]) {
  for (const name of Object.keys(from)) {
    if (name === 'internal') continue;
    Object.defineProperty(module.exports, name, Object.getOwnPropertyDescriptor(from, name));
  }
}
