'use strict';
// node:buffer: the `buffer` npm package (feross, MIT) plus what Node added
// since (base64url, Blob/File, atob/btoa, isUtf8/isAscii, constants), with
// UTF-8 going through the runtime's natives instead of a JS loop.

const npm = require('buffer/index.js');
const { Buffer } = npm;

const kMaxLength = npm.kMaxLength;
const kStringMaxLength = (1 << 29) - 24; // V8's String::kMaxLength on 64-bit

const isUtf8Name = (e) => e === undefined || e === 'utf8' || e === 'utf-8' ||
  (typeof e === 'string' && (e.toLowerCase() === 'utf8' || e.toLowerCase() === 'utf-8'));
const isBase64Url = (e) => typeof e === 'string' && e.toLowerCase() === 'base64url';

const toBase64Url = (s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// Buffer.from(string[, encoding]): UTF-8 natively; base64url.
const npmFrom = Buffer.from;
Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === 'string') {
    if (isUtf8Name(encodingOrOffset)) {
      const u = native.utf8Encode(value);
      return npmFrom.call(Buffer, u.buffer, u.byteOffset, u.byteLength);
    }
    if (isBase64Url(encodingOrOffset)) return npmFrom.call(Buffer, value, 'base64');
  }
  return npmFrom.call(Buffer, value, encodingOrOffset, length);
};

const npmToString = Buffer.prototype.toString;
Buffer.prototype.toString = function toString(encoding, start, end) {
  if (arguments.length === 0 || isUtf8Name(encoding)) {
    const len = this.length;
    start = start === undefined ? 0 : Math.max(0, Math.min(len, start | 0));
    end = end === undefined ? len : Math.max(start, Math.min(len, end | 0));
    if (start === end) return '';
    return native.utf8Decode(this.subarray(start, end), false, true);
  }
  if (isBase64Url(encoding)) return toBase64Url(npmToString.call(this, 'base64', start, end));
  return npmToString.apply(this, arguments);
};
Buffer.prototype.toLocaleString = Buffer.prototype.toString;

const npmWrite = Buffer.prototype.write;
Buffer.prototype.write = function write(string, offset, length, encoding) {
  const args = [...arguments];
  const last = args.length - 1;
  if (last > 0 && isBase64Url(args[last])) args[last] = 'base64';
  return Reflect.apply(npmWrite, this, args);
};

const npmByteLength = Buffer.byteLength;
Buffer.byteLength = function byteLength(string, encoding) {
  // Node's estimate for base64 (it assumes valid input), not a decode.
  if (typeof string === 'string' && typeof encoding === 'string' && /^base64(url)?$/i.test(encoding)) {
    let n = string.length;
    if (n > 0 && string.charCodeAt(n - 1) === 0x3d) n--;
    if (n > 1 && string.charCodeAt(n - 1) === 0x3d) n--;
    return (n * 3) >>> 2;
  }
  return npmByteLength.call(Buffer, string, encoding);
};
const npmIsEncoding = Buffer.isEncoding;
Buffer.isEncoding = function isEncoding(encoding) {
  return isBase64Url(encoding) || npmIsEncoding.call(Buffer, encoding);
};
Buffer.copyBytesFrom = function copyBytesFrom(view, offset = 0, length = undefined) {
  if (!ArrayBuffer.isView(view) || view instanceof DataView) {
    throw new TypeError('The "view" argument must be an instance of TypedArray.');
  }
  const bpe = view.BYTES_PER_ELEMENT;
  const end = length === undefined ? view.length : Math.min(view.length, offset + length);
  const start = Math.min(offset, view.length);
  const bytes = new Uint8Array(view.buffer, view.byteOffset + start * bpe, Math.max(0, end - start) * bpe);
  return npmFrom.call(Buffer, bytes);
};

function isUtf8(input) {
  const bytes = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : input instanceof ArrayBuffer ? new Uint8Array(input) : null;
  if (bytes === null) throw new TypeError('The "input" argument must be an instance of ArrayBuffer, Buffer, or TypedArray.');
  try {
    native.utf8Decode(bytes, true, true);
    return true;
  } catch {
    return false;
  }
}
function isAscii(input) {
  const bytes = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : input instanceof ArrayBuffer ? new Uint8Array(input) : null;
  if (bytes === null) throw new TypeError('The "input" argument must be an instance of ArrayBuffer, Buffer, or TypedArray.');
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}

module.exports = {
  Buffer,
  SlowBuffer: npm.SlowBuffer,
  INSPECT_MAX_BYTES: npm.INSPECT_MAX_BYTES,
  kMaxLength,
  kStringMaxLength,
  constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
  Blob: internals.Blob,
  File: internals.File,
  atob: internals.atob,
  btoa: internals.btoa,
  isUtf8,
  isAscii,
};
