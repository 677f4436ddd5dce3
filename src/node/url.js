'use strict';
// node:url: the WHATWG URL of the runtime plus the legacy API (parse,
// format, resolve, Url) of the `url` npm package (MIT; Node's own legacy
// parser), and the helpers Node has (fileURLToPath, pathToFileURL,
// domainToASCII, domainToUnicode, urlToHttpOptions).

const legacy = require('url/url.js');
const { URL, URLSearchParams } = internals;

function codeError(Ctor, code, message) {
  const err = new Ctor(message);
  err.code = code;
  return err;
}

function fileURLToPath(path) {
  const url = typeof path === 'string' ? new URL(path) : path;
  if (!(url instanceof URL)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "path" argument must be of type string or an instance of URL.');
  if (url.protocol !== 'file:') throw codeError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  if (url.hostname !== '') throw codeError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
  const pathname = url.pathname;
  for (let n = 0; n < pathname.length; n++) {
    if (pathname[n] === '%') {
      const third = pathname.codePointAt(n + 2) | 0x20;
      if (pathname[n + 1] === '2' && third === 102) {
        throw codeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
      }
    }
  }
  return decodeURIComponent(pathname);
}

function pathToFileURL(filepath) {
  const path = require('./path.js');
  let resolved = path.resolve(filepath);
  if (filepath.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  const url = new URL('file://');
  url.pathname = resolved.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/\t/g, '%09');
  return url;
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ''}${url.search || ''}`,
    href: url.href,
  };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

function format(urlObject, options) {
  if (urlObject instanceof URL) {
    const o = { auth: true, fragment: true, search: true, unicode: false, ...options };
    let out = urlObject.protocol;
    if (urlObject.host !== '' || urlObject.protocol === 'file:') out += '//';
    if (o.auth && (urlObject.username || urlObject.password)) {
      out += urlObject.username;
      if (urlObject.password) out += ':' + urlObject.password;
      out += '@';
    }
    out += o.unicode ? native.domainToUnicode(urlObject.hostname) : urlObject.hostname;
    if (urlObject.port) out += ':' + urlObject.port;
    out += urlObject.pathname;
    if (o.search) out += urlObject.search;
    if (o.fragment) out += urlObject.hash;
    return out;
  }
  return legacy.format(urlObject);
}

module.exports = {
  URL,
  URLSearchParams,
  Url: legacy.Url,
  parse: (url, parseQueryString, slashesDenoteHost) => {
    const result = legacy.parse(url, parseQueryString, slashesDenoteHost);
    // Node: a URL without a query has search null even when parsed.
    if (parseQueryString && result.search === '') result.search = null;
    return result;
  },
  resolve: legacy.resolve,
  resolveObject: legacy.resolveObject,
  format,
  fileURLToPath,
  pathToFileURL,
  urlToHttpOptions,
  domainToASCII: (d) => native.domainToASCII(String(d), false) || '',
  domainToUnicode: (d) => native.domainToUnicode(String(d)),
};
