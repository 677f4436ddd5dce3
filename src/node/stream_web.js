'use strict';
// node:stream/web: the runtime's WHATWG streams under Node's names.
const names = [
  'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest',
  'ReadableByteStreamController', 'ReadableStreamDefaultController', 'TransformStream',
  'TransformStreamDefaultController', 'WritableStream', 'WritableStreamDefaultWriter',
  'WritableStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
  'TextEncoderStream', 'TextDecoderStream', 'CompressionStream', 'DecompressionStream',
];
const exports_ = {};
for (const name of names) if (internals[name] !== undefined) exports_[name] = internals[name];
module.exports = exports_;
