'use strict';
// node:zlib over the runtime's compression natives (native.zlibCreate and
// native.zlibPush, runtime/api/compression.cc, as CompressionStream uses):
// gzip, deflate, deflate-raw and brotli, one-shot (callback and *Sync) and
// as Transform streams, plus crc32 and the constants.
//
// The natives compress at zlib's and brotli's default settings, which are
// Node's defaults too, so default output is byte for byte Node's. Options
// that change the format of the output (dictionary) are refused; level,
// memLevel, strategy, windowBits, chunkSize and brotli params are accepted
// and the defaults used. flush() with a flush kind, params() and reset()
// are absent.

const { Buffer } = require('./buffer.js');
const process = require('./process.js');

const constants = Object.freeze({
  Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
  Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
  Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
  Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
  Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4865,
  DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
  BROTLI_DECODE: 8, BROTLI_ENCODE: 9,
  Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
  Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384,
  Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8,
  Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
  BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3,
  BROTLI_PARAM_MODE: 0, BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0,
  BROTLI_PARAM_QUALITY: 1, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11,
  BROTLI_PARAM_LGWIN: 2, BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24, BROTLI_LARGE_MAX_WINDOW_BITS: 30,
  BROTLI_DEFAULT_WINDOW: 22, BROTLI_PARAM_LGBLOCK: 3, BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
  BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5, BROTLI_PARAM_LARGE_WINDOW: 6,
  BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8,
  BROTLI_DECODER_RESULT_ERROR: 0, BROTLI_DECODER_RESULT_SUCCESS: 1, BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2,
  BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0,
  BROTLI_DECODER_PARAM_LARGE_WINDOW: 1,
});

const codes = {
  Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
  Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
  0: 'Z_OK', 1: 'Z_STREAM_END', 2: 'Z_NEED_DICT', '-1': 'Z_ERRNO', '-2': 'Z_STREAM_ERROR',
  '-3': 'Z_DATA_ERROR', '-4': 'Z_MEM_ERROR', '-5': 'Z_BUF_ERROR', '-6': 'Z_VERSION_ERROR',
};

// mode → [native format, decompress]
const kModes = {
  Deflate: ['deflate', false], Inflate: ['deflate', true], Gzip: ['gzip', false], Gunzip: ['gzip', true],
  DeflateRaw: ['deflate-raw', false], InflateRaw: ['deflate-raw', true], Unzip: [null, true],
  BrotliCompress: ['brotli', false], BrotliDecompress: ['brotli', true],
};

function checkOptions(options) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') {
    const err = new TypeError('The "options" argument must be of type object.');
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  if (options.dictionary !== undefined) {
    const err = new Error('zlib dictionaries are not supported');
    err.code = 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
    throw err;
  }
}

// The natives' TypeErrors → Node's zlib errors (code and errno).
function zlibError(err, brotli) {
  if (!(err instanceof Error)) return err;
  let e;
  if (brotli) {
    e = new Error('Decompression failed');
    e.code = 'ERR__ERROR_FORMAT_PADDING_1';
    e.errno = -2;
  } else if (/ended before its end/.test(err.message)) {
    e = new Error('unexpected end of file');
    e.code = 'Z_BUF_ERROR';
    e.errno = -5;
  } else {
    e = new Error(/Junk/.test(err.message) ? 'invalid data after the end of the stream' : 'incorrect header check');
    e.code = 'Z_DATA_ERROR';
    e.errno = -3;
  }
  return e;
}

// One native compression state; for Unzip the format is chosen from the
// first input byte (0x1f: gzip, else zlib's deflate).
class Engine {
  constructor(mode) {
    [this.format, this.decompress] = kModes[mode];
    this.handle = this.format === null ? null : native.zlibCreate(this.format, this.decompress);
  }
  push(bytes, finish) {
    if (this.handle === null) {
      if (bytes === null || bytes.length === 0) {
        if (!finish) return [];
        throw zlibError(new TypeError('The compressed data ended before its end.'), false);
      }
      this.format = bytes[0] === 0x1f ? 'gzip' : 'deflate';
      this.handle = native.zlibCreate(this.format, true);
    }
    try {
      return native.zlibPush(this.handle, bytes, finish);
    } catch (err) {
      throw zlibError(err, this.format === 'brotli');
    }
  }
}

function inputBytes(buffer) {
  if (typeof buffer === 'string') return native.utf8Encode(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  const err = new TypeError('The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer.');
  err.code = 'ERR_INVALID_ARG_TYPE';
  throw err;
}

function toBuffer(chunks) {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

function makeSync(mode) {
  return function zlibSync(buffer, options) {
    checkOptions(options);
    const bytes = inputBytes(buffer);
    const out = toBuffer(new Engine(mode).push(bytes, true));
    if (options && options.info) return { buffer: out, engine: null };
    return out;
  };
}
function makeAsync(mode, sync) {
  return function zlibAsync(buffer, options, callback) {
    if (typeof options === 'function') { callback = options; options = undefined; }
    if (typeof callback !== 'function') {
      const err = new TypeError('The "callback" argument must be of type function.');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    let result;
    try {
      result = sync(buffer, options);
    } catch (err) {
      process.nextTick(callback, err);
      return;
    }
    process.nextTick(callback, null, result);
  };
}

let classes;
// The stream classes need node:stream; made on first use.
function streamClasses() {
  if (classes !== undefined) return classes;
  const { Transform } = require('./stream.js');
  classes = {};
  for (const mode of Object.keys(kModes)) {
    const C = class extends Transform {
      constructor(options) {
        checkOptions(options);
        super({ ...options, objectMode: false, readableObjectMode: false, writableObjectMode: false });
        this._engine = new Engine(mode);
        this.bytesWritten = 0;
        this._handle = this._engine;
      }
      _transform(chunk, encoding, callback) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
        this.bytesWritten += bytes.length;
        this._pushOut(bytes, false, callback);
      }
      _flush(callback) {
        this._pushOut(null, true, callback);
      }
      _pushOut(bytes, finish, callback) {
        let out;
        try {
          out = this._engine.push(bytes, finish);
        } catch (err) {
          callback(err);
          return;
        }
        for (const c of out) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
        callback();
      }
      close(callback) {
        if (callback) process.nextTick(callback);
        this.destroy();
      }
    };
    Object.defineProperty(C, 'name', { value: mode });
    classes[mode] = C;
  }
  return classes;
}

// crc32(data[, value]): the CRC-32 of zlib (and gzip), continuing `value`.
let crcTable;
function crc32(data, value = 0) {
  const bytes = inputBytes(data);
  if (crcTable === undefined) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = ~value;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const api = { constants, codes, crc32 };
const kOneShot = {
  deflate: 'Deflate', inflate: 'Inflate', gzip: 'Gzip', gunzip: 'Gunzip', deflateRaw: 'DeflateRaw',
  inflateRaw: 'InflateRaw', unzip: 'Unzip', brotliCompress: 'BrotliCompress', brotliDecompress: 'BrotliDecompress',
};
for (const [fn, mode] of Object.entries(kOneShot)) {
  const sync = makeSync(mode);
  api[fn + 'Sync'] = sync;
  api[fn] = makeAsync(mode, sync);
  api['create' + mode] = (options) => new (streamClasses()[mode])(options);
  Object.defineProperty(api, mode, { enumerable: true, configurable: true, get: () => streamClasses()[mode] });
}
// Node's legacy constant names on the module itself.
for (const key of Object.keys(constants)) if (key.startsWith('Z_')) api[key] = constants[key];

module.exports = api;
