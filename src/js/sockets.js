'use strict';
// `cloudflare:sockets`: connect(address, options) → Socket, outbound TCP
// with optional TLS, as Cloudflare documents it
// (developers.cloudflare.com/workers/runtime-apis/tcp-sockets/) and workerd
// implements it (src/workerd/api/sockets.c++): the same address checks and
// TypeErrors, `opened` / `closed` promises, half-open handling and
// startTls(). Over the natives of src/runtime/socket_natives.cc, which own
// the connection, count it as a subrequest, apply the egress policy and
// close it when the request that opened it ends.
//
// The readable side is a byte stream that asks the native for a chunk only
// when its reader wants one; the writable side hands a chunk on only when
// the previous one is in the kernel. Neither side buffers more than a chunk.

const { ReadableStream, WritableStream, URL, TextEncoder } = internals;
const kToken = Symbol('verge.socket');
const kSecureTransport = { off: 0, on: 1, starttls: 2 };

// workerd's isValidHost: length and characters only, to reject hostile input.
function isValidHost(host) {
  if (host.length === 0 || host.length > 255) return false;
  return /^[A-Za-z0-9\-._[\]:]*$/.test(host);
}

// → { hostname, port, address } or a TypeError.
function parseAddress(address) {
  let hostname, port, text;
  if (typeof address === 'string') {
    let url;
    try {
      url = new URL('fake://' + address);
    } catch {
      throw new TypeError('Specified address could not be parsed.');
    }
    if (url.hostname === '') throw new TypeError('Specified address is missing hostname.');
    if (url.port === '') throw new TypeError('Specified address is missing port.');
    hostname = url.hostname;
    port = Number(url.port);
    text = address;
  } else if (address !== null && typeof address === 'object') {
    hostname = String(address.hostname ?? '');
    port = Number(address.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TypeError('Specified port must be an integer between 0 and 65535.');
    }
    text = `${hostname}:${port}`;
  } else {
    throw new TypeError("Failed to execute 'connect': parameter 1 is not of type 'string or SocketAddress'.");
  }
  if (!isValidHost(text)) {
    throw new TypeError('Specified address is empty string, contains unsupported characters or is too long.');
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  if (port === 0) throw new TypeError('Specified address has port 0, which cannot be connected to.');
  return { hostname, port, text };
}

function chunkBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  throw new TypeError('This WritableStream only supports writing byte types.');
}

const ignore = () => {};

class Socket {
  #id;
  #readable;
  #writable;
  #readController = null;
  #opened;
  #openedGate;   // settles (never rejects) once `opened` does
  #openError = null;
  #closed;
  #resolveClosed;
  #rejectClosed;
  #secureTransport;
  #domain;
  #allowHalfOpen;
  #upgraded = false;
  #startTlsCalled = false;
  #detached = false;  // startTls() took the connection over
  #finished = false;  // the connection is closed (or failed), `closed` settled
  #closing = false;
  #readDone = false;
  #writeDone = false;
  #lastWrite = Promise.resolve();

  constructor(token, id, opened, secureTransport, domain, allowHalfOpen) {
    if (token !== kToken) throw new TypeError('Illegal constructor');
    this.#id = id;
    this.#secureTransport = secureTransport;
    this.#domain = domain;
    this.#allowHalfOpen = allowHalfOpen;
    this.#closed = new Promise((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    this.#closed.catch(ignore);
    this.#opened = opened;
    this.#opened.catch(ignore);
    this.#openedGate = opened.then(ignore, (err) => {
      this.#openError = err;
      this.#fail(err);
    });
    this.#readable = new ReadableStream({
      type: 'bytes',
      start: (controller) => { this.#readController = controller; },
      pull: (controller) => this.#pull(controller),
      cancel: () => {
        this.#readDone = true;
        this.#maybeFinished();
      },
    });
    this.#writable = new WritableStream({
      write: (chunk) => {
        const p = this.#write(chunk);
        this.#lastWrite = p.catch(ignore);
        return p;
      },
      close: () => this.#closeWrite(),
      abort: () => this.#closeWrite().catch(ignore),
    });
  }

  get readable() { return this.#readable; }
  get writable() { return this.#writable; }
  get opened() { return this.#opened; }
  get closed() { return this.#closed; }
  get upgraded() { return this.#upgraded; }
  get secureTransport() { return this.#secureTransport; }

  close() {
    if (this.#closing || this.#finished) return this.#closed;
    this.#closing = true;
    (async () => {
      await this.#openedGate;
      if (this.#finished) return;
      // What was handed to the native goes out before the connection ends.
      await this.#lastWrite;
      this.#finish();
      internals.readableStreamCancel(this.#readable).catch(ignore);
      internals.writableStreamAbort(this.#writable).catch(ignore);
    })();
    return this.#closed;
  }

  startTls(options) {
    if (this.#secureTransport === 'on') throw new TypeError('Cannot startTls on a TLS socket.');
    if (this.#finished || this.#closing) {
      throw new TypeError('The connection was closed before startTls could be started.');
    }
    if (this.#secureTransport !== 'starttls') {
      throw new TypeError("The `secureTransport` socket option must be set to 'starttls' for startTls to be used.");
    }
    if (this.#startTlsCalled) {
      throw new TypeError('startTls has already been called on this socket, or the socket was transferred over RPC.');
    }
    let host = this.#domain;
    if (options !== undefined && options !== null && options.expectedServerHostname !== undefined) {
      host = String(options.expectedServerHostname);
    }
    this.#startTlsCalled = true;
    const id = this.#id;
    const opened = (async () => {
      await this.#openedGate;
      if (this.#openError) throw this.#openError;
      await this.#lastWrite;
      if (this.#finished) throw new TypeError('The connection was closed before startTls completed.');
      // This socket lets go of the connection: its streams end, `closed`
      // resolves, `upgraded` says why.
      this.#detached = true;
      this.#upgraded = true;
      this.#finished = true;
      this.#resolveClosed();
      internals.readableStreamCancel(this.#readable).catch(ignore);
      internals.writableStreamAbort(this.#writable).catch(ignore);
      const info = await this.#opened;
      await native.socketStartTls(id, host);
      return info;
    })();
    return new Socket(kToken, id, opened, 'on', this.#domain, this.#allowHalfOpen);
  }

  async #pull(controller) {
    await this.#openedGate;
    if (this.#finished) return;
    let chunk;
    try {
      chunk = await native.socketRead(this.#id);
    } catch (err) {
      this.#fail(err);
      return;
    }
    if (this.#finished) return;
    if (chunk === null) {
      this.#readDone = true;
      try {
        controller.close();
        if (controller.byobRequest) controller.byobRequest.respond(0);
      } catch { /* cancelled meanwhile */ }
      if (!this.#allowHalfOpen && !this.#writeDone) {
        // The peer is done: so is this side, once what was written is out.
        internals.writableStreamClose(this.#writable).catch(ignore);
      }
      this.#maybeFinished();
      return;
    }
    try {
      controller.enqueue(chunk);
    } catch { /* cancelled meanwhile */ }
  }

  async #write(chunk) {
    const bytes = chunkBytes(chunk);
    await this.#openedGate;
    if (this.#openError) throw this.#openError;
    if (this.#finished) throw new TypeError('The socket is closed.');
    if (bytes.byteLength === 0) return;
    try {
      await native.socketWrite(this.#id, bytes);
    } catch (err) {
      this.#fail(err);
      throw err;
    }
  }

  async #closeWrite() {
    await this.#openedGate;
    if (this.#writeDone || this.#finished) return;
    this.#writeDone = true;
    try {
      await native.socketShutdown(this.#id);
    } catch (err) {
      this.#fail(err);
      throw err;
    }
    this.#maybeFinished();
  }

  // Both directions are done: the connection closes.
  #maybeFinished() {
    if (this.#readDone && this.#writeDone) this.#finish();
  }

  #finish() {
    if (this.#finished) return;
    this.#finished = true;
    native.socketClose(this.#id);
    this.#resolveClosed();
  }

  // The connection failed (at connect, or a read or write): everything
  // about it fails with `err`.
  #fail(err) {
    if (this.#finished) return;
    this.#finished = true;
    native.socketClose(this.#id);
    this.#rejectClosed(err);
    try {
      this.#readController.error(err);
    } catch { /* already closed */ }
    internals.writableStreamAbort(this.#writable, err).catch(ignore);
  }
}

function connect(address, options) {
  const { hostname, port } = parseAddress(address);
  let secureTransport = 'off';
  let allowHalfOpen = false;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object') throw new TypeError("Failed to execute 'connect': parameter 2 is not of type 'SocketOptions'.");
    if (options.secureTransport !== undefined) {
      secureTransport = String(options.secureTransport);
      if (!Object.prototype.hasOwnProperty.call(kSecureTransport, secureTransport)) {
        throw new TypeError(`Unsupported value in secureTransport socket option: ${secureTransport}`);
      }
    }
    allowHalfOpen = !!options.allowHalfOpen;
  }
  const [id, result] = native.socketConnect(hostname, port, kSecureTransport[secureTransport]);
  const opened = result.then(([remoteAddress, localAddress]) => ({ remoteAddress, localAddress }));
  return new Socket(kToken, id, opened, secureTransport, hostname, allowHalfOpen);
}

let socketsModule;
internals.socketsModule = () => (socketsModule ??= { connect });
internals.socketConnect = connect;
internals.Socket = Socket;
