'use strict';
// node:crypto's X509Certificate over the nodeX509* natives
// (runtime/api/node_crypto.cc): a certificate parsed once from PEM or DER,
// its names, validity, fingerprints, serial number, extensions as Node
// prints them, its public key as a KeyObject, and the checks (host, email,
// IP, issuer, signature). toLegacyObject and issuerCertificate are absent.

const { Buffer } = require('./buffer.js');
const { codeError, invalidArg, invalidArgValue, toBytes } = require('./crypto_util.js');
const keys = require('./crypto_keys.js');

const kFields = ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'validFrom', 'validTo', 'fingerprint',
  'fingerprint256', 'fingerprint512', 'serialNumber', 'ca', 'raw', 'pem', 'publicKey'];

// X509_CHECK_FLAG_* of OpenSSL's x509v3.h
const kAlwaysCheckSubject = 0x1, kNoWildcards = 0x2, kNoPartialWildcards = 0x4, kMultiLabelWildcards = 0x8;
const kSingleLabelSubdomains = 0x10, kNeverCheckSubject = 0x20;

function checkFlags(options) {
  if (options === undefined) return 0;
  if (options === null || typeof options !== 'object') throw invalidArg('options', 'of type object', options);
  let flags = 0;
  const { subject = 'default', wildcards = true, partialWildcards = true, multiLabelWildcards = false, singleLabelSubdomains = false } = options;
  if (subject === 'always') flags |= kAlwaysCheckSubject;
  else if (subject === 'never') flags |= kNeverCheckSubject;
  else if (subject !== 'default') throw invalidArgValue('options.subject', subject);
  if (!wildcards) flags |= kNoWildcards;
  if (!partialWildcards) flags |= kNoPartialWildcards;
  if (multiLabelWildcards) flags |= kMultiLabelWildcards;
  if (singleLabelSubdomains) flags |= kSingleLabelSubdomains;
  return flags;
}

function checkName(value, name) {
  if (typeof value !== 'string') throw invalidArg(name, 'of type string', value);
  return value;
}

let certOf;

class X509Certificate {
  #handle;
  #info;
  constructor(buffer) {
    if (typeof buffer !== 'string' && !ArrayBuffer.isView(buffer) && !(buffer instanceof ArrayBuffer)) {
      throw invalidArg('buffer', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', buffer);
    }
    this.#handle = native.nodeX509Parse(toBytes(buffer, undefined, 'buffer'));
  }
  static {
    certOf = (c) => {
      if (typeof c !== 'object' || c === null || !(#handle in c)) {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "otherCert" argument must be an instance of X509Certificate.');
      }
      return c.#handle;
    };
  }
  #get(field) {
    if (this.#info === undefined) {
      const values = native.nodeX509Info(this.#handle);
      this.#info = {};
      kFields.forEach((f, i) => { this.#info[f] = values[i]; });
    }
    return this.#info[field];
  }
  get subject() { return this.#get('subject'); }
  get issuer() { return this.#get('issuer'); }
  get subjectAltName() { return this.#get('subjectAltName'); }
  get infoAccess() { return this.#get('infoAccess'); }
  get validFrom() { return this.#get('validFrom'); }
  get validTo() { return this.#get('validTo'); }
  get fingerprint() { return this.#get('fingerprint'); }
  get fingerprint256() { return this.#get('fingerprint256'); }
  get fingerprint512() { return this.#get('fingerprint512'); }
  get serialNumber() { return this.#get('serialNumber'); }
  get ca() { return this.#get('ca'); }
  get raw() { return Buffer.from(this.#get('raw')); }
  get publicKey() { return keys.internal.keyFromHandle('public', this.#get('publicKey')); }
  toString() { return this.#get('pem'); }
  toJSON() { return this.#get('pem'); }
  checkHost(name, options) {
    return native.nodeX509Check(this.#handle, 'host', checkName(name, 'name'), checkFlags(options));
  }
  checkEmail(email, options) {
    return native.nodeX509Check(this.#handle, 'email', checkName(email, 'email'), checkFlags(options));
  }
  checkIP(ip) {
    return native.nodeX509Check(this.#handle, 'ip', checkName(ip, 'ip'), 0);
  }
  checkIssued(otherCert) {
    return native.nodeX509Issued(this.#handle, certOf(otherCert));
  }
  checkPrivateKey(privateKey) {
    if (!(privateKey instanceof keys.KeyObject) || privateKey.type !== 'private') {
      throw invalidArg('privateKey', 'an instance of KeyObject of type private', privateKey);
    }
    return this.publicKey.equals(keys.createPublicKey(privateKey));
  }
  verify(publicKey) {
    if (!(publicKey instanceof keys.KeyObject)) throw invalidArg('publicKey', 'an instance of KeyObject', publicKey);
    if (publicKey.type !== 'public') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'publicKey' must be a public key. Received ${publicKey.type}`);
    }
    return native.nodeX509Verify(this.#handle, keys.internal.handleOf(publicKey));
  }
}
Object.defineProperty(X509Certificate.prototype, Symbol.toStringTag, { value: 'X509Certificate', configurable: true });

module.exports = { X509Certificate };
