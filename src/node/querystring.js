'use strict';
// node:querystring: the `querystring-es3` npm package (MIT; Node's parse
// and stringify) with escape/unescape as Node defines them.

const qs = require('querystring-es3/index.js');

function unescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    return unescapeBuffer(s, decodeSpaces);
  }
}
// Node's lenient decoder: valid %XX sequences become bytes, the rest stays.
function unescapeBuffer(s, decodeSpaces) {
  const bytes = [];
  const str = String(s);
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c === 0x25 && i + 2 < str.length + 0 && /^[0-9a-fA-F]{2}$/.test(str.slice(i + 1, i + 3))) {
      bytes.push(parseInt(str.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b && decodeSpaces) {
      bytes.push(0x20);
    } else {
      for (const b of native.utf8Encode(str[i])) bytes.push(b);
    }
  }
  return native.utf8Decode(new Uint8Array(bytes), false, true);
}
function escape(s) {
  if (typeof s !== 'string') s = typeof s === 'object' ? String(s) : s + '';
  try {
    return encodeURIComponent(s);
  } catch {
    const err = new URIError('URI malformed');
    err.code = 'ERR_INVALID_URI';
    throw err;
  }
}

// Node's parse: decodes with querystring.unescape (lenient), '+' as
// space, at most maxKeys pairs (1000), repeated keys collected in arrays.
// (The package's parse decodes with decodeURIComponent, which throws on a
// malformed escape.)
function parse(str, sep = '&', eq = '=', options = undefined) {
  const obj = Object.create(null);
  if (typeof str !== 'string' || str.length === 0) return obj;
  sep = sep || '&';
  eq = eq || '=';
  let maxKeys = 1000;
  if (options && typeof options.maxKeys === 'number') maxKeys = options.maxKeys;
  const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : module.exports.unescape;
  let pairs = str.split(sep);
  if (maxKeys > 0) pairs = pairs.slice(0, maxKeys);
  for (const pair of pairs) {
    if (pair.length === 0 && pairs.length > 1) continue;
    const idx = pair.indexOf(eq);
    const kstr = (idx >= 0 ? pair.slice(0, idx) : pair).replace(/\+/g, ' ');
    const vstr = idx >= 0 ? pair.slice(idx + eq.length).replace(/\+/g, ' ') : '';
    const k = decodeStr(kstr, decode);
    const v = decodeStr(vstr, decode);
    if (!(k in obj)) obj[k] = v;
    else if (Array.isArray(obj[k])) obj[k].push(v);
    else obj[k] = [obj[k], v];
  }
  return obj;
}
function decodeStr(s, decode) {
  try {
    return decode(s);
  } catch {
    return module.exports.unescape(s, true);
  }
}

module.exports = {
  parse,
  decode: parse,
  stringify: qs.stringify,
  encode: qs.stringify,
  escape,
  unescape,
  unescapeBuffer: (s, decodeSpaces) => require('./buffer.js').Buffer.from(native.utf8Encode(unescapeBuffer(s, decodeSpaces))),
};
