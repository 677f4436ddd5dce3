'use strict';
// Compression Standard: CompressionStream and DecompressionStream for
// "gzip", "deflate" and "deflate-raw" over zlib, and "brotli" (as workerd
// accepts) over libbrotli (native.zlibCreate and
// native.zlibPush, runtime/api/compression.cc). Must load after streams.js.

const { toDOMString, finishInterface, bufferSourceBytes, createTransformStream,
  transformStreamReadable, transformStreamWritable } = internals;

const kFormats = ['brotli', 'deflate', 'deflate-raw', 'gzip'];
const toStringTag = Object.prototype.toString;

function checkFormat(format, what) {
  if (arguments.length < 1 || format === undefined) {
    throw new TypeError(`Failed to construct '${what}': 1 argument required, but only 0 present.`);
  }
  const f = toDOMString(format);
  if (!kFormats.includes(f)) {
    throw new TypeError(`Failed to construct '${what}': Unsupported compression format: '${f}'.`);
  }
  return f;
}

function zlibTransform(format, decompress) {
  const handle = native.zlibCreate(format, decompress);
  return createTransformStream((chunk, enqueue) => {
    const bytes = bufferSourceBytes(chunk);
    if (bytes === undefined || toStringTag.call(bytes.buffer) === '[object SharedArrayBuffer]') {
      throw new TypeError('The chunk written to a compression stream must be an ArrayBuffer or ArrayBufferView.');
    }
    for (const out of native.zlibPush(handle, bytes, false)) enqueue(out);
  }, (enqueue) => {
    for (const out of native.zlibPush(handle, null, true)) enqueue(out);
  });
}

class CompressionStream {
  #transform;
  constructor(format) {
    this.#transform = zlibTransform(checkFormat(format, 'CompressionStream'), false);
  }
  get readable() {
    if (!(#transform in this)) throw new TypeError('Illegal invocation');
    return transformStreamReadable(this.#transform);
  }
  get writable() {
    if (!(#transform in this)) throw new TypeError('Illegal invocation');
    return transformStreamWritable(this.#transform);
  }
}
finishInterface(CompressionStream, 'CompressionStream');

class DecompressionStream {
  #transform;
  constructor(format) {
    this.#transform = zlibTransform(checkFormat(format, 'DecompressionStream'), true);
  }
  get readable() {
    if (!(#transform in this)) throw new TypeError('Illegal invocation');
    return transformStreamReadable(this.#transform);
  }
  get writable() {
    if (!(#transform in this)) throw new TypeError('Illegal invocation');
    return transformStreamWritable(this.#transform);
  }
}
finishInterface(DecompressionStream, 'DecompressionStream');

internals.CompressionStream = CompressionStream;
internals.DecompressionStream = DecompressionStream;
