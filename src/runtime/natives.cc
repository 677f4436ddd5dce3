// The `native` object the runtime's JS is given (see src/js/README.md).
// Every function validates its arguments: user code cannot reach these
// directly, but a bug in our JS must become an exception, not a crash.
#include <openssl/rand.h>
#include <unicode/uidna.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "base/log.h"
#include "net/http_client.h"
#include "net/websocket.h"
#include "runtime/api/buffers.h"
#include "runtime/api/compression.h"
#include "runtime/api/crypto.h"
#include "runtime/api/encoding.h"
#include "runtime/api/errors.h"
#include "runtime/api/html_rewriter.h"
#include "runtime/api/structured_clone.h"
#include "runtime/cache_natives.h"
#include "runtime/limited_allocator.h"
#include "runtime/socket_natives.h"
#include "runtime/websocket_natives.h"
#include "runtime/v8_util.h"
#include "runtime/isolate_storage.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

WorkerIsolate* self(Args info) {
  return static_cast<WorkerIsolate*>(info.Data().As<v8::External>()->Value());
}

uint32_t u32Arg(Args info, int i) {
  return info[i]->Uint32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}



// ---- encoding ----

void utf8Encode(Args info) {
  auto* isolate = info.GetIsolate();
  v8::Local<v8::String> s;
  if (!info[0]->ToString(isolate->GetCurrentContext()).ToLocal(&s)) return;
  int len = s->Utf8Length(isolate);
  v8::Local<v8::ArrayBuffer> buffer;
  if (!newBuffer(isolate, static_cast<size_t>(len)).ToLocal(&buffer)) return;
  s->WriteUtf8(isolate, static_cast<char*>(buffer->GetBackingStore()->Data()), len, nullptr,
               v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  info.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, static_cast<size_t>(len)));
}

void utf8Decode(Args info) {
  auto* isolate = info.GetIsolate();
  std::string_view bytes = bytesOf(info[0]);
  bool fatal = info[1]->BooleanValue(isolate);
  bool ignore_bom = info[2]->BooleanValue(isolate);
  if (!ignore_bom && bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (fatal && !net::isValidUtf8(bytes)) {
    throwError(isolate, "TypeError", "The encoded data was not valid for encoding utf-8");
    return;
  }
  // V8's decoder replaces ill-formed sequences with U+FFFD as the Encoding
  // Standard prescribes.
  v8::Local<v8::String> out;
  if (!v8::String::NewFromUtf8(isolate, bytes.data(), v8::NewStringType::kNormal,
                               static_cast<int>(bytes.size()))
           .ToLocal(&out)) {
    throwError(isolate, "RangeError", "string too long");
    return;
  }
  info.GetReturnValue().Set(out);
}

// ---- URL host processing (UTS #46 through ICU, with the URL Standard's flags) ----

UIDNA* idna(bool strict) {
  thread_local UIDNA* lax = nullptr;
  thread_local UIDNA* std3 = nullptr;
  UIDNA*& slot = strict ? std3 : lax;
  if (!slot) {
    UErrorCode err = U_ZERO_ERROR;
    uint32_t options = UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                       UIDNA_NONTRANSITIONAL_TO_UNICODE;
    if (strict) options |= UIDNA_USE_STD3_RULES;
    slot = uidna_openUTS46(options, &err);
    if (U_FAILURE(err)) slot = nullptr;
  }
  return slot;
}

void domainToASCII(Args info) {
  auto* isolate = info.GetIsolate();
  std::string in = toStdString(isolate, info[0]);
  bool strict = info[1]->BooleanValue(isolate);
  UIDNA* u = idna(strict);
  if (!u) {
    info.GetReturnValue().SetNull();
    return;
  }
  std::string out(in.size() * 4 + 64, '\0');
  UErrorCode err = U_ZERO_ERROR;
  UIDNAInfo uinfo = UIDNA_INFO_INITIALIZER;
  int32_t len = uidna_nameToASCII_UTF8(u, in.data(), static_cast<int32_t>(in.size()), out.data(),
                                       static_cast<int32_t>(out.size()), &uinfo, &err);
  uint32_t errors = uinfo.errors;
  // CheckHyphens=false; VerifyDnsLength only when strict.
  errors &= ~static_cast<uint32_t>(UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN |
                                   UIDNA_ERROR_HYPHEN_3_4);
  if (!strict) {
    errors &= ~static_cast<uint32_t>(UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                     UIDNA_ERROR_DOMAIN_NAME_TOO_LONG);
  }
  if (U_FAILURE(err) || errors != 0 || len <= 0) {
    info.GetReturnValue().SetNull();
    return;
  }
  out.resize(static_cast<size_t>(len));
  info.GetReturnValue().Set(v8str(isolate, out));
}

void domainToUnicode(Args info) {
  auto* isolate = info.GetIsolate();
  std::string in = toStdString(isolate, info[0]);
  UIDNA* u = idna(false);
  if (!u) {
    info.GetReturnValue().Set(info[0]);
    return;
  }
  std::string out(in.size() * 4 + 64, '\0');
  UErrorCode err = U_ZERO_ERROR;
  UIDNAInfo uinfo = UIDNA_INFO_INITIALIZER;
  int32_t len = uidna_nameToUnicodeUTF8(u, in.data(), static_cast<int32_t>(in.size()), out.data(),
                                        static_cast<int32_t>(out.size()), &uinfo, &err);
  if (U_FAILURE(err) || len < 0) {
    info.GetReturnValue().Set(info[0]);
    return;
  }
  out.resize(static_cast<size_t>(len));
  info.GetReturnValue().Set(v8str(isolate, out));
}

// ---- console, time, crypto, structuredClone ----

// ownNonIndexKeys(obj) → the own enumerable string keys of obj that are not
// array indices (console's inspect of huge arrays, without listing them all).
void ownNonIndexKeys(Args info) {
  auto* isolate = info.GetIsolate();
  if (!info[0]->IsObject()) {
    info.GetReturnValue().Set(v8::Array::New(isolate));
    return;
  }
  v8::Local<v8::Array> keys;
  if (!info[0].As<v8::Object>()
           ->GetPropertyNames(isolate->GetCurrentContext(), v8::KeyCollectionMode::kOwnOnly,
                              static_cast<v8::PropertyFilter>(v8::ONLY_ENUMERABLE | v8::SKIP_SYMBOLS),
                              v8::IndexFilter::kSkipIndices, v8::KeyConversionMode::kConvertToString)
           .ToLocal(&keys)) {
    return;
  }
  info.GetReturnValue().Set(keys);
}

// console.*: log/info/debug go to stdout as written (what `wrangler dev`
// users expect to pipe); warn/error go to the node's log on stderr.
void log(Args info) {
  auto* isolate = info.GetIsolate();
  std::string level = toStdString(isolate, info[0]);
  std::string message = toStdString(isolate, info[1]);
  if (level == "error" || level == "warn") {
    base::logLine(level == "error" ? base::LogLevel::kError : base::LogLevel::kWarn, message);
    return;
  }
  message += '\n';
  base::writeStdout(message);
}

void now(Args info) {
  static const auto start = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  info.GetReturnValue().Set(ms);
}

void randomFill(Args info) {
  if (!info[0]->IsArrayBufferView()) return;
  auto view = info[0].As<v8::ArrayBufferView>();
  auto store = view->Buffer()->GetBackingStore();
  auto* p = static_cast<unsigned char*>(store->Data()) + view->ByteOffset();
  if (view->ByteLength() > 0 && RAND_bytes(p, static_cast<int>(view->ByteLength())) != 1) {
    throwError(info.GetIsolate(), "Error", "random source failed");
  }
}

// ---- timers ----

void timerStart(Args info) {
  auto* isolate = info.GetIsolate();
  WorkerIsolate* w = self(info);
  if (!w->request(w->currentRequest())) {
    // As in workerd: timers belong to a request, and end with it.
    throwError(isolate, "Error",
               "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or "
               "connect()), setting a timeout, and generating random values are not allowed within "
               "global scope. To fix this error, perform this operation within a handler.");
    return;
  }
  double ms = info[1]->NumberValue(isolate->GetCurrentContext()).FromMaybe(0);
  w->startTimer(u32Arg(info, 0), ms, info[2]->BooleanValue(isolate));
}

void timerCancel(Args info) { self(info)->cancelTimer(u32Arg(info, 0)); }

// ---- bodies ----

void bodyRead(Args info) {
  auto* isolate = info.GetIsolate();
  WorkerIsolate* w = self(info);
  auto context = isolate->GetCurrentContext();
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  uint32_t id = u32Arg(info, 0);
  auto source = w->source(id);
  if (!source) {
    resolver->Reject(context, v8::Exception::TypeError(v8str(isolate, "This body has already been read or cancelled.")))
        .Check();
    return;
  }
  uint32_t pid = w->addPending(resolver);
  uint32_t rid = w->currentRequest();
  // Sources belong to the home loop: read there. The chunk is copied, as
  // the isolate may be busy when it arrives.
  w->home().run([source, weak = w->weak_from_this(), pid, rid, id] {
    source->read([weak, pid, rid, id](std::string_view data, std::string_view error) {
      WorkerIsolate::deliver(weak, rid, [pid, id, bytes = std::string(data), error = std::string(error)](
                                            WorkerIsolate& w, v8::Local<v8::Context> context) {
        v8::Isolate* iso = w.isolate();
        auto r = w.takePending(pid);
        if (r.IsEmpty()) return;
        if (!error.empty()) {
          w.removeSource(id);
          r->Reject(context, v8::Exception::TypeError(v8str(iso, error))).Check();
        } else if (bytes.empty()) {
          w.removeSource(id);
          r->Resolve(context, v8::Null(iso)).Check();
        } else {
          v8::Local<v8::Uint8Array> out;
          if (!newBytes(iso, bytes).ToLocal(&out)) return;  // over the memory limit: RangeError thrown
          r->Resolve(context, out).Check();
        }
      });
    });
  });
}

void bodyCancel(Args info) {
  WorkerIsolate* w = self(info);
  uint32_t id = u32Arg(info, 0);
  if (auto s = w->source(id)) w->home().run([s] { s->cancel(); });
  w->removeSource(id);
}

// ---- the response to the incoming request ----

// The size of a response head's header lines, as they go on the wire.
size_t headerBytes(const net::HeaderList& headers) {
  size_t n = 0;
  for (const auto& h : headers) n += h.name.size() + h.value.size() + 4;
  return n;
}

// Adds the edge's response headers, and checks the worker's response
// headers against the size limit; fails the request (500) when they are
// over it.
bool headersFit(WorkerIsolate* w, uint32_t rid, net::HeaderList& headers) {
  // The Ray ID goes on every response, as a Cloudflare edge sends it.
  if (const auto* r = w->request(rid); r && !r->info.ray.empty()) {
    std::erase_if(headers, [](const net::HeaderPair& h) { return net::iequals(h.name, "cf-ray"); });
    headers.push_back({"cf-ray", r->info.ray});
  }
  size_t n = headerBytes(headers);
  if (n <= RequestLimits::kMaxResponseHeaderBytes) return true;
  w->failRequest(rid, "exception",
                 "TypeError: the response headers are " + std::to_string(n) + " bytes; at most " +
                     std::to_string(RequestLimits::kMaxResponseHeaderBytes) + " are allowed");
  return false;
}

void respWriteHead(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  WorkerIsolate* w = self(info);
  uint32_t rid = u32Arg(info, 0);
  auto* r = w->request(rid);
  if (!r || r->head_written || r->finished) return;
  int status = info[1]->Int32Value(context).FromMaybe(500);
  net::HeaderList headers = headerPairs(isolate, info[2]);
  double length = info[3]->NumberValue(context).FromMaybe(-1);
  r = w->request(rid);  // headerPairs may have run JS
  if (!r || r->head_written || r->finished || !headersFit(w, rid, headers)) return;
  std::optional<uint64_t> content_length;
  if (length >= 0) content_length = static_cast<uint64_t>(length);
  r->head_written = true;
  w->home().run([ex = r->exchange, status, headers = std::move(headers), content_length] {
    ex->writeHead(status, headers, content_length);
  });
}

// respond(rid, status, headerPairs, body): the whole response at once; body
// is null, a string (sent as UTF-8) or bytes.
void respond(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  WorkerIsolate* w = self(info);
  uint32_t rid = u32Arg(info, 0);
  auto* r = w->request(rid);
  if (!r || r->head_written || r->finished) return;
  int status = info[1]->Int32Value(context).FromMaybe(500);
  net::HeaderList headers = headerPairs(isolate, info[2]);
  r = w->request(rid);  // headerPairs may have run JS
  if (!r || r->head_written || r->finished || !headersFit(w, rid, headers)) return;
  r->head_written = true;
  std::string text;
  std::string_view body;
  if (info[3]->IsString()) {
    auto s = info[3].As<v8::String>();
    text.resize(static_cast<size_t>(s->Utf8Length(isolate)));
    s->WriteUtf8(isolate, text.data(), static_cast<int>(text.size()), nullptr,
                 v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
    body = text;
  } else {
    body = bytesOf(info[3]);
  }
  if (w->home().carriedHere()) {
    // The common case: straight onto the connection, no copies.
    r->exchange->writeHead(status, headers, body.size());
    if (!body.empty()) r->exchange->writeBody(body, nullptr);
    r->exchange->finish();
  } else {
    w->home().post([ex = r->exchange, status, headers = std::move(headers), bytes = std::string(body)] {
      ex->writeHead(status, headers, bytes.size());
      if (!bytes.empty()) ex->writeBody(bytes, nullptr);
      ex->finish();
    });
  }
  w->finishRequest(rid);
}

// respWrite(rid, bytes, last): queues body bytes. With last=false it returns
// a promise that resolves once they are on the socket (backpressure); with
// last=true it also ends the response and returns nothing, which saves the
// whole-body fast path a promise and a second entry into JS.
void respWrite(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  WorkerIsolate* w = self(info);
  uint32_t rid = u32Arg(info, 0);
  auto* r = w->request(rid);
  bool last = info[2]->BooleanValue(isolate);
  bool usable = r && r->head_written && !r->finished;
  std::string_view data = bytesOf(info[1]);
  const bool here = w->home().carriedHere();
  if (last) {
    if (!usable) return;
    if (here) {
      r->exchange->writeBody(data, nullptr);
      r->exchange->finish();
    } else {
      w->home().post([ex = r->exchange, bytes = std::string(data)] {
        ex->writeBody(bytes, nullptr);
        ex->finish();
      });
    }
    w->finishRequest(rid);
    return;
  }
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  if (!usable || (here && r->exchange->closed())) {
    resolver->Reject(context, v8::Exception::TypeError(v8str(isolate, "The client disconnected.")))
        .Check();
    return;
  }
  uint32_t pid = w->addPending(resolver);
  auto done = [weak = w->weak_from_this(), pid, rid](bool ok) {
    WorkerIsolate::deliver(weak, rid, [pid, ok](WorkerIsolate& w, v8::Local<v8::Context> context) {
      auto res = w.takePending(pid);
      if (res.IsEmpty()) return;
      if (ok) res->Resolve(context, v8::Undefined(w.isolate())).Check();
      else res->Reject(context, v8::Exception::TypeError(v8str(w.isolate(), "The client disconnected."))).Check();
    });
  };
  if (here) {
    r->exchange->writeBody(data, std::move(done));
  } else {
    w->home().post([ex = r->exchange, bytes = std::string(data), done = std::move(done)]() mutable {
      ex->writeBody(bytes, std::move(done));
    });
  }
}

void respFinish(Args info) {
  WorkerIsolate* w = self(info);
  uint32_t rid = u32Arg(info, 0);
  auto* r = w->request(rid);
  if (!r || r->finished) return;
  bool write_head = !r->head_written;
  r->head_written = true;
  w->home().run([ex = r->exchange, write_head] {
    if (write_head) ex->writeHead(200, {}, 0);
    ex->finish();
  });
  w->finishRequest(rid);
}

// respFail(rid, kind, detail): kind is "exception" or "limit".
void respFail(Args info) {
  auto* isolate = info.GetIsolate();
  self(info)->failRequest(u32Arg(info, 0), toStdString(isolate, info[1]), toStdString(isolate, info[2]));
}

void nativeWaitUntilBegin(Args info) { self(info)->waitUntilBegin(u32Arg(info, 0)); }

// asyncContextGet() / asyncContextSet(value): the value V8 carries along
// promise reactions (continuation-preserved embedder data), which
// AsyncLocalStorage (src/node/async_hooks.js) keeps its frame in.
void nativeAsyncContextGet(Args info) {
  info.GetReturnValue().Set(info.GetIsolate()->GetCurrentContext()->GetContinuationPreservedEmbedderData());
}
void nativeAsyncContextSet(Args info) {
  info.GetIsolate()->GetCurrentContext()->SetContinuationPreservedEmbedderData(info[0]);
}

// sourceMap(moduleName) → the module's source map (JSON text) or undefined.
void nativeSourceMap(Args info) {
  const std::string* map = self(info)->sourceMap(toStdString(info.GetIsolate(), info[0]));
  if (map) info.GetReturnValue().Set(v8str(info.GetIsolate(), *map));
}

// nameAnonymousFunction(fn, name) → true when fn was an anonymous function
// of the worker's own code and now has `name`. Behind the bundle's keepNames
// helper (tools/bundler/bundle.mjs): it names the function literal, so every
// later closure of it already has the name and needs no defineProperty,
// which in V8 turns each closure into a dictionary-mode object. Built-ins,
// bound functions and named functions are left alone (false).
void nativeNameAnonymousFunction(Args info) {
  info.GetReturnValue().Set(false);
  if (!info[0]->IsFunction() || !info[1]->IsString()) return;
  auto fn = info[0].As<v8::Function>();
  if (fn->ScriptId() == v8::UnboundScript::kNoScriptId) return;
  auto current = fn->GetName();
  if (!current->IsString() || current.As<v8::String>()->Length() != 0) return;
  fn->SetName(info[1].As<v8::String>());
  info.GetReturnValue().Set(true);
}

// currentRequest() → the id of the request whose entry is running (0 at
// the top level and in work no request owns).
void nativeCurrentRequest(Args info) {
  WorkerIsolate* w = self(info);
  info.GetReturnValue().Set(w->request(w->currentRequest()) ? w->currentRequest() : 0);
}
void nativeWaitUntilEnd(Args info) { self(info)->waitUntilEnd(u32Arg(info, 0)); }

// ---- fetch (one HTTP exchange; redirects are handled in JS) ----

// fetch(method, url, headerPairs, body|null, cfJson|null, service|undefined)
//   → Promise<[status, statusText, headerPairs, sourceId]>; with `service`
//   ([name, entrypoint, propsJson], serviceCallArg), to that worker of the
//   node (a service binding) instead of the network.
void fetch(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  WorkerIsolate* w = self(info);
  uint32_t rid = w->currentRequest();
  if (!w->countSubrequest(rid)) return;
  WorkerIsolate::RequestState* r = w->request(rid);
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  auto req = std::make_shared<net::ClientRequest>();
  req->method = toStdString(isolate, info[0]);
  req->url = toStdString(isolate, info[1]);
  req->headers = headerPairs(isolate, info[2]);
  if (!info[3]->IsNullOrUndefined()) req->body = std::string(bytesOf(info[3]));
  std::string cf_json = info[4]->IsString() ? toStdString(isolate, info[4]) : std::string();
  ServiceCall service;
  if (info[5]->IsArray()) service = serviceCallArg(isolate, info[5].As<v8::Array>());
  r = w->request(rid);  // headerPairs may have run JS
  if (r) {
    // Loop detection, as Cloudflare's CF-EW-Via: how many more worker
    // invocations this chain may make.
    std::erase_if(req->headers, [](const net::HeaderPair& h) { return net::iequals(h.name, "cf-ew-via"); });
    req->headers.push_back({"cf-ew-via", std::to_string(r->info.invocations_left)});
  }
  // Where the worker may connect (zone hosts go through their zone first,
  // to the operator's origin, whatever this says).
  req->egress = w->script().egress;
  uint32_t pid = w->addPending(resolver);
  std::weak_ptr<WorkerIsolate> weak = w->weak_from_this();
  net::FetchCallback done = [weak, pid, rid](std::string_view error, std::shared_ptr<net::ClientResponse> resp) {
    WorkerIsolate::deliver(weak, rid, [pid, rid, error = std::string(error), resp](
                                          WorkerIsolate& w, v8::Local<v8::Context> context) {
      v8::Isolate* iso = w.isolate();
      // As on Cloudflare (since April 2026), a subrequest holds one of the
      // six slots only while it waits for its response headers; a body left
      // unread cannot block the next fetch().
      w.subrequestDone(rid);
      auto r = w.takePending(pid);
      if (r.IsEmpty()) return;
      if (!error.empty() || !resp) {
        r->Reject(context, v8::Exception::TypeError(v8str(iso, "fetch failed: " + error))).Check();
        return;
      }
      uint32_t sid = w.addSource(resp->body);
      v8::Local<v8::Value> parts[] = {v8::Integer::New(iso, resp->status), byteString(iso, resp->reason),
                                      headerArray(iso, resp->headers), v8::Integer::NewFromUnsigned(iso, sid)};
      r->Resolve(context, v8::Array::New(iso, parts, 4)).Check();
    });
  };
  net::EventLoop* home = &w->home();
  const StorageConfig* config = &w->storage().config();
  auto start = [home, config, req, cf_json = std::move(cf_json), service = std::move(service),
                done = std::move(done)]() mutable {
    home->run([home, config, req, cf_json = std::move(cf_json), service = std::move(service),
               done = std::move(done)]() mutable {
      if (!service.service.empty()) {
        const auto& to_service = config->service_fetch;
        if (to_service && to_service(home->context(), service, *req, done)) return;
        done("no worker named \"" + service.service + "\" runs on this node (service binding)", nullptr);
        return;
      }
      const auto& hook = config->subrequest;
      if (hook && hook(home->context(), *req, cf_json, done)) return;
      net::httpFetch(home->context(), std::move(*req), std::move(done));
    });
  };
  if (!r) {
    start();  // no request to count against (a background task)
  } else if (r->open_subrequests >= RequestLimits::kMaxOpenSubrequests) {
    r->waiting_subrequests.push_back({pid, std::move(start)});
  } else {
    ++r->open_subrequests;
    start();
  }
}

}  // namespace

// Flat [name, value, name, value, ...] JS array → header list.
net::HeaderList headerPairs(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  net::HeaderList out;
  if (!value->IsArray()) return out;
  auto context = isolate->GetCurrentContext();
  auto array = value.As<v8::Array>();
  uint32_t n = array->Length();
  out.reserve(n / 2);
  for (uint32_t i = 0; i + 1 < n; i += 2) {
    v8::Local<v8::Value> k, v;
    if (!array->Get(context, i).ToLocal(&k) || !array->Get(context, i + 1).ToLocal(&v)) break;
    out.push_back({toByteString(isolate, k), toByteString(isolate, v)});
  }
  return out;
}

// Header names are case-insensitive; the Fetch API shows them lowercased
// (ASCII only: they are tokens).
static void lowerName(std::string& name) {
  for (auto& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

v8::Local<v8::Array> headerArray(v8::Isolate* isolate, const net::HeaderList& headers) {
  std::vector<v8::Local<v8::Value>> items;
  items.reserve(headers.size() * 2);
  std::string lower;
  for (const auto& h : headers) {
    lower.assign(h.name);
    lowerName(lower);
    items.push_back(byteString(isolate, lower));
    items.push_back(byteString(isolate, h.value));
  }
  return v8::Array::New(isolate, items.data(), items.size());
}

v8::Local<v8::String> requestHeaders(v8::Isolate* isolate, const net::HeaderList& headers,
                                     const std::vector<std::pair<std::string, std::string>>& edge) {
  std::string out;
  out.reserve(512);
  out += '\n';
  auto add = [&](std::string_view name, std::string_view value) {
    out += name;
    out += ':';
    size_t start = out.size();
    out += value;
    // The parser lets no line break into a value (RFC 9112 §5.5); should
    // one come anyway, it is a space, as an obs-fold would be, rather than
    // the start of a field the client did not send.
    if (std::memchr(value.data(), '\n', value.size()) || std::memchr(value.data(), '\r', value.size())) {
      for (size_t i = start; i < out.size(); ++i) {
        if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
      }
    }
    out += '\n';
  };
  std::string lower;
  for (const auto& h : headers) {
    lower.assign(h.name);
    lowerName(lower);
    if (std::none_of(edge.begin(), edge.end(), [&](const auto& e) { return e.first == lower; })) {
      add(lower, h.value);
    }
  }
  for (const auto& [name, value] : edge) add(name, value);
  return byteString(isolate, out);
}

void WorkerIsolate::installNatives(v8::Local<v8::Context> context, v8::Local<v8::Object> native) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"utf8Encode", utf8Encode},     {"utf8Decode", utf8Decode},
      {"domainToASCII", domainToASCII}, {"domainToUnicode", domainToUnicode},
      {"log", log},                   {"now", now},
      {"ownNonIndexKeys", ownNonIndexKeys},
      {"randomFill", randomFill},     {"structuredClone", structuredCloneNative},
      {"serialize", serializeNative}, {"deserialize", deserializeNative},
      {"timerStart", timerStart},     {"timerCancel", timerCancel},
      {"bodyRead", bodyRead},         {"bodyCancel", bodyCancel},
      {"respWriteHead", respWriteHead}, {"respWrite", respWrite},
      {"respFinish", respFinish},     {"respFail", respFail},
      {"respond", respond},
      {"currentRequest", nativeCurrentRequest}, {"nameAnonymousFunction", nativeNameAnonymousFunction}, {"sourceMap", nativeSourceMap},
      {"asyncContextGet", nativeAsyncContextGet}, {"asyncContextSet", nativeAsyncContextSet}, {"waitUntilBegin", nativeWaitUntilBegin}, {"waitUntilEnd", nativeWaitUntilEnd},
      {"fetch", fetch},
  };
  auto data = v8::External::New(isolate_, this);
  for (const auto& e : kNatives) {
    auto fn = v8::Function::New(context, e.fn, data).ToLocalChecked();
    native->Set(context, v8str(isolate_, e.name), fn).Check();
  }
  // native.HostObject: a base class whose instances are V8 host objects
  // (one internal field), so that structuredClone() hands them to the
  // runtime (blob.js's Blob and File derive from it).
  auto host = v8::FunctionTemplate::New(isolate_);
  host->InstanceTemplate()->SetInternalFieldCount(1);
  native->Set(context, v8str(isolate_, "HostObject"), host->GetFunction(context).ToLocalChecked()).Check();
  installBindingNatives(isolate_, context, native, data);
  installRpcNatives(isolate_, context, native, data);
  installCacheNatives(isolate_, context, native, data);
  installSocketNatives(isolate_, context, native, data);
  installWebSocketNatives(isolate_, context, native, data);
  installCryptoNatives(isolate_, context, native);
  installEncodingNatives(isolate_, context, native);
  installCompressionNatives(isolate_, context, native);
  installHtmlRewriterNatives(isolate_, context, native);
  installBufferNatives(isolate_, context, native);
  installErrorNatives(isolate_, context, native);
}

}  // namespace verge::runtime
