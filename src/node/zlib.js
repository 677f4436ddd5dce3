'use strict';
// node:zlib over the runtime's compression natives (runtime/api/
// compression.cc, whose zlibPush CompressionStream uses too; node:zlib
// creates its streams with zlibCreateWith, which takes Node's options):
// gzip, deflate, deflate-raw and brotli, one-shot (callback and *Sync) and
// as Transform streams with flush(kind), params(level, strategy) and
// reset(), plus crc32 and the constants.
//
// The options are Node's: level, windowBits, memLevel, strategy and
// dictionary for zlib, params (quality, lgwin, mode, size hint …) for
// brotli, info, and for the one-shot functions finishFlush and
// maxOutputLength (checked once the output is made). Output is the system
// zlib's and brotli's (Node bundles Chromium's zlib, whose output can differ
// on some inputs). chunkSize is validated but output comes in the natives'
// 16 KiB pieces.

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

function rangeError(name, value, min, max) {
  const err = new RangeError(`The value of "${name}" is out of range. It must be >= ${min} and <= ${max}. Received ${value}`);
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}
function typeError(name, what, value) {
  const got = value === null || value === undefined ? String(value) : typeof value === 'object' ? 'an instance of Object' : `type ${typeof value} (${typeof value === 'string' ? `'${value}'` : String(value)})`;
  const err = new TypeError(`The "${name}" property must be ${what}. Received ${got}`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}
// options[key], a number in [min, max], or `fallback` when absent.
function numberOption(options, key, min, max, fallback, name = `options.${key}`) {
  const v = options[key];
  if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) return fallback;
  if (typeof v !== 'number') throw typeError(name, 'of type number', v);
  if (!Number.isFinite(v) || v < min || v > max) {
    if (max === Infinity) {
      const err = new RangeError(`The value of "${name}" is out of range. It must be >= ${min}. Received ${v}`);
      err.code = 'ERR_OUT_OF_RANGE';
      throw err;
    }
    throw rangeError(name, v, min, max);
  }
  return v;
}

const kBrotliParamNames = new Set(Object.keys(constants).filter((k) => k.startsWith('BROTLI_PARAM_')).map((k) => constants[k]));
const kBrotliDecoderParamNames = new Set([constants.BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION, constants.BROTLI_DECODER_PARAM_LARGE_WINDOW]);

// Node's options → the natives' settings, or a thrown Node error.
function checkOptions(options, mode) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') {
    const err = new TypeError('The "options" argument must be of type object.');
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  numberOption(options, 'chunkSize', 64, Infinity, 16384);
  const brotli = mode.startsWith('Brotli');
  numberOption(options, 'flush', 0, brotli ? 3 : 5, 0);
  // For the one-shot functions: the flush that ends the input, and a cap.
  const common = {
    finishFlush: numberOption(options, 'finishFlush', 0, brotli ? 3 : 5, brotli ? constants.BROTLI_OPERATION_FINISH : constants.Z_FINISH),
    maxOutputLength: numberOption(options, 'maxOutputLength', 1, 2 ** 32, 2 ** 32),
  };
  if (brotli) {
    let params;
    if (options.params !== undefined) {
      params = [];
      const decoder = mode === 'BrotliDecompress';
      for (const key of Object.keys(options.params)) {
        const k = Number(key);
        if (!Number.isInteger(k) || !(decoder ? kBrotliDecoderParamNames : kBrotliParamNames).has(k)) {
          const err = new RangeError(`${key} is not a valid Brotli parameter`);
          err.code = 'ERR_BROTLI_INVALID_PARAM';
          throw err;
        }
        const v = options.params[key];
        if (typeof v !== 'number' && typeof v !== 'boolean') throw typeError('options.params[key]', 'of type number', v);
        params.push(k, Number(v));
      }
    }
    return { ...common, params };
  }
  const inflate = !kModes[mode][0] || kModes[mode][1];
  const settings = {
    ...common,
    level: numberOption(options, 'level', -1, 9, -1),
    windowBits: numberOption(options, 'windowBits', inflate && options.windowBits === 0 ? 0 : 8, 15, 15),
    memLevel: numberOption(options, 'memLevel', 1, 9, 8),
    strategy: numberOption(options, 'strategy', 0, 4, 0),
    dictionary: undefined,
  };
  const dict = options.dictionary;
  if (dict !== undefined) {
    if (!ArrayBuffer.isView(dict) && !(dict instanceof ArrayBuffer)) {
      throw typeError('options.dictionary', 'an instance of Buffer, TypedArray, DataView, or ArrayBuffer', dict);
    }
    settings.dictionary = ArrayBuffer.isView(dict) ? new Uint8Array(dict.buffer, dict.byteOffset, dict.byteLength) : new Uint8Array(dict);
  }
  // zlib takes no 8-bit window for a raw deflate stream or gzip; Node asks for 9.
  if (settings.windowBits === 8 && !inflate && mode !== 'Deflate') settings.windowBits = 9;
  return settings;
}

// The natives' TypeErrors → Node's zlib errors (code and errno).
function zlibError(err, brotli) {
  if (!(err instanceof Error)) return err;
  let e;
  if (err.message === 'Missing dictionary' || err.message === 'Bad dictionary') {
    e = new Error(err.message);
    e.code = 'Z_NEED_DICT';
    e.errno = 2;
  } else if (brotli) {
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
  constructor(mode, settings) {
    [this.format, this.decompress] = kModes[mode];
    this.settings = settings;
    this.handle = this.format === null ? null : this.create();
  }
  create() {
    const s = this.settings;
    try {
      return native.zlibCreateWith(this.format, this.decompress, s.level, s.windowBits, s.memLevel, s.strategy, s.dictionary, s.params);
    } catch (err) {
      const e = new Error('Initialization failed');
      e.code = 'ERR_ZLIB_INITIALIZATION_FAILED';
      throw e;
    }
  }
  // The natives' chunks of flush/params; nothing before Unzip knows its format.
  flush(kind) { return this.handle === null ? [] : native.zlibFlush(this.handle, kind); }
  params(level, strategy) { return this.handle === null ? [] : native.zlibParams(this.handle, level, strategy); }
  reset() { if (this.handle !== null) native.zlibReset(this.handle); }
  push(bytes, finish) {
    if (this.handle === null) {
      if (bytes === null || bytes.length === 0) {
        if (!finish) return [];
        throw zlibError(new TypeError('The compressed data ended before its end.'), false);
      }
      this.format = bytes[0] === 0x1f ? 'gzip' : 'deflate';
      this.handle = this.create();
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
    const settings = checkOptions(options, mode);
    const bytes = inputBytes(buffer);
    const engine = new Engine(mode, settings);
    const finishKind = mode.startsWith('Brotli') ? constants.BROTLI_OPERATION_FINISH : constants.Z_FINISH;
    let chunks;
    if (settings.finishFlush === undefined || settings.finishFlush === finishKind) {
      chunks = engine.push(bytes, true);
    } else {
      // Another flush ends the input: a compressor's output stays open, a
      // decompressor gives what it has without requiring the end.
      chunks = engine.push(bytes, false);
      if (!engine.decompress) chunks = [...chunks, ...engine.flush(settings.finishFlush)];
    }
    let length = 0;
    for (const c of chunks) length += c.byteLength;
    const max = settings.maxOutputLength === undefined ? 2 ** 32 : settings.maxOutputLength;
    if (length > max) {
      const err = new RangeError(`Cannot create a Buffer larger than ${max} bytes`);
      err.code = 'ERR_BUFFER_TOO_LARGE';
      throw err;
    }
    const out = toBuffer(chunks);
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
    const brotli = mode.startsWith('Brotli');
    const C = class extends Transform {
      constructor(options) {
        const settings = checkOptions(options, mode);
        super({ ...options, objectMode: false, readableObjectMode: false, writableObjectMode: false });
        this._engine = new Engine(mode, settings);
        this._level = settings.level;
        this._strategy = settings.strategy;
        this._controls = new WeakMap();  // an empty chunk written by flush()/params() → what it does
        this.bytesWritten = 0;
        this._handle = this._engine;
      }
      _transform(chunk, encoding, callback) {
        const control = this._controls.get(chunk);
        if (control !== undefined) {
          this._run(control, callback);
          return;
        }
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
        this.bytesWritten += bytes.length;
        this._run(() => this._engine.push(bytes, false), callback);
      }
      _flush(callback) {
        this._run(() => this._engine.push(null, true), callback);
      }
      _run(fn, callback) {
        let out;
        try {
          out = fn();
        } catch (err) {
          callback(err);
          return;
        }
        for (const c of out) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
        callback();
      }
      // flush([kind][, callback]): what the compressor holds comes out now,
      // in order with the data written before; kind defaults to
      // Z_FULL_FLUSH (BROTLI_OPERATION_FLUSH for brotli).
      flush(kind, callback) {
        if (typeof kind === 'function' || kind === undefined) {
          callback = kind;
          kind = brotli ? constants.BROTLI_OPERATION_FLUSH : constants.Z_FULL_FLUSH;
        }
        this._control(() => this._engine.flush(kind), callback);
      }
      // Runs `fn` (→ output chunks) in order with the writes before it.
      _control(fn, callback) {
        if (this.writableEnded) {
          if (callback) process.nextTick(callback);
          return;
        }
        const marker = Buffer.alloc(0);
        this._controls.set(marker, fn);
        this.write(marker, callback ? () => callback() : undefined);
      }
      reset() {
        this._engine.reset();
      }
      close(callback) {
        if (callback) process.nextTick(callback);
        this.destroy();
      }
    };
    // params(level, strategy, callback): new deflate settings for the data
    // written after it (what came before is flushed with Z_SYNC_FLUSH).
    const params = function params(level, strategy, callback) {
      const checked = checkOptions({ level, strategy }, mode);
      if (checked.level === this._level && checked.strategy === this._strategy) {
        if (callback) process.nextTick(callback);
        return;
      }
      this._level = checked.level;
      this._strategy = checked.strategy;
      this._control(() => [...this._engine.flush(constants.Z_SYNC_FLUSH),
        ...this._engine.params(checked.level, checked.strategy)], callback);
    };
    if (!brotli) C.prototype.params = params;
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
