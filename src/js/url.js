'use strict';
// WHATWG URL Standard (https://url.spec.whatwg.org/): the basic URL parser,
// host parsing (domain / IPv4 / IPv6 / opaque), URL serialization, and the
// URL and URLSearchParams interfaces.
//
// Publishes: internals.URL, internals.URLSearchParams, internals.urlParser
//            (the parser's entry points, for urlpattern.js).
// Uses:      native.domainToASCII(domain, beStrict) -> string | null.
//
// Implementation notes
// - The parser works on UTF-16 code units. Every state that percent-encodes
//   (userinfo, path segments, opaque paths, query, fragment) collects a run
//   of input with a scan and encodes the whole run at once, so surrogate
//   pairs stay together and no per-character strings are built. Lone
//   surrogates are encoded as U+FFFD, which is what USVString conversion
//   followed by UTF-8 encoding would give.
// - Hosts are stored already serialized (IPv4 dotted, IPv6 bracketed): no
//   part of the standard needs the host's kind once it has been parsed.
// - Ports are stored as numbers or null.
// - A URL record's path is an array of segments, or a string when the URL
//   has an opaque path.

// ---------------------------------------------------------------------------
// Character tables

const EOF = -1;

// Percent-encode sets, as bit masks over ENCODE_SET[codeUnit] for code units
// below 0x7F. Code units >= 0x7F are in every set.
const C0_CONTROL_SET = 1;
const FRAGMENT_SET = 2;
const QUERY_SET = 4;
const SPECIAL_QUERY_SET = 8;
const PATH_SET = 16;
const USERINFO_SET = 32;
const COMPONENT_SET = 64;
const FORM_SET = 128;

const ENCODE_SET = new Uint8Array(128);
{
  for (let c = 0; c < 0x20; c++) ENCODE_SET[c] = 0xFF;
  ENCODE_SET[0x7F] = 0xFF;
  const add = (mask, chars) => {
    for (let i = 0; i < chars.length; i++) ENCODE_SET[chars.charCodeAt(i)] |= mask;
  };
  add(FRAGMENT_SET, ' "<>`');
  add(QUERY_SET | SPECIAL_QUERY_SET | PATH_SET | USERINFO_SET | COMPONENT_SET | FORM_SET, ' "#<>');
  add(SPECIAL_QUERY_SET, "'");
  add(PATH_SET | USERINFO_SET | COMPONENT_SET | FORM_SET, '?^`{}');
  add(USERINFO_SET | COMPONENT_SET | FORM_SET, '/:;=@[\\]^|');
  add(COMPONENT_SET | FORM_SET, '$%&+,');
  add(FORM_SET, "!'()~");
}

// Forbidden host code points (bit 1) and forbidden domain code points (bit 2).
const FORBIDDEN_HOST = 1;
const FORBIDDEN_DOMAIN = 2;
const HOST_CHAR = new Uint8Array(128);
{
  for (let c = 0; c < 0x20; c++) HOST_CHAR[c] = FORBIDDEN_DOMAIN;
  HOST_CHAR[0x25] = FORBIDDEN_DOMAIN; // %
  HOST_CHAR[0x7F] = FORBIDDEN_DOMAIN;
  const hostChars = '\u0000\t\n\r #/:<>?@[\\]^|';
  for (let i = 0; i < hostChars.length; i++) {
    HOST_CHAR[hostChars.charCodeAt(i)] = FORBIDDEN_HOST | FORBIDDEN_DOMAIN;
  }
}

// Host fast path classes: 0 plain, 1 ASCII upper alpha, 2 forbidden domain
// code point (other than "%"), 3 "%".
const DOMAIN_CLASS = new Uint8Array(128);
{
  for (let c = 0; c < 128; c++) {
    if ((HOST_CHAR[c] & FORBIDDEN_DOMAIN) !== 0) DOMAIN_CLASS[c] = 2;
  }
  for (let c = 0x41; c <= 0x5A; c++) DOMAIN_CLASS[c] = 1;
  DOMAIN_CLASS[0x25] = 3;
}

// Path state classes: 0 plain, 1 "/", 2 "\\", 3 "?" or "#", 4 other members
// of the path percent-encode set.
const PATH_CLASS = new Uint8Array(128);
{
  for (let c = 0; c < 128; c++) {
    if ((ENCODE_SET[c] & PATH_SET) !== 0) PATH_CLASS[c] = 4;
  }
  PATH_CLASS[0x2F] = 1;
  PATH_CLASS[0x5C] = 2;
  PATH_CLASS[0x3F] = 3;
  PATH_CLASS[0x23] = 3;
}

const HEX = [];
for (let i = 0; i < 256; i++) HEX.push('%' + (i < 16 ? '0' : '') + i.toString(16).toUpperCase());

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isASCIIAlpha(c) {
  return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A);
}

function isASCIIDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

// ---------------------------------------------------------------------------
// Strings: USVString conversion, UTF-8 percent-encoding and decoding

// Replaces lone surrogates with U+FFFD (WebIDL USVString conversion).
function toUSVString(s) {
  const len = s.length;
  let i = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xD800 || c > 0xDFFF) continue;
    if (c <= 0xDBFF && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) { i++; continue; }
    }
    break;
  }
  if (i === len) return s;
  let out = s.slice(0, i);
  let run = i;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xD800 || c > 0xDFFF) continue;
    if (c <= 0xDBFF && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) { i++; continue; }
    }
    out += s.slice(run, i) + '\uFFFD';
    run = i + 1;
  }
  return out + s.slice(run);
}

// UTF-8 percent-encodes every code point of `s` that is in the set `mask`.
// With spaceAsPlus, U+0020 becomes "+" (application/x-www-form-urlencoded).
function percentEncode(s, mask, spaceAsPlus) {
  const len = s.length;
  let i = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x7F || (ENCODE_SET[c] & mask) !== 0) break;
  }
  if (i === len) return s;
  let out = s.slice(0, i);
  let run = i;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x7F && (ENCODE_SET[c] & mask) === 0) continue;
    if (run < i) out += s.slice(run, i);
    if (c < 0x80) {
      out += (c === 0x20 && spaceAsPlus) ? '+' : HEX[c];
    } else if (c < 0x800) {
      out += HEX[0xC0 | (c >> 6)] + HEX[0x80 | (c & 0x3F)];
    } else if (c < 0xD800 || c > 0xDFFF) {
      out += HEX[0xE0 | (c >> 12)] + HEX[0x80 | ((c >> 6) & 0x3F)] + HEX[0x80 | (c & 0x3F)];
    } else {
      let d;
      if (c <= 0xDBFF && i + 1 < len && (d = s.charCodeAt(i + 1)) >= 0xDC00 && d <= 0xDFFF) {
        const cp = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
        out += HEX[0xF0 | (cp >> 18)] + HEX[0x80 | ((cp >> 12) & 0x3F)] +
          HEX[0x80 | ((cp >> 6) & 0x3F)] + HEX[0x80 | (cp & 0x3F)];
        i++;
      } else {
        out += '%EF%BF%BD';
      }
    }
    run = i + 1;
  }
  if (run < len) out += s.slice(run);
  return out;
}

// Turns an array of UTF-16 code units into a string, in chunks that stay
// well below any argument count limit.
function codeUnitsToString(units) {
  let out = '';
  for (let i = 0; i < units.length; i += 8192) {
    out += String.fromCharCode.apply(null, units.slice(i, i + 8192));
  }
  return out;
}

// UTF-8 decode without BOM (WHATWG Encoding), replacement on errors.
function utf8Decode(bytes) {
  const units = [];
  let cp = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xBF;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b <= 0x7F) {
        units.push(b);
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1; cp = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b === 0xE0) lower = 0xA0;
        else if (b === 0xED) upper = 0x9F;
        needed = 2; cp = b & 0xF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b === 0xF0) lower = 0x90;
        else if (b === 0xF4) upper = 0x8F;
        needed = 3; cp = b & 0x7;
      } else {
        units.push(0xFFFD);
      }
      continue;
    }
    if (b < lower || b > upper) {
      cp = 0; needed = 0; seen = 0; lower = 0x80; upper = 0xBF;
      units.push(0xFFFD);
      i--; // reprocess this byte
      continue;
    }
    lower = 0x80; upper = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
    if (++seen === needed) {
      if (cp > 0xFFFF) {
        cp -= 0x10000;
        units.push(0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
      } else {
        units.push(cp);
      }
      cp = 0; needed = 0; seen = 0;
    }
  }
  if (needed !== 0) units.push(0xFFFD);
  return codeUnitsToString(units);
}

// Percent-decodes the UTF-8 encoding of `s`, then UTF-8 decodes the bytes
// (without BOM). With plusAsSpace, "+" is first replaced by a space.
// Literal (non-%XX) code points end any pending byte sequence: their UTF-8
// encoding starts with a lead or ASCII byte, which ends an incomplete
// sequence exactly as decoding the pending bytes on their own does.
function percentDecodeToString(s, plusAsSpace) {
  const len = s.length;
  let out = '';
  let run = 0; // start of the pending run of literal code units
  let bytes = [];
  let i = s.indexOf('%');
  while (i !== -1 && i + 2 < len) {
    const h = hexValue(s.charCodeAt(i + 1));
    const l = h < 0 ? -1 : hexValue(s.charCodeAt(i + 2));
    if (l < 0) {
      i = s.indexOf('%', i + 1);
      continue;
    }
    if (run < i) {
      if (bytes.length !== 0) { out += utf8Decode(bytes); bytes = []; }
      const literal = s.slice(run, i);
      out += plusAsSpace ? literal.replaceAll('+', ' ') : literal;
    }
    bytes.push((h << 4) | l);
    run = i + 3;
    i = s.indexOf('%', run);
  }
  if (bytes.length !== 0) out += utf8Decode(bytes);
  if (run < len) {
    const literal = s.slice(run);
    out += plusAsSpace ? literal.replaceAll('+', ' ') : literal;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Schemes

function isSpecialScheme(s) {
  switch (s) {
    case 'http': case 'https': case 'ws': case 'wss': case 'ftp': case 'file':
      return true;
    default:
      return false;
  }
}

function defaultPort(s) {
  switch (s) {
    case 'http': case 'ws': return 80;
    case 'https': case 'wss': return 443;
    case 'ftp': return 21;
    default: return null;
  }
}

// ---------------------------------------------------------------------------
// Hosts

// IPv4 number parser on s[start, end): the value, or -1 on failure. Values
// past 2^53 lose precision, which is harmless: anything above 2^32 fails.
function parseIPv4Number(s, start, end) {
  if (start === end) return -1;
  let radix = 10;
  if (end - start >= 2 && s.charCodeAt(start) === 0x30) {
    const x = s.charCodeAt(start + 1);
    if (x === 0x78 || x === 0x58) { radix = 16; start += 2; } else { radix = 8; start += 1; }
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = hexValue(s.charCodeAt(i));
    if (d < 0 || d >= radix) return -1;
    value = value * radix + d;
  }
  return value;
}

// The ends-in-a-number checker.
function endsInANumber(s) {
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 0x2E) end--;
  if (end === 0) return false;
  // Quick reject: a number's last code point is a hex digit or "x"/"X".
  const last = s.charCodeAt(end - 1);
  if (hexValue(last) < 0 && (last | 0x20) !== 0x78) return false;
  const start = s.lastIndexOf('.', end - 1) + 1;
  if (start === end) return false;
  let digits = true;
  for (let i = start; i < end; i++) {
    if (!isASCIIDigit(s.charCodeAt(i))) { digits = false; break; }
  }
  if (digits) return true;
  // Otherwise it is a number only in the 0x / 0X form.
  return parseIPv4Number(s, start, end) >= 0;
}

// 256 ** (5 - number of parts): the bound on the last part.
const IPV4_LAST_LIMIT = [0, 4294967296, 16777216, 65536, 256];
// 256 ** (4 - part number): where a leading part goes (a table, as V8
// makes ** with a variable exponent a call to pow).
const IPV4_PART_SCALE = [0, 16777216, 65536, 256, 1];

// The IPv4 parser; returns the serialized address, or null on failure.
function parseIPv4(s) {
  // A single trailing "." is dropped (an empty last part of several).
  let end = s.length;
  if (end > 1 && s.charCodeAt(end - 1) === 0x2E) end--;
  let n = 0;
  let address = 0;
  let p = 0;
  for (;;) {
    let dot = s.indexOf('.', p);
    if (dot === -1 || dot > end) dot = end;
    if (n === 4) return null;
    const value = parseIPv4Number(s, p, dot);
    if (value < 0) return null;
    n++;
    if (dot === end) {
      if (value >= IPV4_LAST_LIMIT[n]) return null;
      address += value;
      break;
    }
    if (value > 255) return null;
    address += value * IPV4_PART_SCALE[n];
    p = dot + 1;
  }
  return (address >>> 24) + '.' + ((address >>> 16) & 255) + '.' + ((address >>> 8) & 255) + '.' + (address & 255);
}

// The IPv6 parser on s[start, end); returns an array of 8 pieces or null.
function parseIPv6(s, start, end) {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress = -1;
  let p = start;
  const at = (i) => (i < end ? s.charCodeAt(i) : EOF);
  if (at(p) === 0x3A) {
    if (at(p + 1) !== 0x3A) return null;
    p += 2;
    compress = ++pieceIndex;
  }
  while (at(p) !== EOF) {
    if (pieceIndex === 8) return null;
    if (at(p) === 0x3A) {
      if (compress !== -1) return null;
      p++;
      compress = ++pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    let h;
    while (length < 4 && (h = hexValue(at(p))) >= 0) {
      value = value * 16 + h;
      p++;
      length++;
    }
    if (at(p) === 0x2E) {
      if (length === 0) return null;
      p -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (at(p) !== EOF) {
        let ipv4Piece = -1;
        if (numbersSeen > 0) {
          if (at(p) === 0x2E && numbersSeen < 4) p++;
          else return null;
        }
        if (!isASCIIDigit(at(p))) return null;
        while (isASCIIDigit(at(p))) {
          const number = at(p) - 0x30;
          if (ipv4Piece === -1) ipv4Piece = number;
          else if (ipv4Piece === 0) return null;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return null;
          p++;
        }
        address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (at(p) === 0x3A) {
      p++;
      if (at(p) === EOF) return null;
    } else if (at(p) !== EOF) {
      return null;
    }
    address[pieceIndex] = value;
    pieceIndex++;
  }
  if (compress !== -1) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const t = address[pieceIndex];
      address[pieceIndex] = address[compress + swaps - 1];
      address[compress + swaps - 1] = t;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) {
    return null;
  }
  return address;
}

function serializeIPv6(address) {
  // Find the first longest run of two or more zero pieces.
  let compress = -1;
  let best = 1;
  for (let i = 0; i < 8;) {
    if (address[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > best) { best = j - i; compress = i; }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === compress) {
      out += i === 0 ? '::' : ':';
      i += best - 1;
      continue;
    }
    out += address[i].toString(16);
    if (i !== 7) out += ':';
  }
  return out;
}

function parseOpaqueHost(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && (HOST_CHAR[c] & FORBIDDEN_HOST) !== 0) return null;
  }
  return percentEncode(s, C0_CONTROL_SET, false);
}

// True when some label of the (ASCII) domain starts with "xn--", any case.
function hasPunycodeLabel(s) {
  const len = s.length;
  for (let i = 0; i + 3 < len; i++) {
    if (i === 0 || s.charCodeAt(i - 1) === 0x2E) {
      if ((s.charCodeAt(i) | 0x20) === 0x78 && (s.charCodeAt(i + 1) | 0x20) === 0x6E &&
          s.charCodeAt(i + 2) === 0x2D && s.charCodeAt(i + 3) === 0x2D) {
        return true;
      }
    }
  }
  return false;
}

// Domain to ASCII with beStrict = false; null on failure.
function domainToASCII(domain) {
  let ascii = true;
  let upper = false;
  for (let i = 0; i < domain.length; i++) {
    const c = domain.charCodeAt(i);
    if (c >= 0x80) { ascii = false; break; }
    if (c >= 0x41 && c <= 0x5A) upper = true;
  }
  // The standard allows skipping UTS #46 for ASCII input without "xn--"
  // labels: it then amounts to ASCII lowercasing.
  if (ascii) {
    const lower = upper ? domain.toLowerCase() : domain;
    if (lower.indexOf('xn--') === -1 || !hasPunycodeLabel(lower)) return lower;
  }
  const result = native.domainToASCII(ascii ? domain : toUSVString(domain), false);
  if (result === null || result === undefined || result === '') return null;
  return result;
}

// The host parser; returns the serialized host or null on failure.
function parseHost(input, isOpaque) {
  const len = input.length;
  if (len > 0 && input.charCodeAt(0) === 0x5B) {
    if (input.charCodeAt(len - 1) !== 0x5D) return null;
    const address = parseIPv6(input, 1, len - 1);
    return address === null ? null : '[' + serializeIPv6(address) + ']';
  }
  if (isOpaque) return parseOpaqueHost(input);

  // Fast path, one pass: ASCII without "%" needs no decoding, and UTS #46
  // only lowercases it unless a label starts with "xn--". In an all-ASCII
  // domain a forbidden code point survives domain to ASCII (or makes it
  // fail), so it can be rejected right away. (Not so with non-ASCII input:
  // "<" followed by U+0338 normalizes to U+226E.)
  let upper = false;
  let forbidden = false;
  let i = 0;
  for (; i < len; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x80) break;
    const k = DOMAIN_CLASS[c];
    if (k === 0) continue;
    if (k === 1) upper = true;
    else if (k === 2) forbidden = true;
    else break; // "%"
  }
  let asciiDomain;
  if (i === len) {
    if (forbidden) return null;
    asciiDomain = upper ? input.toLowerCase() : input;
    if (asciiDomain.indexOf('xn--') !== -1 && hasPunycodeLabel(asciiDomain)) {
      asciiDomain = native.domainToASCII(input, false);
      if (asciiDomain === null || asciiDomain === undefined || asciiDomain === '') return null;
      if (!isValidASCIIDomain(asciiDomain)) return null;
    }
  } else {
    const domain = input.indexOf('%') === -1 ? input : percentDecodeToString(input, false);
    asciiDomain = domainToASCII(domain);
    if (asciiDomain === null || !isValidASCIIDomain(asciiDomain)) return null;
  }
  if (endsInANumber(asciiDomain)) return parseIPv4(asciiDomain);
  return asciiDomain;
}

// False when the result of domain to ASCII contains a forbidden domain code
// point (or, defensively, anything that is not ASCII).
function isValidASCIIDomain(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || (HOST_CHAR[c] & FORBIDDEN_DOMAIN) !== 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// URL records and the basic URL parser

class URLRecord {
  constructor() {
    this.scheme = '';
    this.username = '';
    this.password = '';
    this.host = null; // serialized host, or null
    this.port = null; // number, or null
    this.path = []; // array of segments, or a string for an opaque path
    this.query = null;
    this.fragment = null;
  }
}

const SCHEME_START = 1;
const NO_SCHEME = 2;
const SPECIAL_RELATIVE_OR_AUTHORITY = 3;
const PATH_OR_AUTHORITY = 4;
const RELATIVE = 5;
const RELATIVE_SLASH = 6;
const SPECIAL_AUTHORITY_SLASHES = 7;
const SPECIAL_AUTHORITY_IGNORE_SLASHES = 8;
const AUTHORITY = 9;
const HOST = 10;
const HOSTNAME = 11;
const PORT = 12;
const FILE = 13;
const FILE_SLASH = 14;
const FILE_HOST = 15;
const PATH_START = 16;
const PATH = 17;
const OPAQUE_PATH = 18;
const QUERY = 19;
const FRAGMENT = 20;

function trimControlAndSpace(s) {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return (a === 0 && b === s.length) ? s : s.slice(a, b);
}

const TAB_OR_NEWLINE = /[\t\n\r]/g;

function removeTabAndNewline(s) {
  // indexOf scans natively, much faster than a charCodeAt loop.
  if (s.indexOf('\t') === -1 && s.indexOf('\n') === -1 && s.indexOf('\r') === -1) return s;
  return s.replace(TAB_OR_NEWLINE, '');
}

function isWindowsDriveLetter(s) {
  if (s.length !== 2 || !isASCIIAlpha(s.charCodeAt(0))) return false;
  const c = s.charCodeAt(1);
  return c === 0x3A || c === 0x7C;
}

function isNormalizedWindowsDriveLetter(s) {
  return s.length === 2 && isASCIIAlpha(s.charCodeAt(0)) && s.charCodeAt(1) === 0x3A;
}

// Whether input[p..] starts with a Windows drive letter.
function startsWithWindowsDriveLetter(input, p) {
  const rest = input.length - p;
  if (rest < 2 || !isASCIIAlpha(input.charCodeAt(p))) return false;
  const c = input.charCodeAt(p + 1);
  if (c !== 0x3A && c !== 0x7C) return false;
  if (rest === 2) return true;
  const d = input.charCodeAt(p + 2);
  return d === 0x2F || d === 0x5C || d === 0x3F || d === 0x23;
}

function isSingleDot(s) {
  return s === '.' || (s.length === 3 && s.charCodeAt(0) === 0x25 &&
    s.charCodeAt(1) === 0x32 && (s.charCodeAt(2) | 0x20) === 0x65);
}

function isDoubleDot(s) {
  switch (s.length) {
    case 2: return s === '..';
    case 4: return (s.charCodeAt(0) === 0x2E && isSingleDot(s.slice(1))) ||
      (s.charCodeAt(3) === 0x2E && isSingleDot(s.slice(0, 3)));
    case 6: return isSingleDot(s.slice(0, 3)) && isSingleDot(s.slice(3));
    default: return false;
  }
}

function shortenPath(url) {
  const path = url.path;
  if (url.scheme === 'file' && path.length === 1 && isNormalizedWindowsDriveLetter(path[0])) return;
  path.pop();
}

// The basic URL parser. Without `url`, returns a new URL record or null on
// failure. With `url` and `override` (a state override), modifies `url` in
// place and returns null on failure, anything else otherwise.
function basicParse(input, base, url, override) {
  if (url === null) {
    url = new URLRecord();
    input = trimControlAndSpace(input);
  }
  input = removeTabAndNewline(input);
  const len = input.length;
  let state = override || SCHEME_START;
  let special = isSpecialScheme(url.scheme);
  let buffer = '';
  let pointer = 0;
  let hostEnd = -1; // end of the host, when the authority state found it

  for (;;) {
    let c = pointer < len ? input.charCodeAt(pointer) : EOF;
    switch (state) {
      case SCHEME_START: {
        // The scheme start state and the scheme state together.
        if (isASCIIAlpha(c)) {
          let j = pointer + 1;
          let d = EOF;
          for (; j < len; j++) {
            d = input.charCodeAt(j);
            if (!(isASCIIAlpha(d) || isASCIIDigit(d) || d === 0x2B || d === 0x2D || d === 0x2E)) break;
          }
          if (j < len && d === 0x3A) {
            buffer = input.slice(pointer, j).toLowerCase();
            pointer = j;
            const bufferSpecial = isSpecialScheme(buffer);
            if (override) {
              if (special !== bufferSpecial) return url;
              if (buffer === 'file' &&
                  (url.username !== '' || url.password !== '' || url.port !== null)) {
                return url;
              }
              if (url.scheme === 'file' && url.host === '') return url;
            }
            url.scheme = buffer;
            special = bufferSpecial;
            if (override) {
              if (url.port !== null && url.port === defaultPort(buffer)) url.port = null;
              return url;
            }
            buffer = '';
            if (url.scheme === 'file') {
              state = FILE;
            } else if (special && base !== null && base.scheme === url.scheme) {
              state = SPECIAL_RELATIVE_OR_AUTHORITY;
            } else if (special) {
              state = SPECIAL_AUTHORITY_SLASHES;
            } else if (pointer + 1 < len && input.charCodeAt(pointer + 1) === 0x2F) {
              state = PATH_OR_AUTHORITY;
              pointer++;
            } else {
              url.path = '';
              state = OPAQUE_PATH;
            }
            break;
          }
          if (override) return null;
          // Not a scheme: start over in the no scheme state.
          state = NO_SCHEME;
          pointer = -1;
          break;
        }
        if (override) return null;
        state = NO_SCHEME;
        pointer--;
        break;
      }

      case NO_SCHEME: {
        const opaqueBase = base !== null && typeof base.path === 'string';
        if (base === null || (opaqueBase && c !== 0x23)) return null;
        if (opaqueBase) {
          url.scheme = base.scheme;
          special = isSpecialScheme(url.scheme);
          url.path = base.path;
          url.query = base.query;
          url.fragment = '';
          state = FRAGMENT;
        } else if (base.scheme !== 'file') {
          state = RELATIVE;
          pointer--;
        } else {
          state = FILE;
          pointer--;
        }
        break;
      }

      case SPECIAL_RELATIVE_OR_AUTHORITY:
        if (c === 0x2F && input.charCodeAt(pointer + 1) === 0x2F) {
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
          pointer++;
        } else {
          state = RELATIVE;
          pointer--;
        }
        break;

      case PATH_OR_AUTHORITY:
        if (c === 0x2F) {
          state = AUTHORITY;
        } else {
          state = PATH;
          pointer--;
        }
        break;

      case RELATIVE:
        url.scheme = base.scheme;
        special = isSpecialScheme(url.scheme);
        if (c === 0x2F || (special && c === 0x5C)) {
          state = RELATIVE_SLASH;
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          url.path = base.path.slice();
          url.query = base.query;
          if (c === 0x3F) {
            url.query = '';
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = '';
            state = FRAGMENT;
          } else if (c !== EOF) {
            url.query = null;
            shortenPath(url);
            state = PATH;
            pointer--;
          }
        }
        break;

      case RELATIVE_SLASH:
        if (special && (c === 0x2F || c === 0x5C)) {
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        } else if (c === 0x2F) {
          state = AUTHORITY;
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          state = PATH;
          pointer--;
        }
        break;

      case SPECIAL_AUTHORITY_SLASHES:
        state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        if (c === 0x2F && input.charCodeAt(pointer + 1) === 0x2F) pointer++;
        else pointer--;
        break;

      case SPECIAL_AUTHORITY_IGNORE_SLASHES:
        if (c !== 0x2F && c !== 0x5C) {
          state = AUTHORITY;
          pointer--;
        }
        break;

      case AUTHORITY: {
        // Find the end of the authority and the last "@" before it. Every
        // earlier "@" ends up as "%40" in the userinfo, which is exactly
        // what percent-encoding it with the userinfo set gives.
        let end = pointer;
        let lastAt = -1;
        for (; end < len; end++) {
          const d = input.charCodeAt(end);
          if (d === 0x2F || d === 0x3F || d === 0x23 || (special && d === 0x5C)) break;
          if (d === 0x40) lastAt = end;
        }
        if (lastAt !== -1) {
          const colon = input.indexOf(':', pointer);
          if (colon === -1 || colon > lastAt) {
            url.username += percentEncode(input.slice(pointer, lastAt), USERINFO_SET, false);
          } else {
            url.username += percentEncode(input.slice(pointer, colon), USERINFO_SET, false);
            url.password += percentEncode(input.slice(colon + 1, lastAt), USERINFO_SET, false);
          }
          if (lastAt + 1 === end) return null; // host-missing
          pointer = lastAt + 1;
        }
        // Tell the host state where the host ends, sparing it a second scan
        // (unless brackets make ":" ambiguous).
        if (input.charCodeAt(pointer) !== 0x5B) {
          const colon = input.indexOf(':', pointer);
          hostEnd = colon !== -1 && colon < end ? colon : end;
        }
        state = HOST;
        pointer--;
        break;
      }

      case HOST:
      case HOSTNAME: {
        if (override && url.scheme === 'file') {
          pointer--;
          state = FILE_HOST;
          break;
        }
        let j = pointer;
        let insideBrackets = false;
        if (hostEnd !== -1) {
          j = hostEnd;
          hostEnd = -1;
        }
        for (; j < len; j++) {
          const d = input.charCodeAt(j);
          if (d === 0x3A) {
            if (!insideBrackets) break;
          } else if (d === 0x2F || d === 0x3F || d === 0x23 || (special && d === 0x5C)) {
            break;
          } else if (d === 0x5B) {
            insideBrackets = true;
          } else if (d === 0x5D) {
            insideBrackets = false;
          }
        }
        buffer = input.slice(pointer, j);
        pointer = j;
        c = j < len ? input.charCodeAt(j) : EOF;
        if (c === 0x3A) {
          if (buffer === '') return null; // host-missing
          if (override === HOSTNAME) return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = PORT;
        } else {
          pointer--;
          if (special && buffer === '') return null; // host-missing
          if (override && buffer === '' &&
              (url.username !== '' || url.password !== '' || url.port !== null)) {
            return null;
          }
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = PATH_START;
          if (override) return url;
        }
        break;
      }

      case PORT: {
        let j = pointer;
        while (j < len && isASCIIDigit(input.charCodeAt(j))) j++;
        buffer = input.slice(pointer, j);
        pointer = j;
        c = j < len ? input.charCodeAt(j) : EOF;
        if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 || (special && c === 0x5C) || override) {
          if (buffer !== '') {
            const port = +buffer;
            if (port > 65535) return null; // port-out-of-range
            url.port = port === defaultPort(url.scheme) ? null : port;
            buffer = '';
            if (override) return url;
          }
          if (override) return null;
          state = PATH_START;
          pointer--;
        } else {
          return null; // port-invalid
        }
        break;
      }

      case FILE:
        url.scheme = 'file';
        special = true;
        url.host = '';
        if (c === 0x2F || c === 0x5C) {
          state = FILE_SLASH;
        } else if (base !== null && base.scheme === 'file') {
          url.host = base.host;
          url.path = base.path.slice();
          url.query = base.query;
          if (c === 0x3F) {
            url.query = '';
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = '';
            state = FRAGMENT;
          } else if (c !== EOF) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(input, pointer)) shortenPath(url);
            else url.path = [];
            state = PATH;
            pointer--;
          }
        } else {
          state = PATH;
          pointer--;
        }
        break;

      case FILE_SLASH:
        if (c === 0x2F || c === 0x5C) {
          state = FILE_HOST;
        } else {
          if (base !== null && base.scheme === 'file') {
            url.host = base.host;
            if (!startsWithWindowsDriveLetter(input, pointer) && base.path.length > 0 &&
                isNormalizedWindowsDriveLetter(base.path[0])) {
              url.path.push(base.path[0]);
            }
          }
          state = PATH;
          pointer--;
        }
        break;

      case FILE_HOST: {
        let j = pointer;
        for (; j < len; j++) {
          const d = input.charCodeAt(j);
          if (d === 0x2F || d === 0x5C || d === 0x3F || d === 0x23) break;
        }
        buffer = input.slice(pointer, j);
        pointer = j - 1;
        if (!override && isWindowsDriveLetter(buffer)) {
          // The buffer is kept and becomes the first path segment.
          state = PATH;
        } else if (buffer === '') {
          url.host = '';
          if (override) return url;
          state = PATH_START;
        } else {
          let host = parseHost(buffer, !special);
          if (host === null) return null;
          if (host === 'localhost') host = '';
          url.host = host;
          if (override) return url;
          buffer = '';
          state = PATH_START;
        }
        break;
      }

      case PATH_START:
        if (special) {
          state = PATH;
          if (c !== 0x2F && c !== 0x5C) pointer--;
        } else if (!override && c === 0x3F) {
          url.query = '';
          state = QUERY;
        } else if (!override && c === 0x23) {
          url.fragment = '';
          state = FRAGMENT;
        } else if (c !== EOF) {
          state = PATH;
          if (c !== 0x2F) pointer--;
        } else if (override && url.host === null) {
          url.path.push('');
        }
        break;

      case PATH: {
        // Collect the rest of the segment, noting whether any of it needs
        // percent-encoding. (A non-empty buffer on entry only comes from the
        // file host state: a Windows drive letter, which never does.)
        let encode = false;
        let j = pointer;
        for (; j < len; j++) {
          const d = input.charCodeAt(j);
          if (d >= 0x7F) { encode = true; continue; }
          const k = PATH_CLASS[d];
          if (k === 0) continue;
          if (k === 1 || (k === 2 && special) || (k === 3 && !override)) break;
          if (k !== 2) encode = true;
        }
        if (j > pointer) {
          buffer += input.slice(pointer, j);
          pointer = j;
          c = j < len ? input.charCodeAt(j) : EOF;
        }
        const slash = c === 0x2F || (special && c === 0x5C);
        if (isDoubleDot(buffer)) {
          shortenPath(url);
          if (!slash) url.path.push('');
        } else if (isSingleDot(buffer)) {
          if (!slash) url.path.push('');
        } else {
          let segment = encode ? percentEncode(buffer, PATH_SET, false) : buffer;
          if (url.path.length === 0 && url.scheme === 'file' && isWindowsDriveLetter(segment)) {
            segment = segment[0] + ':';
          }
          url.path.push(segment);
        }
        buffer = '';
        if (c === 0x3F) {
          url.query = '';
          state = QUERY;
        } else if (c === 0x23) {
          url.fragment = '';
          state = FRAGMENT;
        }
        break;
      }

      case OPAQUE_PATH:
        if (c === 0x3F) {
          url.query = '';
          state = QUERY;
        } else if (c === 0x23) {
          url.fragment = '';
          state = FRAGMENT;
        } else if (c !== EOF) {
          let j = input.indexOf('?', pointer);
          const hash = input.indexOf('#', pointer);
          if (j === -1 || (hash !== -1 && hash < j)) j = hash;
          if (j === -1) j = len;
          // A space right before "?" or "#" becomes "%20", so that it is
          // not lost when the query or fragment is later removed.
          if (j < len && input.charCodeAt(j - 1) === 0x20) {
            url.path += percentEncode(input.slice(pointer, j - 1), C0_CONTROL_SET, false) + '%20';
          } else {
            url.path += percentEncode(input.slice(pointer, j), C0_CONTROL_SET, false);
          }
          pointer = j - 1;
        }
        break;

      case QUERY: {
        let j = len;
        if (!override) {
          j = input.indexOf('#', pointer);
          if (j === -1) j = len;
        }
        if (j > pointer) {
          url.query += percentEncode(input.slice(pointer, j), special ? SPECIAL_QUERY_SET : QUERY_SET, false);
        }
        pointer = j;
        if (j < len) {
          url.fragment = '';
          state = FRAGMENT;
        }
        break;
      }

      case FRAGMENT:
        if (pointer < len) {
          url.fragment += percentEncode(input.slice(pointer), FRAGMENT_SET, false);
          pointer = len;
        }
        break;
    }
    if (pointer >= len) break;
    pointer++;
  }
  return url;
}

function serializePath(r) {
  const path = r.path;
  if (typeof path === 'string') return path;
  let out = '';
  for (let i = 0; i < path.length; i++) out += '/' + path[i];
  return out;
}

function serializeURL(r, excludeFragment) {
  let out = r.scheme + ':';
  if (r.host !== null) {
    out += '//';
    if (r.username !== '' || r.password !== '') {
      out += r.username;
      if (r.password !== '') out += ':' + r.password;
      out += '@';
    }
    out += r.host;
    if (r.port !== null) out += ':' + r.port;
  } else if (typeof r.path !== 'string' && r.path.length > 1 && r.path[0] === '') {
    out += '/.';
  }
  out += serializePath(r);
  if (r.query !== null) out += '?' + r.query;
  if (!excludeFragment && r.fragment !== null) out += '#' + r.fragment;
  return out;
}

function serializeOrigin(r) {
  switch (r.scheme) {
    case 'blob': {
      const inner = basicParse(serializePath(r), null, null, 0);
      if (inner !== null && (inner.scheme === 'http' || inner.scheme === 'https')) {
        return serializeOrigin(inner);
      }
      return 'null';
    }
    case 'ftp': case 'http': case 'https': case 'ws': case 'wss':
      return r.scheme + '://' + r.host + (r.port === null ? '' : ':' + r.port);
    default:
      return 'null';
  }
}

function cannotHaveCredentialsOrPort(r) {
  return r.host === null || r.host === '' || r.scheme === 'file';
}

// ---------------------------------------------------------------------------
// application/x-www-form-urlencoded

// Parses into a flat list [name0, value0, name1, value1, ...].
function parseUrlencoded(s) {
  const list = [];
  const len = s.length;
  let start = 0;
  let eq = -1; // the first "=" at or after start (len if none): never rescanned
  while (start <= len) {
    let amp = s.indexOf('&', start);
    if (amp === -1) amp = len;
    if (amp > start) {
      if (eq < start) {
        eq = s.indexOf('=', start);
        if (eq === -1) eq = len;
      }
      let name;
      let value;
      if (eq < amp) {
        name = s.slice(start, eq);
        value = s.slice(eq + 1, amp);
      } else {
        name = s.slice(start, amp);
        value = '';
      }
      list.push(decodeFormComponent(name), decodeFormComponent(value));
    }
    start = amp + 1;
  }
  return list;
}

function decodeFormComponent(s) {
  if (s.indexOf('%') !== -1) return percentDecodeToString(s, true);
  return s.indexOf('+') === -1 ? s : s.replaceAll('+', ' ');
}

function serializeUrlencoded(list) {
  let out = '';
  for (let i = 0; i < list.length; i += 2) {
    if (i !== 0) out += '&';
    out += percentEncode(list[i], FORM_SET, true) + '=' + percentEncode(list[i + 1], FORM_SET, true);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Interfaces

const INTERNAL = {}; // constructor token for internal construction

function argumentError(method, required, present) {
  return new TypeError(`Failed to execute '${method}': ${required} argument${required === 1 ? '' : 's'} required, but only ${present} present.`);
}

function makeWebIDLLike(proto, tag) {
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor') continue;
    const desc = Object.getOwnPropertyDescriptor(proto, key);
    desc.enumerable = true;
    Object.defineProperty(proto, key, desc);
  }
  Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
}

// Cross-class access to private state, set up in static blocks.
let urlSetQuery; // (url, query) => void
let paramsCreate; // (url, query) => URLSearchParams
let paramsSetList; // (params, list) => void
let paramsGetList; // (params) => list

class URLSearchParams {
  #list;
  #url = null;

  constructor(init = undefined) {
    if (init === INTERNAL) {
      // new URLSearchParams(INTERNAL, url, query): the URL's query object.
      this.#url = arguments[1];
      const query = arguments[2];
      this.#list = query === null ? [] : parseUrlencoded(query);
      return;
    }
    this.#list = [];
    if (init === undefined) return;
    if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
      const method = init[Symbol.iterator];
      if (method !== undefined && method !== null) {
        if (typeof method !== 'function') throw new TypeError("Failed to construct 'URLSearchParams': @@iterator is not callable.");
        // sequence<sequence<USVString>>
        const list = this.#list;
        for (const pair of { [Symbol.iterator]() { return method.call(init); } }) {
          if (pair === null || (typeof pair !== 'object' && typeof pair !== 'function')) {
            throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          const inner = pair[Symbol.iterator];
          if (typeof inner !== 'function') {
            throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          const items = [];
          for (const item of { [Symbol.iterator]() { return inner.call(pair); } }) items.push(item);
          if (items.length !== 2) {
            throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
          }
          list.push(toUSVString(`${items[0]}`), toUSVString(`${items[1]}`));
        }
      } else {
        // record<USVString, USVString>
        const record = new Map();
        for (const key of Reflect.ownKeys(init)) {
          const desc = Reflect.getOwnPropertyDescriptor(init, key);
          if (desc === undefined || !desc.enumerable) continue;
          const name = toUSVString(`${key}`);
          record.set(name, toUSVString(`${init[key]}`));
        }
        const list = this.#list;
        for (const [name, value] of record) list.push(name, value);
      }
      return;
    }
    let s = toUSVString(`${init}`);
    if (s.charCodeAt(0) === 0x3F) s = s.slice(1);
    this.#list = parseUrlencoded(s);
  }

  static {
    paramsCreate = (url, query) => new URLSearchParams(INTERNAL, url, query);
    paramsSetList = (params, list) => { params.#list = list; };
    paramsGetList = (params) => params.#list;
  }

  #update() {
    if (this.#url === null) return;
    const serialized = serializeUrlencoded(this.#list);
    urlSetQuery(this.#url, serialized === '' ? null : serialized);
  }

  get size() {
    return this.#list.length >> 1;
  }

  append(name, value) {
    const list = this.#list;
    if (arguments.length < 2) throw argumentError('append', 2, arguments.length);
    list.push(toUSVString(`${name}`), toUSVString(`${value}`));
    this.#update();
  }

  delete(name, value = undefined) {
    const list = this.#list;
    if (arguments.length < 1) throw argumentError('delete', 1, 0);
    name = toUSVString(`${name}`);
    const hasValue = value !== undefined;
    if (hasValue) value = toUSVString(`${value}`);
    const out = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name && (!hasValue || list[i + 1] === value)) continue;
      out.push(list[i], list[i + 1]);
    }
    this.#list = out;
    this.#update();
  }

  get(name) {
    const list = this.#list;
    if (arguments.length < 1) throw argumentError('get', 1, 0);
    name = toUSVString(`${name}`);
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) return list[i + 1];
    }
    return null;
  }

  getAll(name) {
    const list = this.#list;
    if (arguments.length < 1) throw argumentError('getAll', 1, 0);
    name = toUSVString(`${name}`);
    const out = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) out.push(list[i + 1]);
    }
    return out;
  }

  has(name, value = undefined) {
    const list = this.#list;
    if (arguments.length < 1) throw argumentError('has', 1, 0);
    name = toUSVString(`${name}`);
    const hasValue = value !== undefined;
    if (hasValue) value = toUSVString(`${value}`);
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name && (!hasValue || list[i + 1] === value)) return true;
    }
    return false;
  }

  set(name, value) {
    const list = this.#list;
    if (arguments.length < 2) throw argumentError('set', 2, arguments.length);
    name = toUSVString(`${name}`);
    value = toUSVString(`${value}`);
    let found = false;
    const out = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) {
        if (found) continue;
        found = true;
        out.push(name, value);
      } else {
        out.push(list[i], list[i + 1]);
      }
    }
    if (!found) out.push(name, value);
    this.#list = out;
    this.#update();
  }

  sort() {
    const list = this.#list;
    const n = list.length >> 1;
    const order = [];
    for (let i = 0; i < n; i++) order.push(i);
    // Array.prototype.sort is stable; "<" on strings compares code units.
    order.sort((a, b) => {
      const x = list[2 * a];
      const y = list[2 * b];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const out = [];
    for (let i = 0; i < n; i++) out.push(list[2 * order[i]], list[2 * order[i] + 1]);
    this.#list = out;
    this.#update();
  }

  toString() {
    return serializeUrlencoded(this.#list);
  }

  forEach(callback, thisArg = undefined) {
    this.#list; // brand check
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': The callback provided as parameter 1 is not a function.");
    }
    for (let i = 0; i < this.#list.length; i += 2) {
      const list = this.#list;
      callback.call(thisArg, list[i + 1], list[i], this);
    }
  }

  keys() {
    this.#list; // brand check
    return new URLSearchParamsIterator(INTERNAL, this, 0);
  }

  values() {
    this.#list; // brand check
    return new URLSearchParamsIterator(INTERNAL, this, 1);
  }

  entries() {
    this.#list; // brand check
    return new URLSearchParamsIterator(INTERNAL, this, 2);
  }
}

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

class URLSearchParamsIterator {
  #params;
  #kind; // 0 keys, 1 values, 2 entries
  #index = 0;

  constructor(token, params, kind) {
    if (token !== INTERNAL) throw new TypeError('Illegal constructor');
    this.#params = params;
    this.#kind = kind;
  }

  next() {
    const list = paramsGetList(this.#params);
    const i = this.#index * 2;
    if (i >= list.length) return { value: undefined, done: true };
    this.#index++;
    const kind = this.#kind;
    const value = kind === 0 ? list[i] : kind === 1 ? list[i + 1] : [list[i], list[i + 1]];
    return { value, done: false };
  }
}

Object.setPrototypeOf(URLSearchParamsIterator.prototype, IteratorPrototype);
delete URLSearchParamsIterator.prototype.constructor;
makeWebIDLLike(URLSearchParamsIterator.prototype, 'URLSearchParams Iterator');
makeWebIDLLike(URLSearchParams.prototype, 'URLSearchParams');
Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
  value: URLSearchParams.prototype.entries, writable: true, configurable: true, enumerable: false,
});

// A one-entry cache of parsed base URLs: new URL(path, base) is usually
// called with the same base again and again. The basic URL parser never
// modifies its base record (it copies the path it takes from it), and a
// cached record is never handed to a URL object, so sharing it is safe.
let lastBaseInput = null;
let lastBaseRecord = null;

function parseBase(base) {
  if (base === lastBaseInput) return lastBaseRecord;
  const r = basicParse(base, null, null, 0);
  lastBaseInput = base;
  lastBaseRecord = r;
  return r;
}

// Parses `url` against the optional `base` (already strings or undefined);
// returns the record or null.
function parseWithBase(url, base) {
  let baseRecord = null;
  if (base !== undefined) {
    baseRecord = parseBase(base);
    if (baseRecord === null) return null;
  }
  return basicParse(url, baseRecord, null, 0);
}

class URL {
  #r;
  #query = null; // the query object (URLSearchParams), created on first use

  constructor(url, base = undefined) {
    if (url === INTERNAL) {
      this.#r = base;
      return;
    }
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
    }
    url = `${url}`;
    let baseRecord = null;
    if (base !== undefined) {
      base = `${base}`;
      baseRecord = parseBase(base);
      if (baseRecord === null) throw new TypeError(`Invalid base URL: "${base}"`);
    }
    const r = basicParse(url, baseRecord, null, 0);
    if (r === null) throw new TypeError(`Invalid URL: "${url}"`);
    this.#r = r;
  }

  static {
    urlSetQuery = (url, query) => { url.#r.query = query; };
  }

  static canParse(url, base = undefined) {
    if (arguments.length < 1) throw argumentError('canParse', 1, 0);
    url = `${url}`;
    if (base !== undefined) base = `${base}`;
    return parseWithBase(url, base) !== null;
  }

  static parse(url, base = undefined) {
    if (arguments.length < 1) throw argumentError('parse', 1, 0);
    url = `${url}`;
    if (base !== undefined) base = `${base}`;
    const r = parseWithBase(url, base);
    return r === null ? null : new URL(INTERNAL, r);
  }

  get href() {
    return serializeURL(this.#r, false);
  }

  set href(value) {
    value = `${value}`;
    const r = basicParse(value, null, null, 0);
    if (r === null) throw new TypeError(`Invalid URL: "${value}"`);
    this.#r = r;
    if (this.#query !== null) paramsSetList(this.#query, r.query === null ? [] : parseUrlencoded(r.query));
  }

  get origin() {
    return serializeOrigin(this.#r);
  }

  get protocol() {
    return this.#r.scheme + ':';
  }

  set protocol(value) {
    const r = this.#r;
    basicParse(`${value}:`, null, r, SCHEME_START);
  }

  get username() {
    return this.#r.username;
  }

  set username(value) {
    const r = this.#r;
    value = `${value}`;
    if (cannotHaveCredentialsOrPort(r)) return;
    r.username = percentEncode(value, USERINFO_SET, false);
  }

  get password() {
    return this.#r.password;
  }

  set password(value) {
    const r = this.#r;
    value = `${value}`;
    if (cannotHaveCredentialsOrPort(r)) return;
    r.password = percentEncode(value, USERINFO_SET, false);
  }

  get host() {
    const r = this.#r;
    if (r.host === null) return '';
    return r.port === null ? r.host : r.host + ':' + r.port;
  }

  set host(value) {
    const r = this.#r;
    value = `${value}`;
    if (typeof r.path === 'string') return;
    basicParse(value, null, r, HOST);
  }

  get hostname() {
    const host = this.#r.host;
    return host === null ? '' : host;
  }

  set hostname(value) {
    const r = this.#r;
    value = `${value}`;
    if (typeof r.path === 'string') return;
    basicParse(value, null, r, HOSTNAME);
  }

  get port() {
    const port = this.#r.port;
    return port === null ? '' : '' + port;
  }

  set port(value) {
    const r = this.#r;
    value = `${value}`;
    if (cannotHaveCredentialsOrPort(r)) return;
    if (value === '') r.port = null;
    else basicParse(value, null, r, PORT);
  }

  get pathname() {
    return serializePath(this.#r);
  }

  set pathname(value) {
    const r = this.#r;
    value = `${value}`;
    if (typeof r.path === 'string') return;
    r.path = [];
    basicParse(value, null, r, PATH_START);
  }

  get search() {
    const query = this.#r.query;
    return query === null || query === '' ? '' : '?' + query;
  }

  set search(value) {
    const r = this.#r;
    value = toUSVString(`${value}`);
    if (value === '') {
      r.query = null;
      if (this.#query !== null) paramsSetList(this.#query, []);
      return;
    }
    const input = value.charCodeAt(0) === 0x3F ? value.slice(1) : value;
    r.query = '';
    basicParse(input, null, r, QUERY);
    if (this.#query !== null) paramsSetList(this.#query, parseUrlencoded(input));
  }

  get searchParams() {
    let query = this.#query;
    if (query === null) query = this.#query = paramsCreate(this, this.#r.query);
    return query;
  }

  get hash() {
    const fragment = this.#r.fragment;
    return fragment === null || fragment === '' ? '' : '#' + fragment;
  }

  set hash(value) {
    const r = this.#r;
    value = `${value}`;
    if (value === '') {
      r.fragment = null;
      return;
    }
    const input = value.charCodeAt(0) === 0x23 ? value.slice(1) : value;
    r.fragment = '';
    basicParse(input, null, r, FRAGMENT);
  }

  toString() {
    return serializeURL(this.#r, false);
  }

  toJSON() {
    return serializeURL(this.#r, false);
  }
}

makeWebIDLLike(URL.prototype, 'URL');
for (const key of ['canParse', 'parse']) {
  const desc = Object.getOwnPropertyDescriptor(URL, key);
  desc.enumerable = true;
  Object.defineProperty(URL, key, desc);
}

internals.URL = URL;
internals.URLSearchParams = URLSearchParams;

// URLPattern canonicalizes each fixed piece of a pattern by running it
// through the basic URL parser with a state override on a dummy URL record
// (https://urlpattern.spec.whatwg.org/#canon); these are the parts of the
// parser it needs.
internals.urlParser = Object.freeze({
  URLRecord, basicParse, serializePath, percentEncode, toUSVString,
  isSpecialScheme, defaultPort,
  USERINFO_SET, HOSTNAME, PORT, PATH_START, OPAQUE_PATH, QUERY, FRAGMENT,
});
