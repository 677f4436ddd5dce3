'use strict';
// blob.js: Blob, File and FormData (`internals.Blob`, `internals.File`,
// `internals.FormData`) plus internal helpers for the body code.
//
// A Blob owns one immutable Uint8Array; slices share the backing store.
// FormData body encoding (multipart) lives elsewhere and reads the entry
// list through `internals.formDataEntries`.

const ReflectApply = Reflect.apply;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const ArrayBufferIsView = ArrayBuffer.isView;
const SymbolIterator = Symbol.iterator;
const SymbolToStringTag = Symbol.toStringTag;
const MathMin = Math.min;
const MathMax = Math.max;
const MathFloor = Math.floor;
const MathAbs = Math.abs;
const NumberIsFinite = Number.isFinite;
const DateNow = Date.now;
const PromiseResolve = Promise.resolve.bind(Promise);
const PromiseReject = Promise.reject.bind(Promise);
const U8 = Uint8Array;
const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));
const kInspect = Symbol.for('nodejs.util.inspect.custom');

const getter = (proto, key) => ObjectGetOwnPropertyDescriptor(proto, key).get;
const ArrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
const TypedArrayName = getter(TypedArrayPrototype, SymbolToStringTag);
const TypedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
const TypedArrayByteOffset = getter(TypedArrayPrototype, 'byteOffset');
const TypedArrayByteLength = getter(TypedArrayPrototype, 'byteLength');
const DataViewBuffer = getter(DataView.prototype, 'buffer');
const DataViewByteOffset = getter(DataView.prototype, 'byteOffset');
const DataViewByteLength = getter(DataView.prototype, 'byteLength');
const U8Slice = Uint8Array.prototype.slice;
const U8Set = Uint8Array.prototype.set;
const U8Subarray = Uint8Array.prototype.subarray;

const { utf8Encode, utf8Decode } = native;

const kCreate = Symbol('create'); // internal constructor token
const kEmpty = new U8(0);
const kStreamChunkSize = 65536;
const kLoneSurrogateRe = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const kLoneSurrogateTestRe = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

function requireArgs(actual, needed, iface, method) {
  if (actual < needed) {
    const what = method === null ? `construct '${iface}'` : `execute '${method}' on '${iface}'`;
    throw new TypeError(`Failed to ${what}: ${needed} argument${
      needed === 1 ? '' : 's'} required, but only ${actual} present.`);
  }
}

function toUSVString(value) {
  const s = typeof value === 'string' ? value : `${value}`;
  return kLoneSurrogateTestRe.test(s) ? s.replace(kLoneSurrogateRe, '\ufffd') : s;
}

function isArrayBuffer(value) {
  try {
    ReflectApply(ArrayBufferByteLength, value, []);
    return true;
  } catch {
    return false;
  }
}

// A Uint8Array over the bytes of any ArrayBufferView (no copy).
function viewBytes(view) {
  if (ReflectApply(TypedArrayName, view, []) !== undefined) {
    return new U8(ReflectApply(TypedArrayBuffer, view, []), ReflectApply(TypedArrayByteOffset, view, []),
      ReflectApply(TypedArrayByteLength, view, []));
  }
  return new U8(ReflectApply(DataViewBuffer, view, []), ReflectApply(DataViewByteOffset, view, []),
    ReflectApply(DataViewByteLength, view, []));
}

function copyBytes(u8) {
  return ReflectApply(U8Slice, u8, []);
}

// WebIDL [Clamp] long long.
function toClampedInteger(value) {
  let x = +value;
  if (x !== x) return 0;
  if (x > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (x < Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  const f = MathFloor(x);
  const diff = x - f;
  if (diff > 0.5 || (diff === 0.5 && f % 2 !== 0)) x = f + 1;
  else x = f;
  return x === 0 ? 0 : x;
}

// WebIDL long long (no [Clamp]/[EnforceRange]); values beyond the safe range
// are not wrapped modulo 2^64.
function toLongLong(value) {
  const x = +value;
  if (!NumberIsFinite(x)) return 0;
  const t = x < 0 ? -MathFloor(MathAbs(x)) : MathFloor(x);
  return t === 0 ? 0 : t;
}

// The File API's rule for `type`: printable ASCII only, lowercased.
function normalizeType(type) {
  for (let i = 0; i < type.length; i++) {
    const c = type.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return '';
  }
  return type.toLowerCase();
}

// WebIDL sequence<BlobPart>: strings stay strings (converted later with the
// `endings` option), buffers and blobs are kept by reference.
let isBlob;
let bytesOf;
let typeOf;

function convertBlobParts(parts, iface) {
  if (parts === undefined) return [];
  if (parts === null || (typeof parts !== 'object' && typeof parts !== 'function')) {
    throw new TypeError(`Failed to construct '${iface}': The provided value cannot be converted to a sequence.`);
  }
  const method = parts[SymbolIterator];
  if (typeof method !== 'function') {
    throw new TypeError(`Failed to construct '${iface}': The object must have a callable Symbol.iterator property.`);
  }
  const iterator = ReflectApply(method, parts, []);
  const next = iterator.next;
  const out = [];
  for (;;) {
    const step = ReflectApply(next, iterator, []);
    if (step === null || typeof step !== 'object') throw new TypeError('Iterator result is not an object');
    if (step.done) break;
    const part = step.value;
    if (part !== null && typeof part === 'object') {
      if (isBlob(part)) {
        out.push(bytesOf(part));
        continue;
      }
      if (ArrayBufferIsView(part)) {
        out.push(viewBytes(part));
        continue;
      }
      if (isArrayBuffer(part)) {
        out.push(new U8(part));
        continue;
      }
    }
    out.push(toUSVString(part));
  }
  return out;
}

// BlobPropertyBag / FilePropertyBag, members read in lexicographic order.
function convertOptions(options, iface, withLastModified) {
  let endings = 'transparent';
  let type = '';
  let lastModified;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError(`Failed to construct '${iface}': The provided value is not of type '${
        withLastModified ? 'FilePropertyBag' : 'BlobPropertyBag'}'.`);
    }
    const e = options.endings;
    if (e !== undefined) {
      endings = `${e}`;
      if (endings !== 'transparent' && endings !== 'native') {
        throw new TypeError(`Failed to construct '${iface}': The provided value '${endings}' is not a valid enum value of type EndingType.`);
      }
    }
    const t = options.type;
    if (t !== undefined) type = `${t}`;
    if (withLastModified) {
      const m = options.lastModified;
      if (m !== undefined) lastModified = toLongLong(m);
    }
  }
  return { endings, type: normalizeType(type), lastModified };
}

// Concatenates converted parts into one Uint8Array.
function processParts(parts, endings) {
  if (parts.length === 0) return kEmpty;
  const chunks = new Array(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i];
    if (typeof part === 'string') {
      if (endings === 'native') part = part.replace(/\r\n|\r/g, '\n');
      part = utf8Encode(part);
    }
    chunks[i] = part;
    total += part.length;
  }
  if (chunks.length === 1 && typeof parts[0] === 'string') return chunks[0];
  const out = new U8(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    ReflectApply(U8Set, out, [chunks[i], offset]);
    offset += chunks[i].length;
  }
  return out;
}

let makeBlob;

// Blob derives from native.HostObject only so that its instances are V8 host
// objects, which structuredClone() serializes through the runtime (as Blob,
// not as a plain object); the extra prototype is taken out of the chain.
class Blob extends native.HostObject {
  #bytes;
  #type;

  constructor(blobParts = undefined, options = undefined) {
    super();
    if (blobParts === kCreate) {
      this.#bytes = arguments[1];
      this.#type = arguments[2];
      return;
    }
    const parts = convertBlobParts(blobParts, 'Blob');
    const { endings, type } = convertOptions(options, 'Blob', false);
    this.#bytes = processParts(parts, endings);
    this.#type = type;
  }

  get size() {
    if (!isBlob(this)) throw illegalInvocation();
    return this.#bytes.length;
  }

  get type() {
    if (!isBlob(this)) throw illegalInvocation();
    return this.#type;
  }

  slice(start = undefined, end = undefined, contentType = undefined) {
    if (!isBlob(this)) throw illegalInvocation();
    const size = this.#bytes.length;
    let from = 0;
    let to = size;
    if (start !== undefined) {
      const s = toClampedInteger(start);
      from = s < 0 ? MathMax(size + s, 0) : MathMin(s, size);
    }
    if (end !== undefined) {
      const e = toClampedInteger(end);
      to = e < 0 ? MathMax(size + e, 0) : MathMin(e, size);
    }
    const type = contentType === undefined ? '' : normalizeType(`${contentType}`);
    const span = MathMax(to - from, 0);
    const bytes = span === 0 ? kEmpty : ReflectApply(U8Subarray, this.#bytes, [from, from + span]);
    return makeBlob(bytes, type);
  }

  // Operations returning promises report failures as rejections.
  arrayBuffer() {
    try {
      if (!isBlob(this)) throw illegalInvocation();
      return PromiseResolve(copyBytes(this.#bytes).buffer);
    } catch (err) {
      return PromiseReject(err);
    }
  }

  bytes() {
    try {
      if (!isBlob(this)) throw illegalInvocation();
      return PromiseResolve(copyBytes(this.#bytes));
    } catch (err) {
      return PromiseReject(err);
    }
  }

  text() {
    try {
      if (!isBlob(this)) throw illegalInvocation();
      // "UTF-8 decode": replacement characters, and a leading BOM is removed.
      return PromiseResolve(utf8Decode(this.#bytes, false, false));
    } catch (err) {
      return PromiseReject(err);
    }
  }

  stream() {
    if (!isBlob(this)) throw illegalInvocation();
    return blobStream(this.#bytes);
  }

  [kInspect](depth, options, inspect) {
    if (!isBlob(this)) return this;
    if (typeof depth === 'number' && depth < 0) return '[Blob]';
    return `Blob ${inspect({ size: this.#bytes.length, type: this.#type }, options)}`;
  }

  static {
    isBlob = (value) => typeof value === 'object' && value !== null && #bytes in value;
    bytesOf = (blob) => blob.#bytes;
    typeOf = (blob) => blob.#type;
  }
}

makeBlob = (bytes, type) => new Blob(kCreate, bytes, type);
Object.setPrototypeOf(Blob.prototype, Object.prototype);

// A ReadableStream over the bytes, preferably a readable byte stream. The
// ReadableStream class comes from another file and is looked up per call.
function blobStream(bytes) {
  const ReadableStream = internals.ReadableStream;
  if (typeof ReadableStream !== 'function') throw new TypeError('ReadableStream is not available');
  let offset = 0;
  const cancel = () => {
    offset = bytes.length;
  };
  try {
    return new ReadableStream({
      type: 'bytes',
      pull(controller) {
        const remaining = bytes.length - offset;
        const request = controller.byobRequest;
        if (remaining <= 0) {
          controller.close();
          if (request) request.respond(0);
          return;
        }
        if (request && request.view) {
          const view = request.view;
          const n = MathMin(view.byteLength, remaining);
          new U8(view.buffer, view.byteOffset, n).set(ReflectApply(U8Subarray, bytes, [offset, offset + n]));
          offset += n;
          request.respond(n);
          return;
        }
        const n = MathMin(remaining, kStreamChunkSize);
        controller.enqueue(ReflectApply(U8Slice, bytes, [offset, offset + n]));
        offset += n;
      },
      cancel,
    });
  } catch {
    // No byte-stream support (RangeError for the unknown type per the
    // Streams spec): fall back to a default stream of Uint8Array chunks.
  }
  return new ReadableStream({
    pull(controller) {
      const remaining = bytes.length - offset;
      if (remaining <= 0) {
        controller.close();
        return;
      }
      const n = MathMin(remaining, kStreamChunkSize);
      controller.enqueue(ReflectApply(U8Slice, bytes, [offset, offset + n]));
      offset += n;
    },
    cancel,
  });
}

let makeFile;
let isFile;
let lastModifiedOf;

class File extends Blob {
  #name;
  #lastModified;

  constructor(fileBits, fileName, options = undefined) {
    if (fileBits === kCreate) {
      super(kCreate, arguments[1], arguments[2]);
      this.#name = arguments[3];
      this.#lastModified = arguments[4];
      return;
    }
    requireArgs(arguments.length, 2, 'File', null);
    const parts = convertBlobParts(fileBits, 'File');
    const name = toUSVString(fileName);
    const { endings, type, lastModified } = convertOptions(options, 'File', true);
    super(kCreate, processParts(parts, endings), type);
    this.#name = name;
    this.#lastModified = lastModified === undefined ? DateNow() : lastModified;
  }

  get name() {
    if (!isFile(this)) throw illegalInvocation();
    return this.#name;
  }

  get lastModified() {
    if (!isFile(this)) throw illegalInvocation();
    return this.#lastModified;
  }

  [kInspect](depth, options, inspect) {
    if (!isFile(this)) return this;
    if (typeof depth === 'number' && depth < 0) return '[File]';
    return `File ${inspect({
      size: this.size, type: this.type, name: this.#name, lastModified: this.#lastModified,
    }, options)}`;
  }

  static {
    isFile = (value) => typeof value === 'object' && value !== null && #name in value;
    lastModifiedOf = (file) => file.#lastModified;
  }
}

makeFile = (bytes, name, type, lastModified) => new File(kCreate, bytes, type, name, lastModified);

// ---------------------------------------------------------------------------
// FormData

// The spec's "create an entry": Blobs become Files ("blob" by default).
function createEntryValue(value, filename) {
  if (isFile(value)) {
    if (filename === undefined) return value;
    return makeFile(bytesOf(value), filename, typeOf(value), lastModifiedOf(value));
  }
  return makeFile(bytesOf(value), filename === undefined ? 'blob' : filename, typeOf(value), DateNow());
}

// Converts append()/set() arguments to [name, value].
function convertEntry(args, method) {
  requireArgs(args.length, 2, 'FormData', method);
  const name = toUSVString(args[0]);
  const value = args[1];
  if (args.length > 2) {
    if (!isBlob(value)) {
      throw new TypeError(`Failed to execute '${method}' on 'FormData': parameter 2 is not of type 'Blob'.`);
    }
    return [name, createEntryValue(value, toUSVString(args[2]))];
  }
  if (isBlob(value)) return [name, createEntryValue(value, undefined)];
  return [name, toUSVString(value)];
}

let isFormData;
let entriesOf;

class FormData {
  #list = []; // [name, value] pairs; value is a string or a File

  constructor(form = undefined) {
    if (form !== undefined) {
      throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
    }
  }

  append(name, value) {
    if (!isFormData(this)) throw illegalInvocation();
    this.#list.push(convertEntry(arguments, 'append'));
  }

  delete(name) {
    if (!isFormData(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'FormData', 'delete');
    name = toUSVString(name);
    const list = this.#list;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== name) list[j++] = list[i];
    }
    list.length = j;
  }

  get(name) {
    if (!isFormData(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'FormData', 'get');
    name = toUSVString(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) return list[i][1];
    }
    return null;
  }

  getAll(name) {
    if (!isFormData(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'FormData', 'getAll');
    name = toUSVString(name);
    const list = this.#list;
    const out = [];
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) out.push(list[i][1]);
    }
    return out;
  }

  has(name) {
    if (!isFormData(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'FormData', 'has');
    name = toUSVString(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) return true;
    }
    return false;
  }

  set(name, value) {
    if (!isFormData(this)) throw illegalInvocation();
    const entry = convertEntry(arguments, 'set');
    const list = this.#list;
    let found = false;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === entry[0]) {
        if (found) continue;
        found = true;
        list[j++] = entry;
      } else {
        list[j++] = list[i];
      }
    }
    list.length = j;
    if (!found) list.push(entry);
  }

  forEach(callback, thisArg = undefined) {
    if (!isFormData(this)) throw illegalInvocation();
    requireArgs(arguments.length, 1, 'FormData', 'forEach');
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not a function.");
    }
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      ReflectApply(callback, thisArg, [entry[1], entry[0], this]);
    }
  }

  keys() {
    if (!isFormData(this)) throw illegalInvocation();
    return new FormDataIterator(this.#list, 'key');
  }

  values() {
    if (!isFormData(this)) throw illegalInvocation();
    return new FormDataIterator(this.#list, 'value');
  }

  entries() {
    if (!isFormData(this)) throw illegalInvocation();
    return new FormDataIterator(this.#list, 'key+value');
  }

  [kInspect](depth, options, inspect) {
    if (!isFormData(this)) return this;
    if (typeof depth === 'number' && depth < 0) return '[FormData]';
    const list = this.#list;
    const shown = [];
    for (let i = 0; i < list.length; i++) shown.push([list[i][0], list[i][1]]);
    return `FormData ${inspect(shown, options)}`;
  }

  static {
    isFormData = (value) => typeof value === 'object' && value !== null && #list in value;
    entriesOf = (fd) => fd.#list;
  }
}

class FormDataIterator {
  #list;
  #kind;
  #index = 0;

  constructor(list, kind) {
    this.#list = list;
    this.#kind = kind;
  }

  next() {
    if (typeof this !== 'object' || this === null || !(#list in this)) throw illegalInvocation();
    const list = this.#list;
    const i = this.#index;
    if (i >= list.length) return { value: undefined, done: true };
    this.#index = i + 1;
    const entry = list[i];
    const kind = this.#kind;
    if (kind === 'key') return { value: entry[0], done: false };
    if (kind === 'value') return { value: entry[1], done: false };
    return { value: [entry[0], entry[1]], done: false };
  }
}

// ---------------------------------------------------------------------------
// WebIDL shapes

function makeEnumerable(proto, names) {
  for (let i = 0; i < names.length; i++) {
    const desc = ObjectGetOwnPropertyDescriptor(proto, names[i]);
    desc.enumerable = true;
    ObjectDefineProperty(proto, names[i], desc);
  }
}

function setTag(proto, tag) {
  ObjectDefineProperty(proto, SymbolToStringTag, {
    value: tag, writable: false, enumerable: false, configurable: true,
  });
}

makeEnumerable(Blob.prototype, ['size', 'type', 'slice', 'arrayBuffer', 'bytes', 'text', 'stream']);
setTag(Blob.prototype, 'Blob');
makeEnumerable(File.prototype, ['name', 'lastModified']);
setTag(File.prototype, 'File');
makeEnumerable(FormData.prototype, [
  'append', 'delete', 'get', 'getAll', 'has', 'set', 'forEach', 'keys', 'values', 'entries',
]);
ObjectDefineProperty(FormData.prototype, SymbolIterator, {
  value: FormData.prototype.entries, writable: true, enumerable: false, configurable: true,
});
setTag(FormData.prototype, 'FormData');
ObjectSetPrototypeOf(FormDataIterator.prototype, IteratorPrototype);
delete FormDataIterator.prototype.constructor;
makeEnumerable(FormDataIterator.prototype, ['next']);
setTag(FormDataIterator.prototype, 'FormData Iterator');

// ---------------------------------------------------------------------------
// Exports

internals.Blob = Blob;
internals.File = File;
internals.FormData = FormData;
internals.isBlob = isBlob;
internals.isFile = isFile;
internals.isFormData = isFormData;

// The Uint8Array backing a Blob (no copy; callers must not modify it).
internals.blobBytes = (blob) => {
  if (!isBlob(blob)) throw illegalInvocation();
  return bytesOf(blob);
};

// Blob/File over `bytes` without copying; `bytes` must not change afterwards.
// `type` is used as given (callers normalise it).
internals.createBlob = (bytes, type = '') => makeBlob(bytes, type);

// structuredClone() of a host object: → what its copy is made of, or a
// DataCloneError for one that cannot be cloned.
internals.hostObjectParts = (value) => {
  if (isFile(value)) return ['File', bytesOf(value), typeOf(value), value.name, lastModifiedOf(value)];
  if (isBlob(value)) return ['Blob', bytesOf(value), typeOf(value)];
  throw new internals.DOMException(`${Object.prototype.toString.call(value).slice(8, -1)} object could not be cloned.`, 'DataCloneError');
};
internals.hostObjectFromParts = (parts) =>
  parts[0] === 'File' ? makeFile(parts[1], parts[3], parts[2], parts[4]) : makeBlob(parts[1], parts[2]);
internals.createFile = (bytes, name, type = '', lastModified = DateNow()) =>
  makeFile(bytes, name, type, lastModified);

// The entry list as a new array of [name, value] pairs (value: string or File).
internals.formDataEntries = (fd) => {
  if (!isFormData(fd)) throw illegalInvocation();
  const list = entriesOf(fd);
  const out = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = [list[i][0], list[i][1]];
  return out;
};

// Appends an entry without conversion (for the multipart/urlencoded parsers):
// `name` a string, `value` a string or a File.
internals.formDataAppendRaw = (fd, name, value) => {
  if (!isFormData(fd)) throw illegalInvocation();
  entriesOf(fd).push([name, value]);
};
