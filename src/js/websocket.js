'use strict';
// WebSockets as Workers have them: `new WebSocketPair()` makes two joined
// ends; the worker accept()s one and returns the other in
// `new Response(null, { status: 101, webSocket })`, which makes the
// client's connection that other end (runtime/websocket_natives.cc). Each
// end queues what arrives until it is accepted. Messages are strings or
// ArrayBuffers; events are message, close and error.

const { Event, EventTarget, DOMException, MessageEvent, defineEventHandlerAttribute, finishInterface,
  headersToPairs } = internals;

const kConstruct = Symbol('WebSocket');
const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
const kMaxMessageBytes = 1 << 20;

class CloseEvent extends Event {
  #code; #reason; #wasClean;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CloseEvent': 1 argument required, but only 0 present.");
    super(type, init);
    const d = init === undefined || init === null ? {} : init;
    this.#code = d.code === undefined ? 0 : Number(d.code);
    this.#reason = d.reason === undefined ? '' : String(d.reason);
    this.#wasClean = Boolean(d.wasClean);
  }
  get code() { return this.#code; }
  get reason() { return this.#reason; }
  get wasClean() { return this.#wasClean; }
}
finishInterface(CloseEvent, 'CloseEvent');

const byId = new Map();  // native id → the end the client's connection is
let makePair, claim, upgrade, fetchWebSocket, nativeEvent;  // set in WebSocket's static block

class WebSocket extends EventTarget {
  #state = CONNECTING;
  #peer = null;       // the other end of the pair
  #native = 0;        // the client connection this end stands for
  #accepted = false;
  #claimed = false;   // returned in a Response
  #queue = [];        // what arrived before accept()
  #closeSent = false;
  #outbound = false;  // new WebSocket(url): its own connection, no pair
  #url = null;
  #protocol = '';
  #opened = null;  // fetch(): [resolve, reject] until the handshake is done

  constructor(url, protocols = undefined) {
    super();
    if (url === kConstruct) return;
    if (arguments.length === 0) throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    let u;
    try {
      u = new internals.URL(String(url));
    } catch {
      throw new DOMException(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`, 'SyntaxError');
    }
    const scheme = u.protocol;
    if (!['ws:', 'wss:', 'http:', 'https:'].includes(scheme)) {
      throw new DOMException(`Failed to construct 'WebSocket': The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${scheme.slice(0, -1)}' is not allowed.`, 'SyntaxError');
    }
    if (u.hash !== '') throw new DOMException("Failed to construct 'WebSocket': The URL contains a fragment identifier.", 'SyntaxError');
    const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols].map(String);
    for (const p of list) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p)) throw new DOMException(`Failed to construct 'WebSocket': The subprotocol '${p}' is invalid.`, 'SyntaxError');
    }
    if (new Set(list).size !== list.length) throw new DOMException("Failed to construct 'WebSocket': The subprotocols contain a duplicate.", 'SyntaxError');
    this.#connect(u, list, [], true);
  }

  // Opens the connection to `u` (a parsed ws/wss/http/https URL).
  // `accepted`: a browser-style socket that dispatches at once; a fetch()ed
  // one waits for accept().
  #connect(u, protocols, headerPairs, accepted) {
    const tls = u.protocol === 'wss:' || u.protocol === 'https:';
    u.protocol = tls ? 'wss:' : 'ws:';
    this.#url = u.href;
    this.#outbound = true;
    this.#accepted = accepted;
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const port = u.port !== '' ? Number(u.port) : tls ? 443 : 80;
    this.#native = native.wsConnect(host, port, tls, (u.pathname || '/') + u.search, u.host, protocols, headerPairs);
    byId.set(this.#native, this);
  }

  // Module-private helpers with access to the ends' private state.
  static {
    makePair = () => {
      const a = new WebSocket(kConstruct), b = new WebSocket(kConstruct);
      a.#peer = b;
      b.#peer = a;
      return [a, b];
    };
    claim = (ws) => {
      if (ws.#outbound) return;  // a fetch()ed WebSocket: the worker may accept it or pass it on
      if (ws.#accepted) throw new TypeError("Can't return a WebSocket in a Response after accept() was called on it.");
      if (ws.#claimed) throw new TypeError('This WebSocket was already returned in a Response.');
      ws.#claimed = true;
    };
    // The Response carrying `ws` answered request `rid`: `ws` is the
    // client's connection from now on.
    upgrade = (rid, response) => {
      let ws = response.webSocket;
      if (ws.#outbound) {
        // A fetch()ed WebSocket passed on to the client: the two
        // connections are joined through a pair.
        if (ws.#accepted) throw new TypeError("Can't return a WebSocket in a Response after accept() was called on it.");
        const [clientEnd, serverEnd] = makePair();
        const origin = ws;
        serverEnd.accept();
        origin.accept();
        serverEnd.addEventListener('message', (e) => origin.send(e.data));
        origin.addEventListener('message', (e) => serverEnd.send(e.data));
        serverEnd.addEventListener('close', (e) => origin.#closeFromPeer(e.code, e.reason));
        origin.addEventListener('close', (e) => serverEnd.#closeFromPeer(e.code, e.reason));
        ws = clientEnd;
        clientEnd.#claimed = true;
      }
      const id = native.wsUpgrade(rid, headersToPairs(response.headers));
      ws.#native = id;
      ws.#state = OPEN;
      byId.set(id, ws);
      // What the worker sent before returning the Response goes out now.
      const queued = ws.#queue;
      ws.#queue = [];
      for (const e of queued) ws.#fromPeer(e);
    };
    // fetch() of a URL with `Upgrade: websocket`: a promise of the
    // WebSocket (not yet accepted) once the server switched protocols, or
    // of { status, statusText, headerPairs, body } when it answered
    // otherwise.
    fetchWebSocket = (url, protocols, headerPairs) => new Promise((resolve, reject) => {
      const ws = new WebSocket(kConstruct);
      ws.#opened = [resolve, reject];
      ws.#connect(new internals.URL(url), protocols, headerPairs, false);
    });
    nativeEvent = (id, type, data, code, wasClean, headerPairs, statusText) => {
      const ws = byId.get(id);
      if (ws === undefined) return;
      if (type === 'response') {
        // The server answered the handshake with something else than 101.
        byId.delete(id);
        if (ws.#opened !== null) {
          ws.#state = CLOSED;
          // fetch() resolves to that answer (as workerd).
          ws.#opened[0]({ status: code, statusText, headerPairs, body: data });
          ws.#opened = null;
          return;
        }
        native.log('warn', `WebSocket ${ws.#url}: the server answered ${code}, not 101`);
        ws.dispatchEvent(new Event('error'));
        ws.#receive({ type: 'close', code: 1006, reason: '', wasClean: false });
        return;
      }
      // A pair's client end passes what the connection brings to the
      // worker's end; an outgoing socket keeps it.
      const to = ws.#outbound ? ws : ws.#peer;
      if (type === 'open') {
        ws.#state = OPEN;
        ws.#protocol = data;
        if (ws.#opened !== null) {
          ws.#opened[0](ws);
          ws.#opened = null;
          return;
        }
        ws.dispatchEvent(new Event('open'));
        return;
      }
      if (type === 'error') {
        if (ws.#opened !== null) {
          ws.#opened[1](new TypeError('fetch failed: ' + data));
          ws.#opened = null;
          return;
        }
        native.log('warn', `WebSocket ${ws.#url}: ${data}`);
        to.dispatchEvent(new Event('error'));
        return;
      }
      if (type === 'close') {
        byId.delete(id);
        if (!ws.#outbound) ws.#state = CLOSED;
        to.#receive({ type: 'close', code, reason: data, wasClean });
        return;
      }
      to.#receive({ type: 'message', data });
    };
  }

  get readyState() { return this.#state; }
  get url() { return this.#url; }
  get protocol() { return this.#protocol; }
  get extensions() { return ''; }

  accept() {
    if (this.#claimed) throw new TypeError("Can't accept() a WebSocket that was returned in a Response.");
    if (this.#accepted) throw new TypeError('accept() was already called on this WebSocket.');
    this.#accepted = true;
    if (this.#state === CONNECTING) this.#state = OPEN;
    const queued = this.#queue;
    this.#queue = [];
    // Events that came before accept() are dispatched after it returns.
    if (queued.length > 0) queueMicrotask(() => { for (const e of queued) this.#dispatch(e); });
  }

  send(message) {
    if (!this.#accepted) throw new TypeError('You must call accept() on this WebSocket before sending messages.');
    if (this.#state === CONNECTING) throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
    if (this.#state === CLOSING || this.#state === CLOSED || this.#closeSent) throw new TypeError("Can't call WebSocket send() after close().");
    let data;
    if (typeof message === 'string') data = message;
    else if (message instanceof ArrayBuffer) data = message.slice(0);
    else if (ArrayBuffer.isView(message)) data = message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength);
    else data = String(message);
    // A string of n UTF-16 units is at most 3n bytes of UTF-8: only a long
    // one needs encoding to be measured.
    const size = typeof data !== 'string' ? data.byteLength
      : data.length * 3 <= kMaxMessageBytes ? 0 : native.utf8Encode(data).byteLength;
    if (size > kMaxMessageBytes) throw new RangeError(`The message is ${size} bytes; a WebSocket message may be at most ${kMaxMessageBytes} bytes.`);
    this.#out().#fromPeer({ type: 'message', data });
  }

  // Where what this end sends goes: the other end of its pair, or, for an
  // outgoing socket, its own connection.
  #out() { return this.#outbound ? this : this.#peer; }

  close(code = undefined, reason = undefined) {
    if (code !== undefined) {
      code = Number(code);
      if (!(code === 1000 || (code >= 3000 && code <= 4999))) {
        throw new DOMException(`The close code must be 1000 or in 3000-4999; got ${code}.`, 'InvalidAccessError');
      }
    }
    reason = reason === undefined ? '' : String(reason);
    if (native.utf8Encode(reason).byteLength > 123) throw new DOMException('The close reason must be at most 123 bytes of UTF-8.', 'SyntaxError');
    if (this.#closeSent || this.#state === CLOSED) return;
    this.#closeSent = true;
    if (this.#state !== CLOSED) this.#state = CLOSING;
    this.#out().#fromPeer({ type: 'close', code: code === undefined ? 1005 : code, reason, wasClean: true });
  }

  // Passes a close on (a joined connection), with a code it may send.
  #closeFromPeer(code, reason) {
    if (this.#closeSent || this.#state === CLOSED) return;
    const sendable = code === 1000 || (code >= 3000 && code <= 4999);
    this.close(sendable ? code : 1000, sendable ? reason : '');
  }

  // What the other end sent arrives here.
  #fromPeer(event) {
    if (this.#native !== 0) {
      // This end is the client's connection: out it goes.
      if (event.type === 'message') native.wsSend(this.#native, event.data, typeof event.data === 'string');
      else if (event.type === 'close') native.wsClose(this.#native, event.code === 1005 ? 1000 : event.code, event.reason);
      return;
    }
    this.#receive(event);
  }

  #receive(event) {
    if (!this.#accepted) {
      this.#queue.push(event);
      return;
    }
    this.#dispatch(event);
  }

  #dispatch(event) {
    if (event.type === 'message') {
      if (this.#state !== OPEN && this.#state !== CLOSING) return;
      this.dispatchEvent(new MessageEvent('message', { data: event.data }));
      return;
    }
    if (event.type === 'close') {
      if (this.#state === CLOSED) return;
      this.#state = CLOSED;
      this.dispatchEvent(new CloseEvent('close', { code: event.code, reason: event.reason, wasClean: event.wasClean }));
      return;
    }
  }

}
for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]]) {
  Object.defineProperty(WebSocket, name, { value, enumerable: true });
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
for (const type of ['open', 'message', 'close', 'error']) defineEventHandlerAttribute(WebSocket.prototype, type);
finishInterface(WebSocket, 'WebSocket');

class WebSocketPair {
  constructor() {
    const [client, server] = makePair();
    Object.defineProperty(this, 0, { value: client, enumerable: true });
    Object.defineProperty(this, 1, { value: server, enumerable: true });
  }
}
finishInterface(WebSocketPair, 'WebSocketPair');

internals.claimWebSocket = claim;
internals.upgradeToWebSocket = upgrade;
internals.wsEvent = nativeEvent;
internals.fetchWebSocket = fetchWebSocket;
Object.assign(internals, { WebSocket, WebSocketPair, CloseEvent });
