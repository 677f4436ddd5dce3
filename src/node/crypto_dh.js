'use strict';
// node:crypto's classic Diffie-Hellman: createDiffieHellman (from a prime
// or a prime length), getDiffieHellman / createDiffieHellmanGroup (the MODP
// groups of RFC 2409 and RFC 3526), DiffieHellman and DiffieHellmanGroup,
// over the nodeDh* natives (runtime/api/node_crypto.cc, OpenSSL's DH).

const { codeError, invalidArg, toBytes, encodeOutput } = require('./crypto_util.js');

const kToken = Symbol('DiffieHellmanGroup');

function noKey(which) {
  return codeError(Error, 'ERR_CRYPTO_INVALID_STATE', `No ${which} key - did you forget to generate one?`);
}

function keyBytes(key, encoding, name) {
  if (typeof key !== 'string' && !ArrayBuffer.isView(key) && !(key instanceof ArrayBuffer)) {
    throw invalidArg(name, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', key);
  }
  return toBytes(key, encoding === 'buffer' ? undefined : encoding, name);
}

class DiffieHellman {
  #handle;
  #verifyError;
  constructor(sizeOrKey, keyEncoding, generator, genEncoding) {
    if (sizeOrKey === kToken) {
      this.#handle = keyEncoding;
      return;
    }
    if (typeof keyEncoding === 'number' || (keyEncoding !== undefined && typeof keyEncoding !== 'string')) {
      genEncoding = generator;
      generator = keyEncoding;
      keyEncoding = undefined;
    }
    if (generator === undefined) generator = 2;
    let prime;
    if (typeof sizeOrKey === 'number') {
      if (!Number.isInteger(sizeOrKey)) throw invalidArg('sizeOrKey', 'an integer', sizeOrKey);
      prime = sizeOrKey;
    } else {
      prime = keyBytes(sizeOrKey, keyEncoding, 'sizeOrKey');
    }
    const gen = typeof generator === 'number' ? generator : keyBytes(generator, genEncoding, 'generator');
    if (typeof gen === 'number' && (!Number.isInteger(gen) || gen < 0)) throw invalidArg('generator', 'an integer', gen);
    this.#handle = native.nodeDhCreate(prime, gen);
  }
  get verifyError() {
    if (this.#verifyError === undefined) this.#verifyError = native.nodeDhVerifyError(this.#handle);
    return this.#verifyError;
  }
  generateKeys(encoding) {
    native.nodeDhGenerateKeys(this.#handle);
    return this.getPublicKey(encoding);
  }
  computeSecret(key, inputEncoding, outputEncoding) {
    return encodeOutput(native.nodeDhCompute(this.#handle, keyBytes(key, inputEncoding, 'key')), outputEncoding);
  }
  getPrime(encoding) { return encodeOutput(native.nodeDhGet(this.#handle, 'p'), encoding); }
  getGenerator(encoding) { return encodeOutput(native.nodeDhGet(this.#handle, 'g'), encoding); }
  getPublicKey(encoding) {
    const key = native.nodeDhGet(this.#handle, 'pub');
    if (key === undefined) throw noKey('public');
    return encodeOutput(key, encoding);
  }
  getPrivateKey(encoding) {
    const key = native.nodeDhGet(this.#handle, 'priv');
    if (key === undefined) throw noKey('private');
    return encodeOutput(key, encoding);
  }
  setPublicKey(key, encoding) {
    native.nodeDhSet(this.#handle, 'pub', keyBytes(key, encoding, 'key'));
    return this;
  }
  setPrivateKey(key, encoding) {
    native.nodeDhSet(this.#handle, 'priv', keyBytes(key, encoding, 'key'));
    return this;
  }
}

// A MODP group: no setPublicKey / setPrivateKey.
class DiffieHellmanGroup {
  #dh;
  constructor(name) {
    if (typeof name !== 'string') throw invalidArg('name', 'of type string', name);
    const handle = native.nodeDhGroup(name);
    if (handle === undefined) throw codeError(Error, 'ERR_CRYPTO_UNKNOWN_DH_GROUP', 'Unknown DH group');
    this.#dh = new DiffieHellman(kToken, handle);
  }
  get verifyError() { return this.#dh.verifyError; }
  generateKeys(encoding) { return this.#dh.generateKeys(encoding); }
  computeSecret(key, inputEncoding, outputEncoding) { return this.#dh.computeSecret(key, inputEncoding, outputEncoding); }
  getPrime(encoding) { return this.#dh.getPrime(encoding); }
  getGenerator(encoding) { return this.#dh.getGenerator(encoding); }
  getPublicKey(encoding) { return this.#dh.getPublicKey(encoding); }
  getPrivateKey(encoding) { return this.#dh.getPrivateKey(encoding); }
}

module.exports = {
  DiffieHellman,
  DiffieHellmanGroup,
  createDiffieHellman: (sizeOrKey, keyEncoding, generator, genEncoding) => new DiffieHellman(sizeOrKey, keyEncoding, generator, genEncoding),
  getDiffieHellman: (name) => new DiffieHellmanGroup(name),
  createDiffieHellmanGroup: (name) => new DiffieHellmanGroup(name),
};
