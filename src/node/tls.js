'use strict';
// node:tls over `cloudflare:sockets`: tls.connect() opens a connection with
// TLS from the start, or upgrades a connected net.Socket ({ socket }) with
// startTls(). The peer's certificate is always checked against the system's
// trust store for `servername` (default: the host), as Workers do; a
// connection whose certificate does not verify fails, whatever
// rejectUnauthorized says. Servers are not supported, as in workerd.

const net = require('./net.js');
const { nextTick } = require('./process.js');

function codeError(Type, code, message) {
  const err = new Type(message);
  err.code = code;
  return err;
}

class TLSSocket extends net.Socket {
  constructor(socket, options) {
    options = options || {};
    super(options);
    this.encrypted = true;
    this.authorized = false;
    this.authorizationError = null;
    this.alpnProtocol = false;
    this.servername = options.servername;
    this._tls = options;
    if (socket instanceof net.Socket) this._upgrade(socket);
  }

  // TLS from the start; a servername other than the host is verified by
  // starting TLS on the plain connection for that name.
  _connectOptions() {
    const name = this._tls.servername;
    const upgradeLater = name !== undefined && name !== '' && name !== this._host;
    return { secureTransport: upgradeLater ? 'starttls' : 'on', allowHalfOpen: true };
  }

  _attach(cf) {
    const name = this._tls.servername;
    if (cf.secureTransport === 'starttls' && name) {
      cf = cf.startTls({ expectedServerHostname: name });
    }
    if (!this.servername) this.servername = name || this._host;
    super._attach(cf);
  }

  _upgrade(socket) {
    this._host = socket._host;
    const name = this._tls.servername || socket._host;
    this.servername = name;
    const plain = socket._takeConnection();
    this.connecting = true;
    let cf;
    try {
      cf = plain.startTls({ expectedServerHostname: name });
    } catch (err) {
      nextTick(() => this.destroy(err));
      return;
    }
    super._attach(cf);
  }

  _onConnected() {
    this.authorized = true;
    super._onConnected();
    this.emit('secureConnect');
  }

  setServername(name) { this.servername = String(name); }
}

// connect(options[, cb]), connect(port[, host][, options][, cb]).
function connect(...args) {
  let options = {};
  let cb;
  let i = 0;
  if (args[0] !== null && typeof args[0] === 'object') {
    options = { ...args[0] };
    i = 1;
  } else {
    options.port = args[0];
    i = 1;
    if (typeof args[i] === 'string') options.host = args[i++];
    if (args[i] !== null && typeof args[i] === 'object') options = { ...args[i++], ...options };
  }
  if (typeof args[i] === 'function') cb = args[i];
  if (options.socket !== undefined) {
    if (!(options.socket instanceof net.Socket)) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.socket" property must be an instance of net.Socket.');
    }
    const socket = new TLSSocket(options.socket, options);
    if (cb) socket.once('secureConnect', cb);
    return socket;
  }
  const socket = new TLSSocket(undefined, options);
  if (cb) socket.once('secureConnect', cb);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect({ ...options, host: options.host || 'localhost' });
}

function createServer() {
  throw codeError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', 'The createServer() method is not implemented');
}
function Server() {
  throw codeError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', 'The Server() method is not implemented');
}

// The name check Node's tls.checkServerIdentity does on a certificate
// object (subject.CN and subjectaltname). Returns an Error or undefined.
function checkServerIdentity(hostname, cert) {
  const host = String(hostname).toLowerCase().replace(/\.$/, '');
  const names = [];
  const ips = [];
  if (cert && typeof cert.subjectaltname === 'string') {
    for (const part of cert.subjectaltname.split(/, /)) {
      if (part.startsWith('DNS:')) names.push(part.slice(4).toLowerCase());
      else if (part.startsWith('IP Address:')) ips.push(part.slice(11));
    }
  }
  if (names.length === 0 && cert && cert.subject && cert.subject.CN) names.push(String(cert.subject.CN).toLowerCase());
  const matches = (pattern) => {
    if (pattern === host) return true;
    if (!pattern.startsWith('*.')) return false;
    const rest = pattern.slice(1);
    return host.endsWith(rest) && host.indexOf('.') === host.length - rest.length;
  };
  if (net.isIP(host) ? ips.includes(host) : names.some(matches)) return undefined;
  const err = new Error(`Hostname/IP does not match certificate's altnames: Host: ${hostname}. is not in the cert's altnames`);
  err.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  err.reason = 'Host: ' + hostname + '. is not in the cert\'s altnames';
  err.host = hostname;
  err.cert = cert;
  return err;
}

module.exports = {
  TLSSocket,
  connect,
  createServer,
  Server,
  checkServerIdentity,
  DEFAULT_ECDH_CURVE: 'auto',
  DEFAULT_MIN_VERSION: 'TLSv1.2',
  DEFAULT_MAX_VERSION: 'TLSv1.3',
};
