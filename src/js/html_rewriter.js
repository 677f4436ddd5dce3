'use strict';
// HTMLRewriter, Cloudflare's streaming HTML rewriting API, over the native
// rewriter (runtime/api/html_rewriter.h, src/html/). transform() returns a
// Response whose body is the input body rewritten as it streams: each
// chunk read is written to the rewriter, the handlers it asks for are
// called in document order (a handler's promise is awaited before the next
// handler runs, so async handlers hold the stream back), and what is ready
// is passed on. An exception in a handler errors the body.
//
// Content may be a ReadableStream or a Response (as in workerd, for
// Element, EndTag and Text; not Comment or DocumentEnd): the rewriter
// keeps its place, and when the output reaches it the rewriting pauses
// while the stream is read through to the output, a chunk at a time as the
// body's reader asks for more (nothing of it is held beyond the chunk in
// hand). Its bytes must be UTF-8; they are escaped unless { html: true }.

const { Response, ReadableStream, Headers } = internals;

// native.htmlToken's operations, as in html_rewriter.cc.
const OP = {
  tagName: 0, setTagName: 1, attributes: 2, getAttribute: 3, hasAttribute: 4, setAttribute: 5,
  removeAttribute: 6, namespaceURI: 7, endTagId: 8, before: 9, after: 10, prepend: 11, append: 12,
  replace: 13, setInnerContent: 14, remove: 15, removeAndKeepContent: 16, removed: 17, text: 18,
  lastInTextNode: 19, commentText: 20, setCommentText: 21, doctype: 22, endTagName: 23,
  setEndTagName: 24, appendToDocument: 25,
};
const EVENT = { element: 0, comments: 1, text: 2, doctype: 3, endTag: 4, end: 5, stream: 6 };

const kConstruct = Symbol('construct');
const kInvalid = 'This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler.';

// A content token's rewriter, while its handler runs (then it is invalid).
const tokens = new WeakMap();  // token → { handle, run }

function op(token, code, a, b, stream) {
  const state = tokens.get(token);
  if (state === undefined || state.handle === null) throw new TypeError(kInvalid);
  return native.htmlToken(state.handle, code, a, b, stream);
}

function illegal() {
  throw new TypeError('Illegal constructor');
}

const kUsedBody = Symbol('used body');
// workerd's words: Comment and DocumentEnd take strings only.
const kStringOnly = 'Replacing content in HTML comments using a ReadableStream or Response object is not implemented. You must provide a string.';

// Content for before(), append()…: a string, inserted as text (escaped)
// or, with { html: true }, as HTML; where `streams` allows, a ReadableStream
// or a Response's body, read when the output reaches it (a Response
// without a body inserts nothing).
function content(token, code, value, options, streams = true) {
  const html = options !== undefined && options !== null && Boolean(options.html);
  if (value instanceof ReadableStream || value instanceof Response) {
    if (!streams) throw new TypeError(kStringOnly);
    const state = tokens.get(token);
    if (state === undefined || state.handle === null) throw new TypeError(kInvalid);
    // A used Response fails when its turn comes, as a locked stream does.
    const stream = !(value instanceof Response) ? value : value.bodyUsed ? kUsedBody : value.body;
    if (stream === null) return token;
    const id = state.run.nextStream++;
    state.run.streams.set(id, stream);
    op(token, code, '', html, id);
    return token;
  }
  op(token, code, String(value), html);
  return token;
}

// Names lol-html refuses, with its messages (workerd prefixes "Parser error: ").
function checkTagName(name) {
  if (name === '') throw new TypeError("Parser error: Tag name can't be empty.");
  if (!/^[A-Za-z]/.test(name)) {
    throw new TypeError('Parser error: The first character of the tag name should be an ASCII alphabetical character.');
  }
  const bad = /[ \n\r\t\f/>]/.exec(name);
  if (bad) throw new TypeError(`Parser error: \`${bad[0]}\` character is forbidden in the tag name`);
  return name;
}
function checkAttributeName(name) {
  if (name === '') throw new TypeError("Parser error: Attribute name can't be empty.");
  const bad = /[ \n\r\t\f/>=]/.exec(name);
  if (bad) throw new TypeError(`Parser error: \`${bad[0]}\` character is forbidden in the attribute name`);
  return name;
}

class Element {
  constructor(key) { if (key !== kConstruct) illegal(); }
  get tagName() { return op(this, OP.tagName); }
  set tagName(name) {
    op(this, OP.setTagName, checkTagName(String(name)));
  }
  get attributes() { return op(this, OP.attributes)[Symbol.iterator](); }
  get removed() { return op(this, OP.removed); }
  get namespaceURI() { return op(this, OP.namespaceURI); }
  getAttribute(name) { return op(this, OP.getAttribute, String(name)); }
  hasAttribute(name) { return op(this, OP.hasAttribute, String(name)); }
  setAttribute(name, value) {
    op(this, OP.setAttribute, checkAttributeName(String(name)), String(value));
    return this;
  }
  removeAttribute(name) {
    op(this, OP.removeAttribute, String(name));
    return this;
  }
  before(value, options) { return content(this, OP.before, value, options); }
  after(value, options) { return content(this, OP.after, value, options); }
  prepend(value, options) { return content(this, OP.prepend, value, options); }
  append(value, options) { return content(this, OP.append, value, options); }
  replace(value, options) { return content(this, OP.replace, value, options); }
  setInnerContent(value, options) { return content(this, OP.setInnerContent, value, options); }
  remove() {
    op(this, OP.remove);
    return this;
  }
  removeAndKeepContent() {
    op(this, OP.removeAndKeepContent);
    return this;
  }
  // The handler runs at the element's end tag; a later call replaces an
  // earlier one, as in workerd.
  onEndTag(handler) {
    if (typeof handler !== 'function') throw new TypeError('onEndTag() needs a function.');
    const id = op(this, OP.endTagId);
    if (id === 0) throw new TypeError('Parser error: No end tag.');
    tokens.get(this).run.endTagHandlers.set(id, handler);
  }
  get [Symbol.toStringTag]() { return 'Element'; }
}

class EndTag {
  constructor(key) { if (key !== kConstruct) illegal(); }
  get name() { return op(this, OP.endTagName); }
  set name(name) { op(this, OP.setEndTagName, String(name)); }
  before(value, options) { return content(this, OP.before, value, options); }
  after(value, options) { return content(this, OP.after, value, options); }
  remove() {
    op(this, OP.remove);
    return this;
  }
  get [Symbol.toStringTag]() { return 'EndTag'; }
}

class Comment {
  constructor(key) { if (key !== kConstruct) illegal(); }
  get text() { return op(this, OP.commentText); }
  set text(value) { op(this, OP.setCommentText, String(value)); }
  get removed() { return op(this, OP.removed); }
  before(value, options) { return content(this, OP.before, value, options, false); }
  after(value, options) { return content(this, OP.after, value, options, false); }
  replace(value, options) { return content(this, OP.replace, value, options, false); }
  remove() {
    op(this, OP.remove);
    return this;
  }
  get [Symbol.toStringTag]() { return 'Comment'; }
}

class Text {
  constructor(key) { if (key !== kConstruct) illegal(); }
  get text() { return op(this, OP.text); }
  get lastInTextNode() { return op(this, OP.lastInTextNode); }
  get removed() { return op(this, OP.removed); }
  before(value, options) { return content(this, OP.before, value, options); }
  after(value, options) { return content(this, OP.after, value, options); }
  replace(value, options) { return content(this, OP.replace, value, options); }
  remove() {
    op(this, OP.remove);
    return this;
  }
  get [Symbol.toStringTag]() { return 'Text'; }
}

class Doctype {
  #name; #publicId; #systemId;
  constructor(key, parts) {
    if (key !== kConstruct) illegal();
    [this.#name, this.#publicId, this.#systemId] = parts;
  }
  get name() { return this.#name; }
  get publicId() { return this.#publicId; }
  get systemId() { return this.#systemId; }
  get [Symbol.toStringTag]() { return 'Doctype'; }
}

class DocumentEnd {
  constructor(key) { if (key !== kConstruct) illegal(); }
  append(value, options) { return content(this, OP.appendToDocument, value, options, false); }
  get [Symbol.toStringTag]() { return 'DocumentEnd'; }
}

const kTokenClass = [Element, Comment, Text, Doctype, EndTag, DocumentEnd];
const kElementMethod = ['element', 'comments', 'text'];
const kDocumentMethod = [null, 'comments', 'text', 'doctype', null, 'end'];

class HTMLRewriter {
  #elements = [];   // [selector, handlers]
  #documents = [];  // handlers
  on(selector, handlers) {
    selector = String(selector);
    native.htmlSelectorCheck(selector);
    if (handlers === null || typeof handlers !== 'object') throw new TypeError('on() needs an object of handlers ({ element, comments, text }).');
    this.#elements.push([selector, handlers]);
    return this;
  }
  onDocument(handlers) {
    if (handlers === null || typeof handlers !== 'object') throw new TypeError('onDocument() needs an object of handlers ({ doctype, comments, text, end }).');
    this.#documents.push(handlers);
    return this;
  }
  transform(response) {
    if (!(response instanceof Response)) throw new TypeError("Failed to execute 'transform' on 'HTMLRewriter': parameter 1 is not of type 'Response'.");
    if (response.type === 'error') throw new TypeError('HTMLRewriter cannot transform an error response');
    // The document's charset (Content-Type's charset=, else UTF-8), as
    // workerd gives it to lol-html: unknown or not ASCII-compatible
    // (UTF-16, ISO-2022-JP) is a TypeError now.
    const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(response.headers.get('content-type') ?? '');
    const charset = match ? native.htmlCharset(match[1] ?? match[2]) : native.htmlCharset('utf-8');
    if (response.body === null) return response;
    // The handlers are read now: changing the handler objects later has no effect.
    const flag = (h, name, bit) => (typeof h[name] === 'function' ? bit : 0);
    const elements = this.#elements.map(([s, h]) => [s, h, flag(h, 'element', 1) | flag(h, 'comments', 2) | flag(h, 'text', 4)]);
    const documents = this.#documents.map((h) => [h, flag(h, 'doctype', 1) | flag(h, 'comments', 2) | flag(h, 'text', 4) | flag(h, 'end', 8)]);
    const handle = native.htmlRewriterCreate(elements.map((e) => e[0]), elements.map((e) => e[2]), documents.map((d) => d[1]),
                                             charset);
    // streams: streamed content by id, until the output reaches it;
    // pumping: the reader of the one being read.
    // canceled: the body was, so no more handlers run.
    const run = { handle, elements, documents, endTagHandlers: new Map(), streams: new Map(), nextStream: 1,
                  pumping: null, canceled: false };
    const reader = response.body.getReader();
    const output = rewrite(run, reader);
    // One output chunk per pull: the rewriting (and a stream being
    // inserted) goes no further ahead of the reader than that.
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await output.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        run.canceled = true;
        const pumping = run.pumping;
        run.pumping = null;
        return Promise.all([reader.cancel(reason), pumping?.cancel(reason)]).then(() => undefined);
      },
    });
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(body, { status: response.status, statusText: response.statusText, headers,
                                encodeBody: internals.responseEncodeBody(response) });
  }
  get [Symbol.toStringTag]() { return 'HTMLRewriter'; }
}

// The output chunks of the input read from `reader`, rewritten.
async function* rewrite(run, reader) {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) native.htmlEnd(run.handle);
    else native.htmlWrite(run.handle, internals.bodyChunkBytes(value));
    yield* drain(run);
    if (done) return;
  }
}

// Calls the handlers the input written so far needs, in order, and yields
// the output, with streamed content read in where it goes.
async function* drain(run) {
  for (;;) {
    if (run.canceled) return;
    const event = native.htmlNext(run.handle);
    if (event === null) break;
    if (event[0] === EVENT.stream) {
      const before = native.htmlOutput(run.handle);
      if (before !== null) yield before;
      yield* insertStream(run, event[3]);
    } else {
      const pending = callHandler(run, event);
      if (pending !== undefined) await pending;
    }
  }
  const out = native.htmlOutput(run.handle);
  if (out !== null) yield out;
}

// A stream's chunks: bytes (read as UTF-8) or strings, as workerd takes.
function streamedBytes(value) {
  if (typeof value === 'string') return native.utf8Encode(value);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return internals.bodyChunkBytes(value);
  throw new TypeError('HTMLRewriter content stream yielded a chunk that is not bytes: a ReadableStream inserted by ' +
                      'HTMLRewriter must yield Uint8Array, ArrayBuffer or string chunks.');
}

// Yields the output of streamed content `id`, read now. Its error (or a
// chunk that is not UTF-8 or not bytes) errors the body.
async function* insertStream(run, id) {
  const stream = run.streams.get(id);
  run.streams.delete(id);
  if (stream === kUsedBody) throw new TypeError('The Response inserted by HTMLRewriter has a body that was already used.');
  if (stream.locked) throw new TypeError('The ReadableStream inserted by HTMLRewriter has been locked to a reader.');
  const reader = stream.getReader();
  run.pumping = reader;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (run.canceled) return;
      if (done) break;
      let out;
      try {
        out = native.htmlStreamWrite(run.handle, streamedBytes(value));
      } catch (e) {
        reader.cancel(e).catch(() => {});
        throw e;
      }
      if (out !== null) yield out;
    }
  } finally {
    run.pumping = null;
  }
  const tail = native.htmlStreamEnd(run.handle);
  if (tail !== null) yield tail;
}

// Calls the handler of one event. A handler that returns a promise gets a
// promise back to await (the token stays valid until it settles); the
// others nothing, so that synchronous handlers cost no microtask turn.
function callHandler(run, event) {
  const [kind, index, isDocument, elementId] = event;
  let receiver, fn;
  if (kind === EVENT.endTag) {
    fn = run.endTagHandlers.get(elementId);
    run.endTagHandlers.delete(elementId);
    receiver = undefined;
  } else if (isDocument) {
    receiver = run.documents[index][0];
    fn = receiver[kDocumentMethod[kind]];
  } else {
    receiver = run.elements[index][1];
    fn = receiver[kElementMethod[kind]];
  }
  if (typeof fn !== 'function') return;
  const Class = kTokenClass[kind];
  const token = kind === EVENT.doctype ? new Doctype(kConstruct, native.htmlToken(run.handle, OP.doctype)) : new Class(kConstruct);
  const state = { handle: run.handle, run };
  tokens.set(token, state);
  let result;
  try {
    result = Reflect.apply(fn, receiver, [token]);
  } catch (e) {
    state.handle = null;
    throw e;
  }
  if (result === null || typeof result !== 'object' || typeof result.then !== 'function') {
    state.handle = null;
    return undefined;
  }
  return (async () => {
    try {
      await result;
    } finally {
      state.handle = null;
    }
  })();
}

internals.HTMLRewriter = HTMLRewriter;
Object.assign(internals, { HTMLRewriterElement: Element, HTMLRewriterEndTag: EndTag, HTMLRewriterComment: Comment,
  HTMLRewriterText: Text, HTMLRewriterDoctype: Doctype, HTMLRewriterDocumentEnd: DocumentEnd });
