'use strict';
// Encoding Standard: TextEncoder, TextDecoder (every encoding of the standard;
// all but UTF-8 through native.textDecode), TextEncoderStream,
// TextDecoderStream; HTML's atob() and btoa() (forgiving-base64).
//
// Must load after streams.js (the *Stream classes are built on
// internals.createTransformStream).

const {
  DOMException, toDOMString, finishInterface, bufferSourceBytes, typedArrayName,
  createTransformStream, transformStreamReadable, transformStreamWritable,
} = internals;

const utf8Encode = native.utf8Encode;
const utf8Decode = native.utf8Decode;
const StringFromCharCode = String.fromCharCode;
const apply = Function.prototype.call.bind(Function.prototype.apply);

function requireArgs(count, required, what) {
  if (count < required) {
    throw new TypeError(`Failed to execute '${what}': ${required} argument${required > 1 ? 's' : ''} required, but only ${count} present.`);
  }
}

function dictionary(value, what) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' && typeof value !== 'function') throw new TypeError(`${what} is not an object.`);
  return value;
}

// ---------------------------------------------------------------------------
// TextEncoder

// UTF-8 encodes as much of `str` into `dest` as fits without splitting a
// scalar value; returns [read (code units), written (bytes)].
function encodeIntoSlow(str, dest) {
  const len = str.length;
  const cap = dest.length;
  let read = 0;
  let written = 0;
  while (read < len) {
    let c = str.charCodeAt(read);
    if (c < 0x80) {
      if (written >= cap) break;
      dest[written++] = c;
      read++;
      continue;
    }
    if (c < 0x800) {
      if (written + 2 > cap) break;
      dest[written++] = 0xc0 | (c >> 6);
      dest[written++] = 0x80 | (c & 0x3f);
      read++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && read + 1 < len) {
        const d = str.charCodeAt(read + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          if (written + 4 > cap) break;
          const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          dest[written++] = 0xf0 | (cp >> 18);
          dest[written++] = 0x80 | ((cp >> 12) & 0x3f);
          dest[written++] = 0x80 | ((cp >> 6) & 0x3f);
          dest[written++] = 0x80 | (cp & 0x3f);
          read += 2;
          continue;
        }
      }
      c = 0xfffd; // lone surrogate
    }
    if (written + 3 > cap) break;
    dest[written++] = 0xe0 | (c >> 12);
    dest[written++] = 0x80 | ((c >> 6) & 0x3f);
    dest[written++] = 0x80 | (c & 0x3f);
    read++;
  }
  return [read, written];
}

class TextEncoder {
  #brand = true;

  constructor() {}

  get encoding() {
    if (!(#brand in this)) throw new TypeError('Illegal invocation');
    return 'utf-8';
  }

  encode(input = '') {
    if (!(#brand in this)) throw new TypeError('Illegal invocation');
    return utf8Encode(toDOMString(input));
  }

  encodeInto(source, destination) {
    if (!(#brand in this)) throw new TypeError('Illegal invocation');
    requireArgs(arguments.length, 2, 'encodeInto');
    const str = toDOMString(source);
    if (typedArrayName(destination) !== 'Uint8Array') {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    const len = str.length;
    if (len > 64 && destination.length >= len * 3) {
      // Everything fits: let the native encoder do the work.
      const bytes = utf8Encode(str);
      destination.set(bytes);
      return { read: len, written: bytes.length };
    }
    const r = encodeIntoSlow(str, destination);
    return { read: r[0], written: r[1] };
  }
}
finishInterface(TextEncoder, 'TextEncoder');

// ---------------------------------------------------------------------------
// TextDecoder

const utf8Labels = new Set([
  'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8',
]);

function isASCIIWhitespace(c) {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

// Encoding Standard "get an encoding" for TextDecoder: [id, name], id -1 for
// UTF-8 (decoded here over V8's UTF-8 decoder), else the native decoder's id.
// The replacement encoding and unknown labels are a RangeError.
function getEncoding(label) {
  if (label === 'utf-8') return utf8Encoding;
  const raw = toDOMString(label);
  let start = 0;
  let end = raw.length;
  while (start < end && isASCIIWhitespace(raw.charCodeAt(start))) start++;
  while (end > start && isASCIIWhitespace(raw.charCodeAt(end - 1))) end--;
  const key = raw.slice(start, end).replace(/[A-Z]+/g, (m) => m.toLowerCase());
  if (utf8Labels.has(key)) return utf8Encoding;
  const found = native.encodingForLabel(key);
  if (found === null || found[1] === 'replacement') {
    throw new RangeError(`The encoding label provided ('${raw}') is invalid or not supported.`);
  }
  return found;
}
const utf8Encoding = [-1, 'utf-8'];

// Length of the UTF-8 sequence introduced by lead byte b (0: not a lead byte).
function sequenceLength(b) {
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

// Whether b is acceptable as continuation byte number `index` (1-based) of the
// sequence starting with `lead` (Encoding Standard's UTF-8 decoder bounds).
function validContinuation(lead, index, b) {
  if (index === 1) {
    if (lead === 0xe0) return b >= 0xa0 && b <= 0xbf;
    if (lead === 0xed) return b >= 0x80 && b <= 0x9f;
    if (lead === 0xf0) return b >= 0x90 && b <= 0xbf;
    if (lead === 0xf4) return b >= 0x80 && b <= 0x8f;
  }
  return b >= 0x80 && b <= 0xbf;
}

// Number of trailing bytes of u8[from..] that form an incomplete (but so far
// valid) UTF-8 sequence and so must wait for more input.
function incompleteTail(u8, from) {
  const n = u8.length;
  const stop = Math.max(from, n - 3);
  for (let i = n - 1; i >= stop; i--) {
    const b = u8[i];
    if (b >= 0x80 && b <= 0xbf) continue; // continuation byte, keep looking
    const need = sequenceLength(b);
    if (need === 0 || n - i >= need) return 0;
    for (let k = i + 1; k < n; k++) {
      if (!validContinuation(b, k - i, u8[k])) return 0;
    }
    return n - i;
  }
  return 0;
}

let decoderDecode;

class TextDecoder {
  #fatal;
  #ignoreBOM;
  #id;
  #encoding;
  #state = null; // Int32Array(8): a legacy decoder's state between calls
  #bomSeen = false;
  #doNotFlush = false;
  #pending = null; // Uint8Array holding an incomplete sequence (1-3 bytes)

  constructor(label = 'utf-8', options = undefined) {
    const [id, name] = getEncoding(label);
    this.#id = id;
    this.#encoding = name;
    const dict = dictionary(options, "The provided value for 'options'");
    this.#fatal = dict !== undefined && !!dict.fatal;
    this.#ignoreBOM = dict !== undefined && !!dict.ignoreBOM;
  }

  get encoding() {
    if (!(#fatal in this)) throw new TypeError('Illegal invocation');
    return this.#encoding;
  }

  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }

  decode(input = undefined, options = undefined) {
    if (!(#fatal in this)) throw new TypeError('Illegal invocation');
    let bytes;
    if (input !== undefined) {
      bytes = bufferSourceBytes(input);
      if (bytes === undefined) {
        throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
      }
    }
    const dict = dictionary(options, "The provided value for 'options'");
    const stream = dict !== undefined && !!dict.stream;
    return this.#decode(bytes, stream);
  }

  #chunk(u8) {
    if (u8.length === 0) return '';
    const s = utf8Decode(u8, this.#fatal, this.#ignoreBOM || this.#bomSeen);
    this.#bomSeen = true;
    return s;
  }

  // Any encoding but UTF-8, by the native decoders; BOM handling (UTF-16
  // only) as the standard's decode: a leading U+FEFF is dropped once.
  #decodeOther(bytes, stream) {
    if (this.#state === null) this.#state = new Int32Array(8);
    if (!this.#doNotFlush) {
      this.#state.fill(0);
      this.#bomSeen = false;
    }
    this.#doNotFlush = stream;
    try {
      let s = native.textDecode(this.#id, bytes === undefined ? emptyBytes : bytes, this.#fatal, !stream, this.#state);
      if (!this.#bomSeen && s.length !== 0) {
        if (!this.#ignoreBOM && s.charCodeAt(0) === 0xfeff && this.#encoding.startsWith('utf-16')) s = s.slice(1);
        this.#bomSeen = true;
      }
      if (!stream) this.#bomSeen = false;
      return s;
    } catch (e) {
      this.#bomSeen = false;
      this.#doNotFlush = false;
      throw e;
    }
  }

  #decode(bytes, stream) {
    if (this.#id !== -1) return this.#decodeOther(bytes, stream);
    if (!this.#doNotFlush) {
      this.#pending = null;
      this.#bomSeen = false;
    }
    this.#doNotFlush = stream;
    if (bytes === undefined) bytes = emptyBytes;
    if (this.#pending === null && !stream) {
      // Common case: a whole, self-contained buffer.
      if (bytes.length === 0) return '';
      try {
        return utf8Decode(bytes, this.#fatal, this.#ignoreBOM || this.#bomSeen);
      } finally {
        this.#bomSeen = false;
      }
    }
    try {
      let out = '';
      let start = 0;
      const pending = this.#pending;
      if (pending !== null) {
        // Try to complete the held sequence with the first bytes of this input.
        this.#pending = null;
        const lead = pending[0];
        const need = sequenceLength(lead);
        const seq = new Uint8Array(need);
        seq.set(pending);
        let k = pending.length;
        let invalid = false;
        while (k < need && start < bytes.length) {
          const b = bytes[start];
          if (!validContinuation(lead, k, b)) { invalid = true; break; }
          seq[k++] = b;
          start++;
        }
        if (k === need) {
          out = this.#chunk(seq);
        } else if (!invalid && stream) {
          // Still incomplete (input exhausted); keep waiting.
          this.#pending = seq.slice(0, k);
          return '';
        } else {
          // Broken sequence, or end of stream: one U+FFFD (or TypeError).
          out = this.#chunk(seq.subarray(0, k));
        }
      }
      let end = bytes.length;
      if (stream) {
        const tail = incompleteTail(bytes, start);
        if (tail > 0) {
          end -= tail;
          this.#pending = bytes.slice(end);
        }
      }
      if (end > start) out += this.#chunk(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
      if (!stream) this.#bomSeen = false;
      return out;
    } catch (e) {
      this.#pending = null;
      this.#bomSeen = false;
      this.#doNotFlush = false;
      throw e;
    }
  }

  static {
    decoderDecode = (decoder, bytes, stream) => decoder.#decode(bytes, stream);
  }
}
finishInterface(TextDecoder, 'TextDecoder');

const emptyBytes = new Uint8Array(0);

// ---------------------------------------------------------------------------
// TextEncoderStream / TextDecoderStream

class TextEncoderStream {
  #transform;

  constructor() {
    let pendingHigh = '';
    this.#transform = createTransformStream((chunk, enqueue) => {
      let s = toDOMString(chunk);
      if (pendingHigh !== '') {
        s = pendingHigh + s;
        pendingHigh = '';
      }
      const last = s.length - 1;
      if (last >= 0) {
        const c = s.charCodeAt(last);
        if (c >= 0xd800 && c <= 0xdbff) {
          pendingHigh = s[last];
          s = s.slice(0, last);
        }
      }
      if (s.length !== 0) enqueue(utf8Encode(s));
    }, (enqueue) => {
      if (pendingHigh !== '') {
        pendingHigh = '';
        enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
      }
    });
  }

  get encoding() {
    if (!(#transform in this)) throw new TypeError('Illegal invocation');
    return 'utf-8';
  }

  get readable() { return transformStreamReadable(this.#transform); }
  get writable() { return transformStreamWritable(this.#transform); }
}
finishInterface(TextEncoderStream, 'TextEncoderStream');

class TextDecoderStream {
  #decoder;
  #transform;

  constructor(label = 'utf-8', options = undefined) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = createTransformStream((chunk, enqueue) => {
      const bytes = bufferSourceBytes(chunk);
      if (bytes === undefined) {
        throw new TypeError('TextDecoderStream chunks must be an ArrayBuffer or ArrayBufferView.');
      }
      const s = decoderDecode(decoder, bytes, true);
      if (s.length !== 0) enqueue(s);
    }, (enqueue) => {
      const s = decoderDecode(decoder, undefined, false);
      if (s.length !== 0) enqueue(s);
    });
  }

  get encoding() {
    if (!(#decoder in this)) throw new TypeError('Illegal invocation');
    return this.#decoder.encoding;
  }

  get fatal() { return this.#decoder.fatal; }
  get ignoreBOM() { return this.#decoder.ignoreBOM; }
  get readable() { return transformStreamReadable(this.#transform); }
  get writable() { return transformStreamWritable(this.#transform); }
}
finishInterface(TextDecoderStream, 'TextDecoderStream');

// ---------------------------------------------------------------------------
// atob / btoa (HTML §8.3, forgiving-base64)

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const encodeTable = new Uint8Array(64);
// -1: invalid, -2: ASCII whitespace, -3: '=', otherwise the 6-bit value.
const decodeTable = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  encodeTable[i] = alphabet.charCodeAt(i);
  decodeTable[alphabet.charCodeAt(i)] = i;
}
for (const c of [0x09, 0x0a, 0x0c, 0x0d, 0x20]) decodeTable[c] = -2;
decodeTable[0x3d] = -3;

// Bytes -> string with one code unit per byte (Latin-1). Small inputs use
// String.fromCharCode; large ones are transcoded to UTF-8 and decoded natively.
const CHUNK = 8192;
function bytesToBinaryString(u8, length) {
  if (length <= 2048) {
    return apply(StringFromCharCode, null, length === u8.length ? u8 : u8.subarray(0, length));
  }
  let high = 0;
  for (let i = 0; i < length; i++) if (u8[i] >= 0x80) high++;
  if (high === 0) return utf8Decode(u8.subarray(0, length), false, true);
  if (high * 4 > length) {
    let out = '';
    for (let i = 0; i < length; i += CHUNK) {
      out += apply(StringFromCharCode, null, u8.subarray(i, Math.min(i + CHUNK, length)));
    }
    return out;
  }
  const utf8 = new Uint8Array(length + high);
  let o = 0;
  for (let i = 0; i < length; i++) {
    const b = u8[i];
    if (b < 0x80) {
      utf8[o++] = b;
    } else {
      utf8[o++] = 0xc0 | (b >> 6);
      utf8[o++] = 0x80 | (b & 0x3f);
    }
  }
  return utf8Decode(utf8, false, true);
}

function invalidCharacter(message) {
  return new DOMException(message, 'InvalidCharacterError');
}

function btoa(data) {
  requireArgs(arguments.length, 1, 'btoa');
  const s = toDOMString(data);
  const n = s.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
    if ((a | b | c) > 0xff) throw invalidCharacter('The string to be encoded contains characters outside of the Latin1 range.');
    out[o++] = encodeTable[a >> 2];
    out[o++] = encodeTable[((a & 3) << 4) | (b >> 4)];
    out[o++] = encodeTable[((b & 15) << 2) | (c >> 6)];
    out[o++] = encodeTable[c & 63];
  }
  const rest = n - i;
  if (rest > 0) {
    const a = s.charCodeAt(i);
    const b = rest === 2 ? s.charCodeAt(i + 1) : 0;
    if ((a | b) > 0xff) throw invalidCharacter('The string to be encoded contains characters outside of the Latin1 range.');
    out[o++] = encodeTable[a >> 2];
    out[o++] = encodeTable[((a & 3) << 4) | (b >> 4)];
    out[o++] = rest === 2 ? encodeTable[(b & 15) << 2] : 0x3d;
    out[o++] = 0x3d;
  }
  return bytesToBinaryString(out, o);
}

// forgiving-base64 decode, in one pass: ASCII whitespace is skipped, '=' is
// only accepted as one or two characters of final padding that complete a
// multiple of four, and a final group of a single character is an error.
function atob(data) {
  requireArgs(arguments.length, 1, 'atob');
  const s = toDOMString(data);
  const n = s.length;
  const out = new Uint8Array(((n >> 2) + 1) * 3);
  let o = 0;
  let acc = 0;
  let bits = 0;
  let count = 0;
  let padding = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const v = c < 256 ? decodeTable[c] : -1;
    if (v >= 0) {
      if (padding !== 0) throw invalidCharacter('The string to be decoded is not correctly encoded.');
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      count++;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = acc >> bits;
      }
    } else if (v === -3) {
      padding++;
    } else if (v !== -2) {
      throw invalidCharacter('The string to be decoded is not correctly encoded.');
    }
  }
  if (padding !== 0 && (padding > 2 || (count + padding) % 4 !== 0)) {
    throw invalidCharacter('The string to be decoded is not correctly encoded.');
  }
  if (count % 4 === 1) throw invalidCharacter('The string to be decoded is not correctly encoded.');
  // Leftover bits (4 or 2) are discarded, whatever their value.
  return bytesToBinaryString(out, o);
}

internals.TextEncoder = TextEncoder;
internals.TextDecoder = TextDecoder;
internals.TextEncoderStream = TextEncoderStream;
internals.TextDecoderStream = TextDecoderStream;
internals.atob = atob;
internals.btoa = btoa;
internals.textDecoderDecode = decoderDecode;
