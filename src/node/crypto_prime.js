'use strict';
// node:crypto's checkPrime(Sync) and generatePrime(Sync) over OpenSSL's
// BIGNUM primality test and prime generation (runtime/api/node_crypto.cc).
// Candidates and options are bigints or big-endian bytes, as in Node.

const { codeError, invalidArg, later } = require('./crypto_util.js');

function outOfRange(name, range, value) {
  return codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${typeof value === 'bigint' ? `${value}n` : value}`);
}

// bigint ≥ 0 → big-endian bytes
function bigintBytes(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
function bytesBigint(ab) {
  let n = 0n;
  for (const b of new Uint8Array(ab)) n = (n << 8n) | BigInt(b);
  return n;
}

function candidateBytes(value, name) {
  if (typeof value === 'bigint') {
    if (value < 0n) throw outOfRange(name, '>= 0', value);
    return bigintBytes(value);
  }
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw invalidArg(name, 'of type bigint or an instance of ArrayBuffer, TypedArray, Buffer, or DataView', value);
}

function checkPrimeSync(candidate, options = {}) {
  const bytes = candidateBytes(candidate, 'candidate');
  if (options === null || typeof options !== 'object') throw invalidArg('options', 'of type object', options);
  const { checks = 0 } = options;
  if (!Number.isInteger(checks) || checks < 0 || checks > 2 ** 31 - 1) {
    throw outOfRange('options.checks', '>= 0 && <= 2147483647', checks);
  }
  return native.nodeCheckPrime(bytes, checks);
}

function checkPrime(candidate, options, callback) {
  if (typeof options === 'function') { callback = options; options = undefined; }
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  const bytes = candidateBytes(candidate, 'candidate');
  later(callback, () => [checkPrimeSync(bytes, options)]);
}

function generatePrimeSync(size, options = {}) {
  if (!Number.isInteger(size) || size < 1 || size > 2 ** 31 - 1) {
    if (typeof size !== 'number') throw invalidArg('size', 'of type number', size);
    throw outOfRange('size', '>= 1 && <= 2147483647', size);
  }
  if (options === null || typeof options !== 'object') throw invalidArg('options', 'of type object', options);
  const { safe = false, bigint = false, add, rem } = options;
  if (typeof safe !== 'boolean') throw invalidArg('options.safe', 'of type boolean', safe);
  if (typeof bigint !== 'boolean') throw invalidArg('options.bigint', 'of type boolean', bigint);
  const addBytes = add === undefined ? undefined : candidateBytes(add, 'options.add');
  const remBytes = rem === undefined ? undefined : candidateBytes(rem, 'options.rem');
  const prime = native.nodeGeneratePrime(size, safe, addBytes, remBytes);
  return bigint ? bytesBigint(prime) : prime;
}

function generatePrime(size, options, callback) {
  if (typeof options === 'function') { callback = options; options = undefined; }
  later(callback, () => [generatePrimeSync(size, options)]);
}

module.exports = { checkPrime, checkPrimeSync, generatePrime, generatePrimeSync };
