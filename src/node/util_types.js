'use strict';
// node:util/types from brand checks on the built-ins (a method that throws
// for anything but its own kind), not from Symbol.toStringTag where a brand
// check exists. isProxy and isExternal need the engine and are absent.

const uncurry = (fn) => (thisArg, ...args) => Reflect.apply(fn, thisArg, args);
const getter = (proto, name) => uncurry(Object.getOwnPropertyDescriptor(proto, name).get);
const toString = uncurry(Object.prototype.toString);
const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');

const brand = (check) => (v) => {
  if (!isObject(v)) return false;
  try {
    check(v);
    return true;
  } catch {
    return false;
  }
};

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = getter(TypedArrayProto, Symbol.toStringTag);
const tagIs = (name) => (v) => typedArrayTag(v) === name;

const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const SAB = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;
const sabByteLength = SAB ? getter(SAB.prototype, 'byteLength') : undefined;
const mapSize = getter(Map.prototype, 'size');
const setSize = getter(Set.prototype, 'size');
const weakMapHas = uncurry(WeakMap.prototype.has);
const weakSetHas = uncurry(WeakSet.prototype.has);
const dataViewByteLength = getter(DataView.prototype, 'buffer');
const dateGetTime = uncurry(Date.prototype.getTime);
const regexpFlags = getter(RegExp.prototype, 'flags');
const regexpSource = getter(RegExp.prototype, 'source');
const numberValueOf = uncurry(Number.prototype.valueOf);
const stringValueOf = uncurry(String.prototype.valueOf);
const booleanValueOf = uncurry(Boolean.prototype.valueOf);
const bigintValueOf = uncurry(BigInt.prototype.valueOf);
const symbolValueOf = uncurry(Symbol.prototype.valueOf);
const MapIteratorProto = Object.getPrototypeOf(new Map().entries());
const SetIteratorProto = Object.getPrototypeOf(new Set().entries());

const isArrayBuffer = brand(arrayBufferByteLength);
const isSharedArrayBuffer = SAB ? brand(sabByteLength) : () => false;
const isNumberObject = brand(numberValueOf);
const isStringObject = brand(stringValueOf);
const isBooleanObject = brand(booleanValueOf);
const isBigIntObject = brand(bigintValueOf);
const isSymbolObject = brand(symbolValueOf);

module.exports = {
  isAnyArrayBuffer: (v) => isArrayBuffer(v) || isSharedArrayBuffer(v),
  isArrayBuffer,
  isSharedArrayBuffer,
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isTypedArray: (v) => typedArrayTag(v) !== undefined,
  isUint8Array: tagIs('Uint8Array'),
  isUint8ClampedArray: tagIs('Uint8ClampedArray'),
  isUint16Array: tagIs('Uint16Array'),
  isUint32Array: tagIs('Uint32Array'),
  isInt8Array: tagIs('Int8Array'),
  isInt16Array: tagIs('Int16Array'),
  isInt32Array: tagIs('Int32Array'),
  isFloat32Array: tagIs('Float32Array'),
  isFloat64Array: tagIs('Float64Array'),
  isBigInt64Array: tagIs('BigInt64Array'),
  isBigUint64Array: tagIs('BigUint64Array'),
  isDataView: brand(dataViewByteLength),
  isDate: brand(dateGetTime),
  isRegExp: (v) => isObject(v) && v !== RegExp.prototype && brand(regexpSource)(v) && brand(regexpFlags)(v),
  isMap: brand(mapSize),
  isSet: brand(setSize),
  isWeakMap: brand((v) => weakMapHas(v, {})),
  isWeakSet: brand((v) => weakSetHas(v, {})),
  isMapIterator: (v) => isObject(v) && Object.getPrototypeOf(v) === MapIteratorProto,
  isSetIterator: (v) => isObject(v) && Object.getPrototypeOf(v) === SetIteratorProto,
  isPromise: (v) => isObject(v) && v instanceof Promise && toString(v) === '[object Promise]',
  isGeneratorFunction: (v) => typeof v === 'function' && /^\[object (Async)?GeneratorFunction\]$/.test(toString(v)),
  isAsyncFunction: (v) => typeof v === 'function' && /^\[object Async(Generator)?Function\]$/.test(toString(v)),
  isGeneratorObject: (v) => isObject(v) && toString(v) === '[object Generator]',
  isArgumentsObject: (v) => isObject(v) && toString(v) === '[object Arguments]',
  isModuleNamespaceObject: (v) => isObject(v) && Object.getPrototypeOf(v) === null && toString(v) === '[object Module]' && !Object.isExtensible(v),
  isNativeError: (v) => native.isError(v) === true,
  isNumberObject,
  isStringObject,
  isBooleanObject,
  isBigIntObject,
  isSymbolObject,
  isBoxedPrimitive: (v) => isNumberObject(v) || isStringObject(v) || isBooleanObject(v) || isBigIntObject(v) || isSymbolObject(v),
  isCryptoKey: (v) => isObject(v) && internals.CryptoKey !== undefined && v instanceof internals.CryptoKey,
};
