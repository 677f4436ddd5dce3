'use strict';
// node:crypto's ciphers: createCipheriv / createDecipheriv (Cipheriv and
// Decipheriv, Transform streams), getCiphers and getCipherInfo, over the
// nodeCipher* natives (runtime/api/node_crypto.cc, OpenSSL EVP). Every
// cipher OpenSSL's default provider has is available: AES in CBC, CTR,
// ECB, CFB, OFB, GCM, CCM, OCB and XTS, ChaCha20 and ChaCha20-Poly1305,
// among others. The legacy createCipher (a key derived from a password)
// is absent, as it is from Node 22.

const { Buffer } = require('./buffer.js');
const { codeError, invalidArg, toBytes } = require('./crypto_util.js');
const { secretKeyBytes } = require('./crypto_keys.js').internal;

let StringDecoder;
function decoderFor(encoding) {
  if (StringDecoder === undefined) ({ StringDecoder } = require('./string_decoder.js'));
  return new StringDecoder(encoding);
}

function ivBytes(iv) {
  if (iv === null) return null;
  if (typeof iv === 'string' || ArrayBuffer.isView(iv) || iv instanceof ArrayBuffer) return toBytes(iv, undefined, 'iv');
  throw invalidArg('iv', 'of type string or an instance of Buffer, TypedArray, or DataView', iv);
}

function makeClasses() {
  const { Transform } = require('./stream.js');
  let handleOf;

  class CipherBase extends Transform {
    #handle;
    #decoder;
    #decoderEncoding;
    constructor(encrypt, cipher, key, iv, options) {
      if (typeof cipher !== 'string') throw invalidArg('cipher', 'of type string', cipher);
      const keyBytes = secretKeyBytes(key, options && options.encoding);
      const ivb = ivBytes(iv);
      let tagLength;
      if (options !== undefined && options !== null && options.authTagLength !== undefined) {
        tagLength = options.authTagLength;
        if (!Number.isInteger(tagLength) || tagLength < 0) {
          throw codeError(TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG', `Invalid authentication tag length: ${tagLength}`);
        }
      }
      const handle = native.nodeCipherCreate(cipher, keyBytes, ivb, encrypt, tagLength);
      super(options);
      this.#handle = handle;
    }
    static {
      handleOf = (c) => c.#handle;
    }
    #output(ab, outputEncoding, end) {
      if (outputEncoding === undefined || outputEncoding === 'buffer') return Buffer.from(ab);
      if (this.#decoder === undefined || this.#decoderEncoding !== outputEncoding) {
        this.#decoder = decoderFor(outputEncoding);
        this.#decoderEncoding = outputEncoding;
      }
      const buf = Buffer.from(ab);
      return end ? this.#decoder.end(buf) : this.#decoder.write(buf);
    }
    update(data, inputEncoding, outputEncoding) {
      if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
        throw invalidArg('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
      }
      const bytes = toBytes(data, typeof data === 'string' ? inputEncoding : undefined);
      return this.#output(native.nodeCipherUpdate(this.#handle, bytes), outputEncoding, false);
    }
    final(outputEncoding) {
      return this.#output(native.nodeCipherFinal(this.#handle), outputEncoding, true);
    }
    setAutoPadding(autoPadding = true) {
      native.nodeCipherSetAutoPadding(this.#handle, !!autoPadding);
      return this;
    }
    setAAD(buffer, options) {
      if (!ArrayBuffer.isView(buffer)) throw invalidArg('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
      const plaintextLength = options !== undefined && options !== null ? options.plaintextLength : undefined;
      if (plaintextLength !== undefined && !Number.isInteger(plaintextLength)) {
        throw invalidArg('options.plaintextLength', 'of type number', plaintextLength);
      }
      native.nodeCipherSetAAD(this.#handle, toBytes(buffer), plaintextLength);
      return this;
    }
    _transform(chunk, encoding, callback) {
      this.push(this.update(chunk, encoding));
      callback();
    }
    _flush(callback) {
      try {
        this.push(this.final());
      } catch (err) {
        callback(err);
        return;
      }
      callback();
    }
  }

  class Cipheriv extends CipherBase {
    constructor(cipher, key, iv, options) {
      super(true, cipher, key, iv, options);
    }
    getAuthTag() {
      return Buffer.from(native.nodeCipherGetAuthTag(handleOf(this)));
    }
  }

  class Decipheriv extends CipherBase {
    constructor(cipher, key, iv, options) {
      super(false, cipher, key, iv, options);
    }
    setAuthTag(tagbuf, encoding) {
      if (typeof tagbuf !== 'string' && !ArrayBuffer.isView(tagbuf)) {
        throw invalidArg('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', tagbuf);
      }
      native.nodeCipherSetAuthTag(handleOf(this), toBytes(tagbuf, encoding, 'buffer'));
      return this;
    }
  }
  return { Cipheriv, Decipheriv };
}

let classes;
const cipherClasses = () => (classes === undefined ? (classes = makeClasses()) : classes);

let cipherList;
const getCiphers = () => (cipherList === undefined ? (cipherList = native.nodeCipherList()) : cipherList).slice();

function getCipherInfo(nameOrNid, options) {
  if (typeof nameOrNid !== 'string' && typeof nameOrNid !== 'number') {
    throw invalidArg('nameOrNid', 'of type string or number', nameOrNid);
  }
  const name = typeof nameOrNid === 'number' ? getCiphers().find((n) => {
    const i = native.nodeCipherInfo(n);
    return i !== undefined && i[1] === nameOrNid;
  }) : nameOrNid;
  if (name === undefined) return undefined;
  const info = native.nodeCipherInfo(name);
  if (info === undefined) return undefined;
  const [infoName, nid, blockSize, ivLength, keyLength, mode] = info;
  if (options !== undefined && options !== null) {
    if (options.keyLength !== undefined && options.keyLength !== keyLength) return undefined;
    if (options.ivLength !== undefined && options.ivLength !== ivLength && !['gcm', 'ccm', 'ocb'].includes(mode) &&
        name !== 'chacha20-poly1305') return undefined;
  }
  const out = { mode, name: infoName, nid };
  if (mode !== 'stream') out.blockSize = blockSize;
  if (ivLength !== 0) out.ivLength = ivLength;
  out.keyLength = keyLength;
  return out;
}

module.exports = {
  createCipheriv: (cipher, key, iv, options) => new (cipherClasses().Cipheriv)(cipher, key, iv, options),
  createDecipheriv: (cipher, key, iv, options) => new (cipherClasses().Decipheriv)(cipher, key, iv, options),
  get Cipheriv() { return cipherClasses().Cipheriv; },
  get Decipheriv() { return cipherClasses().Decipheriv; },
  getCiphers,
  getCipherInfo,
};
