#include "runtime/api/html_rewriter.h"

#include <cstring>
#include <memory>
#include <string>

#include "html/rewriter.h"
#include "runtime/api/encoding_tables.h"
#include "runtime/api/text_decoder.h"
#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;
using html::Content;
using html::Rewriter;

struct Handle {
  std::unique_ptr<Rewriter> rewriter;
  v8::Global<v8::Object> object;
  // The document's charset (an encoding_tables.h Encoding): what handlers
  // get is decoded from it, what they insert is encoded to it.
  int enc = encoding::kUtf8;
};

void freeHandle(const v8::WeakCallbackInfo<Handle>& info) {
  Handle* h = info.GetParameter();
  h->object.Reset();
  delete h;
}

Handle* handleOf(Args info) {
  auto v = info[0];
  if (!v->IsObject() || v.As<v8::Object>()->InternalFieldCount() != 2) return nullptr;
  auto o = v.As<v8::Object>();
  // The second field marks the handle as a rewriter's (other natives' handles have one field).
  if (o->GetAlignedPointerFromInternalField(1) != &freeHandle) return nullptr;
  return static_cast<Handle*>(o->GetAlignedPointerFromInternalField(0));
}

Handle* handleOrThrow(Args info) {
  Handle* h = handleOf(info);
  if (!h) throwError(info.GetIsolate(), "TypeError", "not an HTMLRewriter handle");
  return h;
}

Rewriter* rewriterOrThrow(Args info) {
  Handle* h = handleOrThrow(info);
  return h ? h->rewriter.get() : nullptr;
}

// Bytes of the document (in its charset) → a JS string.
v8::Local<v8::String> toJs(v8::Isolate* isolate, int enc, std::string_view bytes) {
  if (enc == encoding::kUtf8) return v8str(isolate, bytes);
  int32_t state[8] = {};
  std::u16string text;
  encoding::decode(enc, bytes, false, true, state, text);
  v8::Local<v8::String> s;
  if (!v8::String::NewFromTwoByte(isolate, reinterpret_cast<const uint16_t*>(text.data()), v8::NewStringType::kNormal,
                                  static_cast<int>(text.size()))
           .ToLocal(&s)) {
    return v8::String::Empty(isolate);
  }
  return s;
}

// A JS string → bytes in the document's charset (numeric character
// references for what it cannot represent, as lol-html does).
// With `escape`, text content is escaped first (& < >), so that the
// references for what the charset lacks stay references.
std::string fromJs(v8::Isolate* isolate, int enc, v8::Local<v8::Value> value, bool escape = false) {
  if (enc == encoding::kUtf8 && !escape) return toStdString(isolate, value);
  v8::Local<v8::String> s;
  if (!value->ToString(isolate->GetCurrentContext()).ToLocal(&s)) return {};
  std::u16string text(static_cast<size_t>(s->Length()), u'\0');
  s->Write(isolate, reinterpret_cast<uint16_t*>(text.data()), 0, s->Length(), v8::String::NO_NULL_TERMINATION);
  if (escape) {
    std::u16string escaped;
    escaped.reserve(text.size());
    for (char16_t c : text) {
      if (c == u'&') escaped += u"&amp;";
      else if (c == u'<') escaped += u"&lt;";
      else if (c == u'>') escaped += u"&gt;";
      else escaped += c;
    }
    text = std::move(escaped);
  }
  return encoding::encode(enc, text);
}

// htmlCharset(label) → the Encoding to rewrite a document in, or a
// TypeError with lol-html's message (workerd's, at transform()).
void charset(Args info) {
  auto* isolate = info.GetIsolate();
  int enc = encoding::encodingForLabel(toStdString(isolate, info[0]));
  if (enc < 0) {
    throwError(isolate, "TypeError", "Parser error: Unknown character encoding has been provided.");
  } else if (!encoding::isAsciiCompatible(enc)) {
    throwError(isolate, "TypeError", "Parser error: Expected ASCII-compatible encoding.");
  } else {
    info.GetReturnValue().Set(v8::Integer::New(isolate, enc));
  }
}

void selectorCheck(Args info) {
  try {
    html::parseSelector(toStdString(info.GetIsolate(), info[0]));
  } catch (const html::SelectorError& e) {
    throwError(info.GetIsolate(), "TypeError", std::string("Parser error: ") + e.what());
  }
}

std::vector<int> intArray(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  std::vector<int> out;
  if (!value->IsArray()) return out;
  auto context = isolate->GetCurrentContext();
  auto a = value.As<v8::Array>();
  for (uint32_t i = 0; i < a->Length(); ++i) {
    v8::Local<v8::Value> v;
    if (!a->Get(context, i).ToLocal(&v)) return {};
    out.push_back(v->Int32Value(context).FromMaybe(0));
  }
  return out;
}

void create(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsArray()) {
    throwError(isolate, "TypeError", "htmlRewriterCreate: bad arguments");
    return;
  }
  std::vector<int> element_flags = intArray(isolate, info[1]);
  std::vector<int> document_flags = intArray(isolate, info[2]);
  auto selectors = info[0].As<v8::Array>();
  std::vector<html::ElementHandlers> elements;
  try {
    for (uint32_t i = 0; i < selectors->Length(); ++i) {
      v8::Local<v8::Value> s;
      if (!selectors->Get(context, i).ToLocal(&s)) return;
      int f = i < element_flags.size() ? element_flags[i] : 0;
      elements.push_back({html::parseSelector(toStdString(isolate, s)), (f & 1) != 0, (f & 2) != 0, (f & 4) != 0});
    }
  } catch (const html::SelectorError& e) {
    throwError(isolate, "TypeError", std::string("Parser error: ") + e.what());
    return;
  }
  std::vector<html::DocumentHandlers> documents;
  for (int f : document_flags) documents.push_back({(f & 1) != 0, (f & 2) != 0, (f & 4) != 0, (f & 8) != 0});
  auto tmpl = v8::ObjectTemplate::New(isolate);
  tmpl->SetInternalFieldCount(2);
  v8::Local<v8::Object> object;
  if (!tmpl->NewInstance(context).ToLocal(&object)) return;
  auto* h = new Handle{std::make_unique<Rewriter>(std::move(elements), std::move(documents)), {}, encoding::kUtf8};
  int enc = info[3]->IsInt32() ? info[3].As<v8::Int32>()->Value() : encoding::kUtf8;
  if (encoding::isAsciiCompatible(enc)) h->enc = enc;
  h->rewriter->setUtf8(h->enc == encoding::kUtf8);
  object->SetAlignedPointerInInternalField(0, h);
  object->SetAlignedPointerInInternalField(1, reinterpret_cast<void*>(&freeHandle));
  h->object.Reset(isolate, object);
  h->object.SetWeak(h, freeHandle, v8::WeakCallbackType::kParameter);
  info.GetReturnValue().Set(object);
}

// A document lol-html's strict mode gives up on, or streamed content that
// is not UTF-8, is a TypeError, as in workerd ("Parser error: " and
// lol-html's message); the stream fails. Misuse of the rewriter is a
// TypeError too.
template <typename F>
bool feed(Args info, F f) {
  Rewriter* r = rewriterOrThrow(info);
  if (!r) return false;
  try {
    f(*r);
    return true;
  } catch (const std::logic_error& e) {
    throwError(info.GetIsolate(), "TypeError", e.what());
  } catch (const std::exception& e) {
    throwError(info.GetIsolate(), "TypeError", std::string("Parser error: ") + e.what());
  }
  return false;
}

// Output bytes → a Uint8Array, or null when there are none.
void returnBytes(Args info, std::string_view bytes) {
  if (bytes.empty()) {
    info.GetReturnValue().SetNull();
    return;
  }
  v8::Local<v8::ArrayBuffer> buffer;
  if (!newBuffer(info.GetIsolate(), bytes.size()).ToLocal(&buffer)) return;
  std::memcpy(buffer->GetBackingStore()->Data(), bytes.data(), bytes.size());
  info.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, bytes.size()));
}

// Streamed content's output (UTF-8) in the document's charset.
void returnStreamed(Args info, const std::string& utf8) {
  Handle* h = handleOf(info);
  if (h == nullptr || h->enc == encoding::kUtf8 || utf8.empty()) {
    returnBytes(info, utf8);
    return;
  }
  auto* isolate = info.GetIsolate();
  returnBytes(info, fromJs(isolate, h->enc, v8str(isolate, utf8)));
}

// htmlStreamWrite(h, bytes) / htmlStreamEnd(h): streamed content.
void streamWrite(Args info) {
  std::string out;
  if (feed(info, [&](Rewriter& r) { out = r.streamWrite(bytesOf(info[1])); })) returnStreamed(info, out);
}

void streamEnd(Args info) {
  std::string out;
  if (feed(info, [&](Rewriter& r) { out = r.streamEnd(); })) returnStreamed(info, out);
}

void write(Args info) {
  feed(info, [&](Rewriter& r) { r.write(bytesOf(info[1])); });
}

void end(Args info) {
  feed(info, [](Rewriter& r) { r.end(); });
}

void next(Args info) {
  auto* isolate = info.GetIsolate();
  Rewriter::Event e;
  bool more = false;
  if (!feed(info, [&](Rewriter& r) { more = r.next(e); })) return;
  if (!more) {
    info.GetReturnValue().SetNull();
    return;
  }
  // A kStream event carries its stream where the others carry the element.
  uint64_t id = e.kind == Rewriter::EventKind::kStream ? e.stream : e.element;
  v8::Local<v8::Value> parts[] = {v8::Integer::New(isolate, static_cast<int>(e.kind)),
                                  v8::Integer::NewFromUnsigned(isolate, e.handler),
                                  v8::Boolean::New(isolate, e.document),
                                  v8::Number::New(isolate, static_cast<double>(id))};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 4));
}

void output(Args info) {
  Rewriter* r = rewriterOrThrow(info);
  if (!r) return;
  returnBytes(info, r->takeOutput());
}

// htmlToken's operations (html_rewriter.js has the same table).
enum Op {
  kTagName, kSetTagName, kAttributes, kGetAttribute, kHasAttribute, kSetAttribute, kRemoveAttribute,
  kNamespaceURI, kEndTagId, kBefore, kAfter, kPrepend, kAppend, kReplace, kSetInnerContent, kRemove,
  kRemoveAndKeepContent, kRemoved, kText, kLastInTextNode, kCommentText, kSetCommentText, kDoctype,
  kEndTagName, kSetEndTagName, kAppendToDocument,
};

v8::Local<v8::Value> stringOrNull(v8::Isolate* isolate, int enc, std::string_view s, bool has) {
  return has ? toJs(isolate, enc, s).As<v8::Value>() : v8::Null(isolate).As<v8::Value>();
}

void token(Args info) {
  Handle* h = handleOrThrow(info);
  if (!h) return;
  Rewriter* r = h->rewriter.get();
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  int op = info[1]->Int32Value(context).FromMaybe(-1);
  const int enc = h->enc;
  auto arg = [&](int i) { return fromJs(isolate, enc, info[i]); };
  auto str = [&](std::string_view bytes) { return toJs(isolate, enc, bytes); };
  // Text content of another charset is escaped here, before encoding.
  auto content = [&] {
    bool html = info[3]->BooleanValue(isolate);
    // Streamed content: its bytes come later (htmlStreamWrite).
    double stream = info[4]->IsNumber() ? info[4].As<v8::Number>()->Value() : 0;
    if (stream >= 1) return Content{{}, html, static_cast<uint64_t>(stream)};
    if (html || enc == encoding::kUtf8) return Content{arg(2), html};
    return Content{fromJs(isolate, enc, info[2], true), true};
  };
  auto ret = [&](v8::Local<v8::Value> v) { info.GetReturnValue().Set(v); };
  try {
    switch (op) {
      case kTagName: ret(str(html::asciiLowercase(r->tagName()))); break;
      case kSetTagName: r->setTagName(arg(2)); break;
      case kAttributes: {
        std::vector<v8::Local<v8::Value>> items;
        for (const auto& [name, value] : r->attributes()) {
          v8::Local<v8::Value> pair[] = {str(name), str(value ? *value : "")};
          items.push_back(v8::Array::New(isolate, pair, 2));
        }
        ret(v8::Array::New(isolate, items.data(), items.size()));
        break;
      }
      case kGetAttribute: {
        auto v = r->getAttribute(arg(2));
        ret(stringOrNull(isolate, enc, v.value_or(""), v.has_value()));
        break;
      }
      case kHasAttribute: ret(v8::Boolean::New(isolate, r->getAttribute(arg(2)).has_value())); break;
      case kSetAttribute: r->setAttribute(arg(2), arg(3)); break;
      case kRemoveAttribute: r->removeAttribute(arg(2)); break;
      case kNamespaceURI: ret(v8str(isolate, r->namespaceURI())); break;
      case kEndTagId: ret(v8::Number::New(isolate, static_cast<double>(r->endTagHandlerId()))); break;
      case kBefore: r->before(content()); break;
      case kAfter: r->after(content()); break;
      case kPrepend: r->prepend(content()); break;
      case kAppend: r->append(content()); break;
      case kReplace: r->replace(content()); break;
      case kSetInnerContent: r->setInnerContent(content()); break;
      case kRemove: r->remove(); break;
      case kRemoveAndKeepContent: r->removeAndKeepContent(); break;
      case kRemoved: ret(v8::Boolean::New(isolate, r->removed())); break;
      case kText: ret(str(r->text())); break;
      case kLastInTextNode: ret(v8::Boolean::New(isolate, r->lastInTextNode())); break;
      case kCommentText: ret(str(r->commentText())); break;
      case kSetCommentText: r->setCommentText(arg(2)); break;
      case kDoctype: {
        const html::Doctype& d = r->doctype();
        v8::Local<v8::Value> parts[] = {stringOrNull(isolate, enc, html::asciiLowercase(d.name), d.has_name),
                                        stringOrNull(isolate, enc, d.public_id, d.has_public_id),
                                        stringOrNull(isolate, enc, d.system_id, d.has_system_id)};
        ret(v8::Array::New(isolate, parts, 3));
        break;
      }
      case kEndTagName: ret(str(html::asciiLowercase(r->endTagName()))); break;
      case kSetEndTagName: r->setEndTagName(arg(2)); break;
      case kAppendToDocument: r->appendToDocument(content()); break;
      default: throwError(isolate, "TypeError", "htmlToken: unknown operation");
    }
  } catch (const std::logic_error& e) {
    throwError(isolate, "TypeError", e.what());
  }
}

}  // namespace

void installHtmlRewriterNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native) {
  const std::pair<const char*, v8::FunctionCallback> natives[] = {
      {"htmlSelectorCheck", selectorCheck}, {"htmlCharset", charset}, {"htmlRewriterCreate", create}, {"htmlWrite", write},
      {"htmlEnd", end}, {"htmlNext", next}, {"htmlOutput", output}, {"htmlToken", token},
      {"htmlStreamWrite", streamWrite}, {"htmlStreamEnd", streamEnd}};
  for (const auto& [name, fn] : natives) {
    native->Set(context, v8str(isolate, name), v8::Function::New(context, fn).ToLocalChecked()).Check();
  }
}

}  // namespace verge::runtime
