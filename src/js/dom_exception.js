'use strict';
// DOMException (WebIDL §2.8 / §3.14.1) plus two tiny WebIDL helpers that
// later files reuse (internals.finishInterface, internals.toDOMString).

const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const captureStackTrace = typeof Error.captureStackTrace === 'function' ? Error.captureStackTrace : undefined;

// WebIDL DOMString conversion: ToString, which (unlike String()) throws a
// TypeError for symbols.
function toDOMString(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return `${value}`;
}

// Makes a class look like a WebIDL interface: regular attributes and
// operations on the prototype (and static operations) are enumerable, and the
// prototype gets its class string via @@toStringTag.
function finishInterface(Class, tag, options) {
  const proto = Class.prototype;
  for (const key of ObjectGetOwnPropertyNames(proto)) {
    if (key === 'constructor') continue;
    const d = ObjectGetOwnPropertyDescriptor(proto, key);
    if (d.configurable && !d.enumerable) { d.enumerable = true; ObjectDefineProperty(proto, key, d); }
  }
  for (const key of ObjectGetOwnPropertySymbols(proto)) {
    const d = ObjectGetOwnPropertyDescriptor(proto, key);
    if (d.configurable && d.enumerable) { d.enumerable = false; ObjectDefineProperty(proto, key, d); }
  }
  for (const key of ObjectGetOwnPropertyNames(Class)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const d = ObjectGetOwnPropertyDescriptor(Class, key);
    if (d.configurable && !d.enumerable && (options === undefined || !options.keepStaticHidden)) {
      d.enumerable = true; ObjectDefineProperty(Class, key, d);
    }
  }
  ObjectDefineProperty(proto, Symbol.toStringTag, { value: tag, writable: false, enumerable: false, configurable: true });
  return Class;
}

// Defines WebIDL constants (enumerable, read-only, non-configurable) on both
// the interface object and its prototype.
function defineConstants(Class, table) {
  for (const key of ObjectGetOwnPropertyNames(table)) {
    const desc = { value: table[key], writable: false, enumerable: true, configurable: false };
    ObjectDefineProperty(Class, key, desc);
    ObjectDefineProperty(Class.prototype, key, desc);
  }
}

const legacyCodes = {
  INDEX_SIZE_ERR: 1,
  DOMSTRING_SIZE_ERR: 2,
  HIERARCHY_REQUEST_ERR: 3,
  WRONG_DOCUMENT_ERR: 4,
  INVALID_CHARACTER_ERR: 5,
  NO_DATA_ALLOWED_ERR: 6,
  NO_MODIFICATION_ALLOWED_ERR: 7,
  NOT_FOUND_ERR: 8,
  NOT_SUPPORTED_ERR: 9,
  INUSE_ATTRIBUTE_ERR: 10,
  INVALID_STATE_ERR: 11,
  SYNTAX_ERR: 12,
  INVALID_MODIFICATION_ERR: 13,
  NAMESPACE_ERR: 14,
  INVALID_ACCESS_ERR: 15,
  VALIDATION_ERR: 16,
  TYPE_MISMATCH_ERR: 17,
  SECURITY_ERR: 18,
  NETWORK_ERR: 19,
  ABORT_ERR: 20,
  URL_MISMATCH_ERR: 21,
  QUOTA_EXCEEDED_ERR: 22,
  TIMEOUT_ERR: 23,
  INVALID_NODE_TYPE_ERR: 24,
  DATA_CLONE_ERR: 25,
};

// WebIDL "error names" table: names with a legacy code. Every other name
// (EncodingError, NotReadableError, OperationError, ...) has code 0.
const nameToCode = new Map([
  ['IndexSizeError', 1],
  ['HierarchyRequestError', 3],
  ['WrongDocumentError', 4],
  ['InvalidCharacterError', 5],
  ['NoModificationAllowedError', 7],
  ['NotFoundError', 8],
  ['NotSupportedError', 9],
  ['InUseAttributeError', 10],
  ['InvalidStateError', 11],
  ['SyntaxError', 12],
  ['InvalidModificationError', 13],
  ['NamespaceError', 14],
  ['InvalidAccessError', 15],
  ['TypeMismatchError', 17],
  ['SecurityError', 18],
  ['NetworkError', 19],
  ['AbortError', 20],
  ['URLMismatchError', 21],
  ['QuotaExceededError', 22],
  ['TimeoutError', 23],
  ['InvalidNodeTypeError', 24],
  ['DataCloneError', 25],
]);

class DOMException {
  #name;
  #message;

  constructor(message = undefined, name = undefined) {
    this.#message = message === undefined ? '' : toDOMString(message);
    this.#name = name === undefined ? 'Error' : toDOMString(name);
    // Own `stack`, like Error instances (header uses the getters below).
    if (captureStackTrace !== undefined) captureStackTrace(this, new.target);
  }

  get name() {
    if (!(#name in this)) throw new TypeError('Illegal invocation');
    return this.#name;
  }

  get message() {
    if (!(#message in this)) throw new TypeError('Illegal invocation');
    return this.#message;
  }

  get code() {
    if (!(#name in this)) throw new TypeError('Illegal invocation');
    const code = nameToCode.get(this.#name);
    return code === undefined ? 0 : code;
  }

  static isDOMException(value) {
    return typeof value === 'object' && value !== null && #name in value;
  }
}

const isDOMException = DOMException.isDOMException;
delete DOMException.isDOMException;

// WebIDL: DOMException.prototype.[[Prototype]] is %Error.prototype%; the
// interface object itself inherits from %Function.prototype%.
Object.setPrototypeOf(DOMException.prototype, Error.prototype);
finishInterface(DOMException, 'DOMException');
defineConstants(DOMException, legacyCodes);

// ---------------------------------------------------------------------------
// Buffer helpers shared by later files (WebIDL BufferSource conversions).

function getter(proto, key) {
  const fn = ObjectGetOwnPropertyDescriptor(proto, key).get;
  return Function.prototype.call.bind(fn);
}
const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedArrayBufferByteLength = typeof SharedArrayBuffer === 'function'
  ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;
const typedArrayTag = getter(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag);
const ArrayBufferIsView = ArrayBuffer.isView;

// True for a (non-shared) ArrayBuffer from any realm.
function isArrayBuffer(value) {
  if (typeof value !== 'object' || value === null) return false;
  try { arrayBufferByteLength(value); return true; } catch { return false; }
}

function isSharedArrayBuffer(value) {
  if (sharedArrayBufferByteLength === undefined || typeof value !== 'object' || value === null) return false;
  try { sharedArrayBufferByteLength(value); return true; } catch { return false; }
}

// For a value known to be a genuine ArrayBuffer or SharedArrayBuffer (e.g. a
// view's .buffer): which of the two it is, without the cost of a thrown
// exception in the common same-realm case.
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ArrayBufferPrototype = ArrayBuffer.prototype;
const SharedArrayBufferPrototype = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer.prototype : undefined;
function isSharedBuffer(buffer) {
  const proto = ObjectGetPrototypeOf(buffer);
  if (proto === ArrayBufferPrototype) return false;
  if (proto === SharedArrayBufferPrototype && proto !== undefined) return true;
  // Other realm: the ArrayBuffer getter only throws for a SharedArrayBuffer.
  return !isArrayBuffer(buffer);
}

// The name of a typed array's type ("Uint8Array", ...) or undefined.
function typedArrayName(value) {
  return typedArrayTag(value);
}

// [AllowShared] BufferSource -> Uint8Array over the same bytes (no copy), or
// undefined when `value` is not a buffer source.
function bufferSourceBytes(value) {
  if (typedArrayTag(value) === 'Uint8Array') return value;
  if (ArrayBufferIsView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (isArrayBuffer(value) || isSharedArrayBuffer(value)) return new Uint8Array(value);
  return undefined;
}

internals.isArrayBuffer = isArrayBuffer;
internals.isSharedArrayBuffer = isSharedArrayBuffer;
internals.isSharedBuffer = isSharedBuffer;
internals.typedArrayName = typedArrayName;
internals.bufferSourceBytes = bufferSourceBytes;

internals.DOMException = DOMException;
internals.isDOMException = isDOMException;
internals.toDOMString = toDOMString;
internals.finishInterface = finishInterface;
internals.defineConstants = defineConstants;
