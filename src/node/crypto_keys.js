'use strict';
// node:crypto's key objects and what uses them: KeyObject, createSecretKey,
// createPublicKey, createPrivateKey, generateKeyPair(Sync), generateKey(Sync),
// Sign/Verify and one-shot sign/verify, publicEncrypt/privateDecrypt/
// privateEncrypt/publicDecrypt, diffieHellman, createECDH, getCurves and
// the constants. The cryptography is in runtime/api/node_crypto.cc; an
// asymmetric KeyObject holds the same native key handle a CryptoKey holds
// (crypto.cc), so KeyObject.from(cryptoKey) copies nothing. A secret
// KeyObject holds its bytes.

const { Buffer } = require('./buffer.js');
const { codeError, invalidArg, invalidArgValue, toBytes, encodeOutput, later } = require('./crypto_util.js');

const constants = Object.freeze({
  OPENSSL_VERSION_NUMBER: 0x30000000,
  RSA_PKCS1_PADDING: 1,
  RSA_NO_PADDING: 3,
  RSA_PKCS1_OAEP_PADDING: 4,
  RSA_X931_PADDING: 5,
  RSA_PKCS1_PSS_PADDING: 6,
  RSA_PSS_SALTLEN_DIGEST: -1,
  RSA_PSS_SALTLEN_MAX_SIGN: -2,
  RSA_PSS_SALTLEN_AUTO: -2,
  POINT_CONVERSION_COMPRESSED: 2,
  POINT_CONVERSION_UNCOMPRESSED: 4,
  POINT_CONVERSION_HYBRID: 6,
});

// ---- KeyObject ----

const kToken = Symbol('KeyObject');
let stateOf;

class KeyObject {
  #s;
  constructor(type, handle) {
    if (type !== 'secret' && type !== 'public' && type !== 'private') throw invalidArgValue('type', type);
    if (handle === null || typeof handle !== 'object' || handle.token !== kToken) {
      throw invalidArg('handle', 'of type object', handle);
    }
    this.#s = { type, handle: handle.handle, secret: handle.secret, details: undefined };
  }
  static {
    stateOf = (k) => ((typeof k === 'object' && k !== null && #s in k) ? k.#s : undefined);
  }
  static from(key) {
    const parts = internals.cryptoKeyParts !== undefined ? internals.cryptoKeyParts(key) : undefined;
    if (parts === undefined) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "key" argument must be an instance of CryptoKey. Received ${describe(key)}`);
    }
    if (parts.type === 'secret') return newSecret(new Uint8Array(native.cryptoSecretExport(parts.handle)));
    return newAsym(parts.type, parts.handle);
  }
  get type() { return slots(this).type; }
  get asymmetricKeyType() {
    const s = slots(this);
    return s.type === 'secret' ? undefined : details(s)[0];
  }
  get asymmetricKeyDetails() {
    const s = slots(this);
    if (s.type === 'secret') return undefined;
    const [type, bits, exponent, curve] = details(s);
    if (type === 'rsa' || type === 'rsa-pss') {
      let e = 0n;
      for (const b of new Uint8Array(exponent)) e = (e << 8n) | BigInt(b);
      const out = { modulusLength: bits, publicExponent: e };
      const pss = details(s);
      if (pss.length > 4) [out.hashAlgorithm, out.mgf1HashAlgorithm, out.saltLength] = pss.slice(4);
      return out;
    }
    if (type === 'ec') return { namedCurve: curve };
    return {};
  }
  get symmetricKeySize() {
    const s = slots(this);
    return s.type === 'secret' ? s.secret.length : undefined;
  }
  equals(other) {
    if (!(other instanceof KeyObject)) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "otherKeyObject" argument must be an instance of KeyObject. Received ${describe(other)}`);
    }
    const a = slots(this), b = slots(other);
    if (a.type !== b.type) return false;
    if (a.type === 'secret') return a.secret.length === b.secret.length && native.cryptoTimingSafeEqual(a.secret, b.secret);
    return native.nodeKeyEquals(a.handle, b.handle);
  }
  export(options) {
    const s = slots(this);
    if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArg('options', 'of type object', options);
    if (s.type === 'secret') {
      const format = options === undefined || options.format === undefined ? 'buffer' : options.format;
      if (format === 'buffer') return Buffer.from(s.secret);
      if (format === 'jwk') return { kty: 'oct', k: Buffer.from(s.secret).toString('base64url') };
      throw invalidArgValue('options.format', format, "must be one of: 'buffer', 'jwk'");
    }
    if (options === undefined) throw invalidArg('options', 'of type object', options);
    const { format = 'pem', type, cipher, passphrase } = options;
    if (format === 'jwk') return exportJwk(s);
    if (format !== 'pem' && format !== 'der') throw invalidArgValue('options.format', format);
    const allowed = s.type === 'public' ? ['spki', 'pkcs1'] : ['pkcs1', 'pkcs8', 'sec1'];
    if (!allowed.includes(type)) throw invalidArgValue('options.type', type);
    const keyType = details(s)[0];
    if (type === 'pkcs1' && keyType !== 'rsa') {
      throw codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', 'The selected key encoding pkcs1 can only be used for RSA keys.');
    }
    if (type === 'sec1' && keyType !== 'ec') {
      throw codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', 'The selected key encoding sec1 can only be used for EC keys.');
    }
    let pass;
    if (cipher !== undefined) {
      if (s.type !== 'private') throw invalidArgValue('options.cipher', cipher);
      if (typeof cipher !== 'string') throw invalidArg('options.cipher', 'of type string', cipher);
      if (format === 'der' && type !== 'pkcs8') {
        throw codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', `The selected key encoding ${type} does not support encryption.`);
      }
      if (passphrase === undefined) throw invalidArgValue('options.passphrase', passphrase);
      pass = toBytes(passphrase, options.encoding, 'options.passphrase');
    }
    const out = native.nodeKeyExport(s.handle, format === 'pem', type, cipher, pass);
    return format === 'pem' ? out : Buffer.from(out);
  }
}
Object.defineProperty(KeyObject.prototype, Symbol.toStringTag, { value: 'KeyObject', configurable: true });

function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `an instance of ${v.constructor && v.constructor.name ? v.constructor.name : 'Object'}`;
  return `type ${typeof v} (${String(v)})`;
}

function slots(key) {
  const s = stateOf(key);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}
function details(s) {
  if (s.details === undefined) s.details = native.nodeKeyDetails(s.handle);
  return s.details;
}
const newSecret = (bytes) => new KeyObject('secret', { token: kToken, secret: Uint8Array.from(bytes) });
const newAsym = (type, handle) => new KeyObject(type, { token: kToken, handle });

// ---- JWK ----

const kJwkCurves = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const kJwkCurveNames = { 'P-256': 'P-256', 'P-384': 'P-384', 'P-521': 'P-521' };
const b64u = (ab) => Buffer.from(ab).toString('base64url');

function exportJwk(s) {
  const [type, , , curve] = details(s);
  const parts = native.cryptoExportJwk(s.handle);
  if (type === 'rsa') {
    const names = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'];
    const jwk = { kty: 'RSA' };
    parts.forEach((p, i) => { jwk[names[i]] = b64u(p); });
    return jwk;
  }
  if (type === 'ec') {
    const crv = kJwkCurves[curve];
    if (crv === undefined) throw codeError(Error, 'ERR_CRYPTO_JWK_UNSUPPORTED_CURVE', `Unsupported JWK EC curve: ${curve}.`);
    const jwk = { kty: 'EC', x: b64u(parts[0]), y: b64u(parts[1]), crv };
    if (parts.length > 2) jwk.d = b64u(parts[2]);
    return jwk;
  }
  const crv = { ed25519: 'Ed25519', x25519: 'X25519' }[type];
  if (crv === undefined) throw codeError(Error, 'ERR_CRYPTO_JWK_UNSUPPORTED_KEY_TYPE', 'Unsupported JWK Key Type.');
  const jwk = { crv };
  if (parts.length > 1) jwk.d = b64u(parts[1]);
  jwk.x = b64u(parts[0]);
  jwk.kty = 'OKP';
  return jwk;
}

function jwkBytes(jwk, member, kind) {
  const v = jwk[member];
  if (typeof v !== 'string') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', `Invalid JWK ${kind} key`);
  return Buffer.from(v, 'base64url');
}

// A JWK → [handle, isPrivate]; the natives are WebCrypto's importers.
function importJwk(jwk, wantPrivate) {
  if (jwk === null || typeof jwk !== 'object') throw invalidArg('key.key', 'of type object', jwk);
  const wrap = (kind, fn) => {
    try {
      return fn();
    } catch (err) {
      if (Array.isArray(err)) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', `Invalid JWK ${kind} key`);
      throw err;
    }
  };
  const isPrivate = wantPrivate || jwk.d !== undefined;
  if (wantPrivate && jwk.d === undefined && jwk.kty !== 'oct') {
    throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', `Invalid JWK ${jwk.kty === 'RSA' ? 'RSA' : jwk.kty === 'EC' ? 'EC' : 'OKP'} key`);
  }
  switch (jwk.kty) {
    case 'RSA': {
      const members = isPrivate ? ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] : ['n', 'e'];
      const bytes = members.map((m) => jwkBytes(jwk, m, 'RSA'));
      return [wrap('RSA', () => native.cryptoImportRsaJwk(...bytes)[0]), isPrivate];
    }
    case 'EC': {
      const crv = kJwkCurveNames[jwk.crv];
      if (crv === undefined) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK EC key');
      const d = isPrivate ? jwkBytes(jwk, 'd', 'EC') : undefined;
      return [wrap('EC', () => native.cryptoImportEcJwk(crv, jwkBytes(jwk, 'x', 'EC'), jwkBytes(jwk, 'y', 'EC'), d)[0]), isPrivate];
    }
    case 'OKP': {
      if (jwk.crv !== 'Ed25519' && jwk.crv !== 'X25519') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK OKP key');
      const d = isPrivate ? jwkBytes(jwk, 'd', 'OKP') : undefined;
      return [wrap('OKP', () => native.cryptoImportOkp(jwk.crv, jwkBytes(jwk, 'x', 'OKP'), d)[0]), isPrivate];
    }
    default:
      throw codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK key');
  }
}

// ---- key inputs ----

const isKeyBytes = (v) => typeof v === 'string' || ArrayBuffer.isView(v) || v instanceof ArrayBuffer;

// Any key input Node takes (PEM string or buffer, KeyObject, CryptoKey,
// { key, format, type, passphrase, encoding }) → KeyObject. `want` is
// 'public' (a private input gives its public half), 'private', or
// 'either' (sign/verify/encrypt: private stays private).
function asymmetricKey(input, want, argName = 'key') {
  let options = {};
  let key = input;
  if (key !== null && typeof key === 'object' && !isKeyBytes(key) && !(key instanceof KeyObject) && stateOfCryptoKey(key) === undefined) {
    options = key;
    key = key.key;
  }
  if (key instanceof KeyObject) return keyObjectAs(key, want);
  if (stateOfCryptoKey(key) !== undefined) return keyObjectAs(KeyObject.from(key), want);
  const format = options.format === undefined ? 'pem' : options.format;
  if (format === 'jwk') {
    const [handle, isPrivate] = importJwk(key, want === 'private');
    return keyObjectAs(newAsym(isPrivate ? 'private' : 'public', handle), want);
  }
  if (!isKeyBytes(key)) {
    throw invalidArg(argName, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', key);
  }
  if (format !== 'pem' && format !== 'der') throw invalidArgValue('options.format', format);
  const type = options.type;
  if (format === 'der') {
    const ok = want === 'public' ? ['spki', 'pkcs1'] : want === 'private' ? ['pkcs1', 'pkcs8', 'sec1'] : ['spki', 'pkcs1', 'pkcs8', 'sec1'];
    if (!ok.includes(type)) throw invalidArgValue('key.type', type);
  }
  const bytes = toBytes(key, options.encoding, argName);
  const pass = options.passphrase === undefined || options.passphrase === null ? undefined : toBytes(options.passphrase, options.encoding, 'key.passphrase');
  const wantPrivate = want === 'private' || (format === 'der' && type !== 'spki' && (type !== 'pkcs1' || want !== 'public'));
  const [handle, isPrivate] = native.nodeKeyParse(bytes, format === 'pem', type === undefined ? '' : type, wantPrivate, pass);
  if (want === 'private' && !isPrivate) {
    throw codeError(Error, 'ERR_OSSL_UNSUPPORTED', 'error:1E08010C:DECODER routines::unsupported');
  }
  return keyObjectAs(newAsym(isPrivate ? 'private' : 'public', handle), want);
}

function stateOfCryptoKey(v) {
  return internals.cryptoKeyParts !== undefined ? internals.cryptoKeyParts(v) : undefined;
}

function keyObjectAs(key, want) {
  const s = slots(key);
  if (s.type === 'secret') {
    throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type secret, expected ${want === 'private' ? 'private' : 'public'}.`);
  }
  if (want === 'public' && s.type === 'private') return newAsym('public', native.cryptoPublicOf(s.handle));
  if (want === 'private' && s.type !== 'private') {
    throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${s.type}, expected private.`);
  }
  return key;
}

function createSecretKey(key, encoding) {
  if (key instanceof KeyObject || !isKeyBytes(key)) {
    throw invalidArg('key', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', key);
  }
  return newSecret(toBytes(key, encoding, 'key'));
}

function createPublicKey(key) {
  if (key instanceof KeyObject && key.type !== 'private') {
    throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected private.`);
  }
  return asymmetricKey(key, 'public');
}

function createPrivateKey(key) {
  if (key instanceof KeyObject) {
    throw invalidArg('key', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', key);
  }
  return asymmetricKey(key, 'private');
}

// The bytes of a secret key input (ciphers, HMAC): string, buffer, secret
// KeyObject or secret CryptoKey.
function secretKeyBytes(key, encoding, argName = 'key') {
  if (key instanceof KeyObject) {
    const s = slots(key);
    if (s.type !== 'secret') {
      throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${s.type}, expected secret.`);
    }
    return s.secret;
  }
  if (stateOfCryptoKey(key) !== undefined) return secretKeyBytes(KeyObject.from(key), encoding, argName);
  if (!isKeyBytes(key)) {
    throw invalidArg(argName, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', key);
  }
  return toBytes(key, encoding, argName);
}

// ---- generation ----

const kPairTypes = ['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448', 'x25519', 'x448'];

function encodeGenerated(key, encoding, which) {
  if (encoding === undefined) return key;
  if (encoding === null || typeof encoding !== 'object') throw invalidArg(`options.${which}`, 'of type object', encoding);
  if (encoding.format === 'jwk') return key.export({ format: 'jwk' });
  return key.export(encoding);
}

function generateKeyPairSync(type, options = {}) {
  if (typeof type !== 'string') throw invalidArg('type', 'of type string', type);
  if (!kPairTypes.includes(type)) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'type' must be a supported key type. Received '${type}'`);
  }
  if (options === null || typeof options !== 'object') throw invalidArg('options', 'of type object', options);
  let modulusLength, publicExponent, namedCurve, paramEncoding;
  if (type === 'rsa' || type === 'rsa-pss') {
    ({ modulusLength, publicExponent = 0x10001 } = options);
    if (typeof modulusLength !== 'number') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.modulusLength" property must be of type number. Received ${describe(modulusLength)}`);
    }
    if (typeof publicExponent !== 'number') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.publicExponent" property must be of type number. Received ${describe(publicExponent)}`);
    }
  } else if (type === 'ec') {
    namedCurve = options.namedCurve;
    if (typeof namedCurve !== 'string') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.namedCurve" property must be of type string. Received ${describe(namedCurve)}`);
    }
    paramEncoding = options.paramEncoding;
    if (paramEncoding !== undefined && paramEncoding !== 'named' && paramEncoding !== 'explicit') {
      throw invalidArgValue('options.paramEncoding', paramEncoding);
    }
  }
  let hash, mgf1, saltLength;
  if (type === 'rsa-pss') {
    // hash and mgf1Hash are Node's deprecated names.
    hash = options.hashAlgorithm ?? options.hash;
    mgf1 = options.mgf1HashAlgorithm ?? options.mgf1Hash;
    saltLength = options.saltLength;
    if (hash !== undefined && typeof hash !== 'string') throw invalidArg('options.hashAlgorithm', 'of type string', hash);
    if (mgf1 !== undefined && typeof mgf1 !== 'string') throw invalidArg('options.mgf1HashAlgorithm', 'of type string', mgf1);
    if (saltLength !== undefined && (!Number.isInteger(saltLength) || saltLength < 0)) {
      throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.saltLength" is out of range. It must be >= 0 && <= 2147483647. Received ${saltLength}`);
    }
  }
  const [pub, priv] = native.nodeKeyGenerate(type, modulusLength, publicExponent, namedCurve, hash, mgf1, saltLength, paramEncoding);
  return {
    publicKey: encodeGenerated(newAsym('public', pub), options.publicKeyEncoding, 'publicKeyEncoding'),
    privateKey: encodeGenerated(newAsym('private', priv), options.privateKeyEncoding, 'privateKeyEncoding'),
  };
}

function generateKeyPair(type, options, callback) {
  if (typeof options === 'function') { callback = options; options = undefined; }
  later(callback, () => {
    const { publicKey, privateKey } = generateKeyPairSync(type, options);
    return [publicKey, privateKey];
  });
}

function generateKeySync(type, options) {
  if (typeof type !== 'string') throw invalidArg('type', 'of type string', type);
  if (options === null || typeof options !== 'object') throw invalidArg('options', 'of type object', options);
  const { length } = options;
  if (typeof length !== 'number') throw invalidArg('options.length', 'of type number', length);
  if (type === 'hmac') {
    if (!Number.isInteger(length) || length < 8 || length > 2 ** 31 - 1) {
      throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.length" is out of range. It must be >= 8 && <= 2147483647. Received ${length}`);
    }
  } else if (type === 'aes') {
    if (length !== 128 && length !== 192 && length !== 256) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.length' must be one of: 128, 192, 256. Received ${length}`);
    }
  } else {
    throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'type' must be a supported key type. Received '${type}'`);
  }
  const bytes = new Uint8Array(Math.floor(length / 8));
  for (let at = 0; at < bytes.length; at += 65536) native.randomFill(bytes.subarray(at, Math.min(bytes.length, at + 65536)));
  return newSecret(bytes);
}

function generateKey(type, options, callback) {
  later(callback, () => [generateKeySync(type, options)]);
}

// ---- signatures ----

function signOptions(key) {
  const o = key !== null && typeof key === 'object' && !isKeyBytes(key) && !(key instanceof KeyObject) && stateOfCryptoKey(key) === undefined ? key : {};
  const { padding, saltLength, dsaEncoding = 'der' } = o;
  if (padding !== undefined && !Number.isInteger(padding)) throw invalidArgValue('options.padding', padding);
  if (saltLength !== undefined && !Number.isInteger(saltLength)) throw invalidArgValue('options.saltLength', saltLength);
  if (dsaEncoding !== 'der' && dsaEncoding !== 'ieee-p1363') throw invalidArgValue('options.dsaEncoding', dsaEncoding);
  return [padding, saltLength, dsaEncoding === 'ieee-p1363'];
}

function signBytes(algorithm, data, key) {
  const k = asymmetricKey(key, 'private');
  const [padding, saltLength, p1363] = signOptions(key);
  return Buffer.from(native.nodeSign(slots(k).handle, algorithm === null ? undefined : algorithm, data, padding, saltLength, p1363));
}

function verifyBytes(algorithm, data, key, signature) {
  const k = asymmetricKey(key, 'either');
  const [padding, saltLength, p1363] = signOptions(key);
  return native.nodeVerify(slots(k).handle, algorithm === null ? undefined : algorithm, data, padding, saltLength, p1363, signature);
}

function checkDigest(algorithm) {
  if (typeof algorithm !== 'string') throw invalidArg('algorithm', 'of type string', algorithm);
  if (!native.nodeHasDigest(algorithm)) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', 'Invalid digest');
}

let SignClass, VerifyClass;
function signClasses() {
  if (SignClass !== undefined) return;
  const { Writable } = require('./stream.js');
  // Sign and Verify: a Writable that keeps what was written for one
  // signature operation at the end.
  class SignBase extends Writable {
    #algorithm;
    #chunks = [];
    constructor(algorithm, options) {
      checkDigest(algorithm);
      super(options);
      this.#algorithm = algorithm;
    }
    _write(chunk, encoding, callback) {
      this.update(chunk, encoding);
      callback();
    }
    update(data, encoding) {
      this.#chunks.push(Uint8Array.from(toBytes(data, encoding)));
      return this;
    }
    _take() { return [this.#algorithm, Buffer.concat(this.#chunks)]; }
  }
  SignClass = class Sign extends SignBase {
    sign(privateKey, outputEncoding) {
      const sig = signBytes(...this._take(), privateKey);
      return outputEncoding === undefined || outputEncoding === 'buffer' ? sig : sig.toString(outputEncoding);
    }
  };
  VerifyClass = class Verify extends SignBase {
    verify(key, signature, signatureEncoding) {
      const sig = toBytes(signature, signatureEncoding, 'signature');
      return verifyBytes(...this._take(), key, sig);
    }
  };
}

function createSign(algorithm, options) { signClasses(); return new SignClass(algorithm, options); }
function createVerify(algorithm, options) { signClasses(); return new VerifyClass(algorithm, options); }

function checkAlgorithm(algorithm) {
  if (algorithm !== null && algorithm !== undefined && typeof algorithm !== 'string') {
    throw invalidArg('algorithm', 'of type string', algorithm);
  }
}

function sign(algorithm, data, key, callback) {
  checkAlgorithm(algorithm);
  const bytes = toBytes(data, undefined, 'data');
  if (callback !== undefined) return later(callback, () => [signBytes(algorithm, bytes, key)]);
  return signBytes(algorithm, bytes, key);
}

function verify(algorithm, data, key, signature, callback) {
  checkAlgorithm(algorithm);
  const bytes = toBytes(data, undefined, 'data');
  const sig = toBytes(signature, undefined, 'signature');
  if (callback !== undefined) return later(callback, () => [verifyBytes(algorithm, bytes, key, sig)]);
  return verifyBytes(algorithm, bytes, key, sig);
}

// ---- RSA encryption ----

function rsaCrypt(op, defaultPadding, want) {
  return function rsa(key, buffer) {
    const k = asymmetricKey(key, want);
    const o = key !== null && typeof key === 'object' && !isKeyBytes(key) && !(key instanceof KeyObject) ? key : {};
    const padding = o.padding === undefined ? defaultPadding : o.padding;
    if (op === 1 && padding === constants.RSA_PKCS1_PADDING) {
      // Node refuses it (CVE-2023-46809, the Marvin timing attack).
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'RSA_PKCS1_PADDING is no longer supported for private decryption');
    }
    if (o.oaepHash !== undefined && typeof o.oaepHash !== 'string') throw invalidArg('key.oaepHash', 'of type string', o.oaepHash);
    const label = o.oaepLabel === undefined ? undefined : toBytes(o.oaepLabel, undefined, 'key.oaepLabel');
    const data = toBytes(buffer, o.encoding, 'buffer');
    return Buffer.from(native.nodeRsaCrypt(slots(k).handle, op, data, padding, o.oaepHash, label));
  };
}
const publicEncrypt = rsaCrypt(0, constants.RSA_PKCS1_OAEP_PADDING, 'public');
const privateDecrypt = rsaCrypt(1, constants.RSA_PKCS1_OAEP_PADDING, 'private');
const privateEncrypt = rsaCrypt(2, constants.RSA_PKCS1_PADDING, 'private');
const publicDecrypt = rsaCrypt(3, constants.RSA_PKCS1_PADDING, 'public');

// ---- key agreement ----

function diffieHellman(options) {
  if (options === null || typeof options !== 'object') throw invalidArg('options', 'of type object', options);
  const { privateKey, publicKey } = options;
  if (!(privateKey instanceof KeyObject)) throw invalidArg('options.privateKey', 'an instance of KeyObject', privateKey);
  if (!(publicKey instanceof KeyObject)) throw invalidArg('options.publicKey', 'an instance of KeyObject', publicKey);
  if (privateKey.type !== 'private') throw invalidArgValue('options.privateKey', privateKey.type);
  if (publicKey.type === 'secret') throw invalidArgValue('options.publicKey', publicKey.type);
  const a = privateKey.asymmetricKeyType, b = publicKey.asymmetricKeyType;
  if (a !== b || !['ec', 'x25519', 'x448', 'dh'].includes(a)) {
    throw codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY', `Incompatible key types for Diffie-Hellman: ${a} and ${b}`);
  }
  return Buffer.from(native.nodeDerive(slots(privateKey).handle, slots(publicKey).handle));
}

let curves;
const getCurves = () => (curves === undefined ? (curves = native.nodeCurves().sort()) : curves).slice();

function pointFormat(format) {
  if (format === undefined || format === null) return 'uncompressed';
  if (format !== 'compressed' && format !== 'uncompressed' && format !== 'hybrid') {
    throw codeError(TypeError, 'ERR_CRYPTO_ECDH_INVALID_FORMAT', `Invalid ECDH format: ${format}`);
  }
  return format;
}

class ECDH {
  #curve;
  #private;
  #public;
  constructor(curve) {
    if (typeof curve !== 'string') throw invalidArg('curve', 'of type string', curve);
    if (!getCurves().includes(curve)) throw codeError(TypeError, 'ERR_CRYPTO_INVALID_CURVE', 'Invalid EC curve name');
    this.#curve = curve;
  }
  static convertKey(key, curve, inputEncoding, outputEncoding, format) {
    if (typeof curve !== 'string') throw invalidArg('curve', 'of type string', curve);
    const out = native.nodeEcdhConvert(curve, toBytes(key, inputEncoding, 'key'), pointFormat(format));
    return encodeOutput(out, outputEncoding);
  }
  generateKeys(encoding, format) {
    [this.#private, this.#public] = native.nodeEcdhKeys(this.#curve);
    return this.getPublicKey(encoding, format);
  }
  computeSecret(key, inputEncoding, outputEncoding) {
    if (this.#private === undefined) throw codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation computeSecret');
    const peer = toBytes(key, inputEncoding, 'key');
    return encodeOutput(native.nodeEcdhCompute(this.#curve, this.#private, peer), outputEncoding);
  }
  getPrivateKey(encoding) {
    if (this.#private === undefined) throw codeError(Error, 'ERR_CRYPTO_OPERATION_FAILED', 'Failed to get ECDH private key');
    return encodeOutput(this.#private, encoding);
  }
  getPublicKey(encoding, format) {
    if (this.#public === undefined) throw codeError(Error, 'ERR_CRYPTO_OPERATION_FAILED', 'Failed to get ECDH public key');
    const f = pointFormat(format);
    return encodeOutput(f === 'uncompressed' ? this.#public : native.nodeEcdhConvert(this.#curve, this.#public, f), encoding);
  }
  setPrivateKey(key, encoding) {
    [this.#private, this.#public] = native.nodeEcdhKeys(this.#curve, toBytes(key, encoding, 'key'));
  }
}
const createECDH = (curve) => new ECDH(curve);

module.exports = {
  // For the other node:crypto files, not exported by node:crypto.
  internal: { secretKeyBytes, handleOf: (key) => slots(key).handle, keyFromHandle: newAsym },
  KeyObject,
  createSecretKey,
  createPublicKey,
  createPrivateKey,
  generateKeyPair,
  generateKeyPairSync,
  generateKey,
  generateKeySync,
  createSign,
  createVerify,
  get Sign() { signClasses(); return SignClass; },
  get Verify() { signClasses(); return VerifyClass; },
  sign,
  verify,
  publicEncrypt,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  diffieHellman,
  createECDH,
  ECDH,
  getCurves,
  constants,
};
