'use strict';
// node:net over `cloudflare:sockets` (src/js/sockets.js), as Cloudflare
// documents it (developers.cloudflare.com/workers/runtime-apis/nodejs/net/)
// and workerd builds it: net.Socket is a Duplex whose reads pull from the
// socket's ReadableStream and whose writes go to its WritableStream, one
// chunk at a time, so backpressure holds both ways. Connections are
// outbound only: net.Server and net.createServer() throw, as in workerd.
//
// Every connection is opened with secureTransport "starttls" so that
// tls.connect({ socket }) can upgrade it later (src/node/tls.js).

const { Duplex } = require('./stream.js');
const { Buffer } = require('./buffer.js');
const { nextTick } = require('./process.js');

function codeError(Type, code, message) {
  const err = new Type(message);
  err.code = code;
  return err;
}

// ---- addresses (Node's isIP family: dotted-quad IPv4, RFC 4291 IPv6) ----

const v4Seg = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`;
const IPv4Reg = new RegExp(`^${v4Str}$`);
const v6Seg = '(?:[0-9a-fA-F]{1,4})';
const IPv6Reg = new RegExp('^(?:' +
  `(?:${v6Seg}:){7}(?:${v6Seg}|:)|` +
  `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|` +
  `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|` +
  `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|` +
  `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|` +
  `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|` +
  `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|` +
  `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))` +
')(?:%[0-9a-zA-Z-.:]{1,})?$');

function isIPv4(input) { return IPv4Reg.test(String(input)); }
function isIPv6(input) { return IPv6Reg.test(String(input)); }
function isIP(input) {
  if (isIPv4(input)) return 4;
  if (isIPv6(input)) return 6;
  return 0;
}

// "1.2.3.4:80" / "[::1]:80" → { address, port, family }.
function splitHostPort(text) {
  if (typeof text !== 'string' || text === '') return undefined;
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  let address = text.slice(0, colon);
  if (address.startsWith('[')) address = address.slice(1, -1);
  return { address, port: Number(text.slice(colon + 1)), family: isIPv6(address) ? 'IPv6' : 'IPv4' };
}

// connect(options[, cb]), connect(port[, host][, cb]), connect(path[, cb])
// → [options, cb].
function normalizeArgs(args) {
  let options = {};
  let i = 0;
  if (args.length === 0) return [options, undefined];
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    options = { ...first };
    i = 1;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    options.path = first;
    i = 1;
  } else {
    options.port = first;
    i = 1;
    if (typeof args[1] === 'string') {
      options.host = args[1];
      i = 2;
    }
  }
  const cb = typeof args[i] === 'function' ? args[i] : undefined;
  return [options, cb];
}

function checkPort(port) {
  if ((typeof port !== 'number' && typeof port !== 'string') ||
      (typeof port === 'string' && port.trim() === '')) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "options.port" property must be one of type number or string. Received ${typeof port}`);
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw codeError(RangeError, 'ERR_SOCKET_BAD_PORT', `Port should be >= 0 and < 65536. Received ${String(port)}.`);
  }
  return n;
}

const kUpgraded = Symbol('verge.net.upgraded');

class Socket extends Duplex {
  constructor(options) {
    options = options || {};
    super({
      allowHalfOpen: !!options.allowHalfOpen,
      emitClose: true,
      autoDestroy: true,
      decodeStrings: true,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    if (options.fd !== undefined) throw codeError(TypeError, 'ERR_OPTION_NOT_IMPLEMENTED', 'The "options.fd" option is not implemented');
    this.connecting = false;
    this._cf = null;
    this._reader = null;
    this._writer = null;
    this._wantRead = false;
    this._host = null;
    this._info = null;
    this._timeoutMs = 0;
    this._timer = null;
    this.bytesRead = 0;
    this._bytesWritten = 0;
    this[kUpgraded] = false;
  }

  connect(...args) {
    const [options, cb] = Array.isArray(args[0]) ? normalizeArgs(args[0]) : normalizeArgs(args);
    if (this.connecting) throw codeError(Error, 'ERR_SOCKET_CONNECTING', 'Socket is already connecting');
    if (options.path !== undefined) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'path' is not supported. Received " + JSON.stringify(options.path));
    }
    if (options.port === undefined) throw codeError(TypeError, 'ERR_MISSING_ARGS', 'The "options" or "port" or "path" argument must be specified');
    const port = checkPort(options.port);
    const host = options.host || 'localhost';
    if (cb) this.once('connect', cb);
    this.connecting = true;
    this._host = host;
    let cf;
    try {
      cf = internals.socketConnect({ hostname: host, port }, this._connectOptions(options));
    } catch (err) {
      nextTick(() => this.destroy(err));
      return this;
    }
    this._attach(cf);
    return this;
  }

  // cloudflare:sockets options for a plain connection (TLSSocket overrides).
  _connectOptions() { return { secureTransport: 'starttls', allowHalfOpen: true }; }

  // Takes `cf` (a cloudflare:sockets Socket) as this socket's connection.
  _attach(cf) {
    this._cf = cf;
    this._reader = cf.readable.getReader();
    this._writer = cf.writable.getWriter();
    cf.opened.then((info) => {
      if (this.destroyed) return;
      this._info = info;
      this.connecting = false;
      this._onConnected();
      this._touch();
    }, (err) => this.destroy(err));
    if (this._wantRead) this._read();
  }

  _onConnected() {
    this.emit('connect');
    this.emit('ready');
  }

  _read() {
    if (!this._reader) {
      this._wantRead = true;
      return;
    }
    this._wantRead = false;
    const reader = this._reader;
    reader.read().then(({ done, value }) => {
      if (this[kUpgraded] || this.destroyed || reader !== this._reader) return;
      this._touch();
      if (done) {
        this.push(null);
        return;
      }
      this.bytesRead += value.byteLength;
      this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }, (err) => {
      if (!this[kUpgraded] && reader === this._reader) this.destroy(err);
    });
  }

  _write(chunk, encoding, cb) {
    if (!this._writer) {
      // write() before connect(): wait for it.
      this.once('connect', () => this._write(chunk, encoding, cb));
      return;
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this._writer.write(bytes).then(() => {
      this._bytesWritten += bytes.byteLength;
      this._touch();
      cb();
    }, cb);
  }

  _final(cb) {
    if (!this._writer) {
      this.once('connect', () => this._final(cb));
      return;
    }
    this._writer.close().then(() => cb(), cb);
  }

  _destroy(err, cb) {
    this._clearTimer();
    this.connecting = false;
    if (this._cf && !this[kUpgraded]) this._cf.close().catch(() => {});
    cb(err);
  }

  // ---- what Node's sockets have; options a Worker cannot use are accepted ----
  setNoDelay() { return this; }
  setKeepAlive() { return this; }
  ref() { return this; }
  unref() { return this; }

  setTimeout(ms, callback) {
    const n = Number(ms);
    if (!Number.isFinite(n) || n < 0) {
      throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${ms}`);
    }
    this._timeoutMs = n;
    if (callback) {
      if (n === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this._touch();
    return this;
  }

  // Activity: the idle timer starts over.
  _touch() {
    this._clearTimer();
    if (this._timeoutMs > 0 && !this.destroyed) {
      this._timer = setTimeout(() => {
        this._timer = null;
        if (!this.destroyed) this.emit('timeout');
      }, this._timeoutMs);
    }
  }

  _clearTimer() {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
  }

  address() {
    const local = this._info && splitHostPort(this._info.localAddress);
    return local ? { address: local.address, family: local.family, port: local.port } : {};
  }
  get remoteAddress() { const r = this._info && splitHostPort(this._info.remoteAddress); return r ? r.address : undefined; }
  get remotePort() { const r = this._info && splitHostPort(this._info.remoteAddress); return r ? r.port : undefined; }
  get remoteFamily() { const r = this._info && splitHostPort(this._info.remoteAddress); return r ? r.family : undefined; }
  get localAddress() { const l = this._info && splitHostPort(this._info.localAddress); return l ? l.address : undefined; }
  get localPort() { const l = this._info && splitHostPort(this._info.localAddress); return l ? l.port : undefined; }
  get localFamily() { const l = this._info && splitHostPort(this._info.localAddress); return l ? l.family : undefined; }
  get bytesWritten() { return this._bytesWritten; }
  get pending() { return !this._info; }
  get readyState() {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  // For tls.connect({ socket }): hands the connection over; this socket
  // goes quiet (no 'end', no 'close' of the connection).
  _takeConnection() {
    if (!this._cf) throw codeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed');
    this[kUpgraded] = true;
    const cf = this._cf;
    try { this._reader.releaseLock(); } catch { /* a read is pending: startTls ends it */ }
    try { this._writer.releaseLock(); } catch { /* ditto */ }
    return cf;
  }
}

function connect(...args) {
  const [options] = normalizeArgs(args);
  const socket = new Socket(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(...args);
}

function Server() {
  throw new Error('Server is not implemented');
}
function createServer() {
  throw new Error('createServer() is not implemented');
}

module.exports = {
  Socket,
  Stream: Socket,
  Server,
  connect,
  createConnection: connect,
  createServer,
  isIP,
  isIPv4,
  isIPv6,
  _normalizeArgs: normalizeArgs,
  _splitHostPort: splitHostPort,
};
