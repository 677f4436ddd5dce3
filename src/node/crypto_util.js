'use strict';
// Helpers shared by the node:crypto files (crypto.js, crypto_cipher.js,
// crypto_keys.js): Node's coded errors and byte conversions.

const { Buffer } = require('./buffer.js');
const process = require('./process.js');

function codeError(Ctor, code, message) {
  const err = new Ctor(message);
  err.code = code;
  return err;
}
const invalidArg = (name, what, value) => codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
  `The "${name}" argument must be ${what}. Received ${value === null ? 'null' : typeof value}`);
const invalidArgValue = (name, value, reason = 'is invalid') => codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
  `The ${name.includes('.') ? 'property' : 'argument'} '${name}' ${reason}. Received ${typeof value === 'string' ? `'${value}'` : String(value)}`);

// string (in `encoding`) / Buffer / TypedArray / DataView / ArrayBuffer → Uint8Array
function toBytes(data, encoding, name = 'data') {
  if (typeof data === 'string') {
    if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8' || encoding === 'buffer') return native.utf8Encode(data);
    return Buffer.from(data, encoding);
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArg(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

// An ArrayBuffer result → Buffer, or a string in `encoding`.
function encodeOutput(arrayBuffer, encoding) {
  const buf = Buffer.from(arrayBuffer);
  return encoding === undefined || encoding === 'buffer' ? buf : buf.toString(encoding);
}

// Node does the work on its thread pool; here it runs now and the callback
// comes on a later tick with the results fn returns (an array).
function later(callback, fn) {
  if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
  let result;
  try {
    result = fn();
  } catch (err) {
    process.nextTick(callback, err);
    return;
  }
  process.nextTick(callback, null, ...result);
}

module.exports = { codeError, invalidArg, invalidArgValue, toBytes, encodeOutput, later };
