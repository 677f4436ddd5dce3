'use strict';
// HTML's MessageChannel, MessagePort and MessageEvent, within one isolate:
// postMessage() structured-clones its message (internals.structuredClone,
// from globals.js) and the other port receives a 'message' event once it is
// started (start(), or setting onmessage). Ports cannot be transferred.

const { Event, EventTarget, DOMException, defineEventHandlerAttribute, finishInterface } = internals;

class MessageEvent extends Event {
  #data;
  #origin;
  #lastEventId;
  #source;
  #ports;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'MessageEvent': 1 argument required, but only 0 present.");
    super(type, init);
    const d = init === undefined || init === null ? {} : init;
    this.#data = d.data === undefined ? null : d.data;
    this.#origin = d.origin === undefined ? '' : String(d.origin);
    this.#lastEventId = d.lastEventId === undefined ? '' : String(d.lastEventId);
    this.#source = d.source === undefined ? null : d.source;
    this.#ports = Object.freeze(d.ports === undefined ? [] : [...d.ports]);
  }
  get data() { return this.#data; }
  get origin() { return this.#origin; }
  get lastEventId() { return this.#lastEventId; }
  get source() { return this.#source; }
  get ports() { return this.#ports; }
}
finishInterface(MessageEvent, 'MessageEvent');

const kCreate = Symbol('MessagePort');

class MessagePort extends EventTarget {
  #other = null;
  #started = false;
  #closed = false;
  #queue = [];

  constructor(token = undefined) {
    if (token !== kCreate) throw new TypeError('Illegal constructor');
    super();
  }

  postMessage(message, options = undefined) {
    if (!(#other in this)) throw new TypeError('Illegal invocation');
    if (arguments.length === 0) throw new TypeError("Failed to execute 'postMessage' on 'MessagePort': 1 argument required, but only 0 present.");
    let transfer = [];
    if (Array.isArray(options)) transfer = options;
    else if (options !== undefined && options !== null && options.transfer !== undefined) transfer = [...options.transfer];
    for (const item of transfer) {
      if (item instanceof MessagePort) {
        throw new DOMException('MessagePort objects cannot be transferred.', 'DataCloneError');
      }
    }
    const data = internals.structuredClone(message, { transfer });
    const target = this.#other;
    if (this.#closed || target === null || target.#closed) return;
    target.#queue.push(data);
    if (target.#started) target.#schedule();
  }

  start() {
    if (!(#other in this)) throw new TypeError('Illegal invocation');
    if (this.#started) return;
    this.#started = true;
    if (this.#queue.length !== 0) this.#schedule();
  }

  close() {
    if (!(#other in this)) throw new TypeError('Illegal invocation');
    this.#closed = true;
    this.#queue.length = 0;
    const other = this.#other;
    this.#other = null;
    if (other !== null) other.#other = null;
  }

  #schedule() {
    Promise.resolve().then(() => {
      while (this.#queue.length !== 0 && !this.#closed) {
        const data = this.#queue.shift();
        internals.dispatchEventTrusted(this, new MessageEvent('message', { data }));
      }
    });
  }

  static {
    internals.makePortPair = () => {
      const a = new MessagePort(kCreate);
      const b = new MessagePort(kCreate);
      a.#other = b;
      b.#other = a;
      return [a, b];
    };
    internals.startPort = (port) => port.start();
  }
}
defineEventHandlerAttribute(MessagePort.prototype, 'message');
defineEventHandlerAttribute(MessagePort.prototype, 'messageerror');
// Setting onmessage starts the port, as HTML says.
{
  const desc = Object.getOwnPropertyDescriptor(MessagePort.prototype, 'onmessage');
  const set = desc.set;
  desc.set = function (value) {
    set.call(this, value);
    internals.startPort(this);
  };
  Object.defineProperty(MessagePort.prototype, 'onmessage', desc);
}
finishInterface(MessagePort, 'MessagePort');

class MessageChannel {
  #port1;
  #port2;
  constructor() {
    [this.#port1, this.#port2] = internals.makePortPair();
  }
  get port1() { return this.#port1; }
  get port2() { return this.#port2; }
}
finishInterface(MessageChannel, 'MessageChannel');

internals.MessageEvent = MessageEvent;
internals.MessagePort = MessagePort;
internals.MessageChannel = MessageChannel;
