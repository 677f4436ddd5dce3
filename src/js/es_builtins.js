'use strict';
// ECMAScript built-ins newer than the engine. verge runs on V8 10.2 (the
// engine of Chrome 102); this file gives workers the standard library of a
// current engine, as far as it can be written in JavaScript:
//
//   Array / %TypedArray%: toReversed, toSorted, toSpliced (Array), with
//   Object.groupBy, Map.groupBy, Array.fromAsync
//   Promise.withResolvers, Promise.try
//   Set.prototype: union, intersection, difference, symmetricDifference,
//                  isSubsetOf, isSupersetOf, isDisjointFrom
//   String.prototype: isWellFormed, toWellFormed
//   Iterator (constructor, Iterator.from, helpers on Iterator.prototype)
//   RegExp.escape, Error.isError, Math.sumPrecise
//   ArrayBuffer.prototype: transfer, transferToFixedLength, detached
//   Symbol.dispose, Symbol.asyncDispose (the symbols; `using` is syntax)
//
// What cannot be added on this engine (syntax, RegExp flags, new typed array
// kinds) is listed in docs/web-apis.md, "Modern JavaScript".
//
// This file is the one exception to "do not touch globalThis": it adds to the
// standard intrinsics (and installs the global `Iterator`). It loads first,
// so every later runtime file and all user code see one standard library.
// Each property is installed only when the engine lacks it, with the
// attributes of a built-in: non-enumerable, writable, configurable; methods
// are object-literal methods, so they have the spec's `name`, are not
// constructors and have no `prototype`; `length` is that of the spec's
// signature (optional parameters are read from `arguments`).
//
// Rules the code follows so that user code cannot change how a built-in
// behaves (built-ins do not look up Array.prototype.push when they run):
//   - the built-ins this file relies on are captured below, before any user
//     code runs, and called with `call(fn, thisArg, ...)`;
//   - internal lists are prototype-less objects (newList), never Arrays,
//     and are never iterated with for-of; for-of is used only where the
//     spec itself iterates a user value (GetIterator + IteratorClose on
//     abrupt completion are exactly what for-of does);
//   - descriptors passed to defineProperty at run time have a null prototype.
//
// Natives used (src/runtime/api/): transferArrayBuffer, isDetached, isError.
// This file runs in every new context, so its top level only defines
// functions and properties; nothing is computed that a call can compute.

// ---------------------------------------------------------------------------
// Captured built-ins

// Globals used at call time, shadowed so that user code replacing them does
// not change what these built-ins throw or compute.
const { TypeError, RangeError, Number, String, ArrayBuffer, Float64Array, BigUint64Array } = globalThis;
const ObjectCtor = Object;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectDefineProperties = Object.defineProperties;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const ObjectHasOwn = Object.hasOwn;
const ObjectPrototypeIsPrototypeOf = Object.prototype.isPrototypeOf;
const ReflectOwnKeys = Reflect.ownKeys;
const ReflectDefineProperty = Reflect.defineProperty;
const ReflectApply = Reflect.apply;
const ProxyCtor = Proxy;
const ArrayCtor = Array;
const ArrayFrom = Array.from;
const ArrayPrototypeSort = Array.prototype.sort;
const MapCtor = Map;
const MapPrototypeGet = Map.prototype.get;
const MapPrototypeSet = Map.prototype.set;
const SetCtor = Set;
const SetPrototype = Set.prototype;
const SetPrototypeHas = SetPrototype.has;
const SetPrototypeAdd = SetPrototype.add;
const SetPrototypeDelete = SetPrototype.delete;
const SetPrototypeValues = SetPrototype.values;
const SetPrototypeSize = ObjectGetOwnPropertyDescriptor(SetPrototype, 'size').get;
const SetIteratorNext = ObjectGetPrototypeOf(new Set().values()).next;
const StringFromCharCode = String.fromCharCode;
const StringPrototypeCharCodeAt = String.prototype.charCodeAt;
const StringPrototypeSlice = String.prototype.slice;
const RegExpPrototypeExec = RegExp.prototype.exec;
const BigIntCtor = BigInt;
const BigIntAsIntN = BigInt.asIntN;
const BigIntPrototypeToString = BigInt.prototype.toString;
const MathAbs = Math.abs;
const MathMin = Math.min;
const MathMax = Math.max;
const MathTrunc = Math.trunc;
const NumberIsFinite = Number.isFinite;
const SymbolIterator = Symbol.iterator;
const SymbolAsyncIterator = Symbol.asyncIterator;
const SymbolToStringTag = Symbol.toStringTag;
const SymbolUnscopables = Symbol.unscopables;
const call = Function.prototype.call.bind(Function.prototype.call);

const TypedArray = ObjectGetPrototypeOf(Int8Array);
const TypedArrayPrototype = TypedArray.prototype;
const TypedArrayPrototypeSet = TypedArrayPrototype.set;
const TypedArrayPrototypeSort = TypedArrayPrototype.sort;
const TypedArrayPrototypeReverse = TypedArrayPrototype.reverse;
const TypedArrayName = ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, SymbolToStringTag).get;
const TypedArrayLength = ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, 'length').get;
const TypedArrayBuffer = ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, 'buffer').get;
const ArrayBufferByteLength = ObjectGetOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;

const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));
const GeneratorPrototype = ObjectGetPrototypeOf(function* () {}).prototype;
const GeneratorPrototypeNext = GeneratorPrototype.next;
const GeneratorPrototypeReturn = GeneratorPrototype.return;

const { transferArrayBuffer, isDetached, isError: isNativeError } = native;

const MAX_SAFE_INTEGER = 2 ** 53 - 1;

// ---------------------------------------------------------------------------
// Installation

// Defines every own property of `methods` on `target` that `target` does not
// already have, as a built-in method (or accessor) is defined: the same
// descriptor, not enumerable. One defineProperties call per target: this
// runs in every new isolate.
function install(target, methods) {
  const keys = ReflectOwnKeys(methods);
  const descriptors = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (ObjectHasOwn(target, key)) continue;
    const d = ObjectGetOwnPropertyDescriptor(methods, key);
    d.enumerable = false;
    descriptors[key] = d;
  }
  ObjectDefineProperties(target, descriptors);
}

// ---------------------------------------------------------------------------
// Abstract operations (ECMA-262 section 7)

function isObject(value) {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

// IsCallable: every callable object, and only those, has typeof "function".
function isCallable(value) {
  return typeof value === 'function';
}

// IsConstructor without calling `value` or reading any of its properties: a
// Proxy has [[Construct]] exactly when its target has one, and this handler's
// trap answers without touching the target.
const constructProbe = { __proto__: null, construct() { return constructProbe; } };
function isConstructor(value) {
  if (typeof value !== 'function') return false;
  try {
    new (new ProxyCtor(value, constructProbe))();
    return true;
  } catch {
    return false;
  }
}

// ToIntegerOrInfinity. Unary + is ToNumber: it throws a TypeError for
// Symbols and BigInts, as the spec's ToNumber does. `+ 0` turns -0 into +0.
function toIntegerOrInfinity(value) {
  const number = +value;
  if (number !== number) return 0;
  return MathTrunc(number) + 0;
}

function toLength(value) {
  const len = toIntegerOrInfinity(value);
  return len <= 0 ? 0 : MathMin(len, MAX_SAFE_INTEGER);
}

function toIndex(value) {
  const integer = toIntegerOrInfinity(value);
  if (integer < 0 || integer > MAX_SAFE_INTEGER) throw new RangeError(`Invalid index: ${integer}`);
  return integer;
}

function lengthOfArrayLike(object) {
  return toLength(object.length);
}

// ToObject, with the name of the method in the error.
function toObject(value, method) {
  if (value === undefined || value === null) throw new TypeError(`${method} called on ${value}`);
  return ObjectCtor(value);
}

// RequireObjectCoercible + ToString.
function thisString(value, method) {
  if (value === undefined || value === null) throw new TypeError(`${method} called on ${value}`);
  return typeof value === 'string' ? value : `${value}`;
}

// ToPropertyKey. For objects, ToPrimitive(hint string) may give a Symbol,
// which a template literal would refuse: a computed key converts exactly.
function toPropertyKey(value) {
  if (typeof value === 'string' || typeof value === 'symbol') return value;
  if (!isObject(value)) return `${value}`;
  return ReflectOwnKeys({ __proto__: null, [value]: 0 })[0];
}

function getMethod(value, key) {
  const method = value[key];
  if (method === undefined || method === null) return undefined;
  if (!isCallable(method)) throw new TypeError(`${String(key)} is not a function`);
  return method;
}

function createDataPropertyOrThrow(object, key, value) {
  const desc = { __proto__: null, value, writable: true, enumerable: true, configurable: true };
  if (!ReflectDefineProperty(object, key, desc)) throw new TypeError(`Cannot define property ${String(key)}`);
}

// An Array of `length` elements, element k being at(k): ArrayCreate(length)
// (RangeError past 2^32 - 1) then CreateDataPropertyOrThrow for each index,
// in increasing order. Array.from over an array-like with no prototype does
// exactly that, without consulting anything a user can change.
function arrayFromIndices(length, at) {
  return call(ArrayFrom, ArrayCtor, { __proto__: null, length }, (_, k) => at(k));
}

// An internal List: an object without a prototype, indexed from 0. Filling
// it cannot reach a setter that user code put on Array.prototype or
// Object.prototype, as filling an Array could.
function newList() {
  return { __proto__: null };
}

// CreateArrayFromList(list[0..length)).
function listToArray(list, length) {
  return arrayFromIndices(length, (k) => list[k]);
}

// --- Iterator records: { iterator, next } ---

const DONE = { __proto__: null };

// IteratorStep: the result object, or DONE. Does not read `value`.
function iteratorStep(iterator, next) {
  const result = call(next, iterator);
  if (!isObject(result)) throw new TypeError('The iterator result is not an object');
  return result.done ? DONE : result;
}

// IteratorStepValue: the next value, or DONE.
function iteratorStepValue(iterator, next) {
  const result = call(next, iterator);
  if (!isObject(result)) throw new TypeError('The iterator result is not an object');
  return result.done ? DONE : result.value;
}

// IteratorClose(iterator, normal or return completion): errors of return()
// propagate, and its result must be an object.
function iteratorClose(iterator) {
  const returnMethod = getMethod(iterator, 'return');
  if (returnMethod === undefined) return;
  const result = call(returnMethod, iterator);
  if (!isObject(result)) throw new TypeError('The iterator\'s return() result is not an object');
}

// IteratorClose(iterator, throw completion): the original error wins over
// anything return() does. Always throws `error`.
function iteratorCloseAndThrow(iterator, error) {
  try {
    const returnMethod = iterator.return;
    if (returnMethod !== undefined && returnMethod !== null) call(returnMethod, iterator);
  } catch {
    // IteratorClose step 4: the completion that closed the iterator wins.
  }
  throw error;
}

// GetIteratorFlattenable(obj, iterate-string-primitives | reject-primitives).
function getIteratorFlattenable(value, allowStrings) {
  if (!isObject(value) && !(allowStrings && typeof value === 'string')) {
    throw new TypeError('The value is not an iterator or an iterable object');
  }
  const method = value[SymbolIterator];
  let iterator;
  if (method === undefined || method === null) {
    iterator = value;
  } else {
    if (!isCallable(method)) throw new TypeError('Symbol.iterator is not a function');
    iterator = call(method, value);
  }
  if (!isObject(iterator)) throw new TypeError('The iterator is not an object');
  return { iterator, next: iterator.next };
}

// ---------------------------------------------------------------------------
// Array.prototype: toReversed, toSorted, toSpliced, with (ES2023)

install(Array.prototype, {
  toReversed() {
    const O = toObject(this, 'Array.prototype.toReversed');
    const len = lengthOfArrayLike(O);
    return arrayFromIndices(len, (k) => O[len - 1 - k]);
  },

  toSorted(comparefn) {
    if (comparefn !== undefined && !isCallable(comparefn)) {
      throw new TypeError('The comparison function must be either a function or undefined');
    }
    const O = toObject(this, 'Array.prototype.toSorted');
    const len = lengthOfArrayLike(O);
    // Reads every index (holes read as undefined) into a new array, then
    // sorts that: it has no holes, so sort's SortCompare is toSorted's.
    // No species: the result is always an Array.
    const A = arrayFromIndices(len, (k) => O[k]);
    call(ArrayPrototypeSort, A, comparefn);
    return A;
  },

  toSpliced(start, skipCount, ...items) {
    const O = toObject(this, 'Array.prototype.toSpliced');
    const len = lengthOfArrayLike(O);
    const relativeStart = toIntegerOrInfinity(start);
    const actualStart = relativeStart < 0 ? MathMax(len + relativeStart, 0) : MathMin(relativeStart, len);
    const insertCount = items.length;
    let actualSkipCount;
    if (arguments.length === 0) actualSkipCount = 0;
    else if (arguments.length === 1) actualSkipCount = len - actualStart;
    else actualSkipCount = MathMin(MathMax(toIntegerOrInfinity(skipCount), 0), len - actualStart);
    const newLen = len + insertCount - actualSkipCount;
    if (newLen > MAX_SAFE_INTEGER) throw new TypeError('The resulting array would be too long');
    const itemsEnd = actualStart + insertCount;
    const shift = actualSkipCount - insertCount;
    return arrayFromIndices(newLen, (k) => {
      if (k < actualStart) return O[k];
      if (k < itemsEnd) return items[k - actualStart];
      return O[k + shift];
    });
  },

  with(index, value) {
    const O = toObject(this, 'Array.prototype.with');
    const len = lengthOfArrayLike(O);
    const relativeIndex = toIntegerOrInfinity(index);
    const actualIndex = relativeIndex >= 0 ? relativeIndex : len + relativeIndex;
    if (actualIndex >= len || actualIndex < 0) throw new RangeError(`Invalid index: ${relativeIndex}`);
    return arrayFromIndices(len, (k) => (k === actualIndex ? value : O[k]));
  },
});

{
  // ES2023 adds the three "to" methods (not `with`) to @@unscopables.
  const unscopables = Array.prototype[SymbolUnscopables];
  const names = ['toReversed', 'toSorted', 'toSpliced'];
  for (let i = 0; i < names.length; i++) {
    if (!ObjectHasOwn(unscopables, names[i])) unscopables[names[i]] = true;
  }
}

// ---------------------------------------------------------------------------
// %TypedArray%.prototype: toReversed, toSorted, with (ES2023)

const typedArrayConstructors = {
  __proto__: null,
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

// ValidateTypedArray: TypeError unless `value` is a typed array whose buffer
// is not detached. Returns its length. (A detached view has length 0; only
// then is the buffer looked at, so small on-heap arrays stay on the heap.)
function validateTypedArray(value, method) {
  if (call(TypedArrayName, value) === undefined) throw new TypeError(`${method} called on a value that is not a typed array`);
  const len = call(TypedArrayLength, value);
  if (len === 0 && isDetached !== undefined && isDetached(call(TypedArrayBuffer, value)) === true) {
    throw new TypeError(`${method} called on a typed array whose buffer is detached`);
  }
  return len;
}

// TypedArrayCreateSameType + a copy of the elements of `source`.
function typedArrayCopy(source, len) {
  const copy = new typedArrayConstructors[call(TypedArrayName, source)](len);
  call(TypedArrayPrototypeSet, copy, source);
  return copy;
}

install(TypedArrayPrototype, {
  toReversed() {
    const len = validateTypedArray(this, '%TypedArray%.prototype.toReversed');
    const A = typedArrayCopy(this, len);
    call(TypedArrayPrototypeReverse, A);
    return A;
  },

  toSorted(comparefn) {
    if (comparefn !== undefined && !isCallable(comparefn)) {
      throw new TypeError('The comparison function must be either a function or undefined');
    }
    const len = validateTypedArray(this, '%TypedArray%.prototype.toSorted');
    // The copy is unreachable from the comparator, so sorting it in place is
    // sorting the list of values the spec reads first.
    const A = typedArrayCopy(this, len);
    call(TypedArrayPrototypeSort, A, comparefn);
    return A;
  },

  with(index, value) {
    const len = validateTypedArray(this, '%TypedArray%.prototype.with');
    const relativeIndex = toIntegerOrInfinity(index);
    const actualIndex = relativeIndex >= 0 ? relativeIndex : len + relativeIndex;
    const name = call(TypedArrayName, this);
    // ToBigInt or ToNumber before the index check; it may run user code that
    // detaches the buffer, which the check below then sees as length 0.
    // (asIntN(64) keeps every bit a 64-bit element can hold.)
    const numericValue = name === 'BigInt64Array' || name === 'BigUint64Array' ? BigIntAsIntN(64, value) : +value;
    if (actualIndex < 0 || actualIndex >= call(TypedArrayLength, this)) {
      throw new RangeError(`Invalid typed array index: ${relativeIndex}`);
    }
    const A = typedArrayCopy(this, len);
    A[actualIndex] = numericValue;
    return A;
  },
});

// ---------------------------------------------------------------------------
// Object.groupBy, Map.groupBy (ES2024)

function newGroup(value) {
  const list = newList();
  list[0] = value;
  return { list, length: 1 };
}

// Appends to a group made by newGroup; false when there is none yet.
function addToGroup(group, value) {
  if (group === undefined) return false;
  group.list[group.length++] = value;
  return true;
}

function groupToArray(group) {
  return listToArray(group.list, group.length);
}

function checkGroupByArguments(items, callback, method) {
  if (items === undefined || items === null) throw new TypeError(`${method} called on ${items}`);
  if (!isCallable(callback)) throw new TypeError(`${method}: the callback is not a function`);
}

install(Object, {
  groupBy(items, callback) {
    checkGroupByArguments(items, callback, 'Object.groupBy');
    // Groups are collected in the result object itself (it has no
    // prototype), as { list, length } records turned into Arrays at the end;
    // overwriting a property keeps its place in the key order.
    const groups = { __proto__: null };
    let k = 0;
    // for-of is GetIterator + IteratorStepValue, and closes the iterator when
    // the callback or the key conversion throws (IfAbruptCloseIterator).
    for (const value of items) {
      if (k >= MAX_SAFE_INTEGER) throw new TypeError('Too many items to group');
      const key = toPropertyKey(callback(value, k));
      if (!addToGroup(groups[key], value)) groups[key] = newGroup(value);
      k++;
    }
    const keys = ReflectOwnKeys(groups);
    for (let i = 0; i < keys.length; i++) groups[keys[i]] = groupToArray(groups[keys[i]]);
    return groups;
  },
});

install(Map, {
  groupBy(items, callback) {
    checkGroupByArguments(items, callback, 'Map.groupBy');
    const map = new MapCtor();
    const keys = newList();
    let keyCount = 0;
    let k = 0;
    for (const value of items) {
      if (k >= MAX_SAFE_INTEGER) throw new TypeError('Too many items to group');
      let key = callback(value, k);
      if (key === 0) key = 0; // -0 becomes +0
      if (!addToGroup(call(MapPrototypeGet, map, key), value)) {
        call(MapPrototypeSet, map, key, newGroup(value));
        keys[keyCount++] = key;
      }
      k++;
    }
    for (let i = 0; i < keyCount; i++) {
      call(MapPrototypeSet, map, keys[i], groupToArray(call(MapPrototypeGet, map, keys[i])));
    }
    return map;
  },
});

// ---------------------------------------------------------------------------
// Promise.withResolvers (ES2024), Promise.try (ES2025)

// NewPromiseCapability(C). `new C` throws the TypeError of step 1 when C is
// not a constructor; the executor is an anonymous function of length 2.
function newPromiseCapability(C) {
  let resolve;
  let reject;
  const promise = new C((res, rej) => {
    if (resolve !== undefined) throw new TypeError('Promise executor has already been called with a resolve function');
    if (reject !== undefined) throw new TypeError('Promise executor has already been called with a reject function');
    resolve = res;
    reject = rej;
  });
  if (!isCallable(resolve)) throw new TypeError('Promise resolve function is not callable');
  if (!isCallable(reject)) throw new TypeError('Promise reject function is not callable');
  return { promise, resolve, reject };
}

install(Promise, {
  withResolvers() {
    return newPromiseCapability(this);
  },

  try(callbackfn, ...args) {
    const C = this;
    if (!isObject(C)) throw new TypeError('Promise.try called on a non-object');
    const capability = newPromiseCapability(C);
    let value;
    try {
      value = ReflectApply(callbackfn, undefined, args);
    } catch (error) {
      call(capability.reject, undefined, error);
      return capability.promise;
    }
    call(capability.resolve, undefined, value);
    return capability.promise;
  },
});

// ---------------------------------------------------------------------------
// Set.prototype methods (ES2025)
//
// `this` must be a Set (the size getter is the brand check). Its elements are
// read with the captured Set iterator, which sees additions and deletions
// made meanwhile by the argument's has() exactly as the spec's index loop
// over [[SetData]] does. Results are new %Set%s filled with the captured
// add(), never through a constructor or Symbol.species.

function thisSetSize(value, method) {
  if (!isObject(value)) throw new TypeError(`${method} called on a non-object`);
  return call(SetPrototypeSize, value);
}

// GetSetRecord(obj).
function getSetRecord(obj) {
  if (!isObject(obj)) throw new TypeError('The argument must be a set-like object');
  const rawSize = obj.size;
  const numSize = +rawSize;
  if (numSize !== numSize) throw new TypeError('The argument\'s size must be a number');
  const intSize = toIntegerOrInfinity(numSize);
  if (intSize < 0) throw new RangeError('The argument\'s size must not be negative');
  const has = obj.has;
  if (!isCallable(has)) throw new TypeError('The argument\'s has must be a function');
  const keys = obj.keys;
  if (!isCallable(keys)) throw new TypeError('The argument\'s keys must be a function');
  return { set: obj, size: intSize, has, keys };
}

// GetIteratorFromMethod(set, keys): { iterator, next }.
function setRecordKeys(record) {
  const iterator = call(record.keys, record.set);
  if (!isObject(iterator)) throw new TypeError('The argument\'s keys() did not return an object');
  return { iterator, next: iterator.next };
}

function setRecordHas(record, value) {
  return !!call(record.has, record.set, value);
}

// A copy of set's [[SetData]]; when `list` is given, the elements are also
// appended to it in order.
function copySet(set, list) {
  const copy = new SetCtor();
  const it = call(SetPrototypeValues, set);
  let n = 0;
  for (let r = call(SetIteratorNext, it); !r.done; r = call(SetIteratorNext, it)) {
    call(SetPrototypeAdd, copy, r.value);
    if (list !== undefined) list[n++] = r.value;
  }
  return copy;
}

install(SetPrototype, {
  union(other) {
    thisSetSize(this, 'Set.prototype.union');
    const record = getSetRecord(other);
    const keys = setRecordKeys(record);
    const result = copySet(this);
    for (let next = iteratorStepValue(keys.iterator, keys.next); next !== DONE;
      next = iteratorStepValue(keys.iterator, keys.next)) {
      call(SetPrototypeAdd, result, next);
    }
    return result;
  },

  intersection(other) {
    const O = this;
    thisSetSize(O, 'Set.prototype.intersection');
    const record = getSetRecord(other);
    const result = new SetCtor();
    if (call(SetPrototypeSize, O) <= record.size) {
      const it = call(SetPrototypeValues, O);
      for (let r = call(SetIteratorNext, it); !r.done; r = call(SetIteratorNext, it)) {
        const e = r.value;
        if (setRecordHas(record, e)) call(SetPrototypeAdd, result, e);
      }
    } else {
      const keys = setRecordKeys(record);
      for (let next = iteratorStepValue(keys.iterator, keys.next); next !== DONE;
        next = iteratorStepValue(keys.iterator, keys.next)) {
        if (call(SetPrototypeHas, O, next)) call(SetPrototypeAdd, result, next);
      }
    }
    return result;
  },

  difference(other) {
    const O = this;
    thisSetSize(O, 'Set.prototype.difference');
    const record = getSetRecord(other);
    const elements = newList();
    const result = copySet(O, elements);
    if (call(SetPrototypeSize, O) <= record.size) {
      // The spec walks the copy, whose length is fixed: changes has() makes
      // to `this` do not matter here.
      const count = call(SetPrototypeSize, result);
      for (let i = 0; i < count; i++) {
        if (setRecordHas(record, elements[i])) call(SetPrototypeDelete, result, elements[i]);
      }
    } else {
      const keys = setRecordKeys(record);
      for (let next = iteratorStepValue(keys.iterator, keys.next); next !== DONE;
        next = iteratorStepValue(keys.iterator, keys.next)) {
        call(SetPrototypeDelete, result, next);
      }
    }
    return result;
  },

  symmetricDifference(other) {
    const O = this;
    thisSetSize(O, 'Set.prototype.symmetricDifference');
    const record = getSetRecord(other);
    const keys = setRecordKeys(record);
    const result = copySet(O);
    for (let next = iteratorStepValue(keys.iterator, keys.next); next !== DONE;
      next = iteratorStepValue(keys.iterator, keys.next)) {
      if (call(SetPrototypeHas, O, next)) call(SetPrototypeDelete, result, next);
      else call(SetPrototypeAdd, result, next);
    }
    return result;
  },

  isSubsetOf(other) {
    const O = this;
    thisSetSize(O, 'Set.prototype.isSubsetOf');
    const record = getSetRecord(other);
    if (call(SetPrototypeSize, O) > record.size) return false;
    const it = call(SetPrototypeValues, O);
    for (let r = call(SetIteratorNext, it); !r.done; r = call(SetIteratorNext, it)) {
      if (!setRecordHas(record, r.value)) return false;
    }
    return true;
  },

  isSupersetOf(other) {
    const O = this;
    thisSetSize(O, 'Set.prototype.isSupersetOf');
    const record = getSetRecord(other);
    if (call(SetPrototypeSize, O) < record.size) return false;
    const keys = setRecordKeys(record);
    for (let next = iteratorStepValue(keys.iterator, keys.next); next !== DONE;
      next = iteratorStepValue(keys.iterator, keys.next)) {
      if (!call(SetPrototypeHas, O, next)) {
        iteratorClose(keys.iterator);
        return false;
      }
    }
    return true;
  },

  isDisjointFrom(other) {
    const O = this;
    thisSetSize(O, 'Set.prototype.isDisjointFrom');
    const record = getSetRecord(other);
    if (call(SetPrototypeSize, O) <= record.size) {
      const it = call(SetPrototypeValues, O);
      for (let r = call(SetIteratorNext, it); !r.done; r = call(SetIteratorNext, it)) {
        if (setRecordHas(record, r.value)) return false;
      }
    } else {
      const keys = setRecordKeys(record);
      for (let next = iteratorStepValue(keys.iterator, keys.next); next !== DONE;
        next = iteratorStepValue(keys.iterator, keys.next)) {
        if (call(SetPrototypeHas, O, next)) {
          iteratorClose(keys.iterator);
          return false;
        }
      }
    }
    return true;
  },
});

// ---------------------------------------------------------------------------
// Array.fromAsync (ES2026)

install(Array, {
  // An async method: every error, even a bad `this` or mapfn, becomes a
  // rejection, as in the spec's AsyncFunctionStart.
  async fromAsync(asyncItems) {
    const C = this;
    const mapfn = arguments[1];
    const thisArg = arguments[2];
    let mapping = false;
    if (mapfn !== undefined) {
      if (!isCallable(mapfn)) throw new TypeError('Array.fromAsync: the mapping function is not callable');
      mapping = true;
    }
    const usingAsyncIterator = getMethod(asyncItems, SymbolAsyncIterator);
    const usingSyncIterator = usingAsyncIterator === undefined ? getMethod(asyncItems, SymbolIterator) : undefined;
    if (usingAsyncIterator !== undefined || usingSyncIterator !== undefined) {
      const A = isConstructor(C) ? new C() : [];
      // for await over an object that hands out the iterator already chosen:
      // it reads `next` once, wraps a sync iterator as
      // CreateAsyncFromSyncIterator does, and closes the iterator (awaiting
      // return()) when the loop body throws (IfAbruptCloseAsyncIterator).
      const iterable = usingAsyncIterator !== undefined
        ? { __proto__: null, [SymbolAsyncIterator]: () => call(usingAsyncIterator, asyncItems) }
        : { __proto__: null, [SymbolIterator]: () => call(usingSyncIterator, asyncItems) };
      let k = 0;
      for await (const nextValue of iterable) {
        if (k >= MAX_SAFE_INTEGER) throw new TypeError('Array.fromAsync: too many items');
        const mappedValue = mapping ? await call(mapfn, thisArg, nextValue, k) : nextValue;
        createDataPropertyOrThrow(A, k, mappedValue);
        k++;
      }
      A.length = k;
      return A;
    }
    // Neither async iterable nor iterable: an array-like.
    const arrayLike = ObjectCtor(asyncItems);
    const len = lengthOfArrayLike(arrayLike);
    const A = isConstructor(C) ? new C(len) : new ArrayCtor(len);
    for (let k = 0; k < len; k++) {
      const kValue = await arrayLike[k];
      const mappedValue = mapping ? await call(mapfn, thisArg, kValue, k) : kValue;
      createDataPropertyOrThrow(A, k, mappedValue);
    }
    A.length = len;
    return A;
  },
});

// ---------------------------------------------------------------------------
// String.prototype.isWellFormed, toWellFormed (ES2024)

// A lone surrogate: a lead not followed by a trail, or a trail not preceded
// by a lead. Run with the captured exec, so RegExp.prototype changes by user
// code do not apply; the regexp is non-global, so lastIndex is never written.
let loneSurrogate; // made on first use

function hasLoneSurrogate(S) {
  if (loneSurrogate === undefined) loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  return call(RegExpPrototypeExec, loneSurrogate, S) !== null;
}

install(String.prototype, {
  isWellFormed() {
    const S = thisString(this, 'String.prototype.isWellFormed');
    return !hasLoneSurrogate(S);
  },

  toWellFormed() {
    const S = thisString(this, 'String.prototype.toWellFormed');
    if (!hasLoneSurrogate(S)) return S;
    const len = S.length;
    let result = '';
    let start = 0;
    for (let i = 0; i < len; i++) {
      const c = call(StringPrototypeCharCodeAt, S, i);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c <= 0xdbff && i + 1 < len) {
        const d = call(StringPrototypeCharCodeAt, S, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      result += call(StringPrototypeSlice, S, start, i) + '\uFFFD';
      start = i + 1;
    }
    return result + call(StringPrototypeSlice, S, start);
  },
});

// ---------------------------------------------------------------------------
// Iterator helpers (ES2025)

// The prototypes of helpers and of Iterator.from's wrappers are classes made
// on first use: defining a class has a cost, this file runs in every new
// isolate, and neither prototype can be reached before the first helper or
// wrapper exists.
let IteratorHelper;
let WrappedIterator;

function newIteratorHelper(generator, underlying) {
  if (IteratorHelper === undefined) IteratorHelper = makeIteratorHelperClass();
  return new IteratorHelper(generator, underlying);
}

function newWrappedIterator(iterator, next) {
  if (WrappedIterator === undefined) WrappedIterator = makeWrappedIteratorClass();
  return new WrappedIterator(iterator, next);
}

// Makes Class.prototype an Iterator prototype without a constructor.
function finishIteratorClass(Class) {
  ObjectSetPrototypeOf(Class.prototype, IteratorPrototype);
  delete Class.prototype.constructor;
  return Class;
}

function makeIteratorHelperClass() {
  // %IteratorHelperPrototype%. A helper runs its algorithm as a generator, so
  // that "already running" re-entry throws as the spec's GeneratorValidate
  // does; the helper adds what a generator cannot: return() before the first
  // next() closes the underlying iterator.
  class IteratorHelper {
    #generator;
    #underlying;
    #started = false;

    constructor(generator, underlying) {
      this.#generator = generator;
      this.#underlying = underlying;
    }

    static check(value, method) {
      if (!isObject(value) || !(#generator in value)) {
        throw new TypeError(`Iterator Helper.prototype.${method} called on an incompatible receiver`);
      }
    }

    next() {
      IteratorHelper.check(this, 'next');
      this.#started = true;
      return call(GeneratorPrototypeNext, this.#generator);
    }

    return() {
      IteratorHelper.check(this, 'return');
      if (!this.#started) {
        // suspended-start: complete without running, then close.
        this.#started = true;
        call(GeneratorPrototypeReturn, this.#generator);
        iteratorClose(this.#underlying);
        return { value: undefined, done: true };
      }
      // suspended-yield: the generator's finally blocks close the underlying
      // iterator(s); completed: nothing to do.
      return call(GeneratorPrototypeReturn, this.#generator);
    }
  }
  ObjectDefineProperty(IteratorHelper.prototype, SymbolToStringTag, {
    __proto__: null, value: 'Iterator Helper', writable: false, enumerable: false, configurable: true,
  });
  return finishIteratorClass(IteratorHelper);
}

function makeWrappedIteratorClass() {
  // %WrapForValidIteratorPrototype%, made by Iterator.from.
  class WrappedIterator {
    #iterator;
    #next;

    constructor(iterator, next) {
      this.#iterator = iterator;
      this.#next = next;
    }

    static check(value, method) {
      if (!isObject(value) || !(#iterator in value)) {
        throw new TypeError(`%WrapForValidIteratorPrototype%.${method} called on an incompatible receiver`);
      }
    }

    next() {
      WrappedIterator.check(this, 'next');
      return call(this.#next, this.#iterator);
    }

    return() {
      WrappedIterator.check(this, 'return');
      const iterator = this.#iterator;
      const returnMethod = getMethod(iterator, 'return');
      if (returnMethod === undefined) return { value: undefined, done: true };
      return call(returnMethod, iterator);
    }
  }
  return finishIteratorClass(WrappedIterator);
}

// The abstract closures of the helpers. `yield v` comes back abruptly only
// through return(); the finally blocks then close the underlying iterator
// with that return completion (IfAbruptCloseIterator).

const MAP = 0;
const FILTER = 1;
const TAKE = 2;
const DROP = 3;

// The closures of map(fn), filter(fn), take(limit) and drop(limit).
function* simpleHelper(iterator, next, kind, fn, limit) {
  let remaining = limit;
  if (kind === DROP) {
    for (; remaining > 0; ) {
      if (remaining !== Infinity) remaining--;
      if (iteratorStep(iterator, next) === DONE) return;
    }
  }
  for (let counter = 0; ; counter++) {
    if (kind === TAKE) {
      if (remaining === 0) {
        iteratorClose(iterator);
        return;
      }
      if (remaining !== Infinity) remaining--;
    }
    const value = iteratorStepValue(iterator, next);
    if (value === DONE) return;
    let out = value;
    if (kind === MAP || kind === FILTER) {
      let result;
      try {
        result = fn(value, counter);
      } catch (error) {
        iteratorCloseAndThrow(iterator, error);
      }
      if (kind === MAP) out = result;
      else if (!result) continue;
    }
    let resumed = false;
    try {
      yield out;
      resumed = true;
    } finally {
      if (!resumed) iteratorClose(iterator);
    }
  }
}

function* flatMapHelper(iterator, next, mapper) {
  for (let counter = 0; ; counter++) {
    const value = iteratorStepValue(iterator, next);
    if (value === DONE) return;
    let inner;
    try {
      inner = getIteratorFlattenable(mapper(value, counter), false);
    } catch (error) {
      iteratorCloseAndThrow(iterator, error);
    }
    for (;;) {
      let innerValue;
      try {
        innerValue = iteratorStepValue(inner.iterator, inner.next);
      } catch (error) {
        iteratorCloseAndThrow(iterator, error);
      }
      if (innerValue === DONE) break;
      let resumed = false;
      try {
        yield innerValue;
        resumed = true;
      } finally {
        if (!resumed) {
          // Close the inner iterator, then the outer one; an error from the
          // inner return() still closes the outer iterator, and wins.
          try {
            iteratorClose(inner.iterator);
          } catch (error) {
            iteratorCloseAndThrow(iterator, error);
          }
          iteratorClose(iterator);
        }
      }
    }
  }
}

// Steps shared by every Iterator.prototype method: `this` must be an object;
// an invalid callback closes it (ecma262 #3467) before `next` is read.
function thisIterator(value, method) {
  if (!isObject(value)) throw new TypeError(`Iterator.prototype.${method} called on a non-object`);
  return value;
}

function requireCallable(iterator, fn, method) {
  if (!isCallable(fn)) iteratorCloseAndThrow(iterator, new TypeError(`Iterator.prototype.${method}: the argument is not a function`));
}

// take/drop: ToNumber, NaN check, ToIntegerOrInfinity, negative check, each
// failure closing the iterator.
function helperLimit(iterator, limit, method) {
  let numLimit;
  try {
    numLimit = +limit;
  } catch (error) {
    iteratorCloseAndThrow(iterator, error);
  }
  if (numLimit !== numLimit) iteratorCloseAndThrow(iterator, new RangeError(`Iterator.prototype.${method}: the limit is NaN`));
  const integerLimit = toIntegerOrInfinity(numLimit);
  if (integerLimit < 0) iteratorCloseAndThrow(iterator, new RangeError(`Iterator.prototype.${method}: the limit is negative`));
  return integerLimit;
}

// The loop of forEach, some, every and find: calls fn(value, counter) for
// each value until fn's result, as a boolean, equals `stopOn` (never when it
// is null); then closes the iterator and returns that value. DONE when the
// iterator ends first.
function findValue(O, fn, method, stopOn) {
  thisIterator(O, method);
  requireCallable(O, fn, method);
  const next = O.next;
  for (let counter = 0; ; counter++) {
    const value = iteratorStepValue(O, next);
    if (value === DONE) return DONE;
    let result;
    try {
      result = fn(value, counter);
    } catch (error) {
      iteratorCloseAndThrow(O, error);
    }
    if (stopOn !== null && !result === !stopOn) {
      iteratorClose(O);
      return value;
    }
  }
}

// SetterThatIgnoresPrototypeProperties(this, %Iterator.prototype%, key, value).
function setIgnoringPrototype(thisValue, key, value) {
  if (!isObject(thisValue)) throw new TypeError('Cannot set a property on a non-object');
  if (thisValue === IteratorPrototype) throw new TypeError(`Cannot assign to read-only Iterator.prototype[${String(key)}]`);
  if (ObjectGetOwnPropertyDescriptor(thisValue, key) === undefined) createDataPropertyOrThrow(thisValue, key, value);
  else thisValue[key] = value;
}

// The global Iterator: abstract, only a base class.
function Iterator() {
  if (new.target === undefined || new.target === Iterator) {
    throw new TypeError('Iterator is an abstract class: it cannot be called or constructed directly');
  }
}

if (!ObjectHasOwn(globalThis, 'Iterator')) {
  ObjectDefineProperty(Iterator, 'prototype', { value: IteratorPrototype, writable: false, enumerable: false, configurable: false });

  install(Iterator, {
    from(O) {
      const { iterator, next } = getIteratorFlattenable(O, true);
      // OrdinaryHasInstance(%Iterator%, iterator): the prototype property is
      // non-writable, so it is always %Iterator.prototype%.
      if (call(ObjectPrototypeIsPrototypeOf, IteratorPrototype, iterator)) return iterator;
      return newWrappedIterator(iterator, next);
    },
  });

  install(IteratorPrototype, {
    map(mapper) {
      const O = thisIterator(this, 'map');
      requireCallable(O, mapper, 'map');
      return newIteratorHelper(simpleHelper(O, O.next, MAP, mapper, 0), O);
    },

    filter(predicate) {
      const O = thisIterator(this, 'filter');
      requireCallable(O, predicate, 'filter');
      return newIteratorHelper(simpleHelper(O, O.next, FILTER, predicate, 0), O);
    },

    take(limit) {
      const O = thisIterator(this, 'take');
      const integerLimit = helperLimit(O, limit, 'take');
      return newIteratorHelper(simpleHelper(O, O.next, TAKE, undefined, integerLimit), O);
    },

    drop(limit) {
      const O = thisIterator(this, 'drop');
      const integerLimit = helperLimit(O, limit, 'drop');
      return newIteratorHelper(simpleHelper(O, O.next, DROP, undefined, integerLimit), O);
    },

    flatMap(mapper) {
      const O = thisIterator(this, 'flatMap');
      requireCallable(O, mapper, 'flatMap');
      return newIteratorHelper(flatMapHelper(O, O.next, mapper), O);
    },

    reduce(reducer) {
      const O = thisIterator(this, 'reduce');
      requireCallable(O, reducer, 'reduce');
      const next = O.next;
      let accumulator;
      let counter;
      if (arguments.length < 2) {
        accumulator = iteratorStepValue(O, next);
        if (accumulator === DONE) throw new TypeError('Reduce of an empty iterator with no initial value');
        counter = 1;
      } else {
        accumulator = arguments[1];
        counter = 0;
      }
      for (;; counter++) {
        const value = iteratorStepValue(O, next);
        if (value === DONE) return accumulator;
        try {
          accumulator = reducer(accumulator, value, counter);
        } catch (error) {
          iteratorCloseAndThrow(O, error);
        }
      }
    },

    toArray() {
      const O = thisIterator(this, 'toArray');
      const next = O.next;
      const items = newList();
      for (let n = 0; ; n++) {
        const value = iteratorStepValue(O, next);
        if (value === DONE) return listToArray(items, n);
        items[n] = value;
      }
    },

    forEach(fn) {
      findValue(this, fn, 'forEach', null);
      return undefined;
    },

    some(predicate) {
      return findValue(this, predicate, 'some', true) !== DONE;
    },

    every(predicate) {
      return findValue(this, predicate, 'every', false) === DONE;
    },

    find(predicate) {
      const value = findValue(this, predicate, 'find', true);
      return value === DONE ? undefined : value;
    },

    // Accessors, so that assigning to these on an object that inherits from
    // Iterator.prototype defines an own property instead of failing.
    get [SymbolToStringTag]() {
      return 'Iterator';
    },
    set [SymbolToStringTag](value) {
      setIgnoringPrototype(this, SymbolToStringTag, value);
    },
    get constructor() {
      return Iterator;
    },
    set constructor(value) {
      setIgnoringPrototype(this, 'constructor', value);
    },
  });

  ObjectDefineProperty(globalThis, 'Iterator', { value: Iterator, writable: true, enumerable: false, configurable: true });
}

// ---------------------------------------------------------------------------
// RegExp.escape (ES2025)

const HEX = '0123456789abcdef';

function hexEscape(c) {
  if (c <= 0xff) return '\\x' + HEX[c >> 4] + HEX[c & 15];
  return '\\u' + HEX[c >> 12] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
}

// EncodeForRegExpEscape for one code point given as a UTF-16 code unit (a
// BMP character or a lone surrogate; pairs are copied by the caller).
function encodeForRegExpEscape(c) {
  switch (c) {
    // SyntaxCharacter and "/"
    case 0x5e: case 0x24: case 0x5c: case 0x2e: case 0x2a: case 0x2b: case 0x3f: case 0x28:
    case 0x29: case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x7c: case 0x2f:
      return '\\' + StringFromCharCode(c);
    // ControlEscape
    case 0x09: return '\\t';
    case 0x0a: return '\\n';
    case 0x0b: return '\\v';
    case 0x0c: return '\\f';
    case 0x0d: return '\\r';
    // the other punctuators: , - = < > # & ! % : ; @ ~ ' ` "
    case 0x2c: case 0x2d: case 0x3d: case 0x3c: case 0x3e: case 0x23: case 0x26: case 0x21:
    case 0x25: case 0x3a: case 0x3b: case 0x40: case 0x7e: case 0x27: case 0x60: case 0x22:
    // WhiteSpace (Zs and U+FEFF) and LineTerminator not covered above
    case 0x20: case 0xa0: case 0x1680: case 0x202f: case 0x205f: case 0x3000: case 0xfeff:
    case 0x2028: case 0x2029:
      return hexEscape(c);
  }
  if ((c >= 0x2000 && c <= 0x200a) || (c >= 0xd800 && c <= 0xdfff)) return hexEscape(c);
  return StringFromCharCode(c);
}

install(RegExp, {
  escape(S) {
    if (typeof S !== 'string') throw new TypeError('RegExp.escape requires a string');
    const len = S.length;
    let escaped = '';
    for (let i = 0; i < len; i++) {
      const c = call(StringPrototypeCharCodeAt, S, i);
      if (i === 0 && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a))) {
        // A leading digit or letter could continue an escape before it.
        escaped += hexEscape(c);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
        const d = call(StringPrototypeCharCodeAt, S, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          escaped += S[i] + S[i + 1];
          i++;
          continue;
        }
      }
      escaped += encodeForRegExpEscape(c);
    }
    return escaped;
  },
});

// ---------------------------------------------------------------------------
// Error.isError (ES2026)

if (isNativeError !== undefined) {
  install(Error, {
    isError(arg) {
      if (!isObject(arg)) return false;
      if (isNativeError(arg)) return true;
      // WebIDL gives DOMException objects [[ErrorData]] too; dom_exception.js
      // (loaded after this file) publishes its brand check.
      const isDOMException = internals.isDOMException;
      return isDOMException !== undefined && isDOMException(arg);
    },
  });
}

// ---------------------------------------------------------------------------
// ArrayBuffer.prototype.transfer, transferToFixedLength, detached (ES2024)
//
// V8 10.2 has no resizable ArrayBuffers, so both transfers make a
// fixed-length buffer.

// ArrayBufferCopyAndDetach(O, newLength).
function arrayBufferCopyAndDetach(O, newLength, method) {
  if (isDetached(O) === undefined) throw new TypeError(`${method} called on a value that is not an ArrayBuffer`);
  const newByteLength = newLength === undefined ? call(ArrayBufferByteLength, O) : toIndex(newLength);
  if (isDetached(O)) throw new TypeError(`${method} called on a detached ArrayBuffer`);
  return transferArrayBuffer(O, newByteLength);
}

if (transferArrayBuffer !== undefined && isDetached !== undefined) {
  install(ArrayBuffer.prototype, {
    transfer() {
      return arrayBufferCopyAndDetach(this, arguments[0], 'ArrayBuffer.prototype.transfer');
    },

    transferToFixedLength() {
      return arrayBufferCopyAndDetach(this, arguments[0], 'ArrayBuffer.prototype.transferToFixedLength');
    },

    get detached() {
      const detached = isDetached(this);
      if (detached === undefined) throw new TypeError('ArrayBuffer.prototype.detached called on a value that is not an ArrayBuffer');
      return detached;
    },
  });
}

// ---------------------------------------------------------------------------
// Math.sumPrecise (ES2026)
//
// The exact sum of the numbers, rounded once. Shewchuk's algorithm keeps the
// running sum as a list of non-overlapping doubles ("partials") whose exact
// sum is the sum so far; each new number is added with error-free two-sums.
// Adding two large doubles can overflow although the exact sum is finite:
// such an overflow takes 2^1024 out of the partial into an integer count of
// 2^1024s. When that happened, or when the usual final rounding meets
// infinity, the result is rounded from the exact value as a BigInt (rare,
// and simpler to trust than special cases at the edge of the double range).

const SUM_MINUS_ZERO = 0;
const SUM_FINITE = 1;
const SUM_PLUS_INFINITY = 2;
const SUM_MINUS_INFINITY = 3;
const SUM_NAN = 4;
const TWO_1023 = 2 ** 1023;

// The double nearest to the exact sum of partials[0..n), rounding ties to
// even; no overflow happened while collecting them.
function roundPartials(partials, n) {
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // hi + lo is exact. If lo is exactly half an ulp of hi, hi + lo was
  // rounded to even; the partials below decide whether the exact sum lies
  // beyond the halfway point, in which case hi rounds the other way.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

let bitsView;

// A finite double as an exact BigInt multiple of 2^-1074.
function scaledBigInt(d) {
  if (bitsView === undefined) {
    const buffer = new ArrayBuffer(8);
    bitsView = { f64: new Float64Array(buffer), u64: new BigUint64Array(buffer) };
  }
  bitsView.f64[0] = d;
  const bits = bitsView.u64[0];
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  if (exponent !== 0) mantissa = (mantissa | 0x10000000000000n) << BigIntCtor(exponent - 1);
  return bits >> 63n ? -mantissa : mantissa;
}

// The double nearest to overflow * 2^1024 + partials[0..n), ties to even.
function roundExactly(partials, n, overflow) {
  let total = BigIntCtor(overflow) << 2098n; // 2^1024 in units of 2^-1074
  for (let i = 0; i < n; i++) total += scaledBigInt(partials[i]);
  if (total === 0n) return 0;
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const bitLength = call(BigIntPrototypeToString, magnitude, 2).length;
  let result;
  if (bitLength <= 53) {
    // Exactly representable (a subnormal or a small normal number).
    result = Number(magnitude) * 2 ** -1074;
  } else {
    const shift = bitLength - 53;
    let q = magnitude >> BigIntCtor(shift);
    const rest = magnitude - (q << BigIntCtor(shift));
    const half = 1n << BigIntCtor(shift - 1);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
    // q < 2^53 (or = 2^53 after rounding up): exact, and the scaling by a
    // power of two is exact or overflows to Infinity, as it should.
    result = Number(q) * 2 ** (shift - 1074);
  }
  return negative ? -result : result;
}

install(Math, {
  sumPrecise(items) {
    if (items === undefined || items === null) throw new TypeError(`Math.sumPrecise called on ${items}`);
    let state = SUM_MINUS_ZERO;
    const partials = newList();
    let n = 0;
    let overflow = 0;
    let overflowed = false;
    let count = 0;
    // for-of closes the iterator when a TypeError/RangeError is thrown below.
    for (const value of items) {
      if (++count >= 2 ** 53) throw new RangeError('Math.sumPrecise: too many items');
      if (typeof value !== 'number') throw new TypeError('Math.sumPrecise: every item must be a number');
      if (state === SUM_NAN) continue;
      if (value !== value) {
        state = SUM_NAN;
      } else if (value === Infinity) {
        state = state === SUM_MINUS_INFINITY ? SUM_NAN : SUM_PLUS_INFINITY;
      } else if (value === -Infinity) {
        state = state === SUM_PLUS_INFINITY ? SUM_NAN : SUM_MINUS_INFINITY;
      } else if ((value !== 0 || 1 / value > 0) && (state === SUM_MINUS_ZERO || state === SUM_FINITE)) {
        state = SUM_FINITE;
        let x = value;
        let used = 0;
        for (let i = 0; i < n; i++) {
          let y = partials[i];
          if (MathAbs(x) < MathAbs(y)) {
            const t = x;
            x = y;
            y = t;
          }
          let hi = x + y;
          if (hi === Infinity || hi === -Infinity) {
            // |x| >= 2^1023 here, so subtracting 2^1024 (in two exact
            // halves) is exact; the two now have opposite signs.
            const sign = hi > 0 ? 1 : -1;
            overflow += sign;
            overflowed = true;
            x = x - sign * TWO_1023 - sign * TWO_1023;
            if (MathAbs(x) < MathAbs(y)) {
              const t = x;
              x = y;
              y = t;
            }
            hi = x + y;
          }
          const lo = y - (hi - x);
          if (lo !== 0) partials[used++] = lo;
          x = hi;
        }
        n = used;
        if (x !== 0) partials[n++] = x;
      }
    }
    switch (state) {
      case SUM_NAN: return NaN;
      case SUM_PLUS_INFINITY: return Infinity;
      case SUM_MINUS_INFINITY: return -Infinity;
      case SUM_MINUS_ZERO: return -0;
    }
    if (!overflowed) {
      const sum = roundPartials(partials, n);
      if (NumberIsFinite(sum)) return sum;
    }
    return roundExactly(partials, n, overflow);
  },
});

// Symbol.dispose and Symbol.asyncDispose: the engine has no `using`, but
// code compiled down from it (TypeScript) and RPC stubs use the symbols,
// as in workerd. Well-known symbols are neither writable nor configurable.
for (const name of ['dispose', 'asyncDispose']) {
  if (!(name in Symbol)) {
    ObjectDefineProperty(Symbol, name, { __proto__: null, value: Symbol('Symbol.' + name), writable: false, enumerable: false, configurable: false });
  }
}
