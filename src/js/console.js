'use strict';
// console.js: value formatting (`internals.inspect`), log-argument formatting
// (`internals.formatLogArgs`) and the `console` namespace object
// (`internals.console`). Output goes through `native.log(level, message)`.

// ---------------------------------------------------------------------------
// Builtins captured at load time so user code that patches prototypes later
// cannot change how values are printed.

const ReflectApply = Reflect.apply;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
const ObjectDefineProperty = Object.defineProperty;
const ObjectKeys = Object.keys;
const ObjectIs = Object.is;
const ObjectPrototypeToString = Object.prototype.toString;
const ObjectPrototypeHasOwnProperty = Object.prototype.hasOwnProperty;
const ObjectPrototypeIsPrototypeOf = Object.prototype.isPrototypeOf;
const ObjectPrototypePropertyIsEnumerable = Object.prototype.propertyIsEnumerable;
const ArrayIsArray = Array.isArray;
const ArrayBufferIsView = ArrayBuffer.isView;
const FunctionPrototype = Function.prototype;
const FunctionPrototypeToString = Function.prototype.toString;
const SymbolPrototypeToString = Symbol.prototype.toString;
const SymbolToStringTag = Symbol.toStringTag;
const DatePrototypeGetTime = Date.prototype.getTime;
const DatePrototypeToISOString = Date.prototype.toISOString;
const ErrorPrototypeToString = Error.prototype.toString;
const JSONStringify = JSON.stringify;
const NumberParseInt = Number.parseInt;
const NumberParseFloat = Number.parseFloat;
const MathMin = Math.min;
const MathMax = Math.max;
const MathFloor = Math.floor;
const DateNow = Date.now;
const ErrorCaptureStackTrace = Error.captureStackTrace; // V8 builtin
const MapCtor = Map;

const getter = (proto, key) => ObjectGetOwnPropertyDescriptor(proto, key).get;
const call = (fn, self, ...args) => ReflectApply(fn, self, args);

const MapPrototype = Map.prototype;
const MapSize = getter(Map.prototype, 'size');
const MapEntries = Map.prototype.entries;
const MapIteratorNext = ObjectGetPrototypeOf(new Map().entries()).next;
const SetPrototype = Set.prototype;
const SetSize = getter(Set.prototype, 'size');
const SetValues = Set.prototype.values;
const SetIteratorNext = ObjectGetPrototypeOf(new Set().values()).next;
const WeakMapPrototype = WeakMap.prototype;
const WeakMapHas = WeakMap.prototype.has;
const WeakSetPrototype = WeakSet.prototype;
const WeakSetHas = WeakSet.prototype.has;
const DatePrototype = Date.prototype;
const RegExpPrototype = RegExp.prototype;
const RegExpSource = getter(RegExp.prototype, 'source');
const RegExpFlags = getter(RegExp.prototype, 'flags');
const ErrorPrototype = Error.prototype;
const PromisePrototype = Promise.prototype;
const ArrayBufferPrototype = ArrayBuffer.prototype;
const ArrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const SharedArrayBufferPrototype =
  typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer.prototype : null;
const SharedArrayBufferByteLength =
  SharedArrayBufferPrototype !== null ? getter(SharedArrayBufferPrototype, 'byteLength') : null;
const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
const TypedArrayName = getter(TypedArrayPrototype, SymbolToStringTag);
const TypedArrayLength = getter(TypedArrayPrototype, 'length');
const DataViewByteLength = getter(DataView.prototype, 'byteLength');
const DataViewByteOffset = getter(DataView.prototype, 'byteOffset');
const DataViewBuffer = getter(DataView.prototype, 'buffer');
const NumberPrototype = Number.prototype;
const NumberValueOf = Number.prototype.valueOf;
const StringPrototype = String.prototype;
const StringValueOf = String.prototype.valueOf;
const BooleanPrototype = Boolean.prototype;
const BooleanValueOf = Boolean.prototype.valueOf;
const SymbolPrototype = Symbol.prototype;
const SymbolValueOf = Symbol.prototype.valueOf;
const BigIntPrototype = BigInt.prototype;
const BigIntValueOf = BigInt.prototype.valueOf;
const AsyncFunctionPrototype = ObjectGetPrototypeOf(async function () {});
const GeneratorFunctionPrototype = ObjectGetPrototypeOf(function* () {});
const AsyncGeneratorFunctionPrototype = ObjectGetPrototypeOf(async function* () {});

// toString implementations that count as "not user-defined" for `%s`.
const kBuiltinToStrings = new Set([
  ObjectPrototypeToString, Error.prototype.toString, Array.prototype.toString,
  Date.prototype.toString, RegExp.prototype.toString, FunctionPrototypeToString,
  Number.prototype.toString, String.prototype.toString, Boolean.prototype.toString,
  SymbolPrototypeToString, BigInt.prototype.toString,
]);

// Objects may customise their output with this (Node-compatible) hook:
// obj[kInspectCustom](depth, options, inspect) → string or value to format.
const kInspectCustom = Symbol.for('nodejs.util.inspect.custom');

const kDefaultDepth = 2;
const kDefaultBreakLength = 72;
const kDefaultMaxArrayLength = 100;
const kMaxBufferBytes = 50;
const kIdentifierRe = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const kNeedsEscapeRe =
  /[\x00-\x1f\x7f\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const kNumericEntryRe = /^-?(?:\d|Infinity|NaN)/;

// ---------------------------------------------------------------------------
// Primitive formatting

function formatNumber(n) {
  return ObjectIs(n, -0) ? '-0' : `${n}`;
}

function hex(code, width) {
  let s = code.toString(16).toUpperCase();
  while (s.length < width) s = '0' + s;
  return s;
}

const kControlEscapes = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

function quoteString(s) {
  let quote = "'";
  if (s.includes("'")) {
    if (!s.includes('"')) quote = '"';
    else if (!s.includes('`') && !s.includes('${')) quote = '`';
  }
  if (!kNeedsEscapeRe.test(s) && !s.includes(quote)) return quote + s + quote;
  const quoteCode = quote.charCodeAt(0);
  let out = quote;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep;
    if (c === quoteCode) {
      rep = '\\' + quote;
    } else if (c === 0x5c) {
      rep = '\\\\';
    } else if (c < 0x20 || c === 0x7f) {
      rep = kControlEscapes[c] || `\\x${hex(c, 2)}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      rep = `\\u${hex(c, 4)}`;
    } else {
      continue;
    }
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return out + s.slice(last) + quote;
}

function formatPrimitive(value, quoteStrings) {
  switch (typeof value) {
    case 'string': return quoteStrings ? quoteString(value) : value;
    case 'number': return formatNumber(value);
    case 'bigint': return `${value}n`;
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined': return 'undefined';
    case 'symbol': return call(SymbolPrototypeToString, value);
    default: return 'null';
  }
}

function formatKey(key) {
  if (typeof key === 'symbol') return `[${call(SymbolPrototypeToString, key)}]`;
  return kIdentifierRe.test(key) ? key : quoteString(key);
}

// ---------------------------------------------------------------------------
// Object classification (brand checks never rely on a spoofable tag alone)

function brand(fn, value, arg) {
  try {
    call(fn, value, arg);
    return true;
  } catch {
    return false;
  }
}

function inherits(proto, value) {
  try {
    return call(ObjectPrototypeIsPrototypeOf, proto, value);
  } catch {
    return false;
  }
}

function builtinTag(value) {
  try {
    return call(ObjectPrototypeToString, value).slice(8, -1);
  } catch {
    return 'Object';
  }
}

// Candidates are found through the prototype chain (cheap, no exceptions for
// plain objects) or the toString tag, then confirmed with a real brand check.
const kBrands = [
  ['Map', MapPrototype, (v) => brand(MapSize, v)],
  ['Set', SetPrototype, (v) => brand(SetSize, v)],
  ['WeakMap', WeakMapPrototype, (v) => brand(WeakMapHas, v, {})],
  ['WeakSet', WeakSetPrototype, (v) => brand(WeakSetHas, v, {})],
  ['Date', DatePrototype, (v) => brand(DatePrototypeGetTime, v)],
  ['RegExp', RegExpPrototype, (v) => v !== RegExpPrototype && brand(RegExpSource, v)],
  ['ArrayBuffer', ArrayBufferPrototype, (v) => brand(ArrayBufferByteLength, v)],
  ['SharedArrayBuffer', SharedArrayBufferPrototype,
    (v) => SharedArrayBufferByteLength !== null && brand(SharedArrayBufferByteLength, v)],
  ['Number', NumberPrototype, (v) => v !== NumberPrototype && brand(NumberValueOf, v)],
  ['String', StringPrototype, (v) => v !== StringPrototype && brand(StringValueOf, v)],
  ['Boolean', BooleanPrototype, (v) => v !== BooleanPrototype && brand(BooleanValueOf, v)],
  ['Symbol', SymbolPrototype, (v) => v !== SymbolPrototype && brand(SymbolValueOf, v)],
  ['BigInt', BigIntPrototype, (v) => v !== BigIntPrototype && brand(BigIntValueOf, v)],
  ['Error', ErrorPrototype, () => true],
  ['Promise', PromisePrototype, () => true],
];
const kBrandsByTag = new MapCtor();
for (const b of kBrands) kBrandsByTag.set(b[0], b);

function classify(value) {
  if (typeof value === 'function') return 'Function';
  try {
    if (ArrayIsArray(value)) return 'Array';
  } catch {
    return 'Object'; // revoked proxy
  }
  if (call(TypedArrayName, value) !== undefined) return 'TypedArray';
  if (ArrayBufferIsView(value)) return 'DataView';
  for (let i = 0; i < kBrands.length; i++) {
    const b = kBrands[i];
    if (b[1] !== null && inherits(b[1], value)) {
      if (b[2](value)) return b[0];
      break;
    }
  }
  const tag = builtinTag(value);
  if (tag === 'Arguments') return 'Arguments';
  const b = kBrandsByTag.get(tag);
  if (b !== undefined && b[0] !== 'Promise' && b[2](value)) return b[0];
  return 'Object';
}

function ownString(obj, key) {
  try {
    const d = ObjectGetOwnPropertyDescriptor(obj, key);
    return d !== undefined && typeof d.value === 'string' ? d.value : '';
  } catch {
    return '';
  }
}

// Name of the nearest constructor on the prototype chain that the object is
// actually an instance of; null when there is none (null-prototype objects).
function constructorName(obj) {
  let o = obj;
  for (let i = 0; o !== null && i < 1000; i++) {
    let desc;
    try {
      desc = ObjectGetOwnPropertyDescriptor(o, 'constructor');
    } catch {
      desc = undefined;
    }
    if (desc !== undefined && typeof desc.value === 'function') {
      const name = ownString(desc.value, 'name');
      let proto;
      try {
        proto = ObjectGetOwnPropertyDescriptor(desc.value, 'prototype');
      } catch {
        proto = undefined;
      }
      if (name !== '' && proto !== undefined && inherits(proto.value, obj)) return name;
    }
    try {
      o = ObjectGetPrototypeOf(o);
    } catch {
      return null;
    }
  }
  return null;
}

function toStringTagOf(value) {
  try {
    const t = value[SymbolToStringTag];
    return typeof t === 'string' ? t : '';
  } catch {
    return '';
  }
}

function isIndexKey(key) {
  if (typeof key !== 'string' || key.length === 0 || key.length > 10) return false;
  const c = key.charCodeAt(0);
  if (c < 0x30 || c > 0x39 || (c === 0x30 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i++) {
    const d = key.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  return +key < 4294967295;
}

// Own enumerable keys shown as `key: value` (strings, then symbols).
// With skipIndices (arrays, typed arrays) the engine leaves the indices out
// (native.ownNonIndexKeys), so a 10-million-element array costs nothing here.
function propertyKeys(obj, skipIndices) {
  let keys;
  try {
    if (skipIndices && typeof native.ownNonIndexKeys === 'function') keys = native.ownNonIndexKeys(obj);
    else keys = ObjectKeys(obj);
  } catch {
    return [];
  }
  if (skipIndices) keys = keys.filter((k) => !isIndexKey(k));
  let symbols;
  try {
    symbols = ObjectGetOwnPropertySymbols(obj);
  } catch {
    symbols = [];
  }
  for (let i = 0; i < symbols.length; i++) {
    if (call(ObjectPrototypePropertyIsEnumerable, obj, symbols[i])) keys.push(symbols[i]);
  }
  return keys;
}

function hasOwn(obj, key) {
  return call(ObjectPrototypeHasOwnProperty, obj, key);
}

// ---------------------------------------------------------------------------
// Object formatting

function makeContext(options) {
  const ctx = {
    depth: kDefaultDepth,
    breakLength: kDefaultBreakLength,
    maxArrayLength: kDefaultMaxArrayLength,
    customInspect: true,
    seen: [],
    circular: null,
  };
  if (options !== null && typeof options === 'object') {
    const { depth, breakLength, maxArrayLength, customInspect } = options;
    if (depth === null || depth === Infinity) ctx.depth = Infinity;
    else if (typeof depth === 'number' && depth === depth) ctx.depth = depth;
    if (typeof breakLength === 'number' && breakLength === breakLength) ctx.breakLength = breakLength;
    if (maxArrayLength === null || maxArrayLength === Infinity) ctx.maxArrayLength = Infinity;
    else if (typeof maxArrayLength === 'number' && maxArrayLength >= 0) {
      ctx.maxArrayLength = MathFloor(maxArrayLength);
    }
    if (customInspect === false) ctx.customInspect = false;
  }
  return ctx;
}

function formatValue(ctx, value, level) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return formatPrimitive(value, true);
  }
  return formatObject(ctx, value, level);
}

function circularRef(ctx, value) {
  if (ctx.circular === null) ctx.circular = new MapCtor();
  let index = ctx.circular.get(value);
  if (index === undefined) {
    index = ctx.circular.size + 1;
    ctx.circular.set(value, index);
  }
  return `[Circular *${index}]`;
}

function callCustomInspect(ctx, value, level) {
  let hook;
  try {
    hook = value[kInspectCustom];
  } catch {
    return undefined;
  }
  if (typeof hook !== 'function') return undefined;
  const depth = ctx.depth - level;
  const options = {
    depth,
    breakLength: ctx.breakLength,
    maxArrayLength: ctx.maxArrayLength,
    customInspect: true,
  };
  const result = call(hook, value, depth, options, inspect);
  if (result === value) return undefined;
  if (typeof result === 'string') return result;
  return formatValue(ctx, result, level);
}

function functionBase(fn) {
  const name = ownString(fn, 'name');
  let source = '';
  try {
    source = call(FunctionPrototypeToString, fn);
  } catch {
    // Not inspectable (e.g. revoked proxy); treat as a plain function.
  }
  if (source.startsWith('class') && (source.length === 5 || !/[\w$]/.test(source[5]))) {
    let s = `[class ${name || '(anonymous)'}`;
    let parent;
    try {
      parent = ObjectGetPrototypeOf(fn);
    } catch {
      parent = FunctionPrototype;
    }
    if (parent === null) s += ' extends null';
    else if (typeof parent === 'function' && parent !== FunctionPrototype) {
      const parentName = ownString(parent, 'name');
      if (parentName !== '') s += ` extends ${parentName}`;
    }
    return s + ']';
  }
  let kind = 'Function';
  let proto;
  try {
    proto = ObjectGetPrototypeOf(fn);
  } catch {
    proto = FunctionPrototype;
  }
  if (proto === AsyncFunctionPrototype) kind = 'AsyncFunction';
  else if (proto === GeneratorFunctionPrototype) kind = 'GeneratorFunction';
  else if (proto === AsyncGeneratorFunctionPrototype) kind = 'AsyncGeneratorFunction';
  return name === '' ? `[${kind} (anonymous)]` : `[${kind}: ${name}]`;
}

function errorBase(err) {
  let stack;
  try {
    stack = err.stack;
  } catch {
    stack = undefined;
  }
  if (typeof stack === 'string' && stack !== '') return internals.mapStack ? internals.mapStack(stack) : stack;
  try {
    return call(ErrorPrototypeToString, err);
  } catch {
    return 'Error';
  }
}

function formatBufferContents(u8) {
  const len = u8.length;
  const n = MathMin(len, kMaxBufferBytes);
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = u8[i];
    s += (i === 0 ? '' : ' ') + (b < 16 ? '0' : '') + b.toString(16);
  }
  if (len > n) s += ` ... ${len - n} more byte${len - n === 1 ? '' : 's'}`;
  return `<${s}>`;
}

function formatProperty(ctx, obj, key, level) {
  let desc;
  try {
    desc = ObjectGetOwnPropertyDescriptor(obj, key);
  } catch {
    desc = undefined;
  }
  let str;
  if (desc === undefined) {
    str = 'undefined';
  } else if ('value' in desc) {
    str = formatValue(ctx, desc.value, level + 1);
  } else if (desc.get !== undefined) {
    str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else {
    str = desc.set !== undefined ? '[Setter]' : 'undefined';
  }
  return `${formatKey(key)}: ${str}`;
}

function moreItems(n) {
  return `... ${n} more item${n === 1 ? '' : 's'}`;
}

function formatArrayItems(ctx, arr, len, level, out) {
  const limit = MathMin(len, ctx.maxArrayLength);
  let i = 0;
  let indexKeys = null;
  while (i < limit) {
    if (hasOwn(arr, i)) {
      out.push(formatValue(ctx, arr[i], level + 1));
      i++;
      continue;
    }
    // A run of holes; for long sparse arrays find the next element by key.
    let j = i + 1;
    if (len - i > 1000) {
      if (indexKeys === null) indexKeys = ObjectKeys(arr).filter(isIndexKey).map((k) => +k);
      j = len;
      for (let k = 0; k < indexKeys.length; k++) {
        if (indexKeys[k] > i) {
          j = indexKeys[k];
          break;
        }
      }
    } else {
      while (j < len && !hasOwn(arr, j)) j++;
    }
    const holes = j - i;
    out.push(`<${holes} empty item${holes === 1 ? '' : 's'}>`);
    i = j;
  }
  if (i < len) out.push(moreItems(len - i));
}

function formatTypedArrayItems(ctx, ta, len, out) {
  const limit = MathMin(len, ctx.maxArrayLength);
  for (let i = 0; i < limit; i++) {
    const v = ta[i];
    out.push(typeof v === 'bigint' ? `${v}n` : formatNumber(v));
  }
  if (len > limit) out.push(moreItems(len - limit));
}

function formatMapEntries(ctx, map, size, level, out) {
  const limit = MathMin(size, ctx.maxArrayLength);
  const it = call(MapEntries, map);
  for (let i = 0; i < limit; i++) {
    const r = call(MapIteratorNext, it);
    if (r.done) break;
    const [k, v] = r.value;
    out.push(`${formatValue(ctx, k, level + 1)} => ${formatValue(ctx, v, level + 1)}`);
  }
  if (size > limit) out.push(moreItems(size - limit));
}

function formatSetEntries(ctx, set, size, level, out) {
  const limit = MathMin(size, ctx.maxArrayLength);
  const it = call(SetValues, set);
  for (let i = 0; i < limit; i++) {
    const r = call(SetIteratorNext, it);
    if (r.done) break;
    out.push(formatValue(ctx, r.value, level + 1));
  }
  if (size > limit) out.push(moreItems(size - limit));
}

function prefixFor(ctorName, tag, fallback, size) {
  let p = ctorName === null ? `[${fallback}${size}: null prototype]` : `${ctorName}${size}`;
  if (tag !== '' && tag !== ctorName) p += ` [${tag}]`;
  return p;
}

function formatObject(ctx, value, level) {
  if (ctx.customInspect) {
    const custom = callCustomInspect(ctx, value, level);
    if (custom !== undefined) return custom;
  }
  if (ctx.seen.includes(value)) return circularRef(ctx, value);

  const kind = classify(value);
  const ctorName = constructorName(value);
  const tag = kind === 'Function' || kind === 'Error' ? '' : toStringTagOf(value);

  let prefix = ''; // printed before the braces
  let base = ''; // printed alone when there is nothing inside the braces
  let open = '{';
  let close = '}';
  let keys; // own enumerable properties to show
  let count = 0; // number of items to show besides `keys`
  let arrayLike = false;
  let extra = null; // entries computed without recursion
  let length = 0;

  switch (kind) {
    case 'Array':
      length = value.length;
      keys = propertyKeys(value, true);
      count = length;
      open = '[';
      close = ']';
      arrayLike = true;
      if (ctorName !== 'Array' || tag !== '') prefix = prefixFor(ctorName, tag, 'Array', `(${length})`);
      break;
    case 'TypedArray':
      length = call(TypedArrayLength, value);
      keys = propertyKeys(value, true);
      count = length;
      open = '[';
      close = ']';
      arrayLike = true;
      prefix = prefixFor(ctorName, ctorName === null ? '' : tag, call(TypedArrayName, value), `(${length})`);
      break;
    case 'Arguments':
      length = value.length >>> 0;
      keys = propertyKeys(value, true);
      count = length;
      open = '[';
      close = ']';
      arrayLike = true;
      prefix = '[Arguments]';
      break;
    case 'Map':
      length = call(MapSize, value);
      keys = propertyKeys(value, false);
      count = length;
      prefix = prefixFor(ctorName, tag, 'Map', `(${length})`);
      break;
    case 'Set':
      length = call(SetSize, value);
      keys = propertyKeys(value, false);
      count = length;
      arrayLike = true; // short items are packed into columns like arrays
      prefix = prefixFor(ctorName, tag, 'Set', `(${length})`);
      break;
    case 'WeakMap':
    case 'WeakSet':
      keys = propertyKeys(value, false);
      extra = ['<items unknown>'];
      prefix = prefixFor(ctorName, tag, kind, '');
      break;
    case 'Function':
      keys = propertyKeys(value, false);
      base = functionBase(value);
      break;
    case 'Error': {
      keys = propertyKeys(value, false).filter((k) => k !== 'stack' && k !== 'message');
      base = errorBase(value);
      let causeDesc;
      try {
        causeDesc = ObjectGetOwnPropertyDescriptor(value, 'cause');
      } catch {
        causeDesc = undefined;
      }
      if (causeDesc !== undefined && !causeDesc.enumerable) count = 1;
      break;
    }
    case 'Date': {
      keys = propertyKeys(value, false);
      const t = call(DatePrototypeGetTime, value);
      base = t === t ? call(DatePrototypeToISOString, value) : 'Invalid Date';
      break;
    }
    case 'RegExp':
      keys = propertyKeys(value, false).filter((k) => k !== 'lastIndex');
      base = `/${call(RegExpSource, value)}/${call(RegExpFlags, value)}`;
      break;
    case 'Number':
      keys = propertyKeys(value, false);
      base = `[Number: ${formatNumber(call(NumberValueOf, value))}]`;
      break;
    case 'String':
      keys = propertyKeys(value, true);
      base = `[String: ${quoteString(call(StringValueOf, value))}]`;
      break;
    case 'Boolean':
      keys = propertyKeys(value, false);
      base = `[Boolean: ${call(BooleanValueOf, value)}]`;
      break;
    case 'Symbol':
      keys = propertyKeys(value, false);
      base = `[Symbol: ${call(SymbolPrototypeToString, call(SymbolValueOf, value))}]`;
      break;
    case 'BigInt':
      keys = propertyKeys(value, false);
      base = `[BigInt: ${call(BigIntValueOf, value)}n]`;
      break;
    case 'ArrayBuffer':
    case 'SharedArrayBuffer': {
      keys = propertyKeys(value, false);
      const getLen = kind === 'ArrayBuffer' ? ArrayBufferByteLength : SharedArrayBufferByteLength;
      const byteLength = call(getLen, value);
      extra = [
        `[Uint8Contents]: ${formatBufferContents(new Uint8Array(value, 0, byteLength))}`,
        `byteLength: ${byteLength}`,
      ];
      prefix = prefixFor(ctorName, tag, kind, '');
      break;
    }
    case 'DataView':
      keys = propertyKeys(value, false);
      count = 1; // the buffer
      prefix = prefixFor(ctorName, tag, 'DataView', '');
      break;
    case 'Promise': {
      keys = propertyKeys(value, false);
      prefix = prefixFor(ctorName, tag, 'Promise', '');
      const getState = native.promiseState; // optional native hook
      if (typeof getState === 'function') count = 1;
      break;
    }
    default:
      keys = propertyKeys(value, false);
      if (ctorName === null) prefix = prefixFor(null, tag, 'Object', '');
      else if (ctorName !== 'Object' || tag !== '') prefix = prefixFor(ctorName, tag, 'Object', '');
      break;
  }

  const empty = keys.length === 0 && count === 0 && extra === null;
  if (base !== '') {
    if (empty) return base;
    prefix = base;
  } else if (empty) {
    if (kind === 'Promise') return `${prefix} {}`;
    return prefix === '' ? `${open}${close}` : `${prefix} ${open}${close}`;
  }

  if (level > ctx.depth) {
    if (kind === 'Array') return '[Array]';
    if (ctorName === null) return `[${kind === 'Object' ? 'Object' : kind}: null prototype]`;
    return `[${ctorName}]`;
  }

  const entries = extra === null ? [] : extra;
  ctx.seen.push(value);
  try {
    switch (kind) {
      case 'Array':
      case 'Arguments':
        formatArrayItems(ctx, value, length, level, entries);
        break;
      case 'TypedArray':
        formatTypedArrayItems(ctx, value, length, entries);
        break;
      case 'Map':
        formatMapEntries(ctx, value, length, level, entries);
        break;
      case 'Set':
        formatSetEntries(ctx, value, length, level, entries);
        break;
      case 'DataView':
        entries.push(
          `byteLength: ${call(DataViewByteLength, value)}`,
          `byteOffset: ${call(DataViewByteOffset, value)}`,
          `buffer: ${formatValue(ctx, call(DataViewBuffer, value), level + 1)}`);
        break;
      case 'Promise':
        if (count === 1) entries.push(formatPromiseState(ctx, value, level));
        break;
      default:
        break;
    }
    const itemCount = entries.length;
    for (let i = 0; i < keys.length; i++) entries.push(formatProperty(ctx, value, keys[i], level));
    if (kind === 'Error' && count === 1) {
      let cause;
      try {
        cause = ObjectGetOwnPropertyDescriptor(value, 'cause').value;
      } catch {
        cause = undefined;
      }
      entries.push(`[cause]: ${formatValue(ctx, cause, level + 1)}`);
    }
    let out = reduceToSingleString(ctx, level, prefix, open, close, entries, arrayLike ? itemCount : 0);
    if (ctx.circular !== null) {
      const index = ctx.circular.get(value);
      if (index !== undefined) out = `<ref *${index}> ${out}`;
    }
    return out;
  } finally {
    ctx.seen.pop();
  }
}

function formatPromiseState(ctx, promise, level) {
  let state;
  try {
    state = native.promiseState(promise);
  } catch {
    return '<unknown>';
  }
  // Expected shape: [state, result] with state 'pending' | 'fulfilled' | 'rejected'.
  if (!ArrayIsArray(state)) return '<unknown>';
  if (state[0] === 'pending') return '<pending>';
  const result = formatValue(ctx, state[1], level + 1);
  return state[0] === 'rejected' ? `<rejected> ${result}` : result;
}

// Packs short array items into aligned columns (used when a long array does
// not fit on one line). Only the first `count` entries take part.
function groupEntries(ctx, entries, count, indentation) {
  let tail = entries.slice(count);
  let items = entries.slice(0, count);
  if (items.length > 0 && items[items.length - 1].startsWith('... ')) {
    tail = [items.pop()].concat(tail);
  }
  if (items.length <= 6) return entries;
  let maxLen = 0;
  let numeric = true;
  for (let i = 0; i < items.length; i++) {
    const e = items[i];
    if (e.length > maxLen) maxLen = e.length;
    if (numeric && !kNumericEntryRe.test(e)) numeric = false;
  }
  if (maxLen > 16) return entries;
  const available = ctx.breakLength - indentation - 3; // indent + trailing comma
  const columns = MathMin(16, MathFloor((available + 2) / (maxLen + 2)));
  if (columns <= 1) return entries;
  const rows = [];
  for (let i = 0; i < items.length; i += columns) {
    let row = '';
    const end = MathMin(i + columns, items.length);
    for (let j = i; j < end; j++) {
      const cell = numeric ? items[j].padStart(maxLen) : items[j];
      if (j === end - 1) row += cell;
      else row += numeric ? `${cell}, ` : `${cell},`.padEnd(maxLen + 2);
    }
    rows.push(row);
  }
  return rows.concat(tail);
}

function reduceToSingleString(ctx, level, prefix, open, close, entries, groupCount) {
  const start = prefix === '' ? open : `${prefix} ${open}`;
  const indentation = level * 2;
  let multiline = start.includes('\n');
  let width = start.length + close.length;
  for (let i = 0; i < entries.length && !multiline; i++) {
    const e = entries[i];
    if (e.includes('\n')) multiline = true;
    width += e.length + 2;
  }
  if (!multiline && indentation + width <= ctx.breakLength) {
    return `${start} ${entries.join(', ')} ${close}`;
  }
  let lines = entries;
  if (groupCount > 6 && !multiline) lines = groupEntries(ctx, entries, groupCount, indentation);
  let body = '';
  for (let i = 0; i < lines.length; i++) {
    body += (i === 0 ? '\n  ' : ',\n  ') + lines[i].replace(/\n/g, '\n  ');
  }
  return `${start}${body}\n${close}`;
}

// ---------------------------------------------------------------------------
// Public formatting API

// Formats any value; strings at the top level are returned as they are.
function inspect(value, options = undefined) {
  if (typeof value === 'string') return value;
  return formatValue(makeContext(options), value, 0);
}

// Like inspect, but quotes a top-level string (console.dir, %o, %O).
function inspectQuoted(value, options) {
  return formatValue(makeContext(options), value, 0);
}

function hasBuiltinToString(value) {
  let fn;
  try {
    fn = value.toString;
  } catch {
    return true;
  }
  return typeof fn !== 'function' || kBuiltinToStrings.has(fn);
}

function formatStringSpecifier(arg) {
  if (typeof arg === 'string') return arg;
  if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function')) {
    return formatPrimitive(arg, false);
  }
  if (typeof arg === 'object' && !hasBuiltinToString(arg)) {
    try {
      return `${arg}`;
    } catch {
      // fall through to inspect
    }
  }
  return inspectQuoted(arg, { depth: 0 });
}

function toNumberOrNaN(convert, arg) {
  if (typeof arg === 'symbol') return 'NaN';
  if (typeof arg === 'bigint') return `${arg}n`;
  try {
    return formatNumber(convert(arg));
  } catch {
    return 'NaN';
  }
}

function toFloat(arg) {
  if (typeof arg === 'symbol') return 'NaN';
  try {
    return formatNumber(NumberParseFloat(arg));
  } catch {
    return 'NaN';
  }
}

function formatJSON(arg) {
  try {
    const s = JSONStringify(arg);
    return s === undefined ? 'undefined' : s;
  } catch (err) {
    const message = err !== null && typeof err === 'object' ? `${err.message}` : '';
    if (message.includes('circular structure')) return '[Circular]';
    throw err;
  }
}

// printf-style formatting of console arguments.
function formatLogArgs(args) {
  const n = args.length;
  if (n === 0) return '';
  const first = args[0];
  let out = '';
  let next = 0;
  if (typeof first === 'string') {
    next = 1;
    if (n === 1) return first;
    let last = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 0x25) continue; // '%'
      const spec = first[i + 1];
      let rep;
      if (spec === '%') {
        rep = '%';
      } else if (next >= n) {
        continue;
      } else {
        const arg = args[next];
        switch (spec) {
          case 's': rep = formatStringSpecifier(arg); break;
          case 'd': rep = toNumberOrNaN((v) => +v, arg); break;
          case 'i': rep = toNumberOrNaN((v) => NumberParseInt(v), arg); break;
          case 'f': rep = toFloat(arg); break;
          case 'j': rep = formatJSON(arg); break;
          case 'o': rep = inspectQuoted(arg, { depth: 4 }); break;
          case 'O': rep = inspectQuoted(arg, undefined); break;
          case 'c': rep = ''; break;
          default: continue;
        }
        next++;
      }
      out += first.slice(last, i) + rep;
      last = i + 2;
      i++;
    }
    out += first.slice(last);
  }
  for (; next < n; next++) {
    const arg = args[next];
    const s = typeof arg === 'string' ? arg : inspect(arg);
    out = next === 0 ? s : `${out} ${s}`;
  }
  return out;
}

// ---------------------------------------------------------------------------
// console.table

function padCell(text, width) {
  return ` ${text}${' '.repeat(width - text.length - 1)}`;
}

function renderTable(head, rows) {
  const widths = [];
  for (let c = 0; c < head.length; c++) {
    let w = head[c].length;
    for (let r = 0; r < rows.length; r++) w = MathMax(w, rows[r][c].length);
    widths.push(w + 2);
  }
  const rule = (l, m, r) => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
  const line = (cells) => '│' + cells.map((c, i) => padCell(c, widths[i])).join('│') + '│';
  const out = [rule('┌', '┬', '┐'), line(head), rule('├', '┼', '┤')];
  for (let r = 0; r < rows.length; r++) out.push(line(rows[r]));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}

function tableCell(value) {
  return inspectQuoted(value, { depth: 0, breakLength: Infinity, maxArrayLength: 3 });
}

function buildTable(data, properties) {
  const kind = classify(data);
  const filter = ArrayIsArray(properties) ? properties.map((p) => `${p}`) : null;
  let indexHeader = '(index)';
  const rowNames = [];
  const rowValues = [];
  const mapKeys = [];
  if (kind === 'Map' || kind === 'Set') {
    indexHeader = '(iteration index)';
    const isMap = kind === 'Map';
    const it = isMap ? call(MapEntries, data) : call(SetValues, data);
    for (let i = 0; ; i++) {
      const r = call(isMap ? MapIteratorNext : SetIteratorNext, it);
      if (r.done) break;
      rowNames.push(`${i}`);
      if (isMap) {
        mapKeys.push(tableCell(r.value[0]));
        rowValues.push(r.value[1]);
      } else {
        rowValues.push(r.value);
      }
    }
  } else {
    const keys = ObjectKeys(data);
    for (let i = 0; i < keys.length; i++) {
      rowNames.push(keys[i]);
      rowValues.push(data[keys[i]]);
    }
  }
  if (kind === 'Map') {
    const rows = [];
    for (let r = 0; r < rowValues.length; r++) rows.push([rowNames[r], mapKeys[r], tableCell(rowValues[r])]);
    return renderTable([indexHeader, 'Key', 'Values'], rows);
  }
  const columns = filter === null ? [] : filter.slice();
  const columnSet = new Set(columns);
  let hasValues = false;
  const rowCells = [];
  for (let r = 0; r < rowValues.length; r++) {
    const v = rowValues[r];
    const cells = new MapCtor();
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
      const keys = ObjectKeys(v);
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        if (filter !== null && !columnSet.has(key)) continue;
        if (filter === null && !columnSet.has(key)) {
          columnSet.add(key);
          columns.push(key);
        }
        cells.set(key, tableCell(v[key]));
      }
    } else {
      hasValues = true;
      cells.set(kValuesColumn, tableCell(v));
    }
    rowCells.push(cells);
  }
  const head = [indexHeader];
  for (let c = 0; c < columns.length; c++) head.push(columns[c]);
  if (hasValues) head.push('Values');
  const rows = [];
  for (let r = 0; r < rowCells.length; r++) {
    const row = [rowNames[r]];
    for (let c = 0; c < columns.length; c++) {
      const cell = rowCells[r].get(columns[c]);
      row.push(cell === undefined ? '' : cell);
    }
    if (hasValues) {
      const cell = rowCells[r].get(kValuesColumn);
      row.push(cell === undefined ? '' : cell);
    }
    rows.push(row);
  }
  return renderTable(head, rows);
}
const kValuesColumn = Symbol('Values');

// ---------------------------------------------------------------------------
// The console namespace

let groupIndent = '';
const counts = new MapCtor();
const timers = new MapCtor();

function emit(level, message) {
  if (groupIndent !== '') message = groupIndent + message.replace(/\n/g, '\n' + groupIndent);
  native.log(level, message);
}

function now() {
  const perf = globalThis.performance;
  if (perf !== null && typeof perf === 'object' && typeof perf.now === 'function') {
    return perf.now();
  }
  return DateNow();
}

function formatDuration(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
  return `${ms.toFixed(3)}ms`;
}

function labelOf(label) {
  return label === undefined ? 'default' : `${label}`;
}

const console = {
  log(...args) { emit('log', formatLogArgs(args)); },
  info(...args) { emit('info', formatLogArgs(args)); },
  warn(...args) { emit('warn', formatLogArgs(args)); },
  error(...args) { emit('error', formatLogArgs(args)); },
  debug(...args) { emit('debug', formatLogArgs(args)); },
  trace(...args) {
    const holder = {};
    if (typeof ErrorCaptureStackTrace === 'function') ErrorCaptureStackTrace(holder, console.trace);
    else holder.stack = new Error().stack;
    let message = args.length === 0 ? 'Trace' : `Trace: ${formatLogArgs(args)}`;
    const stack = typeof holder.stack === 'string' ? holder.stack : '';
    const nl = stack.indexOf('\n');
    if (nl !== -1) message += stack.slice(nl);
    emit('log', message);
  },
  assert(condition, ...args) {
    if (condition) return;
    if (args.length === 0) args.push('Assertion failed');
    else if (typeof args[0] === 'string') args[0] = `Assertion failed: ${args[0]}`;
    else args.unshift('Assertion failed:');
    emit('error', formatLogArgs(args));
  },
  table(data, properties = undefined) {
    if (data === null || typeof data !== 'object') {
      emit('log', formatLogArgs([data]));
      return;
    }
    emit('log', buildTable(data, properties));
  },
  dir(value, options = undefined) { emit('log', inspectQuoted(value, options)); },
  dirxml(...args) { emit('log', formatLogArgs(args)); },
  time(label = undefined) {
    label = labelOf(label);
    if (timers.has(label)) {
      emit('warn', `Warning: Timer '${label}' already exists`);
      return;
    }
    timers.set(label, now());
  },
  timeLog(label = undefined, ...data) {
    label = labelOf(label);
    const start = timers.get(label);
    if (start === undefined) {
      emit('warn', `Warning: Timer '${label}' does not exist`);
      return;
    }
    let message = `${label}: ${formatDuration(now() - start)}`;
    if (data.length > 0) message += ` ${formatLogArgs(data)}`;
    emit('info', message);
  },
  timeEnd(label = undefined) {
    label = labelOf(label);
    const start = timers.get(label);
    if (start === undefined) {
      emit('warn', `Warning: Timer '${label}' does not exist`);
      return;
    }
    timers.delete(label);
    emit('info', `${label}: ${formatDuration(now() - start)}`);
  },
  count(label = undefined) {
    label = labelOf(label);
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    emit('info', `${label}: ${n}`);
  },
  countReset(label = undefined) {
    label = labelOf(label);
    if (!counts.has(label)) {
      emit('warn', `Warning: Count for '${label}' does not exist`);
      return;
    }
    counts.set(label, 0);
  },
  group(...label) {
    if (label.length > 0) emit('log', formatLogArgs(label));
    groupIndent += '  ';
  },
  groupCollapsed(...label) {
    if (label.length > 0) emit('log', formatLogArgs(label));
    groupIndent += '  ';
  },
  groupEnd() {
    groupIndent = groupIndent.slice(0, -2);
  },
  clear() {},
  profile() {},
  profileEnd() {},
  timeStamp() {},
};
ObjectDefineProperty(console, SymbolToStringTag, {
  value: 'console', writable: false, enumerable: false, configurable: true,
});

internals.inspect = inspect;
internals.inspectCustom = kInspectCustom;
internals.formatLogArgs = formatLogArgs;
internals.console = console;
