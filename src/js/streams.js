'use strict';
// WHATWG Streams Standard: ReadableStream (default and byte streams, default
// and BYOB readers), WritableStream, TransformStream, queuing strategies.
//
// Layout: every public object (stream, reader, controller, ...) holds one
// private field pointing to an internal record; the abstract operations of
// the spec are plain functions working on those records. Records point back to
// their public object through `pub` (created lazily for controllers).
//
// Must load after dom_exception.js and events.js.
//
// Internal helpers published for the runtime:
//   internals.isReadableStream(x), internals.isWritableStream(x), internals.isTransformStream(x)
//   internals.isDisturbed(stream), internals.isReadableStreamLocked(stream)
//   internals.readableStreamFromChunks(asyncPullFn[, cancelFn]) -> byte stream
//   internals.readableStreamFromIterable(iterable)  (ReadableStream.from)
//   internals.readAllBytes(stream) -> Promise<Uint8Array>
//   internals.readableStreamCancel(stream, reason) -> Promise
//   internals.createTransformStream(transform(chunk, enqueue), flush(enqueue))
//   internals.transformStreamReadable(ts), internals.transformStreamWritable(ts)
//
// Native hook: native.transferArrayBuffer(buffer) -> a new ArrayBuffer owning
// the bytes, the old one detached (the runtime provides it; see
// src/runtime/api/buffers.h). Without it (and without
// ArrayBuffer.prototype.transfer) "transfer" keeps the same buffer, so
// enqueued chunks and BYOB views are not detached: the Node tests under
// tests/js run both ways.

const {
  finishInterface, toDOMString, typedArrayName, isArrayBuffer, isSharedArrayBuffer, isSharedBuffer,
  enforceRangeULL, isAbortSignal, abortSignalAborted, abortSignalReason,
  abortSignalAddAlgorithm, createAbortSignal, signalAbort,
} = internals;

// ---------------------------------------------------------------------------
// Primordials and small helpers

const FunctionPrototypeCall = Function.prototype.call;
const call = FunctionPrototypeCall.bind(FunctionPrototypeCall);
const PromiseCtor = Promise;
const PromisePrototypeThen = Promise.prototype.then;
const promiseResolve = Promise.resolve.bind(Promise);
const promiseReject = Promise.reject.bind(Promise);
const PromiseAll = Promise.all.bind(Promise);
const ObjectDefineProperty = Object.defineProperty;
const ArrayBufferIsView = ArrayBuffer.isView;
const MathMin = Math.min;
const SymbolAsyncIterator = Symbol.asyncIterator;
const SymbolIterator = Symbol.iterator;

function promiseThen(p, onFulfilled, onRejected) {
  return call(PromisePrototypeThen, p, onFulfilled, onRejected);
}

function noop() {}

function setHandled(p) {
  promiseThen(p, undefined, noop);
}

const internalResolved = promiseResolve(undefined);
function queueMicrotaskInternal(fn) {
  promiseThen(internalResolved, fn);
}

// WebIDL "a promise resolved with x": always a new promise, so a thenable x
// is adopted through a job (two extra microtasks), unlike Promise.resolve,
// which hands a native promise back unchanged. Stream timing depends on it.
function promiseResolvedWith(x) {
  if ((typeof x === 'object' && x !== null) || typeof x === 'function') {
    return new PromiseCtor((res) => res(x));
  }
  return promiseResolve(x);
}

function resolvedUndefined() {
  return promiseResolve(undefined);
}

// A promise together with its resolving functions (res/rej are undefined once
// it has settled).
class Deferred {
  constructor() {
    this.promise = undefined;
    this.res = undefined;
    this.rej = undefined;
  }
}

function newDeferred() {
  const d = new Deferred();
  d.promise = new PromiseCtor((res, rej) => { d.res = res; d.rej = rej; });
  return d;
}

function resolvedDeferred(value) {
  const d = new Deferred();
  d.promise = promiseResolve(value);
  return d;
}

function rejectedDeferred(reason) {
  const d = new Deferred();
  d.promise = promiseReject(reason);
  setHandled(d.promise);
  return d;
}

function resolveDeferred(d, value) {
  const f = d.res;
  if (f !== undefined) { d.res = undefined; d.rej = undefined; f(value); }
}

function rejectDeferred(d, reason) {
  const f = d.rej;
  if (f !== undefined) { d.res = undefined; d.rej = undefined; f(reason); }
}

function isObject(v) {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

// Invokes a WebIDL callback returning a Promise: exceptions become rejections.
function invokePromise0(fn, thisArg) {
  try { return promiseResolvedWith(call(fn, thisArg)); } catch (e) { return promiseReject(e); }
}
function invokePromise1(fn, thisArg, a) {
  try { return promiseResolvedWith(call(fn, thisArg, a)); } catch (e) { return promiseReject(e); }
}
function invokePromise2(fn, thisArg, a, b) {
  try { return promiseResolvedWith(call(fn, thisArg, a, b)); } catch (e) { return promiseReject(e); }
}

function dictionary(value, what) {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new TypeError(`${what} is not an object.`);
  return value;
}

function callbackMember(value, what) {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`${what} is not a function.`);
  return value;
}

function illegalConstructor() {
  return new TypeError('Illegal constructor');
}

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

// --- ArrayBuffer plumbing ---------------------------------------------------

const detachedGetter = (() => {
  const d = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached');
  return d !== undefined && typeof d.get === 'function' ? d.get : undefined;
})();

// Without a way to detach (no native.transferArrayBuffer and no
// ArrayBuffer.prototype.transfer), "transfer" keeps the same buffer.
const transferArrayBuffer = (() => {
  if (typeof native.transferArrayBuffer === 'function') return native.transferArrayBuffer;
  const t = ArrayBuffer.prototype.transfer;
  if (typeof t === 'function') return (buffer) => call(t, buffer);
  return (buffer) => buffer;
})();

function isDetachedBuffer(buffer) {
  if (isSharedBuffer(buffer)) return false;
  if (detachedGetter !== undefined) return call(detachedGetter, buffer);
  return buffer.byteLength === 0;
}

function cloneArrayBufferRange(buffer, byteOffset, byteLength) {
  const copy = new ArrayBuffer(byteLength);
  new Uint8Array(copy).set(new Uint8Array(buffer, byteOffset, byteLength));
  return copy;
}

function copyDataBlockBytes(dest, destOffset, src, srcOffset, count) {
  new Uint8Array(dest, destOffset, count).set(new Uint8Array(src, srcOffset, count));
}

const typedArrayCtors = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

// WebIDL ArrayBufferView (not [AllowShared]).
function checkArrayBufferView(view, what) {
  if (!ArrayBufferIsView(view)) throw new TypeError(`${what} is not an ArrayBufferView.`);
  if (isSharedBuffer(view.buffer)) throw new TypeError(`${what} must not be backed by a SharedArrayBuffer.`);
}

// --- Queue-with-sizes -------------------------------------------------------

class ValueQueue {
  constructor() {
    this.values = [];
    this.sizes = [];
    this.head = 0;
    this.total = 0;
  }
}

function queueLength(q) {
  return q.values.length - q.head;
}

function enqueueValueWithSize(q, value, size) {
  // IsNonNegativeNumber + finite
  if (typeof size !== 'number' || size !== size || size < 0 || size === Infinity) {
    throw new RangeError('The chunk size must be a finite, non-negative number.');
  }
  q.values.push(value);
  q.sizes.push(size);
  q.total += size;
}

function dequeueValue(q) {
  const i = q.head;
  const value = q.values[i];
  const size = q.sizes[i];
  q.values[i] = undefined;
  if (i + 1 === q.values.length) {
    q.values.length = 0;
    q.sizes.length = 0;
    q.head = 0;
  } else if (i >= 1024 && i * 2 >= q.values.length) {
    q.values = q.values.slice(i + 1);
    q.sizes = q.sizes.slice(i + 1);
    q.head = 0;
  } else {
    q.head = i + 1;
  }
  q.total -= size;
  if (q.total < 0) q.total = 0;
  return value;
}

function peekQueueValue(q) {
  return q.values[q.head];
}

function resetQueue(q) {
  q.values = [];
  q.sizes = [];
  q.head = 0;
  q.total = 0;
}

// --- Strategies -------------------------------------------------------------

// QueuingStrategy dictionary: { unrestricted double highWaterMark; size }.
function convertStrategy(strategy, what) {
  const dict = dictionary(strategy, what);
  if (dict === undefined) return { highWaterMark: undefined, size: undefined };
  const h = dict.highWaterMark;
  const highWaterMark = h === undefined ? undefined : +h;
  const size = callbackMember(dict.size, `${what}.size`);
  return { highWaterMark, size };
}

function extractHighWaterMark(strategy, defaultHWM) {
  const hwm = strategy.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  if (hwm !== hwm || hwm < 0) throw new RangeError('Invalid highWaterMark: must be a non-negative number.');
  return hwm;
}

function sizeOne() {
  return 1;
}

function extractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return sizeOne;
  return (chunk) => +call(size, undefined, chunk);
}

// ---------------------------------------------------------------------------
// Records

class ReadableStreamRecord {
  constructor() {
    this.pub = undefined;
    this.state = 'readable';
    this.reader = undefined;
    this.storedError = undefined;
    this.disturbed = false;
    this.controller = undefined;
  }
}

class DefaultControllerRecord {
  constructor(stream) {
    this.pub = undefined;
    this.isByte = false;
    this.stream = stream;
    this.queue = new ValueQueue();
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.strategyHWM = 1;
    this.strategySizeAlgorithm = undefined;
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.onPullFulfilled = undefined;
    this.onPullRejected = undefined;
  }
}

class ByteControllerRecord {
  constructor(stream) {
    this.pub = undefined;
    this.isByte = true;
    this.stream = stream;
    this.queue = [];           // {buffer, byteOffset, byteLength}
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.strategyHWM = 0;
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.autoAllocateChunkSize = undefined;
    this.byobRequest = null;   // BYOBRequestRecord
    this.pendingPullIntos = [];
    this.onPullFulfilled = undefined;
    this.onPullRejected = undefined;
  }
}

class PullIntoDescriptor {
  constructor(buffer, bufferByteLength, byteOffset, byteLength, minimumFill, elementSize, viewConstructor, readerType) {
    this.buffer = buffer;
    this.bufferByteLength = bufferByteLength;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
    this.bytesFilled = 0;
    this.minimumFill = minimumFill;
    this.elementSize = elementSize;
    this.viewConstructor = viewConstructor;
    this.readerType = readerType; // 'default' | 'byob' | 'none'
  }
}

class BYOBRequestRecord {
  constructor(controller, view) {
    this.pub = undefined;
    this.controller = controller;
    this.view = view;
  }
}

class ReaderRecord {
  constructor(isBYOB) {
    this.pub = undefined;
    this.isBYOB = isBYOB;
    this.stream = undefined;
    this.closed = undefined;   // Deferred
    this.requests = [];        // read requests or read-into requests
  }
}

class WritableStreamRecord {
  constructor() {
    this.pub = undefined;
    this.state = 'writable';
    this.storedError = undefined;
    this.writer = undefined;
    this.controller = undefined;
    this.backpressure = false;
    this.closeRequest = undefined;          // Deferred
    this.inFlightWriteRequest = undefined;  // Deferred
    this.inFlightCloseRequest = undefined;  // Deferred
    this.pendingAbortRequest = undefined;   // {deferred, reason, wasAlreadyErroring}
    this.writeRequests = [];                // Deferred[]
  }
}

class WriterRecord {
  constructor() {
    this.pub = undefined;
    this.stream = undefined;
    this.closed = undefined;  // Deferred
    this.ready = undefined;   // Deferred
  }
}

class WritableControllerRecord {
  constructor(stream) {
    this.pub = undefined;
    this.stream = stream;
    this.queue = new ValueQueue();
    this.started = false;
    this.strategyHWM = 1;
    this.strategySizeAlgorithm = undefined;
    this.writeAlgorithm = undefined;
    this.closeAlgorithm = undefined;
    this.abortAlgorithm = undefined;
    this.signal = undefined;        // AbortSignal, created lazily
    this.abortRequested = false;
    this.abortReason = undefined;
  }
}

class TransformStreamRecord {
  constructor() {
    this.pub = undefined;
    this.readable = undefined;  // ReadableStreamRecord
    this.writable = undefined;  // WritableStreamRecord
    this.backpressure = undefined;
    this.backpressureChange = undefined;  // Deferred
    this.controller = undefined;
  }
}

class TransformControllerRecord {
  constructor(stream) {
    this.pub = undefined;
    this.stream = stream;
    this.transformAlgorithm = undefined;
    this.flushAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.finish = undefined; // Deferred (finishPromise)
  }
}

const kInternal = Symbol('internal');
const closeSentinel = { close: true };

// Accessors defined in the classes' static blocks.
let readableOf, readerOf, defaultControllerOf, byteControllerOf, byobRequestOf,
  writableOf, writerOf, writableControllerOf, transformOf, transformControllerOf;

// ---------------------------------------------------------------------------
// ReadableStream abstract operations

function newReadableStreamRecord() {
  const stream = new ReadableStreamRecord();
  new ReadableStream(kInternal, stream); // eslint-disable-line no-new
  return stream;
}

function isReadableStreamLocked(stream) {
  return stream.reader !== undefined;
}

function createReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark = 1, sizeAlgorithm = sizeOne) {
  const stream = newReadableStreamRecord();
  const controller = new DefaultControllerRecord(stream);
  setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

function createReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm) {
  const stream = newReadableStreamRecord();
  const controller = new ByteControllerRecord(stream);
  setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, 0, undefined);
  return stream;
}

function readableStreamCancel(stream, reason) {
  stream.disturbed = true;
  if (stream.state === 'closed') return resolvedUndefined();
  if (stream.state === 'errored') return promiseReject(stream.storedError);
  readableStreamClose(stream);
  const reader = stream.reader;
  if (reader !== undefined && reader.isBYOB) {
    const requests = reader.requests;
    reader.requests = [];
    for (let i = 0; i < requests.length; i++) requests[i].close(undefined);
  }
  const controller = stream.controller;
  const sourceCancelPromise = controller.isByte
    ? byteControllerCancelSteps(controller, reason)
    : defaultControllerCancelSteps(controller, reason);
  return promiseThen(sourceCancelPromise, noop);
}

function readableStreamClose(stream) {
  stream.state = 'closed';
  const reader = stream.reader;
  if (reader === undefined) return;
  resolveDeferred(reader.closed, undefined);
  if (!reader.isBYOB) {
    const requests = reader.requests;
    if (requests.length !== 0) {
      reader.requests = [];
      for (let i = 0; i < requests.length; i++) requests[i].close();
    }
  }
}

function readableStreamError(stream, e) {
  stream.state = 'errored';
  stream.storedError = e;
  const reader = stream.reader;
  if (reader === undefined) return;
  rejectDeferred(reader.closed, e);
  setHandled(reader.closed.promise);
  readerErrorRequests(reader, e);
}

function readerErrorRequests(reader, e) {
  const requests = reader.requests;
  if (requests.length === 0) return;
  reader.requests = [];
  for (let i = 0; i < requests.length; i++) requests[i].error(e);
}

function readableStreamFulfillReadRequest(stream, chunk, done) {
  const readRequest = stream.reader.requests.shift();
  if (done) readRequest.close();
  else readRequest.chunk(chunk);
}

function readableStreamFulfillReadIntoRequest(stream, chunk, done) {
  const request = stream.reader.requests.shift();
  if (done) request.close(chunk);
  else request.chunk(chunk);
}

function readableStreamGetNumReadRequests(stream) {
  return stream.reader.requests.length;
}

function readableStreamHasDefaultReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && !reader.isBYOB;
}

function readableStreamHasBYOBReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && reader.isBYOB;
}

// --- Readers ---

function readerGenericInitialize(reader, stream) {
  reader.stream = stream;
  stream.reader = reader;
  if (stream.state === 'readable') reader.closed = newDeferred();
  else if (stream.state === 'closed') reader.closed = resolvedDeferred(undefined);
  else reader.closed = rejectedDeferred(stream.storedError);
}

function readerGenericRelease(reader) {
  const stream = reader.stream;
  const error = new TypeError('The reader was released.');
  if (stream.state === 'readable') {
    rejectDeferred(reader.closed, error);
  } else {
    reader.closed = rejectedDeferred(error);
  }
  setHandled(reader.closed.promise);
  const controller = stream.controller;
  if (controller.isByte) byteControllerReleaseSteps(controller);
  stream.reader = undefined;
  reader.stream = undefined;
}

function readerGenericCancel(reader, reason) {
  return readableStreamCancel(reader.stream, reason);
}

function setUpDefaultReader(reader, stream) {
  if (isReadableStreamLocked(stream)) throw new TypeError('ReadableStream is locked to a reader.');
  readerGenericInitialize(reader, stream);
  reader.requests = [];
}

function acquireDefaultReader(stream) {
  const reader = new ReaderRecord(false);
  setUpDefaultReader(reader, stream);
  return reader;
}

function setUpBYOBReader(reader, stream) {
  if (isReadableStreamLocked(stream)) throw new TypeError('ReadableStream is locked to a reader.');
  if (!stream.controller.isByte) {
    throw new TypeError('Cannot get a BYOB reader for a stream that is not a byte stream (type: "bytes").');
  }
  readerGenericInitialize(reader, stream);
  reader.requests = [];
}

function acquireBYOBReader(stream) {
  const reader = new ReaderRecord(true);
  setUpBYOBReader(reader, stream);
  return reader;
}

function defaultReaderRead(reader, readRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === 'closed') readRequest.close();
  else if (stream.state === 'errored') readRequest.error(stream.storedError);
  else {
    const controller = stream.controller;
    if (controller.isByte) byteControllerPullSteps(controller, readRequest);
    else defaultControllerPullSteps(controller, readRequest);
  }
}

function defaultReaderRelease(reader) {
  readerGenericRelease(reader);
  readerErrorRequests(reader, new TypeError('The reader was released.'));
}

function byobReaderRead(reader, view, min, readIntoRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === 'errored') readIntoRequest.error(stream.storedError);
  else byteControllerPullInto(stream.controller, view, min, readIntoRequest);
}

function byobReaderRelease(reader) {
  readerGenericRelease(reader);
  readerErrorRequests(reader, new TypeError('The reader was released.'));
}

// Read requests handed out to JavaScript (reader.read()).
class PromiseReadRequest {
  constructor(res, rej) {
    this.res = res;
    this.rej = rej;
  }
  chunk(chunk) { this.res({ value: chunk, done: false }); }
  close(chunk) { this.res({ value: chunk, done: true }); }
  error(e) { this.rej(e); }
}

// --- ReadableStreamDefaultController ---

function defaultControllerCallPullIfNeeded(controller) {
  if (!defaultControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  promiseThen(controller.pullAlgorithm(), controller.onPullFulfilled, controller.onPullRejected);
}

function defaultControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (!defaultControllerCanCloseOrEnqueue(controller)) return false;
  if (!controller.started) return false;
  if (stream.reader !== undefined && stream.reader.requests.length > 0) return true;
  return defaultControllerGetDesiredSize(controller) > 0;
}

function defaultControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function defaultControllerClose(controller) {
  if (!defaultControllerCanCloseOrEnqueue(controller)) return;
  controller.closeRequested = true;
  if (queueLength(controller.queue) === 0) {
    defaultControllerClearAlgorithms(controller);
    readableStreamClose(controller.stream);
  }
}

function defaultControllerEnqueue(controller, chunk) {
  if (!defaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  if (stream.reader !== undefined && stream.reader.requests.length > 0) {
    readableStreamFulfillReadRequest(stream, chunk, false);
  } else {
    let chunkSize;
    try {
      chunkSize = controller.strategySizeAlgorithm(chunk);
    } catch (e) {
      defaultControllerError(controller, e);
      throw e;
    }
    try {
      enqueueValueWithSize(controller.queue, chunk, chunkSize);
    } catch (e) {
      defaultControllerError(controller, e);
      throw e;
    }
  }
  defaultControllerCallPullIfNeeded(controller);
}

function defaultControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return;
  resetQueue(controller.queue);
  defaultControllerClearAlgorithms(controller);
  readableStreamError(stream, e);
}

function defaultControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return controller.strategyHWM - controller.queue.total;
}

function defaultControllerHasBackpressure(controller) {
  return !defaultControllerShouldCallPull(controller);
}

function defaultControllerCanCloseOrEnqueue(controller) {
  return !controller.closeRequested && controller.stream.state === 'readable';
}

function defaultControllerCancelSteps(controller, reason) {
  resetQueue(controller.queue);
  const result = controller.cancelAlgorithm(reason);
  defaultControllerClearAlgorithms(controller);
  return result;
}

function defaultControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (queueLength(controller.queue) > 0) {
    const chunk = dequeueValue(controller.queue);
    if (controller.closeRequested && queueLength(controller.queue) === 0) {
      defaultControllerClearAlgorithms(controller);
      readableStreamClose(stream);
    } else {
      defaultControllerCallPullIfNeeded(controller);
    }
    readRequest.chunk(chunk);
  } else {
    stream.reader.requests.push(readRequest);
    defaultControllerCallPullIfNeeded(controller);
  }
}

function setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.onPullFulfilled = () => {
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      defaultControllerCallPullIfNeeded(controller);
    }
  };
  controller.onPullRejected = (e) => { defaultControllerError(controller, e); };
  stream.controller = controller;
  const startResult = startAlgorithm();
  promiseThen(promiseResolvedWith(startResult), () => {
    controller.started = true;
    defaultControllerCallPullIfNeeded(controller);
  }, (r) => { defaultControllerError(controller, r); });
}

function defaultControllerPub(controller) {
  let pub = controller.pub;
  if (pub === undefined) pub = new ReadableStreamDefaultController(kInternal, controller);
  return pub;
}

function setUpDefaultControllerFromSource(stream, source, dict, highWaterMark, sizeAlgorithm) {
  const controller = new DefaultControllerRecord(stream);
  let startAlgorithm = noop;
  let pullAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const { start, pull, cancel } = dict;
  if (start !== undefined) startAlgorithm = () => call(start, source, defaultControllerPub(controller));
  if (pull !== undefined) pullAlgorithm = () => invokePromise1(pull, source, defaultControllerPub(controller));
  if (cancel !== undefined) cancelAlgorithm = (reason) => invokePromise1(cancel, source, reason);
  setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm);
}

// --- ReadableByteStreamController ---

function byteControllerCallPullIfNeeded(controller) {
  if (!byteControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  promiseThen(controller.pullAlgorithm(), controller.onPullFulfilled, controller.onPullRejected);
}

function byteControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return false;
  if (controller.closeRequested) return false;
  if (!controller.started) return false;
  if (stream.reader !== undefined && stream.reader.requests.length > 0) return true;
  return byteControllerGetDesiredSize(controller) > 0;
}

function byteControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function byteControllerClearPendingPullIntos(controller) {
  byteControllerInvalidateBYOBRequest(controller);
  controller.pendingPullIntos = [];
}

function byteControllerClose(controller) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== 'readable') return;
  if (controller.queueTotalSize > 0) {
    controller.closeRequested = true;
    return;
  }
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    if (first.bytesFilled % first.elementSize !== 0) {
      const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
      byteControllerError(controller, e);
      throw e;
    }
  }
  byteControllerClearAlgorithms(controller);
  readableStreamClose(stream);
}

function byteControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor) {
  let done = false;
  if (stream.state === 'closed') done = true;
  const filledView = byteControllerConvertPullIntoDescriptor(pullIntoDescriptor);
  if (pullIntoDescriptor.readerType === 'default') {
    readableStreamFulfillReadRequest(stream, filledView, done);
  } else {
    readableStreamFulfillReadIntoRequest(stream, filledView, done);
  }
}

function byteControllerConvertPullIntoDescriptor(pid) {
  const buffer = transferArrayBuffer(pid.buffer);
  return new pid.viewConstructor(buffer, pid.byteOffset, pid.bytesFilled / pid.elementSize);
}

function byteControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== 'readable') return;
  const buffer = chunk.buffer;
  const byteOffset = chunk.byteOffset;
  const byteLength = chunk.byteLength;
  if (isDetachedBuffer(buffer)) throw new TypeError('The chunk\'s buffer is detached.');
  const transferredBuffer = transferArrayBuffer(buffer);
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    if (isDetachedBuffer(first.buffer)) throw new TypeError('The BYOB request\'s buffer has been detached.');
    byteControllerInvalidateBYOBRequest(controller);
    first.buffer = transferArrayBuffer(first.buffer);
    if (first.readerType === 'none') byteControllerEnqueueDetachedPullIntoToQueue(controller, first);
  }
  if (readableStreamHasDefaultReader(stream)) {
    byteControllerProcessReadRequestsUsingQueue(controller);
    if (readableStreamGetNumReadRequests(stream) === 0) {
      byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    } else {
      if (controller.pendingPullIntos.length > 0) byteControllerShiftPendingPullInto(controller);
      const transferredView = new Uint8Array(transferredBuffer, byteOffset, byteLength);
      readableStreamFulfillReadRequest(stream, transferredView, false);
    }
  } else if (readableStreamHasBYOBReader(stream)) {
    byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    const filled = byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (let i = 0; i < filled.length; i++) byteControllerCommitPullIntoDescriptor(stream, filled[i]);
  } else {
    byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
  }
  byteControllerCallPullIfNeeded(controller);
}

function byteControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
  controller.queue.push({ buffer, byteOffset, byteLength });
  controller.queueTotalSize += byteLength;
}

function byteControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset, byteLength) {
  let clone;
  try {
    clone = cloneArrayBufferRange(buffer, byteOffset, byteLength);
  } catch (e) {
    byteControllerError(controller, e);
    throw e;
  }
  byteControllerEnqueueChunkToQueue(controller, clone, 0, byteLength);
}

function byteControllerEnqueueDetachedPullIntoToQueue(controller, pid) {
  if (pid.bytesFilled > 0) {
    byteControllerEnqueueClonedChunkToQueue(controller, pid.buffer, pid.byteOffset, pid.bytesFilled);
  }
  byteControllerShiftPendingPullInto(controller);
}

function byteControllerFillPullIntoDescriptorFromQueue(controller, pid) {
  const maxBytesToCopy = MathMin(controller.queueTotalSize, pid.byteLength - pid.bytesFilled);
  const maxBytesFilled = pid.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const remainderBytes = maxBytesFilled % pid.elementSize;
  const maxAlignedBytes = maxBytesFilled - remainderBytes;
  if (maxAlignedBytes >= pid.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - pid.bytesFilled;
    ready = true;
  }
  const queue = controller.queue;
  while (totalBytesToCopyRemaining > 0) {
    const head = queue[0];
    const bytesToCopy = MathMin(totalBytesToCopyRemaining, head.byteLength);
    const destStart = pid.byteOffset + pid.bytesFilled;
    copyDataBlockBytes(pid.buffer, destStart, head.buffer, head.byteOffset, bytesToCopy);
    if (head.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      head.byteOffset += bytesToCopy;
      head.byteLength -= bytesToCopy;
    }
    controller.queueTotalSize -= bytesToCopy;
    byteControllerFillHeadPullIntoDescriptor(controller, bytesToCopy, pid);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

function byteControllerFillHeadPullIntoDescriptor(controller, size, pid) {
  pid.bytesFilled += size;
}

function byteControllerFillReadRequestFromQueue(controller, readRequest) {
  const entry = controller.queue.shift();
  controller.queueTotalSize -= entry.byteLength;
  byteControllerHandleQueueDrain(controller);
  readRequest.chunk(new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength));
}

function byteControllerGetBYOBRequest(controller) {
  if (controller.byobRequest === null && controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled, first.byteLength - first.bytesFilled);
    controller.byobRequest = new BYOBRequestRecord(controller, view);
  }
  return controller.byobRequest;
}

function byteControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function byteControllerHandleQueueDrain(controller) {
  if (controller.queueTotalSize === 0 && controller.closeRequested) {
    byteControllerClearAlgorithms(controller);
    readableStreamClose(controller.stream);
  } else {
    byteControllerCallPullIfNeeded(controller);
  }
}

function byteControllerInvalidateBYOBRequest(controller) {
  const request = controller.byobRequest;
  if (request === null) return;
  request.controller = undefined;
  request.view = null;
  controller.byobRequest = null;
}

function byteControllerProcessPullIntoDescriptorsUsingQueue(controller) {
  const filled = [];
  while (controller.pendingPullIntos.length > 0) {
    if (controller.queueTotalSize === 0) break;
    const pid = controller.pendingPullIntos[0];
    if (byteControllerFillPullIntoDescriptorFromQueue(controller, pid)) {
      byteControllerShiftPendingPullInto(controller);
      filled.push(pid);
    }
  }
  return filled;
}

function byteControllerProcessReadRequestsUsingQueue(controller) {
  const reader = controller.stream.reader;
  while (reader.requests.length > 0) {
    if (controller.queueTotalSize === 0) return;
    const readRequest = reader.requests.shift();
    byteControllerFillReadRequestFromQueue(controller, readRequest);
  }
}

function byteControllerPullInto(controller, view, min, readIntoRequest) {
  const stream = controller.stream;
  let elementSize = 1;
  let ctor = DataView;
  const name = typedArrayName(view);
  if (name !== undefined) {
    ctor = typedArrayCtors[name];
    elementSize = ctor.BYTES_PER_ELEMENT;
  }
  const minimumFill = min * elementSize;
  const byteOffset = view.byteOffset;
  const byteLength = view.byteLength;
  let buffer;
  try {
    buffer = transferArrayBuffer(view.buffer);
  } catch (e) {
    readIntoRequest.error(e);
    return;
  }
  const pid = new PullIntoDescriptor(buffer, buffer.byteLength, byteOffset, byteLength, minimumFill, elementSize, ctor, 'byob');
  if (controller.pendingPullIntos.length > 0) {
    controller.pendingPullIntos.push(pid);
    stream.reader.requests.push(readIntoRequest);
    return;
  }
  if (stream.state === 'closed') {
    readIntoRequest.close(new ctor(pid.buffer, pid.byteOffset, 0));
    return;
  }
  if (controller.queueTotalSize > 0) {
    if (byteControllerFillPullIntoDescriptorFromQueue(controller, pid)) {
      const filledView = byteControllerConvertPullIntoDescriptor(pid);
      byteControllerHandleQueueDrain(controller);
      readIntoRequest.chunk(filledView);
      return;
    }
    if (controller.closeRequested) {
      const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
      byteControllerError(controller, e);
      readIntoRequest.error(e);
      return;
    }
  }
  controller.pendingPullIntos.push(pid);
  stream.reader.requests.push(readIntoRequest);
  byteControllerCallPullIfNeeded(controller);
}

function byteControllerRespond(controller, bytesWritten) {
  const first = controller.pendingPullIntos[0];
  const state = controller.stream.state;
  if (state === 'closed') {
    if (bytesWritten !== 0) throw new TypeError('bytesWritten must be 0 when calling respond() on a closed stream');
  } else {
    if (bytesWritten === 0) throw new TypeError('bytesWritten must be greater than 0 when calling respond() on a readable stream');
    if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError('bytesWritten out of range');
  }
  first.buffer = transferArrayBuffer(first.buffer);
  byteControllerRespondInternal(controller, bytesWritten);
}

function byteControllerRespondInClosedState(controller, first) {
  if (first.readerType === 'none') byteControllerShiftPendingPullInto(controller);
  const stream = controller.stream;
  if (readableStreamHasBYOBReader(stream)) {
    const filled = [];
    while (filled.length < stream.reader.requests.length) {
      filled.push(byteControllerShiftPendingPullInto(controller));
    }
    for (let i = 0; i < filled.length; i++) byteControllerCommitPullIntoDescriptor(stream, filled[i]);
  }
}

function byteControllerRespondInReadableState(controller, bytesWritten, pid) {
  byteControllerFillHeadPullIntoDescriptor(controller, bytesWritten, pid);
  if (pid.readerType === 'none') {
    byteControllerEnqueueDetachedPullIntoToQueue(controller, pid);
    const filled = byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (let i = 0; i < filled.length; i++) byteControllerCommitPullIntoDescriptor(controller.stream, filled[i]);
    return;
  }
  if (pid.bytesFilled < pid.minimumFill) return;
  byteControllerShiftPendingPullInto(controller);
  const remainderSize = pid.bytesFilled % pid.elementSize;
  if (remainderSize > 0) {
    const end = pid.byteOffset + pid.bytesFilled;
    byteControllerEnqueueClonedChunkToQueue(controller, pid.buffer, end - remainderSize, remainderSize);
  }
  pid.bytesFilled -= remainderSize;
  const filled = byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
  byteControllerCommitPullIntoDescriptor(controller.stream, pid);
  for (let i = 0; i < filled.length; i++) byteControllerCommitPullIntoDescriptor(controller.stream, filled[i]);
}

function byteControllerRespondInternal(controller, bytesWritten) {
  const first = controller.pendingPullIntos[0];
  byteControllerInvalidateBYOBRequest(controller);
  if (controller.stream.state === 'closed') {
    byteControllerRespondInClosedState(controller, first);
  } else {
    byteControllerRespondInReadableState(controller, bytesWritten, first);
  }
  byteControllerCallPullIfNeeded(controller);
}

function byteControllerRespondWithNewView(controller, view) {
  const first = controller.pendingPullIntos[0];
  const state = controller.stream.state;
  if (state === 'closed') {
    if (view.byteLength !== 0) throw new TypeError('The view\'s length must be 0 when calling respondWithNewView() on a closed stream');
  } else if (view.byteLength === 0) {
    throw new TypeError('The view\'s length must be greater than 0 when calling respondWithNewView() on a readable stream');
  }
  if (first.byteOffset + first.bytesFilled !== view.byteOffset) throw new RangeError('The region specified by view does not match byobRequest');
  if (first.bufferByteLength !== view.buffer.byteLength) throw new RangeError('The buffer of view has different capacity than byobRequest');
  if (first.bytesFilled + view.byteLength > first.byteLength) throw new RangeError('The region specified by view is larger than byobRequest');
  const viewByteLength = view.byteLength;
  first.buffer = transferArrayBuffer(view.buffer);
  byteControllerRespondInternal(controller, viewByteLength);
}

function byteControllerShiftPendingPullInto(controller) {
  return controller.pendingPullIntos.shift();
}

function byteControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return;
  byteControllerClearPendingPullIntos(controller);
  controller.queue = [];
  controller.queueTotalSize = 0;
  byteControllerClearAlgorithms(controller);
  readableStreamError(stream, e);
}

function byteControllerCancelSteps(controller, reason) {
  byteControllerClearPendingPullIntos(controller);
  controller.queue = [];
  controller.queueTotalSize = 0;
  const result = controller.cancelAlgorithm(reason);
  byteControllerClearAlgorithms(controller);
  return result;
}

function byteControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queueTotalSize > 0) {
    byteControllerFillReadRequestFromQueue(controller, readRequest);
    return;
  }
  const autoAllocateChunkSize = controller.autoAllocateChunkSize;
  if (autoAllocateChunkSize !== undefined) {
    let buffer;
    try {
      buffer = new ArrayBuffer(autoAllocateChunkSize);
    } catch (e) {
      readRequest.error(e);
      return;
    }
    controller.pendingPullIntos.push(new PullIntoDescriptor(buffer, autoAllocateChunkSize, 0, autoAllocateChunkSize, 1, 1, Uint8Array, 'default'));
  }
  stream.reader.requests.push(readRequest);
  byteControllerCallPullIfNeeded(controller);
}

function byteControllerReleaseSteps(controller) {
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos[0];
    first.readerType = 'none';
    controller.pendingPullIntos = [first];
  }
}

function setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, autoAllocateChunkSize) {
  controller.stream = stream;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.autoAllocateChunkSize = autoAllocateChunkSize;
  controller.onPullFulfilled = () => {
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      byteControllerCallPullIfNeeded(controller);
    }
  };
  controller.onPullRejected = (e) => { byteControllerError(controller, e); };
  stream.controller = controller;
  const startResult = startAlgorithm();
  promiseThen(promiseResolvedWith(startResult), () => {
    controller.started = true;
    byteControllerCallPullIfNeeded(controller);
  }, (r) => { byteControllerError(controller, r); });
}

function byteControllerPub(controller) {
  let pub = controller.pub;
  if (pub === undefined) pub = new ReadableByteStreamController(kInternal, controller);
  return pub;
}

function setUpByteControllerFromSource(stream, source, dict, highWaterMark) {
  const controller = new ByteControllerRecord(stream);
  let startAlgorithm = noop;
  let pullAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const { start, pull, cancel } = dict;
  if (start !== undefined) startAlgorithm = () => call(start, source, byteControllerPub(controller));
  if (pull !== undefined) pullAlgorithm = () => invokePromise1(pull, source, byteControllerPub(controller));
  if (cancel !== undefined) cancelAlgorithm = (reason) => invokePromise1(cancel, source, reason);
  const autoAllocateChunkSize = dict.autoAllocateChunkSize;
  if (autoAllocateChunkSize === 0) throw new TypeError('autoAllocateChunkSize must be greater than 0');
  setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, highWaterMark, autoAllocateChunkSize);
}

// --- Tee ---

function readableStreamTee(stream, cloneForBranch2) {
  if (stream.controller.isByte) return readableByteStreamTee(stream);
  return readableStreamDefaultTee(stream, cloneForBranch2);
}

function readableStreamDefaultTee(stream, cloneForBranch2) {
  const reader = acquireDefaultReader(stream);
  let reading = false;
  let readAgain = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1, reason2, branch1, branch2;
  const cancelDeferred = newDeferred();

  const readRequest = {
    chunk(chunk) {
      queueMicrotaskInternal(() => {
        readAgain = false;
        // cloneForBranch2 would need StructuredClone, which this runtime's
        // JavaScript half does not have; the public tee() never asks for it.
        if (!canceled1) defaultControllerEnqueue(branch1.controller, chunk);
        if (!canceled2) defaultControllerEnqueue(branch2.controller, chunk);
        reading = false;
        if (readAgain) pullAlgorithm();
      });
    },
    close() {
      reading = false;
      if (!canceled1) defaultControllerClose(branch1.controller);
      if (!canceled2) defaultControllerClose(branch2.controller);
      if (!canceled1 || !canceled2) resolveDeferred(cancelDeferred, undefined);
    },
    error() {
      reading = false;
    },
  };

  function pullAlgorithm() {
    if (reading) {
      readAgain = true;
      return resolvedUndefined();
    }
    reading = true;
    defaultReaderRead(reader, readRequest);
    return resolvedUndefined();
  }

  function cancel1Algorithm(reason) {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) resolveDeferred(cancelDeferred, readableStreamCancel(stream, [reason1, reason2]));
    return cancelDeferred.promise;
  }

  function cancel2Algorithm(reason) {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) resolveDeferred(cancelDeferred, readableStreamCancel(stream, [reason1, reason2]));
    return cancelDeferred.promise;
  }

  branch1 = createReadableStream(noop, pullAlgorithm, cancel1Algorithm);
  branch2 = createReadableStream(noop, pullAlgorithm, cancel2Algorithm);
  promiseThen(reader.closed.promise, undefined, (r) => {
    defaultControllerError(branch1.controller, r);
    defaultControllerError(branch2.controller, r);
    if (!canceled1 || !canceled2) resolveDeferred(cancelDeferred, undefined);
  });
  void cloneForBranch2;
  return [branch1, branch2];
}

function cloneAsUint8Array(view) {
  return new Uint8Array(cloneArrayBufferRange(view.buffer, view.byteOffset, view.byteLength));
}

function readableByteStreamTee(stream) {
  let reader = acquireDefaultReader(stream);
  let reading = false;
  let readAgainForBranch1 = false;
  let readAgainForBranch2 = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1, reason2, branch1, branch2;
  const cancelDeferred = newDeferred();

  function forwardReaderError(thisReader) {
    promiseThen(thisReader.closed.promise, undefined, (r) => {
      if (thisReader !== reader) return;
      byteControllerError(branch1.controller, r);
      byteControllerError(branch2.controller, r);
      if (!canceled1 || !canceled2) resolveDeferred(cancelDeferred, undefined);
    });
  }

  function errorBothAndCancel(e) {
    byteControllerError(branch1.controller, e);
    byteControllerError(branch2.controller, e);
    resolveDeferred(cancelDeferred, readableStreamCancel(stream, e));
  }

  function pullWithDefaultReader() {
    if (reader.isBYOB) {
      byobReaderRelease(reader);
      reader = acquireDefaultReader(stream);
      forwardReaderError(reader);
    }
    defaultReaderRead(reader, {
      chunk(chunk) {
        queueMicrotaskInternal(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const chunk1 = chunk;
          let chunk2 = chunk;
          if (!canceled1 && !canceled2) {
            try {
              chunk2 = cloneAsUint8Array(chunk);
            } catch (e) {
              errorBothAndCancel(e);
              return;
            }
          }
          if (!canceled1) byteControllerEnqueue(branch1.controller, chunk1);
          if (!canceled2) byteControllerEnqueue(branch2.controller, chunk2);
          reading = false;
          if (readAgainForBranch1) pull1Algorithm();
          else if (readAgainForBranch2) pull2Algorithm();
        });
      },
      close() {
        reading = false;
        if (!canceled1) byteControllerClose(branch1.controller);
        if (!canceled2) byteControllerClose(branch2.controller);
        if (branch1.controller.pendingPullIntos.length > 0) byteControllerRespond(branch1.controller, 0);
        if (branch2.controller.pendingPullIntos.length > 0) byteControllerRespond(branch2.controller, 0);
        if (!canceled1 || !canceled2) resolveDeferred(cancelDeferred, undefined);
      },
      error() {
        reading = false;
      },
    });
  }

  function pullWithBYOBReader(view, forBranch2) {
    if (!reader.isBYOB) {
      defaultReaderRelease(reader);
      reader = acquireBYOBReader(stream);
      forwardReaderError(reader);
    }
    const byobBranch = forBranch2 ? branch2 : branch1;
    const otherBranch = forBranch2 ? branch1 : branch2;
    byobReaderRead(reader, view, 1, {
      chunk(chunk) {
        queueMicrotaskInternal(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1;
          const otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!otherCanceled) {
            let clonedChunk;
            try {
              clonedChunk = cloneAsUint8Array(chunk);
            } catch (e) {
              errorBothAndCancel(e);
              return;
            }
            if (!byobCanceled) byteControllerRespondWithNewView(byobBranch.controller, chunk);
            byteControllerEnqueue(otherBranch.controller, clonedChunk);
          } else if (!byobCanceled) {
            byteControllerRespondWithNewView(byobBranch.controller, chunk);
          }
          reading = false;
          if (readAgainForBranch1) pull1Algorithm();
          else if (readAgainForBranch2) pull2Algorithm();
        });
      },
      close(chunk) {
        reading = false;
        const byobCanceled = forBranch2 ? canceled2 : canceled1;
        const otherCanceled = forBranch2 ? canceled1 : canceled2;
        if (!byobCanceled) byteControllerClose(byobBranch.controller);
        if (!otherCanceled) byteControllerClose(otherBranch.controller);
        if (chunk !== undefined) {
          if (!byobCanceled) byteControllerRespondWithNewView(byobBranch.controller, chunk);
          if (!otherCanceled && otherBranch.controller.pendingPullIntos.length > 0) {
            byteControllerRespond(otherBranch.controller, 0);
          }
        }
        if (!byobCanceled || !otherCanceled) resolveDeferred(cancelDeferred, undefined);
      },
      error() {
        reading = false;
      },
    });
  }

  function pull1Algorithm() {
    if (reading) {
      readAgainForBranch1 = true;
      return resolvedUndefined();
    }
    reading = true;
    const byobRequest = byteControllerGetBYOBRequest(branch1.controller);
    if (byobRequest === null) pullWithDefaultReader();
    else pullWithBYOBReader(byobRequest.view, false);
    return resolvedUndefined();
  }

  function pull2Algorithm() {
    if (reading) {
      readAgainForBranch2 = true;
      return resolvedUndefined();
    }
    reading = true;
    const byobRequest = byteControllerGetBYOBRequest(branch2.controller);
    if (byobRequest === null) pullWithDefaultReader();
    else pullWithBYOBReader(byobRequest.view, true);
    return resolvedUndefined();
  }

  function cancel1Algorithm(reason) {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) resolveDeferred(cancelDeferred, readableStreamCancel(stream, [reason1, reason2]));
    return cancelDeferred.promise;
  }

  function cancel2Algorithm(reason) {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) resolveDeferred(cancelDeferred, readableStreamCancel(stream, [reason1, reason2]));
    return cancelDeferred.promise;
  }

  branch1 = createReadableByteStream(noop, pull1Algorithm, cancel1Algorithm);
  branch2 = createReadableByteStream(noop, pull2Algorithm, cancel2Algorithm);
  forwardReaderError(reader);
  return [branch1, branch2];
}

// --- pipeTo ---

function readableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const reader = acquireDefaultReader(source);
  const writer = acquireWriter(dest);
  source.disturbed = true;
  let shuttingDown = false;
  let currentWrite = internalResolved;
  const result = newDeferred();
  let removeAbortAlgorithm;

  function finalize(hasError, error) {
    writerRelease(writer);
    defaultReaderRelease(reader);
    if (removeAbortAlgorithm !== undefined) removeAbortAlgorithm();
    if (hasError) rejectDeferred(result, error);
    else resolveDeferred(result, undefined);
  }

  function waitForWritesToFinish() {
    const oldCurrentWrite = currentWrite;
    return promiseThen(currentWrite, () => (oldCurrentWrite !== currentWrite ? waitForWritesToFinish() : undefined));
  }

  function shouldWaitForWrites() {
    return dest.state === 'writable' && !writableStreamCloseQueuedOrInFlight(dest);
  }

  function shutdownWithAction(action, hasError, originalError) {
    if (shuttingDown) return;
    shuttingDown = true;
    const doAction = () => {
      promiseThen(action(),
        () => finalize(hasError, originalError),
        (newError) => finalize(true, newError));
    };
    if (shouldWaitForWrites()) promiseThen(waitForWritesToFinish(), doAction);
    else doAction();
  }

  function shutdown(hasError, error) {
    if (shuttingDown) return;
    shuttingDown = true;
    if (shouldWaitForWrites()) promiseThen(waitForWritesToFinish(), () => finalize(hasError, error));
    else finalize(hasError, error);
  }

  if (signal !== undefined) {
    const abortAlgorithm = () => {
      const error = abortSignalReason(signal);
      const actions = [];
      if (!preventAbort) {
        actions.push(() => (dest.state === 'writable' ? writableStreamAbort(dest, error) : resolvedUndefined()));
      }
      if (!preventCancel) {
        actions.push(() => (source.state === 'readable' ? readableStreamCancel(source, error) : resolvedUndefined()));
      }
      shutdownWithAction(() => {
        const promises = [];
        for (let i = 0; i < actions.length; i++) promises.push(actions[i]());
        return PromiseAll(promises);
      }, true, error);
    };
    if (abortSignalAborted(signal)) {
      abortAlgorithm();
      return result.promise;
    }
    removeAbortAlgorithm = abortSignalAddAlgorithm(signal, abortAlgorithm);
  }

  // Propagation rules, checked now and whenever the states change.
  function onSourceErrored(storedError) {
    if (!preventAbort) shutdownWithAction(() => writableStreamAbort(dest, storedError), true, storedError);
    else shutdown(true, storedError);
  }
  function onDestErrored(storedError) {
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(source, storedError), true, storedError);
    else shutdown(true, storedError);
  }
  function onSourceClosed() {
    if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer), false, undefined);
    else shutdown(false, undefined);
  }
  function onDestClosed() {
    const destClosed = new TypeError('The destination writable stream closed before all data could be piped to it.');
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(source, destClosed), true, destClosed);
    else shutdown(true, destClosed);
  }

  // Errors must be propagated forward.
  if (source.state === 'errored') onSourceErrored(source.storedError);
  else promiseThen(reader.closed.promise, noop, onSourceErrored);
  // Errors must be propagated backward.
  if (dest.state === 'errored' || dest.state === 'erroring') onDestErrored(dest.storedError);
  else promiseThen(writer.closed.promise, noop, onDestErrored);
  // Closing must be propagated forward.
  if (source.state === 'closed') onSourceClosed();
  else promiseThen(reader.closed.promise, onSourceClosed, noop);
  // Closing must be propagated backward.
  if (writableStreamCloseQueuedOrInFlight(dest) || dest.state === 'closed') onDestClosed();

  if (!shuttingDown) {
    // The chunk steps run inside the source's enqueue(); the write is done a
    // microtask later so that the sink's write() never runs on that stack.
    // (A pending shutdown waits for it: waitForWritesToFinish re-checks.)
    const readRequest = {
      chunk(chunk) {
        queueMicrotaskInternal(() => {
          if (writer.stream === undefined) return; // already finalized
          currentWrite = promiseThen(writerWrite(writer, chunk), undefined, noop);
          promiseThen(writer.ready.promise, step, noop);
        });
      },
      close() {},
      error() {},
    };
    const step = () => {
      if (shuttingDown) return;
      if (dest.state === 'erroring') {
        onDestErrored(dest.storedError);
        return;
      }
      defaultReaderRead(reader, readRequest);
    };
    promiseThen(writer.ready.promise, step, noop);
  }
  return result.promise;
}

// --- Async iteration ---

const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);

const endOfIteration = { end: true };

class ReadableStreamAsyncIterator {
  #reader;
  #preventCancel;
  #ongoing = null;
  #finished = false;

  constructor(reader, preventCancel) {
    this.#reader = reader;
    this.#preventCancel = preventCancel;
  }

  // WebIDL's asynchronous iterator next(): calls are chained on the ongoing
  // promise so they settle in order.
  next() {
    if (!(isObject(this) && #reader in this)) return promiseReject(illegalInvocation());
    const ongoing = this.#ongoing;
    let p;
    if (ongoing === null) {
      p = this.#nextSteps();
    } else {
      const steps = () => this.#nextSteps();
      p = promiseThen(ongoing, steps, steps);
    }
    this.#ongoing = p;
    return p;
  }

  #nextSteps() {
    if (this.#finished) return promiseResolve({ value: undefined, done: true });
    const reader = this.#reader;
    let res, rej;
    const nextPromise = new PromiseCtor((a, b) => { res = a; rej = b; });
    defaultReaderRead(reader, {
      chunk: res,
      close: () => {
        defaultReaderRelease(reader);
        res(endOfIteration);
      },
      error: (e) => {
        defaultReaderRelease(reader);
        rej(e);
      },
    });
    return promiseThen(nextPromise, (next) => {
      this.#ongoing = null;
      if (next === endOfIteration) {
        this.#finished = true;
        return { value: undefined, done: true };
      }
      return { value: next, done: false };
    }, (reason) => {
      this.#ongoing = null;
      this.#finished = true;
      throw reason;
    });
  }

  return(value) {
    if (!(isObject(this) && #reader in this)) return promiseReject(illegalInvocation());
    const returnSteps = () => {
      if (this.#finished) return promiseResolve({ value, done: true });
      this.#finished = true;
      const reader = this.#reader;
      if (!this.#preventCancel) {
        const r = readerGenericCancel(reader, value);
        defaultReaderRelease(reader);
        return r;
      }
      defaultReaderRelease(reader);
      return resolvedUndefined();
    };
    const ongoing = this.#ongoing;
    const p = ongoing === null ? returnSteps() : promiseThen(ongoing, returnSteps, returnSteps);
    this.#ongoing = p;
    return promiseThen(p, () => ({ value, done: true }));
  }
}
Object.setPrototypeOf(ReadableStreamAsyncIterator.prototype, AsyncIteratorPrototype);
const RSAsyncIteratorProto = ReadableStreamAsyncIterator.prototype;
delete RSAsyncIteratorProto.constructor;
for (const key of ['next', 'return']) {
  const d = Object.getOwnPropertyDescriptor(RSAsyncIteratorProto, key);
  d.enumerable = true;
  ObjectDefineProperty(RSAsyncIteratorProto, key, d);
}
ObjectDefineProperty(RSAsyncIteratorProto, Symbol.toStringTag, { value: 'ReadableStream AsyncIterator', configurable: true });

// --- ReadableStream.from ---

function getAsyncIterator(obj) {
  let method = obj == null ? undefined : obj[SymbolAsyncIterator];
  if (method === undefined || method === null) {
    const syncMethod = obj == null ? undefined : obj[SymbolIterator];
    if (syncMethod === undefined || syncMethod === null) {
      throw new TypeError('ReadableStream.from() requires an async iterable or an iterable.');
    }
    if (typeof syncMethod !== 'function') throw new TypeError('@@iterator is not a function.');
    const syncIterator = call(syncMethod, obj);
    if (!isObject(syncIterator)) throw new TypeError('The iterator is not an object.');
    return asyncFromSyncIterator(syncIterator, syncIterator.next);
  }
  if (typeof method !== 'function') throw new TypeError('@@asyncIterator is not a function.');
  const iterator = call(method, obj);
  if (!isObject(iterator)) throw new TypeError('The async iterator is not an object.');
  return { iterator, next: iterator.next };
}

// CreateAsyncFromSyncIterator, reduced to what ReadableStream.from uses.
function asyncFromSyncIterator(syncIterator, syncNext) {
  const continuation = (result) => {
    if (!isObject(result)) throw new TypeError('Iterator result is not an object.');
    const done = !!result.done;
    return promiseThen(promiseResolve(result.value), (value) => ({ value, done }), (e) => {
      if (!done) {
        try {
          const ret = syncIterator.return;
          if (ret !== undefined && ret !== null) call(ret, syncIterator);
        } catch { /* the original rejection wins */ }
      }
      throw e;
    });
  };
  const iterator = {
    next() {
      try { return continuation(call(syncNext, syncIterator)); } catch (e) { return promiseReject(e); }
    },
    return(value) {
      try {
        const ret = syncIterator.return;
        if (ret === undefined || ret === null) return promiseResolve({ value, done: true });
        return continuation(call(ret, syncIterator, value));
      } catch (e) {
        return promiseReject(e);
      }
    },
  };
  return { iterator, next: iterator.next };
}

function readableStreamFromIterable(asyncIterable) {
  const record = getAsyncIterator(asyncIterable);
  let stream;
  const pullAlgorithm = () => {
    let nextResult;
    try {
      nextResult = call(record.next, record.iterator);
    } catch (e) {
      return promiseReject(e);
    }
    return promiseThen(promiseResolvedWith(nextResult), (iterResult) => {
      if (!isObject(iterResult)) throw new TypeError('The promise returned by the iterator.next() method must fulfill with an object');
      if (iterResult.done) {
        defaultControllerClose(stream.controller);
      } else {
        defaultControllerEnqueue(stream.controller, iterResult.value);
      }
    });
  };
  const cancelAlgorithm = (reason) => {
    const iterator = record.iterator;
    let returnMethod;
    try {
      returnMethod = iterator.return;
    } catch (e) {
      return promiseReject(e);
    }
    if (returnMethod === undefined || returnMethod === null) return resolvedUndefined();
    let returnResult;
    try {
      if (typeof returnMethod !== 'function') throw new TypeError('iterator.return is not a function');
      returnResult = call(returnMethod, iterator, reason);
    } catch (e) {
      return promiseReject(e);
    }
    return promiseThen(promiseResolvedWith(returnResult), (iterResult) => {
      if (!isObject(iterResult)) throw new TypeError('The promise returned by the iterator.return() method must fulfill with an object');
    });
  };
  stream = createReadableStream(noop, pullAlgorithm, cancelAlgorithm, 0);
  return stream;
}

// ---------------------------------------------------------------------------
// ReadableStream and friends: public classes

function convertUnderlyingSource(source) {
  // Dictionary members in lexicographic order (WebIDL).
  const a = source.autoAllocateChunkSize;
  const autoAllocateChunkSize = a === undefined ? undefined : enforceRangeULL(a);
  const cancel = callbackMember(source.cancel, 'underlyingSource.cancel');
  const pull = callbackMember(source.pull, 'underlyingSource.pull');
  const start = callbackMember(source.start, 'underlyingSource.start');
  let type = source.type;
  if (type !== undefined) {
    type = toDOMString(type);
    if (type !== 'bytes') throw new TypeError(`'${type}' is not a valid value for underlyingSource.type.`);
  }
  return { autoAllocateChunkSize, cancel, pull, start, type };
}

function convertPipeOptions(options) {
  const dict = dictionary(options, 'The options argument');
  if (dict === undefined) return { preventAbort: false, preventCancel: false, preventClose: false, signal: undefined };
  const preventAbort = !!dict.preventAbort;
  const preventCancel = !!dict.preventCancel;
  const preventClose = !!dict.preventClose;
  const signal = dict.signal;
  if (signal !== undefined && !isAbortSignal(signal)) throw new TypeError('options.signal is not an AbortSignal.');
  return { preventAbort, preventCancel, preventClose, signal };
}

function thisStream(self) {
  const stream = readableOf(self);
  if (stream === undefined) throw illegalInvocation();
  return stream;
}

class ReadableStream {
  #stream;

  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kInternal) {
      this.#stream = strategy;
      strategy.pub = this;
      return;
    }
    if (underlyingSource !== undefined && !isObject(underlyingSource)) {
      throw new TypeError("Failed to construct 'ReadableStream': The provided value is not of type 'object'.");
    }
    const strat = convertStrategy(strategy, 'strategy');
    const source = underlyingSource === undefined ? null : underlyingSource;
    const dict = source === null
      ? { autoAllocateChunkSize: undefined, cancel: undefined, pull: undefined, start: undefined, type: undefined }
      : convertUnderlyingSource(source);
    const stream = new ReadableStreamRecord();
    stream.pub = this;
    this.#stream = stream;
    if (dict.type === 'bytes') {
      if (strat.size !== undefined) throw new RangeError('The strategy for a byte stream cannot have a size function');
      const highWaterMark = extractHighWaterMark(strat, 0);
      setUpByteControllerFromSource(stream, source, dict, highWaterMark);
    } else {
      const sizeAlgorithm = extractSizeAlgorithm(strat);
      const highWaterMark = extractHighWaterMark(strat, 1);
      setUpDefaultControllerFromSource(stream, source, dict, highWaterMark, sizeAlgorithm);
    }
  }

  static from(asyncIterable) {
    return readableStreamFromIterable(asyncIterable).pub;
  }

  get locked() {
    return isReadableStreamLocked(thisStream(this));
  }

  cancel(reason = undefined) {
    try {
      const stream = thisStream(this);
      if (isReadableStreamLocked(stream)) return promiseReject(new TypeError('Cannot cancel a stream that is locked to a reader.'));
      return readableStreamCancel(stream, reason);
    } catch (e) {
      return promiseReject(e);
    }
  }

  getReader(options = undefined) {
    const stream = thisStream(this);
    const dict = dictionary(options, 'The options argument');
    let mode = dict === undefined ? undefined : dict.mode;
    if (mode !== undefined) {
      mode = toDOMString(mode);
      if (mode !== 'byob') throw new TypeError(`'${mode}' is not a valid value for options.mode.`);
      return acquireBYOBReaderPub(stream);
    }
    return acquireDefaultReaderPub(stream);
  }

  pipeThrough(transform, options = undefined) {
    const stream = thisStream(this);
    const pair = dictionary(transform, 'The transform argument');
    if (pair === undefined) throw new TypeError("Failed to execute 'pipeThrough': the transform argument is required.");
    const readablePub = pair.readable;
    const readable = readableOf(readablePub);
    if (readable === undefined) throw new TypeError("Failed to execute 'pipeThrough': transform.readable is not a ReadableStream.");
    const writable = writableOf(pair.writable);
    if (writable === undefined) throw new TypeError("Failed to execute 'pipeThrough': transform.writable is not a WritableStream.");
    const opts = convertPipeOptions(options);
    if (isReadableStreamLocked(stream)) throw new TypeError('Cannot pipe a stream that is locked to a reader.');
    if (isWritableStreamLocked(writable)) throw new TypeError('Cannot pipe to a WritableStream that is locked.');
    const promise = readableStreamPipeTo(stream, writable, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
    setHandled(promise);
    return readablePub;
  }

  pipeTo(destination, options = undefined) {
    try {
      const stream = thisStream(this);
      const dest = writableOf(destination);
      if (dest === undefined) throw new TypeError("Failed to execute 'pipeTo': parameter 1 is not of type 'WritableStream'.");
      const opts = convertPipeOptions(options);
      if (isReadableStreamLocked(stream)) throw new TypeError('Cannot pipe a stream that is locked to a reader.');
      if (isWritableStreamLocked(dest)) throw new TypeError('Cannot pipe to a WritableStream that is locked.');
      return readableStreamPipeTo(stream, dest, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
    } catch (e) {
      return promiseReject(e);
    }
  }

  tee() {
    const branches = readableStreamTee(thisStream(this), false);
    return [branches[0].pub, branches[1].pub];
  }

  values(options = undefined) {
    const stream = thisStream(this);
    const dict = dictionary(options, 'The options argument');
    const preventCancel = dict !== undefined && !!dict.preventCancel;
    const reader = acquireDefaultReader(stream);
    return new ReadableStreamAsyncIterator(reader, preventCancel);
  }

  static {
    readableOf = (v) => (isObject(v) && #stream in v ? v.#stream : undefined);
  }
}
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  value: ReadableStream.prototype.values, writable: true, enumerable: false, configurable: true,
});
finishInterface(ReadableStream, 'ReadableStream');

function acquireDefaultReaderPub(stream) {
  const reader = acquireDefaultReader(stream);
  return new ReadableStreamDefaultReader(kInternal, reader);
}

function acquireBYOBReaderPub(stream) {
  const reader = acquireBYOBReader(stream);
  return new ReadableStreamBYOBReader(kInternal, reader);
}

class ReadableStreamDefaultReader {
  #reader;

  constructor(stream, internalRecord = undefined) {
    if (stream === kInternal) {
      this.#reader = internalRecord;
      internalRecord.pub = this;
      return;
    }
    const s = readableOf(stream);
    if (s === undefined) throw new TypeError("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
    const reader = new ReaderRecord(false);
    setUpDefaultReader(reader, s);
    reader.pub = this;
    this.#reader = reader;
  }

  get closed() {
    const reader = readerOf(this);
    if (reader === undefined || reader.isBYOB) return promiseReject(illegalInvocation());
    return reader.closed.promise;
  }

  cancel(reason = undefined) {
    const reader = readerOf(this);
    if (reader === undefined || reader.isBYOB) return promiseReject(illegalInvocation());
    if (reader.stream === undefined) return promiseReject(new TypeError('This reader has been released.'));
    return readerGenericCancel(reader, reason);
  }

  read() {
    const reader = readerOf(this);
    if (reader === undefined || reader.isBYOB) return promiseReject(illegalInvocation());
    if (reader.stream === undefined) return promiseReject(new TypeError('This reader has been released.'));
    let request;
    const promise = new PromiseCtor((res, rej) => { request = new PromiseReadRequest(res, rej); });
    defaultReaderRead(reader, request);
    return promise;
  }

  releaseLock() {
    const reader = readerOf(this);
    if (reader === undefined || reader.isBYOB) throw illegalInvocation();
    if (reader.stream === undefined) return;
    defaultReaderRelease(reader);
  }

  static {
    readerOf = (v) => {
      if (!isObject(v)) return undefined;
      if (#reader in v) return v.#reader;
      return byobReaderOf(v);
    };
  }
}
finishInterface(ReadableStreamDefaultReader, 'ReadableStreamDefaultReader');

let byobReaderOf;

class ReadableStreamBYOBReader {
  #reader;

  constructor(stream, internalRecord = undefined) {
    if (stream === kInternal) {
      this.#reader = internalRecord;
      internalRecord.pub = this;
      return;
    }
    const s = readableOf(stream);
    if (s === undefined) throw new TypeError("Failed to construct 'ReadableStreamBYOBReader': parameter 1 is not of type 'ReadableStream'.");
    const reader = new ReaderRecord(true);
    setUpBYOBReader(reader, s);
    reader.pub = this;
    this.#reader = reader;
  }

  get closed() {
    const reader = byobReaderOf(this);
    if (reader === undefined) return promiseReject(illegalInvocation());
    return reader.closed.promise;
  }

  cancel(reason = undefined) {
    const reader = byobReaderOf(this);
    if (reader === undefined) return promiseReject(illegalInvocation());
    if (reader.stream === undefined) return promiseReject(new TypeError('This reader has been released.'));
    return readerGenericCancel(reader, reason);
  }

  read(view, options = undefined) {
    try {
      const reader = byobReaderOf(this);
      if (reader === undefined) throw illegalInvocation();
      if (arguments.length < 1) throw new TypeError("Failed to execute 'read' on 'ReadableStreamBYOBReader': 1 argument required, but only 0 present.");
      checkArrayBufferView(view, 'view');
      const dict = dictionary(options, 'The options argument');
      let min = 1;
      if (dict !== undefined && dict.min !== undefined) min = enforceRangeULL(dict.min);
      if (view.byteLength === 0) throw new TypeError('view must have non-zero byteLength');
      if (view.buffer.byteLength === 0) throw new TypeError('view\'s buffer must have non-zero byteLength');
      if (isDetachedBuffer(view.buffer)) throw new TypeError('view\'s buffer has been detached');
      if (min === 0) throw new TypeError('options.min must be greater than 0');
      if (typedArrayName(view) !== undefined) {
        if (min > view.length) throw new RangeError('options.min must be less than or equal to view\'s length');
      } else if (min > view.byteLength) {
        throw new RangeError('options.min must be less than or equal to view\'s byteLength');
      }
      if (reader.stream === undefined) throw new TypeError('This reader has been released.');
      let request;
      const promise = new PromiseCtor((res, rej) => { request = new PromiseReadRequest(res, rej); });
      byobReaderRead(reader, view, min, request);
      return promise;
    } catch (e) {
      return promiseReject(e);
    }
  }

  releaseLock() {
    const reader = byobReaderOf(this);
    if (reader === undefined) throw illegalInvocation();
    if (reader.stream === undefined) return;
    byobReaderRelease(reader);
  }

  static {
    byobReaderOf = (v) => (isObject(v) && #reader in v ? v.#reader : undefined);
  }
}
finishInterface(ReadableStreamBYOBReader, 'ReadableStreamBYOBReader');

class ReadableStreamDefaultController {
  #controller;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#controller = record;
    record.pub = this;
  }

  get desiredSize() {
    return defaultControllerGetDesiredSize(this.#controller);
  }

  close() {
    const controller = this.#controller;
    if (!defaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeError('The stream is not in a state that permits close');
    }
    defaultControllerClose(controller);
  }

  enqueue(chunk = undefined) {
    const controller = this.#controller;
    if (!defaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeError('The stream is not in a state that permits enqueue');
    }
    defaultControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    defaultControllerError(this.#controller, e);
  }

  static {
    defaultControllerOf = (v) => (isObject(v) && #controller in v ? v.#controller : undefined);
  }
}
finishInterface(ReadableStreamDefaultController, 'ReadableStreamDefaultController');

class ReadableByteStreamController {
  #controller;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#controller = record;
    record.pub = this;
  }

  get byobRequest() {
    const request = byteControllerGetBYOBRequest(this.#controller);
    if (request === null) return null;
    let pub = request.pub;
    if (pub === undefined) pub = new ReadableStreamBYOBRequest(kInternal, request);
    return pub;
  }

  get desiredSize() {
    return byteControllerGetDesiredSize(this.#controller);
  }

  close() {
    const controller = this.#controller;
    if (controller.closeRequested) throw new TypeError('The stream has already been closed.');
    if (controller.stream.state !== 'readable') throw new TypeError('The stream is not in a state that permits close');
    byteControllerClose(controller);
  }

  enqueue(chunk) {
    const controller = this.#controller;
    if (arguments.length < 1) throw new TypeError("Failed to execute 'enqueue': 1 argument required, but only 0 present.");
    checkArrayBufferView(chunk, 'chunk');
    if (chunk.byteLength === 0) throw new TypeError('chunk must have non-zero byteLength');
    if (chunk.buffer.byteLength === 0) throw new TypeError('chunk\'s buffer must have non-zero byteLength');
    if (controller.closeRequested) throw new TypeError('The stream has already been closed.');
    if (controller.stream.state !== 'readable') throw new TypeError('The stream is not in a state that permits enqueue');
    byteControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    byteControllerError(this.#controller, e);
  }

  static {
    byteControllerOf = (v) => (isObject(v) && #controller in v ? v.#controller : undefined);
  }
}
finishInterface(ReadableByteStreamController, 'ReadableByteStreamController');

class ReadableStreamBYOBRequest {
  #request;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#request = record;
    record.pub = this;
  }

  get view() {
    return this.#request.view;
  }

  respond(bytesWritten) {
    const request = this.#request;
    if (arguments.length < 1) throw new TypeError("Failed to execute 'respond': 1 argument required, but only 0 present.");
    bytesWritten = enforceRangeULL(bytesWritten);
    if (request.controller === undefined) throw new TypeError('This BYOB request has been invalidated');
    if (isDetachedBuffer(request.view.buffer)) throw new TypeError('The BYOB request\'s buffer has been detached');
    byteControllerRespond(request.controller, bytesWritten);
  }

  respondWithNewView(view) {
    const request = this.#request;
    if (arguments.length < 1) throw new TypeError("Failed to execute 'respondWithNewView': 1 argument required, but only 0 present.");
    checkArrayBufferView(view, 'view');
    if (request.controller === undefined) throw new TypeError('This BYOB request has been invalidated');
    if (isDetachedBuffer(view.buffer)) throw new TypeError('The given view\'s buffer has been detached');
    byteControllerRespondWithNewView(request.controller, view);
  }

  static {
    byobRequestOf = (v) => (isObject(v) && #request in v ? v.#request : undefined);
  }
}
finishInterface(ReadableStreamBYOBRequest, 'ReadableStreamBYOBRequest');

// ---------------------------------------------------------------------------
// WritableStream abstract operations

function newWritableStreamRecord() {
  const stream = new WritableStreamRecord();
  new WritableStream(kInternal, stream); // eslint-disable-line no-new
  return stream;
}

function isWritableStreamLocked(stream) {
  return stream.writer !== undefined;
}

function createWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark = 1, sizeAlgorithm = sizeOne) {
  const stream = newWritableStreamRecord();
  const controller = new WritableControllerRecord(stream);
  setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

function writableControllerSignalAbort(controller, reason) {
  if (controller.signal !== undefined) {
    signalAbort(controller.signal, reason);
  } else if (!controller.abortRequested) {
    controller.abortRequested = true;
    controller.abortReason = reason;
  }
}

function writableStreamAbort(stream, reason) {
  if (stream.state === 'closed' || stream.state === 'errored') return resolvedUndefined();
  writableControllerSignalAbort(stream.controller, reason);
  const state = stream.state;
  if (state === 'closed' || state === 'errored') return resolvedUndefined();
  if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.deferred.promise;
  let wasAlreadyErroring = false;
  if (state === 'erroring') {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const deferred = newDeferred();
  stream.pendingAbortRequest = { deferred, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) writableStreamStartErroring(stream, reason);
  return deferred.promise;
}

function writableStreamClose(stream) {
  const state = stream.state;
  if (state === 'closed' || state === 'errored') {
    return promiseReject(new TypeError('The stream is not in a state that permits close'));
  }
  const deferred = newDeferred();
  stream.closeRequest = deferred;
  const writer = stream.writer;
  if (writer !== undefined && stream.backpressure && state === 'writable') resolveDeferred(writer.ready, undefined);
  writableControllerClose(stream.controller);
  return deferred.promise;
}

function writableStreamAddWriteRequest(stream) {
  const deferred = newDeferred();
  stream.writeRequests.push(deferred);
  return deferred.promise;
}

function writableStreamCloseQueuedOrInFlight(stream) {
  return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function writableStreamDealWithRejection(stream, error) {
  if (stream.state === 'writable') {
    writableStreamStartErroring(stream, error);
    return;
  }
  writableStreamFinishErroring(stream);
}

function writableStreamFinishErroring(stream) {
  stream.state = 'errored';
  resetQueue(stream.controller.queue); // [[ErrorSteps]]
  const storedError = stream.storedError;
  const writeRequests = stream.writeRequests;
  stream.writeRequests = [];
  for (let i = 0; i < writeRequests.length; i++) rejectDeferred(writeRequests[i], storedError);
  const abortRequest = stream.pendingAbortRequest;
  if (abortRequest === undefined) {
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  stream.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    rejectDeferred(abortRequest.deferred, storedError);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const promise = writableControllerAbortSteps(stream.controller, abortRequest.reason);
  promiseThen(promise, () => {
    resolveDeferred(abortRequest.deferred, undefined);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  }, (reason) => {
    rejectDeferred(abortRequest.deferred, reason);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  });
}

function writableStreamFinishInFlightClose(stream) {
  resolveDeferred(stream.inFlightCloseRequest, undefined);
  stream.inFlightCloseRequest = undefined;
  if (stream.state === 'erroring') {
    stream.storedError = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      resolveDeferred(stream.pendingAbortRequest.deferred, undefined);
      stream.pendingAbortRequest = undefined;
    }
  }
  stream.state = 'closed';
  const writer = stream.writer;
  if (writer !== undefined) resolveDeferred(writer.closed, undefined);
}

function writableStreamFinishInFlightCloseWithError(stream, error) {
  rejectDeferred(stream.inFlightCloseRequest, error);
  stream.inFlightCloseRequest = undefined;
  if (stream.pendingAbortRequest !== undefined) {
    rejectDeferred(stream.pendingAbortRequest.deferred, error);
    stream.pendingAbortRequest = undefined;
  }
  writableStreamDealWithRejection(stream, error);
}

function writableStreamFinishInFlightWrite(stream) {
  resolveDeferred(stream.inFlightWriteRequest, undefined);
  stream.inFlightWriteRequest = undefined;
}

function writableStreamFinishInFlightWriteWithError(stream, error) {
  rejectDeferred(stream.inFlightWriteRequest, error);
  stream.inFlightWriteRequest = undefined;
  writableStreamDealWithRejection(stream, error);
}

function writableStreamHasOperationMarkedInFlight(stream) {
  return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function writableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
  if (stream.closeRequest !== undefined) {
    rejectDeferred(stream.closeRequest, stream.storedError);
    stream.closeRequest = undefined;
  }
  const writer = stream.writer;
  if (writer !== undefined) {
    rejectDeferred(writer.closed, stream.storedError);
    setHandled(writer.closed.promise);
  }
}

function writableStreamStartErroring(stream, reason) {
  const controller = stream.controller;
  stream.state = 'erroring';
  stream.storedError = reason;
  const writer = stream.writer;
  if (writer !== undefined) writerEnsureReadyPromiseRejected(writer, reason);
  if (!writableStreamHasOperationMarkedInFlight(stream) && controller.started) writableStreamFinishErroring(stream);
}

function writableStreamUpdateBackpressure(stream, backpressure) {
  const writer = stream.writer;
  if (writer !== undefined && backpressure !== stream.backpressure) {
    if (backpressure) writer.ready = newDeferred();
    else resolveDeferred(writer.ready, undefined);
  }
  stream.backpressure = backpressure;
}

// --- Writer ---

function setUpWriter(writer, stream) {
  if (isWritableStreamLocked(stream)) throw new TypeError('WritableStream is locked to a writer.');
  writer.stream = stream;
  stream.writer = writer;
  const state = stream.state;
  if (state === 'writable') {
    writer.ready = !writableStreamCloseQueuedOrInFlight(stream) && stream.backpressure
      ? newDeferred() : resolvedDeferred(undefined);
    writer.closed = newDeferred();
  } else if (state === 'erroring') {
    writer.ready = rejectedDeferred(stream.storedError);
    writer.closed = newDeferred();
  } else if (state === 'closed') {
    writer.ready = resolvedDeferred(undefined);
    writer.closed = resolvedDeferred(undefined);
  } else {
    writer.ready = rejectedDeferred(stream.storedError);
    writer.closed = rejectedDeferred(stream.storedError);
  }
}

function acquireWriter(stream) {
  const writer = new WriterRecord();
  setUpWriter(writer, stream);
  return writer;
}

function writerCloseWithErrorPropagation(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (writableStreamCloseQueuedOrInFlight(stream) || state === 'closed') return resolvedUndefined();
  if (state === 'errored') return promiseReject(stream.storedError);
  return writableStreamClose(stream);
}

function writerEnsureClosedPromiseRejected(writer, error) {
  if (writer.closed.rej !== undefined) rejectDeferred(writer.closed, error);
  else writer.closed = rejectedDeferred(error);
  setHandled(writer.closed.promise);
}

function writerEnsureReadyPromiseRejected(writer, error) {
  if (writer.ready.rej !== undefined) rejectDeferred(writer.ready, error);
  else writer.ready = rejectedDeferred(error);
  setHandled(writer.ready.promise);
}

function writerGetDesiredSize(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (state === 'errored' || state === 'erroring') return null;
  if (state === 'closed') return 0;
  return writableControllerGetDesiredSize(stream.controller);
}

function writerRelease(writer) {
  const stream = writer.stream;
  const releasedError = new TypeError('The writer was released.');
  writerEnsureReadyPromiseRejected(writer, releasedError);
  writerEnsureClosedPromiseRejected(writer, releasedError);
  stream.writer = undefined;
  writer.stream = undefined;
}

function writerWrite(writer, chunk) {
  const stream = writer.stream;
  const controller = stream.controller;
  const chunkSize = writableControllerGetChunkSize(controller, chunk);
  if (stream !== writer.stream) return promiseReject(new TypeError('The writer was released.'));
  const state = stream.state;
  if (state === 'errored') return promiseReject(stream.storedError);
  if (writableStreamCloseQueuedOrInFlight(stream) || state === 'closed') {
    return promiseReject(new TypeError('The stream is closing or closed and cannot be written to.'));
  }
  if (state === 'erroring') return promiseReject(stream.storedError);
  const promise = writableStreamAddWriteRequest(stream);
  writableControllerWrite(controller, chunk, chunkSize);
  return promise;
}

// --- WritableStreamDefaultController ---

function setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  stream.controller = controller;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.writeAlgorithm = writeAlgorithm;
  controller.closeAlgorithm = closeAlgorithm;
  controller.abortAlgorithm = abortAlgorithm;
  writableStreamUpdateBackpressure(stream, writableControllerGetBackpressure(controller));
  const startResult = startAlgorithm();
  promiseThen(promiseResolvedWith(startResult), () => {
    controller.started = true;
    writableControllerAdvanceQueueIfNeeded(controller);
  }, (r) => {
    controller.started = true;
    writableStreamDealWithRejection(stream, r);
  });
}

function writableControllerPub(controller) {
  let pub = controller.pub;
  if (pub === undefined) pub = new WritableStreamDefaultController(kInternal, controller);
  return pub;
}

function setUpWritableControllerFromSink(stream, sink, dict, highWaterMark, sizeAlgorithm) {
  const controller = new WritableControllerRecord(stream);
  let startAlgorithm = noop;
  let writeAlgorithm = resolvedUndefined;
  let closeAlgorithm = resolvedUndefined;
  let abortAlgorithm = resolvedUndefined;
  const { start, write, close, abort } = dict;
  if (start !== undefined) startAlgorithm = () => call(start, sink, writableControllerPub(controller));
  if (write !== undefined) writeAlgorithm = (chunk) => invokePromise2(write, sink, chunk, writableControllerPub(controller));
  if (close !== undefined) closeAlgorithm = () => invokePromise0(close, sink);
  if (abort !== undefined) abortAlgorithm = (reason) => invokePromise1(abort, sink, reason);
  setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
}

function writableControllerAbortSteps(controller, reason) {
  const algorithm = controller.abortAlgorithm;
  const result = algorithm === undefined ? resolvedUndefined() : algorithm(reason);
  writableControllerClearAlgorithms(controller);
  return result;
}

function writableControllerAdvanceQueueIfNeeded(controller) {
  const stream = controller.stream;
  if (!controller.started) return;
  if (stream.inFlightWriteRequest !== undefined) return;
  const state = stream.state;
  if (state === 'erroring') {
    writableStreamFinishErroring(stream);
    return;
  }
  if (queueLength(controller.queue) === 0) return;
  const value = peekQueueValue(controller.queue);
  if (value === closeSentinel) writableControllerProcessClose(controller);
  else writableControllerProcessWrite(controller, value);
}

function writableControllerClearAlgorithms(controller) {
  controller.writeAlgorithm = undefined;
  controller.closeAlgorithm = undefined;
  controller.abortAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function writableControllerClose(controller) {
  enqueueValueWithSize(controller.queue, closeSentinel, 0);
  writableControllerAdvanceQueueIfNeeded(controller);
}

function writableControllerError(controller, error) {
  writableControllerClearAlgorithms(controller);
  writableStreamStartErroring(controller.stream, error);
}

function writableControllerErrorIfNeeded(controller, error) {
  if (controller.stream.state === 'writable') writableControllerError(controller, error);
}

function writableControllerGetBackpressure(controller) {
  return writableControllerGetDesiredSize(controller) <= 0;
}

function writableControllerGetChunkSize(controller, chunk) {
  const sizeAlgorithm = controller.strategySizeAlgorithm;
  if (sizeAlgorithm === undefined) return 1;
  try {
    return sizeAlgorithm(chunk);
  } catch (e) {
    writableControllerErrorIfNeeded(controller, e);
    return 1;
  }
}

function writableControllerGetDesiredSize(controller) {
  return controller.strategyHWM - controller.queue.total;
}

function writableControllerProcessClose(controller) {
  const stream = controller.stream;
  stream.inFlightCloseRequest = stream.closeRequest;
  stream.closeRequest = undefined;
  dequeueValue(controller.queue);
  const sinkClosePromise = controller.closeAlgorithm();
  writableControllerClearAlgorithms(controller);
  promiseThen(sinkClosePromise,
    () => writableStreamFinishInFlightClose(stream),
    (reason) => writableStreamFinishInFlightCloseWithError(stream, reason));
}

function writableControllerProcessWrite(controller, chunk) {
  const stream = controller.stream;
  stream.inFlightWriteRequest = stream.writeRequests.shift();
  const sinkWritePromise = controller.writeAlgorithm(chunk);
  promiseThen(sinkWritePromise, () => {
    writableStreamFinishInFlightWrite(stream);
    const state = stream.state;
    dequeueValue(controller.queue);
    if (!writableStreamCloseQueuedOrInFlight(stream) && state === 'writable') {
      writableStreamUpdateBackpressure(stream, writableControllerGetBackpressure(controller));
    }
    writableControllerAdvanceQueueIfNeeded(controller);
  }, (reason) => {
    if (stream.state === 'writable') writableControllerClearAlgorithms(controller);
    writableStreamFinishInFlightWriteWithError(stream, reason);
  });
}

function writableControllerWrite(controller, chunk, chunkSize) {
  try {
    enqueueValueWithSize(controller.queue, chunk, chunkSize);
  } catch (e) {
    writableControllerErrorIfNeeded(controller, e);
    return;
  }
  const stream = controller.stream;
  if (!writableStreamCloseQueuedOrInFlight(stream) && stream.state === 'writable') {
    writableStreamUpdateBackpressure(stream, writableControllerGetBackpressure(controller));
  }
  writableControllerAdvanceQueueIfNeeded(controller);
}

// --- Public classes ---

function convertUnderlyingSink(sink) {
  const abort = callbackMember(sink.abort, 'underlyingSink.abort');
  const close = callbackMember(sink.close, 'underlyingSink.close');
  const start = callbackMember(sink.start, 'underlyingSink.start');
  const type = sink.type;
  const write = callbackMember(sink.write, 'underlyingSink.write');
  return { abort, close, start, type, write };
}

function thisWritable(self) {
  const stream = writableOf(self);
  if (stream === undefined) throw illegalInvocation();
  return stream;
}

class WritableStream {
  #stream;

  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kInternal) {
      this.#stream = strategy;
      strategy.pub = this;
      return;
    }
    if (underlyingSink !== undefined && !isObject(underlyingSink)) {
      throw new TypeError("Failed to construct 'WritableStream': The provided value is not of type 'object'.");
    }
    const strat = convertStrategy(strategy, 'strategy');
    const sink = underlyingSink === undefined ? null : underlyingSink;
    const dict = sink === null
      ? { abort: undefined, close: undefined, start: undefined, type: undefined, write: undefined }
      : convertUnderlyingSink(sink);
    if (dict.type !== undefined) throw new RangeError('Invalid type is specified');
    const stream = new WritableStreamRecord();
    stream.pub = this;
    this.#stream = stream;
    const sizeAlgorithm = extractSizeAlgorithm(strat);
    const highWaterMark = extractHighWaterMark(strat, 1);
    setUpWritableControllerFromSink(stream, sink, dict, highWaterMark, sizeAlgorithm);
  }

  get locked() {
    return isWritableStreamLocked(thisWritable(this));
  }

  abort(reason = undefined) {
    try {
      const stream = thisWritable(this);
      if (isWritableStreamLocked(stream)) return promiseReject(new TypeError('Cannot abort a stream that is locked to a writer.'));
      return writableStreamAbort(stream, reason);
    } catch (e) {
      return promiseReject(e);
    }
  }

  close() {
    try {
      const stream = thisWritable(this);
      if (isWritableStreamLocked(stream)) return promiseReject(new TypeError('Cannot close a stream that is locked to a writer.'));
      if (writableStreamCloseQueuedOrInFlight(stream)) return promiseReject(new TypeError('The stream is already closing.'));
      return writableStreamClose(stream);
    } catch (e) {
      return promiseReject(e);
    }
  }

  getWriter() {
    const writer = acquireWriter(thisWritable(this));
    return new WritableStreamDefaultWriter(kInternal, writer);
  }

  static {
    writableOf = (v) => (isObject(v) && #stream in v ? v.#stream : undefined);
  }
}
finishInterface(WritableStream, 'WritableStream');

class WritableStreamDefaultWriter {
  #writer;

  constructor(stream, internalRecord = undefined) {
    if (stream === kInternal) {
      this.#writer = internalRecord;
      internalRecord.pub = this;
      return;
    }
    const s = writableOf(stream);
    if (s === undefined) throw new TypeError("Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.");
    const writer = new WriterRecord();
    setUpWriter(writer, s);
    writer.pub = this;
    this.#writer = writer;
  }

  get closed() {
    const writer = writerOf(this);
    if (writer === undefined) return promiseReject(illegalInvocation());
    return writer.closed.promise;
  }

  get desiredSize() {
    const writer = this.#writer;
    if (writer.stream === undefined) throw new TypeError('This writer has been released.');
    return writerGetDesiredSize(writer);
  }

  get ready() {
    const writer = writerOf(this);
    if (writer === undefined) return promiseReject(illegalInvocation());
    return writer.ready.promise;
  }

  abort(reason = undefined) {
    const writer = writerOf(this);
    if (writer === undefined) return promiseReject(illegalInvocation());
    if (writer.stream === undefined) return promiseReject(new TypeError('This writer has been released.'));
    return writableStreamAbort(writer.stream, reason);
  }

  close() {
    const writer = writerOf(this);
    if (writer === undefined) return promiseReject(illegalInvocation());
    const stream = writer.stream;
    if (stream === undefined) return promiseReject(new TypeError('This writer has been released.'));
    if (writableStreamCloseQueuedOrInFlight(stream)) return promiseReject(new TypeError('The stream is already closing.'));
    return writableStreamClose(stream);
  }

  releaseLock() {
    const writer = this.#writer;
    if (writer.stream === undefined) return;
    writerRelease(writer);
  }

  write(chunk = undefined) {
    const writer = writerOf(this);
    if (writer === undefined) return promiseReject(illegalInvocation());
    if (writer.stream === undefined) return promiseReject(new TypeError('This writer has been released.'));
    return writerWrite(writer, chunk);
  }

  static {
    writerOf = (v) => (isObject(v) && #writer in v ? v.#writer : undefined);
  }
}
finishInterface(WritableStreamDefaultWriter, 'WritableStreamDefaultWriter');

class WritableStreamDefaultController {
  #controller;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#controller = record;
    record.pub = this;
  }

  get signal() {
    const controller = this.#controller;
    let signal = controller.signal;
    if (signal === undefined) {
      signal = controller.signal = createAbortSignal();
      if (controller.abortRequested) signalAbort(signal, controller.abortReason);
    }
    return signal;
  }

  error(e = undefined) {
    const controller = this.#controller;
    if (controller.stream.state !== 'writable') return;
    writableControllerError(controller, e);
  }

  static {
    writableControllerOf = (v) => (isObject(v) && #controller in v ? v.#controller : undefined);
  }
}
finishInterface(WritableStreamDefaultController, 'WritableStreamDefaultController');

// ---------------------------------------------------------------------------
// TransformStream

function initializeTransformStream(stream, startPromise, writableHighWaterMark, writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm) {
  const startAlgorithm = () => startPromise;
  stream.writable = createWritableStream(startAlgorithm,
    (chunk) => transformSinkWriteAlgorithm(stream, chunk),
    () => transformSinkCloseAlgorithm(stream),
    (reason) => transformSinkAbortAlgorithm(stream, reason),
    writableHighWaterMark, writableSizeAlgorithm);
  stream.readable = createReadableStream(startAlgorithm,
    () => transformSourcePullAlgorithm(stream),
    (reason) => transformSourceCancelAlgorithm(stream, reason),
    readableHighWaterMark, readableSizeAlgorithm);
  stream.backpressure = undefined;
  stream.backpressureChange = undefined;
  transformStreamSetBackpressure(stream, true);
  stream.controller = undefined;
}

function transformStreamError(stream, e) {
  defaultControllerError(stream.readable.controller, e);
  transformStreamErrorWritableAndUnblockWrite(stream, e);
}

function transformStreamErrorWritableAndUnblockWrite(stream, e) {
  transformControllerClearAlgorithms(stream.controller);
  writableControllerErrorIfNeeded(stream.writable.controller, e);
  transformStreamUnblockWrite(stream);
}

function transformStreamSetBackpressure(stream, backpressure) {
  if (stream.backpressureChange !== undefined) resolveDeferred(stream.backpressureChange, undefined);
  stream.backpressureChange = newDeferred();
  stream.backpressure = backpressure;
}

function transformStreamUnblockWrite(stream) {
  if (stream.backpressure) transformStreamSetBackpressure(stream, false);
}

function setUpTransformController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
  controller.stream = stream;
  stream.controller = controller;
  controller.transformAlgorithm = transformAlgorithm;
  controller.flushAlgorithm = flushAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
}

function transformControllerPub(controller) {
  let pub = controller.pub;
  if (pub === undefined) pub = new TransformStreamDefaultController(kInternal, controller);
  return pub;
}

function setUpTransformControllerFromTransformer(stream, transformer, dict) {
  const controller = new TransformControllerRecord(stream);
  let transformAlgorithm = (chunk) => {
    try {
      transformControllerEnqueue(controller, chunk);
    } catch (e) {
      return promiseReject(e);
    }
    return resolvedUndefined();
  };
  let flushAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const { transform, flush, cancel } = dict;
  if (transform !== undefined) transformAlgorithm = (chunk) => invokePromise2(transform, transformer, chunk, transformControllerPub(controller));
  if (flush !== undefined) flushAlgorithm = () => invokePromise1(flush, transformer, transformControllerPub(controller));
  if (cancel !== undefined) cancelAlgorithm = (reason) => invokePromise1(cancel, transformer, reason);
  setUpTransformController(stream, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
  return controller;
}

function transformControllerClearAlgorithms(controller) {
  controller.transformAlgorithm = undefined;
  controller.flushAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function transformControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  const readableController = stream.readable.controller;
  if (!defaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeError('Readable side is not in a state that permits enqueue');
  }
  try {
    defaultControllerEnqueue(readableController, chunk);
  } catch (e) {
    transformStreamErrorWritableAndUnblockWrite(stream, e);
    throw stream.readable.storedError;
  }
  const backpressure = defaultControllerHasBackpressure(readableController);
  if (backpressure !== stream.backpressure) transformStreamSetBackpressure(stream, true);
}

function transformControllerError(controller, e) {
  transformStreamError(controller.stream, e);
}

function transformControllerPerformTransform(controller, chunk) {
  const transformPromise = controller.transformAlgorithm(chunk);
  return promiseThen(transformPromise, undefined, (r) => {
    transformStreamError(controller.stream, r);
    throw r;
  });
}

function transformControllerTerminate(controller) {
  const stream = controller.stream;
  defaultControllerClose(stream.readable.controller);
  transformStreamErrorWritableAndUnblockWrite(stream, new TypeError('TransformStream terminated'));
}

function transformSinkWriteAlgorithm(stream, chunk) {
  const controller = stream.controller;
  if (stream.backpressure) {
    return promiseThen(stream.backpressureChange.promise, () => {
      const writable = stream.writable;
      if (writable.state === 'erroring') throw writable.storedError;
      return transformControllerPerformTransform(controller, chunk);
    });
  }
  return transformControllerPerformTransform(controller, chunk);
}

function transformSinkAbortAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finish !== undefined) return controller.finish.promise;
  const readable = stream.readable;
  const finish = controller.finish = newDeferred();
  const cancelAlgorithm = controller.cancelAlgorithm;
  const cancelPromise = cancelAlgorithm === undefined ? resolvedUndefined() : cancelAlgorithm(reason);
  transformControllerClearAlgorithms(controller);
  promiseThen(cancelPromise, () => {
    if (readable.state === 'errored') {
      rejectDeferred(finish, readable.storedError);
    } else {
      defaultControllerError(readable.controller, reason);
      resolveDeferred(finish, undefined);
    }
  }, (r) => {
    defaultControllerError(readable.controller, r);
    rejectDeferred(finish, r);
  });
  return finish.promise;
}

function transformSinkCloseAlgorithm(stream) {
  const controller = stream.controller;
  if (controller.finish !== undefined) return controller.finish.promise;
  const readable = stream.readable;
  const finish = controller.finish = newDeferred();
  const flushAlgorithm = controller.flushAlgorithm;
  const flushPromise = flushAlgorithm === undefined ? resolvedUndefined() : flushAlgorithm();
  transformControllerClearAlgorithms(controller);
  promiseThen(flushPromise, () => {
    if (readable.state === 'errored') {
      rejectDeferred(finish, readable.storedError);
    } else {
      defaultControllerClose(readable.controller);
      resolveDeferred(finish, undefined);
    }
  }, (r) => {
    defaultControllerError(readable.controller, r);
    rejectDeferred(finish, r);
  });
  return finish.promise;
}

function transformSourceCancelAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finish !== undefined) return controller.finish.promise;
  const writable = stream.writable;
  const finish = controller.finish = newDeferred();
  const cancelAlgorithm = controller.cancelAlgorithm;
  const cancelPromise = cancelAlgorithm === undefined ? resolvedUndefined() : cancelAlgorithm(reason);
  transformControllerClearAlgorithms(controller);
  promiseThen(cancelPromise, () => {
    if (writable.state === 'errored') {
      rejectDeferred(finish, writable.storedError);
    } else {
      writableControllerErrorIfNeeded(writable.controller, reason);
      transformStreamUnblockWrite(stream);
      resolveDeferred(finish, undefined);
    }
  }, (r) => {
    writableControllerErrorIfNeeded(writable.controller, r);
    transformStreamUnblockWrite(stream);
    rejectDeferred(finish, r);
  });
  return finish.promise;
}

function transformSourcePullAlgorithm(stream) {
  transformStreamSetBackpressure(stream, false);
  return stream.backpressureChange.promise;
}

function convertTransformer(transformer) {
  const cancel = callbackMember(transformer.cancel, 'transformer.cancel');
  const flush = callbackMember(transformer.flush, 'transformer.flush');
  const readableType = transformer.readableType;
  const start = callbackMember(transformer.start, 'transformer.start');
  const transform = callbackMember(transformer.transform, 'transformer.transform');
  const writableType = transformer.writableType;
  return { cancel, flush, readableType, start, transform, writableType };
}

class TransformStream {
  #stream;

  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer === kInternal) {
      this.#stream = writableStrategy;
      writableStrategy.pub = this;
      return;
    }
    if (transformer !== undefined && !isObject(transformer)) {
      throw new TypeError("Failed to construct 'TransformStream': The provided value is not of type 'object'.");
    }
    const wStrat = convertStrategy(writableStrategy, 'writableStrategy');
    const rStrat = convertStrategy(readableStrategy, 'readableStrategy');
    const t = transformer === undefined ? null : transformer;
    const dict = t === null
      ? { cancel: undefined, flush: undefined, readableType: undefined, start: undefined, transform: undefined, writableType: undefined }
      : convertTransformer(t);
    if (dict.readableType !== undefined) throw new RangeError('Invalid readableType specified');
    if (dict.writableType !== undefined) throw new RangeError('Invalid writableType specified');
    const readableHighWaterMark = extractHighWaterMark(rStrat, 0);
    const readableSizeAlgorithm = extractSizeAlgorithm(rStrat);
    const writableHighWaterMark = extractHighWaterMark(wStrat, 1);
    const writableSizeAlgorithm = extractSizeAlgorithm(wStrat);
    const stream = new TransformStreamRecord();
    stream.pub = this;
    this.#stream = stream;
    const start = newDeferred();
    initializeTransformStream(stream, start.promise, writableHighWaterMark, writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm);
    const controller = setUpTransformControllerFromTransformer(stream, t, dict);
    if (dict.start !== undefined) {
      resolveDeferred(start, call(dict.start, t, transformControllerPub(controller)));
    } else {
      resolveDeferred(start, undefined);
    }
  }

  get readable() {
    return this.#stream.readable.pub;
  }

  get writable() {
    return this.#stream.writable.pub;
  }

  static {
    transformOf = (v) => (isObject(v) && #stream in v ? v.#stream : undefined);
  }
}
finishInterface(TransformStream, 'TransformStream');

class TransformStreamDefaultController {
  #controller;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#controller = record;
    record.pub = this;
  }

  get desiredSize() {
    return defaultControllerGetDesiredSize(this.#controller.stream.readable.controller);
  }

  enqueue(chunk = undefined) {
    transformControllerEnqueue(this.#controller, chunk);
  }

  error(reason = undefined) {
    transformControllerError(this.#controller, reason);
  }

  terminate() {
    transformControllerTerminate(this.#controller);
  }

  static {
    transformControllerOf = (v) => (isObject(v) && #controller in v ? v.#controller : undefined);
  }
}
finishInterface(TransformStreamDefaultController, 'TransformStreamDefaultController');

// Internal transform streams (TextEncoderStream, TextDecoderStream, ...):
// transform(chunk, enqueue) and flush(enqueue) may throw or return a promise.
function createTransformStream(transform, flush) {
  const stream = new TransformStreamRecord();
  new TransformStream(kInternal, stream); // eslint-disable-line no-new
  initializeTransformStream(stream, internalResolved, 1, sizeOne, 0, sizeOne);
  const controller = new TransformControllerRecord(stream);
  const enqueue = (chunk) => transformControllerEnqueue(controller, chunk);
  const transformAlgorithm = (chunk) => {
    try {
      return promiseResolvedWith(transform(chunk, enqueue));
    } catch (e) {
      return promiseReject(e);
    }
  };
  const flushAlgorithm = flush === undefined ? resolvedUndefined : () => {
    try {
      return promiseResolvedWith(flush(enqueue));
    } catch (e) {
      return promiseReject(e);
    }
  };
  setUpTransformController(stream, controller, transformAlgorithm, flushAlgorithm, resolvedUndefined);
  return stream.pub;
}

// ---------------------------------------------------------------------------
// Queuing strategies

function convertStrategyInit(init, what) {
  if (init === undefined || init === null || !isObject(init)) {
    throw new TypeError(`Failed to construct '${what}': 1 argument required, and it must be an object with a highWaterMark.`);
  }
  const h = init.highWaterMark;
  if (h === undefined) throw new TypeError(`Failed to construct '${what}': required member highWaterMark is undefined.`);
  return +h;
}

const byteLengthSize = {
  size(chunk) { return chunk.byteLength; },
}.size;
ObjectDefineProperty(byteLengthSize, 'name', { value: 'size' });

const countSize = {
  size() { return 1; },
}.size;
ObjectDefineProperty(countSize, 'name', { value: 'size' });

class ByteLengthQueuingStrategy {
  #highWaterMark;

  constructor(init) {
    this.#highWaterMark = convertStrategyInit(init, 'ByteLengthQueuingStrategy');
  }

  get highWaterMark() { return this.#highWaterMark; }

  get size() {
    if (!(#highWaterMark in this)) throw illegalInvocation();
    return byteLengthSize;
  }
}
finishInterface(ByteLengthQueuingStrategy, 'ByteLengthQueuingStrategy');

class CountQueuingStrategy {
  #highWaterMark;

  constructor(init) {
    this.#highWaterMark = convertStrategyInit(init, 'CountQueuingStrategy');
  }

  get highWaterMark() { return this.#highWaterMark; }

  get size() {
    if (!(#highWaterMark in this)) throw illegalInvocation();
    return countSize;
  }
}
finishInterface(CountQueuingStrategy, 'CountQueuingStrategy');

// ---------------------------------------------------------------------------
// Runtime helpers

// A byte stream whose chunks come from asyncPullFn(): it resolves to a
// Uint8Array / ArrayBuffer / ArrayBufferView, or null (or undefined) at the
// end. Pulls only on demand (highWaterMark 0). cancelFn(reason), if given, is
// called when the consumer cancels.
function readableStreamFromChunks(asyncPullFn, cancelFn = undefined) {
  if (typeof asyncPullFn !== 'function') throw new TypeError('readableStreamFromChunks: pull function required');
  let stream;
  const pullOnce = () => {
    let next;
    try {
      next = promiseResolve(asyncPullFn());
    } catch (e) {
      return promiseReject(e);
    }
    return promiseThen(next, (chunk) => {
      const controller = stream.controller;
      if (chunk === null || chunk === undefined) {
        byteControllerClose(controller);
        if (controller.pendingPullIntos.length > 0 && stream.state === 'closed') byteControllerRespond(controller, 0);
        return undefined;
      }
      let view;
      if (ArrayBufferIsView(chunk)) {
        view = typedArrayName(chunk) === 'Uint8Array' ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } else if (isArrayBuffer(chunk)) {
        view = new Uint8Array(chunk);
      } else {
        throw new TypeError('readableStreamFromChunks: the pull function must produce Uint8Array chunks or null');
      }
      if (view.byteLength === 0) {
        // Nothing to deliver; ask for the next chunk.
        if (stream.state === 'readable' && !controller.closeRequested) return pullOnce();
        return undefined;
      }
      byteControllerEnqueue(controller, view);
      return undefined;
    });
  };
  const cancelAlgorithm = cancelFn === undefined ? resolvedUndefined : (reason) => {
    try {
      return promiseResolvedWith(cancelFn(reason));
    } catch (e) {
      return promiseReject(e);
    }
  };
  stream = createReadableByteStream(noop, pullOnce, cancelAlgorithm);
  return stream.pub;
}

function chunkBytes(chunk) {
  if (ArrayBufferIsView(chunk)) {
    return typedArrayName(chunk) === 'Uint8Array' ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (isArrayBuffer(chunk) || isSharedArrayBuffer(chunk)) return new Uint8Array(chunk);
  return undefined;
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    return tag === 'Object' ? 'object' : tag;
  }
  return typeof value;
}

// Reads `stream` to the end and resolves with all its bytes. Chunks must be
// ArrayBuffer or ArrayBufferView (strings are rejected with a TypeError, and
// the stream is cancelled).
function readAllBytes(streamPub) {
  const stream = readableOf(streamPub);
  if (stream === undefined) return promiseReject(new TypeError('readAllBytes: not a ReadableStream'));
  if (isReadableStreamLocked(stream)) return promiseReject(new TypeError('The ReadableStream is locked to a reader.'));
  const reader = acquireDefaultReader(stream);
  return new PromiseCtor((resolve, reject) => {
    const chunks = [];
    let total = 0;
    let inLoop = false;
    let again = false;
    let done = false;
    const loop = () => {
      do {
        again = false;
        inLoop = true;
        defaultReaderRead(reader, request);
        inLoop = false;
      } while (again && !done);
    };
    const request = {
      chunk(chunk) {
        const bytes = chunkBytes(chunk);
        if (bytes === undefined) {
          done = true;
          const error = new TypeError(`ReadableStream chunks must be ArrayBuffer or ArrayBufferView (e.g. Uint8Array) to be read as bytes, but got a ${describe(chunk)}.`);
          setHandled(readableStreamCancel(stream, error));
          defaultReaderRelease(reader);
          reject(error);
          return;
        }
        if (bytes.byteLength !== 0) {
          chunks.push(bytes);
          total += bytes.byteLength;
        }
        if (inLoop) again = true;
        else queueMicrotaskInternal(loop);
      },
      close() {
        done = true;
        defaultReaderRelease(reader);
        if (chunks.length === 1) {
          resolve(chunks[0]);
          return;
        }
        const out = new Uint8Array(total);
        let offset = 0;
        for (let i = 0; i < chunks.length; i++) {
          out.set(chunks[i], offset);
          offset += chunks[i].byteLength;
        }
        resolve(out);
      },
      error(e) {
        done = true;
        if (reader.stream !== undefined) defaultReaderRelease(reader);
        reject(e);
      },
    };
    loop();
  });
}

internals.ReadableStream = ReadableStream;
internals.ReadableStreamDefaultReader = ReadableStreamDefaultReader;
internals.ReadableStreamBYOBReader = ReadableStreamBYOBReader;
internals.ReadableStreamDefaultController = ReadableStreamDefaultController;
internals.ReadableByteStreamController = ReadableByteStreamController;
internals.ReadableStreamBYOBRequest = ReadableStreamBYOBRequest;
internals.WritableStream = WritableStream;
internals.WritableStreamDefaultWriter = WritableStreamDefaultWriter;
internals.WritableStreamDefaultController = WritableStreamDefaultController;
internals.TransformStream = TransformStream;
internals.TransformStreamDefaultController = TransformStreamDefaultController;
internals.ByteLengthQueuingStrategy = ByteLengthQueuingStrategy;
internals.CountQueuingStrategy = CountQueuingStrategy;

internals.isReadableStream = (x) => readableOf(x) !== undefined;
internals.isWritableStream = (x) => writableOf(x) !== undefined;
internals.isTransformStream = (x) => transformOf(x) !== undefined;
internals.isReadableStreamLocked = (x) => isReadableStreamLocked(readableOf(x));
internals.isDisturbed = (x) => {
  const stream = readableOf(x);
  return stream !== undefined && stream.disturbed;
};
internals.readableStreamCancel = (x, reason) => readableStreamCancel(readableOf(x), reason);
// Close or abort a WritableStream whether or not a writer holds it (a
// socket closing its write side when the peer's stream ended).
internals.writableStreamClose = (x) => {
  const s = writableOf(x);
  return writableStreamCloseQueuedOrInFlight(s) ? resolvedUndefined() : writableStreamClose(s);
};
internals.writableStreamAbort = (x, reason) => writableStreamAbort(writableOf(x), reason);
internals.readableStreamFromChunks = readableStreamFromChunks;
internals.readableStreamFromIterable = (iterable) => readableStreamFromIterable(iterable).pub;
internals.readAllBytes = readAllBytes;
internals.createTransformStream = createTransformStream;
internals.transformStreamReadable = (ts) => transformOf(ts).readable.pub;
internals.transformStreamWritable = (ts) => transformOf(ts).writable.pub;
void defaultControllerOf; void byteControllerOf; void byobRequestOf; void writableControllerOf; void transformControllerOf;
