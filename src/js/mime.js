'use strict';
// MIME types as the WHATWG MIME Sniffing Standard parses and serializes them
// (https://mimesniff.spec.whatwg.org/#parsing-a-mime-type), and the Fetch
// Standard's data: URL processor that fetch() uses for data: URLs.

const kTokenChars = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const kQuotedChars = /^[\t\x20-\x7e\x80-\xff]*$/;
const isHttpWhitespace = (c) => c === '\t' || c === '\n' || c === '\r' || c === ' ';

function trimHttpWhitespace(s) {
  let a = 0;
  let b = s.length;
  while (a < b && isHttpWhitespace(s[a])) a++;
  while (b > a && isHttpWhitespace(s[b - 1])) b--;
  return s.slice(a, b);
}

// → { type, subtype, parameters: Map } or null for a string that is not a
// MIME type.
function parseMimeType(input) {
  const s = trimHttpWhitespace(input);
  let pos = s.indexOf('/');
  if (pos <= 0) return null;
  const type = s.slice(0, pos);
  if (!kTokenChars.test(type)) return null;
  pos++;
  let end = s.indexOf(';', pos);
  if (end === -1) end = s.length;
  let subtype = s.slice(pos, end);
  let t = subtype.length;
  while (t > 0 && isHttpWhitespace(subtype[t - 1])) t--;
  subtype = subtype.slice(0, t);
  if (subtype === '' || !kTokenChars.test(subtype)) return null;
  const record = { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters: new Map() };
  pos = end;
  while (pos < s.length) {
    pos++;  // the ';'
    while (pos < s.length && isHttpWhitespace(s[pos])) pos++;
    let nameEnd = pos;
    while (nameEnd < s.length && s[nameEnd] !== ';' && s[nameEnd] !== '=') nameEnd++;
    const name = s.slice(pos, nameEnd).toLowerCase();
    pos = nameEnd;
    if (pos < s.length) {
      if (s[pos] === ';') continue;
      pos++;  // the '='
    }
    if (pos >= s.length) break;
    let value;
    if (s[pos] === '"') {
      [value, pos] = collectQuotedString(s, pos);
      while (pos < s.length && s[pos] !== ';') pos++;
    } else {
      let valueEnd = s.indexOf(';', pos);
      if (valueEnd === -1) valueEnd = s.length;
      value = s.slice(pos, valueEnd);
      let v = value.length;
      while (v > 0 && isHttpWhitespace(value[v - 1])) v--;
      value = value.slice(0, v);
      pos = valueEnd;
      if (value === '') continue;
    }
    if (name !== '' && kTokenChars.test(name) && kQuotedChars.test(value) && !record.parameters.has(name)) {
      record.parameters.set(name, value);
    }
  }
  return record;
}

// HTTP quoted string at s[pos] === '"', with its value extracted; → [value, next position].
function collectQuotedString(s, pos) {
  let value = '';
  pos++;
  for (;;) {
    while (pos < s.length && s[pos] !== '"' && s[pos] !== '\\') value += s[pos++];
    if (pos >= s.length) break;
    const c = s[pos++];
    if (c === '\\') {
      if (pos >= s.length) {
        value += '\\';
        break;
      }
      value += s[pos++];
    } else {
      break;
    }
  }
  return [value, pos];
}

function serializeMimeType(record) {
  let out = record.type + '/' + record.subtype;
  for (const [name, value] of record.parameters) {
    out += ';' + name + '=';
    if (value === '' || !kTokenChars.test(value)) out += '"' + value.replace(/(["\\])/g, '\\$1') + '"';
    else out += value;
  }
  return out;
}

// Fetch's data: URL processor: → [contentType, bytes] or null (a network error).
function processDataUrl(href) {
  const hash = href.indexOf('#');
  const input = (hash === -1 ? href : href.slice(0, hash)).slice(5);  // after "data:"
  const comma = input.indexOf(',');
  if (comma === -1) return null;
  let mimeType = input.slice(0, comma).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  let body = percentDecodeBytes(native.utf8Encode(input.slice(comma + 1)));
  const m = /;[\x20]*base64$/i.exec(mimeType);
  if (m !== null) {
    let binary = '';
    for (let i = 0; i < body.length; i += 8192) binary += String.fromCharCode.apply(null, body.subarray(i, i + 8192));
    try {
      binary = internals.atob(binary);
    } catch {
      return null;
    }
    body = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) body[i] = binary.charCodeAt(i);
    mimeType = mimeType.slice(0, m.index);
  }
  if (mimeType.startsWith(';')) mimeType = 'text/plain' + mimeType;
  const record = parseMimeType(mimeType);
  return [record === null ? 'text/plain;charset=US-ASCII' : serializeMimeType(record), body];
}

const hexValue = (b) => (b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x41 && b <= 0x46 ? b - 0x37 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1);

function percentDecodeBytes(bytes) {
  if (bytes.indexOf(0x25) === -1) return bytes;
  const out = new Uint8Array(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < bytes.length) {
      const hi = hexValue(bytes[i + 1]);
      const lo = hexValue(bytes[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return out.slice(0, o);
}

internals.parseMimeType = parseMimeType;
internals.serializeMimeType = serializeMimeType;
internals.processDataUrl = processDataUrl;
