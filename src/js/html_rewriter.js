'use strict';
// HTMLRewriter, Cloudflare's streaming HTML rewriting API, over the native
// rewriter (runtime/api/html_rewriter.h, src/html/). transform() returns a
// Response whose body is the input body rewritten as it streams: each
// chunk read is written to the rewriter, the handlers it asks for are
// called in document order (a handler's promise is awaited before the next
// handler runs, so async handlers hold the stream back), and what is ready
// is passed on. An exception in a handler errors the body.

const { Response, ReadableStream, Headers } = internals;

// native.htmlToken's operations, as in html_rewriter.cc.
const OP = {
  tagName: 0, setTagName: 1, attributes: 2, getAttribute: 3, hasAttribute: 4, setAttribute: 5,
  removeAttribute: 6, namespaceURI: 7, endTagId: 8, before: 9, after: 10, prepend: 11, append: 12,
  replace: 13, setInnerContent: 14, remove: 15, removeAndKeepContent: 16, removed: 17, text: 18,
  lastInTextNode: 19, commentText: 20, setCommentText: 21, doctype: 22, endTagName: 23,
  setEndTagName: 24, appendToDocument: 25,
};
const EVENT = { element: 0, comments: 1, text: 2, doctype: 3, endTag: 4, end: 5 };

const kConstruct = Symbol('construct');
const kInvalid = 'This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler.';

// A content token's rewriter, while its handler runs (then it is invalid).
const tokens = new WeakMap();  // token → { handle, run }

function op(token, code, a, b) {
  const state = tokens.get(token);
  if (state === undefined || state.handle === null) throw new TypeError(kInvalid);
  return native.htmlToken(state.handle, code, a, b);
}

function illegal() {
  throw new TypeError('Illegal constructor');
}

// Content for before(), append()…: a string, inserted as text (escaped)
// or, with { html: true }, as HTML.
function content(token, code, value, options) {
  if (value instanceof ReadableStream || value instanceof Response) {
    throw new TypeError('HTMLRewriter content from a ReadableStream or Response is not supported by verge yet; pass a string.');
  }
  const html = options !== undefined && options !== null && Boolean(options.html);
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
  before(value, options) { return content(this, OP.before, value, options); }
  after(value, options) { return content(this, OP.after, value, options); }
  replace(value, options) { return content(this, OP.replace, value, options); }
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
  append(value, options) { return content(this, OP.appendToDocument, value, options); }
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
    const run = { handle, elements, documents, endTagHandlers: new Map() };
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) native.htmlEnd(handle);
          else native.htmlWrite(handle, internals.bodyChunkBytes(value));
          await callHandlers(run);
          const out = native.htmlOutput(handle);
          if (out !== null) controller.enqueue(out);
          if (done) {
            controller.close();
            return;
          }
          if (out !== null) return;
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(body, { status: response.status, statusText: response.statusText, headers,
                                encodeBody: internals.responseEncodeBody(response) });
  }
  get [Symbol.toStringTag]() { return 'HTMLRewriter'; }
}

// Calls the handlers the input written so far needs, in order.
async function callHandlers(run) {
  for (let event = native.htmlNext(run.handle); event !== null; event = native.htmlNext(run.handle)) {
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
    if (typeof fn !== 'function') continue;
    const Class = kTokenClass[kind];
    const token = kind === EVENT.doctype ? new Doctype(kConstruct, native.htmlToken(run.handle, OP.doctype)) : new Class(kConstruct);
    const state = { handle: run.handle, run };
    tokens.set(token, state);
    try {
      const result = Reflect.apply(fn, receiver, [token]);
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') await result;
    } finally {
      state.handle = null;
    }
  }
}

internals.HTMLRewriter = HTMLRewriter;
Object.assign(internals, { HTMLRewriterElement: Element, HTMLRewriterEndTag: EndTag, HTMLRewriterComment: Comment,
  HTMLRewriterText: Text, HTMLRewriterDoctype: Doctype, HTMLRewriterDocumentEnd: DocumentEnd });
