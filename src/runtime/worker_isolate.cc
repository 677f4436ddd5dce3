#include "runtime/worker_isolate.h"

#include <boost/asio/post.hpp>
#include <cstring>
#include <mutex>

#include "base/log.h"
#include "runtime/js_sources.h"
#include "runtime/v8_util.h"

namespace asio = boost::asio;

namespace verge::runtime {

namespace {

constexpr int kContextSlotSelf = 1;

// V8 code caches of the runtime's own JS (src/js), made by the first isolate
// that loads it and reused by every later one: a new isolate then skips
// parsing and compiling ~10k lines. Process-wide; one entry per file.
struct RuntimeCodeCache {
  std::mutex mutex;
  std::vector<std::string> data;  // indexed like kJsSources; empty = not made yet
};

RuntimeCodeCache& runtimeCodeCache() {
  static RuntimeCodeCache cache;
  return cache;
}

}  // namespace

WorkerIsolate::WorkerIsolate(const WorkerScript& script, int thread, asio::io_context& ioc,
                             Watchdog& watchdog, ThreadStorage& storage)
    : script_(script), thread_(thread), ioc_(ioc), watchdog_(watchdog), storage_(storage) {
  allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  params.constraints.ConfigureDefaultsFromHeapSize(0, script_.limits.heap_bytes);
  isolate_ = v8::Isolate::New(params);
  heap_limit_ = script_.limits.heap_bytes;
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->AddNearHeapLimitCallback(&WorkerIsolate::nearHeapLimit, this);
  isolate_->SetData(0, this);
  isolate_->SetPromiseRejectCallback([](v8::PromiseRejectMessage message) {
    // Report rejections nobody handles, as a browser console would.
    if (message.GetEvent() != v8::kPromiseRejectWithNoHandler) return;
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    v8::Local<v8::Value> value = message.GetValue();
    std::string text = describeValue(isolate, value);
    base::logLine(base::LogLevel::kWarn, "worker: Uncaught (in promise) " + text);
  });
}

WorkerIsolate::~WorkerIsolate() {
  for (auto& [id, t] : timers_) t.timer->cancel();
  timers_.clear();
  for (auto& [id, s] : sources_) s->cancel();
  sources_.clear();
  for (auto& [rid, r] : requests_) {
    if (!r.finished && r.exchange && !r.exchange->closed()) r.exchange->abort();
  }
  requests_.clear();
  // Every v8::Global must be reset before the isolate goes away.
  pending_.clear();
  modules_.clear();
  dispatch_fn_.Reset();
  fire_timer_fn_.Reset();
  context_.Reset();
  alive_.reset();
  isolate_->Dispose();
}

size_t WorkerIsolate::nearHeapLimit(void* data, size_t current, size_t initial) {
  auto* self = static_cast<WorkerIsolate*>(data);
  self->heap_exceeded_ = true;
  self->condemned_ = true;
  self->isolate_->TerminateExecution();
  // Give V8 room to unwind the terminated script instead of aborting.
  return current + (64u << 20);
}

std::string WorkerIsolate::formatException(v8::Local<v8::Context> context, v8::TryCatch& try_catch) {
  v8::Local<v8::Value> stack;
  if (try_catch.StackTrace(context).ToLocal(&stack) && stack->IsString()) {
    return toStdString(isolate_, stack);
  }
  std::string text = describeValue(isolate_, try_catch.Exception());
  v8::Local<v8::Message> message = try_catch.Message();
  if (!message.IsEmpty()) {
    std::string where = toStdString(isolate_, message->GetScriptResourceName());
    int line = message->GetLineNumber(context).FromMaybe(0);
    text += "\n    at " + where + ":" + std::to_string(line);
  }
  return text;
}

std::string WorkerIsolate::load() {
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = v8::Context::New(isolate_);
  context->SetAlignedPointerInEmbedderData(kContextSlotSelf, this);
  context_.Reset(isolate_, context);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);

  v8::Local<v8::Object> internals = v8::Object::New(isolate_);
  v8::Local<v8::Object> native = v8::Object::New(isolate_);
  installNatives(context, native);

  // The runtime's own JS: each file is the body of fn(internals, native).
  v8::Local<v8::String> params[] = {v8str(isolate_, "internals"), v8str(isolate_, "native")};
  RuntimeCodeCache& code_cache = runtimeCodeCache();
  std::vector<std::string> cached(kJsSourceCount);
  {
    std::lock_guard lock(code_cache.mutex);
    if (code_cache.data.size() == kJsSourceCount) cached = code_cache.data;
  }
  std::vector<v8::Local<v8::Function>> compiled;
  for (size_t i = 0; i < kJsSourceCount; ++i) {
    const JsSource& js = kJsSources[i];
    v8::ScriptOrigin origin(isolate_, v8str(isolate_, std::string("verge:") + js.name));
    // Source takes ownership of the CachedData object, not of the bytes.
    auto* data = cached[i].empty()
                     ? nullptr
                     : new v8::ScriptCompiler::CachedData(
                           reinterpret_cast<const uint8_t*>(cached[i].data()),
                           static_cast<int>(cached[i].size()));
    v8::ScriptCompiler::Source source(v8str(isolate_, js.code), origin, data);
    v8::Local<v8::Function> fn;
    if (!v8::ScriptCompiler::CompileFunction(
             context, &source, 2, params, 0, nullptr,
             data ? v8::ScriptCompiler::kConsumeCodeCache : v8::ScriptCompiler::kNoCompileOptions)
             .ToLocal(&fn)) {
      return "internal: runtime JS " + std::string(js.name) + " failed to compile: " +
             formatException(context, try_catch);
    }
    compiled.push_back(fn);
    v8::Local<v8::Value> args[] = {internals, native};
    if (fn->Call(context, v8::Undefined(isolate_), 2, args).IsEmpty()) {
      return "internal: runtime JS " + std::string(js.name) + " failed: " +
             formatException(context, try_catch);
    }
  }
  if (cached[0].empty()) {
    // First isolate in this process: record the caches, after running the
    // files so the functions their top level compiled are included.
    std::vector<std::string> made;
    for (auto fn : compiled) {
      std::unique_ptr<v8::ScriptCompiler::CachedData> c(v8::ScriptCompiler::CreateCodeCacheForFunction(fn));
      made.emplace_back(c ? std::string(reinterpret_cast<const char*>(c->data), static_cast<size_t>(c->length))
                          : std::string());
    }
    std::lock_guard lock(code_cache.mutex);
    if (code_cache.data.empty()) code_cache.data = std::move(made);
  }
  auto getFn = [&](const char* name, v8::Global<v8::Function>& out) {
    v8::Local<v8::Value> v;
    if (!internals->Get(context, v8str(isolate_, name)).ToLocal(&v) || !v->IsFunction()) return false;
    out.Reset(isolate_, v.As<v8::Function>());
    return true;
  };
  v8::Global<v8::Function> configure, set_exports, make_binding;
  if (!getFn("dispatchFetch", dispatch_fn_) || !getFn("fireTimer", fire_timer_fn_) ||
      !getFn("configureWorker", configure) || !getFn("setModuleExports", set_exports) ||
      !getFn("makeBinding", make_binding)) {
    return "internal: runtime JS did not define its entry points";
  }

  // env: vars now; bindings are added by later layers.
  v8::Local<v8::Object> env = v8::Object::New(isolate_);
  for (const auto& [k, v] : script_.vars) {
    env->Set(context, v8str(isolate_, k), v8str(isolate_, v)).Check();
  }
  for (const auto& [k, v] : script_.json_vars) {
    v8::Local<v8::Value> parsed;
    if (!v8::JSON::Parse(context, v8str(isolate_, v)).ToLocal(&parsed)) {
      return "var " + k + " is not valid JSON";
    }
    env->Set(context, v8str(isolate_, k), parsed).Check();
  }
  for (const auto& b : script_.bindings) {
    const char* kind = b.kind == Binding::Kind::kKv ? "kv" : b.kind == Binding::Kind::kD1 ? "d1" : "r2";
    v8::Local<v8::Value> bargs[] = {v8str(isolate_, kind), v8str(isolate_, b.id)};
    v8::Local<v8::Value> binding;
    if (!make_binding.Get(isolate_)->Call(context, v8::Undefined(isolate_), 2, bargs).ToLocal(&binding)) {
      return "internal: makeBinding failed: " + formatException(context, try_catch);
    }
    env->Set(context, v8str(isolate_, b.name), binding).Check();
  }
  v8::Local<v8::Value> cargs[] = {env, v8::Boolean::New(isolate_, script_.service_worker_syntax),
                                  v8str(isolate_, script_.origin)};
  if (configure.Get(isolate_)->Call(context, v8::Undefined(isolate_), 3, cargs).IsEmpty()) {
    return "internal: configureWorker failed: " + formatException(context, try_catch);
  }

  v8::Local<v8::Value> exports;
  std::string error = loadModules(context, exports);
  if (!error.empty()) return error;
  if (!script_.service_worker_syntax) {
    v8::Local<v8::Value> eargs[] = {exports};
    if (set_exports.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, eargs).IsEmpty()) {
      return formatException(context, try_catch);
    }
  }
  isolate_->PerformMicrotaskCheckpoint();
  return {};
}

namespace {
std::string joinPath(const std::string& referrer, std::string_view specifier) {
  // Resolve "./x" and "../x" against the referrer's folder; bare names are
  // looked up as given (a bundler resolves npm imports before we see them).
  std::string base;
  if (size_t slash = referrer.rfind('/'); slash != std::string::npos) base = referrer.substr(0, slash);
  std::vector<std::string> parts;
  auto push = [&](std::string_view path) {
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      std::string_view part = path.substr(start, end - start);
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.emplace_back(part);
      }
      start = end + 1;
    }
  };
  if (specifier.substr(0, 1) != "/") push(base);
  push(specifier);
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}
}  // namespace

v8::MaybeLocal<v8::Module> WorkerIsolate::resolveModule(v8::Local<v8::Context> context,
                                                        v8::Local<v8::String> specifier,
                                                        v8::Local<v8::FixedArray>,
                                                        v8::Local<v8::Module> referrer) {
  auto* self = static_cast<WorkerIsolate*>(context->GetAlignedPointerFromEmbedderData(kContextSlotSelf));
  v8::Isolate* isolate = self->isolate_;
  std::string spec = toStdString(isolate, specifier);
  std::string referrer_name;
  for (const auto& m : self->modules_) {
    if (m.module.Get(isolate) == referrer) referrer_name = m.name;
  }
  bool relative = spec.rfind("./", 0) == 0 || spec.rfind("../", 0) == 0 || spec.rfind("/", 0) == 0;
  std::string wanted = relative ? joinPath(referrer_name, spec) : spec;
  for (const auto& m : self->modules_) {
    if (m.name == wanted) return m.module.Get(isolate);
  }
  throwError(isolate, "Error",
             "No such module \"" + spec + "\" (imported from \"" + referrer_name +
                 "\"). Bundle npm packages first, e.g. with esbuild or `verge dev`'s build step.");
  return {};
}

std::string WorkerIsolate::loadModules(v8::Local<v8::Context> context,
                                       v8::Local<v8::Value>& main_exports) {
  v8::TryCatch try_catch(isolate_);
  if (script_.service_worker_syntax) {
    const ModuleSource& m = script_.modules.at(0);
    v8::ScriptOrigin origin(isolate_, v8str(isolate_, m.name));
    v8::ScriptCompiler::Source source(v8str(isolate_, m.code), origin);
    v8::Local<v8::Script> script;
    if (!v8::ScriptCompiler::Compile(context, &source).ToLocal(&script) ||
        script->Run(context).IsEmpty()) {
      return formatException(context, try_catch);
    }
    return {};
  }
  // Compile every module first so imports resolve against the full set.
  v8::Local<v8::Module> main;
  for (const auto& m : script_.modules) {
    v8::ScriptOrigin origin(isolate_, v8str(isolate_, m.name), 0, 0, false, -1,
                            v8::Local<v8::Value>(), false, false, true);
    v8::ScriptCompiler::Source source(v8str(isolate_, m.code), origin);
    v8::Local<v8::Module> module;
    if (!v8::ScriptCompiler::CompileModule(isolate_, &source).ToLocal(&module)) {
      return formatException(context, try_catch);
    }
    modules_.push_back({v8::Global<v8::Module>(isolate_, module), m.name});
    if (m.name == script_.main_module) main = module;
  }
  if (main.IsEmpty()) return "main module \"" + script_.main_module + "\" not found";
  if (!main->InstantiateModule(context, &WorkerIsolate::resolveModule).FromMaybe(false)) {
    return formatException(context, try_catch);
  }
  v8::Local<v8::Value> result;
  if (!main->Evaluate(context).ToLocal(&result)) return formatException(context, try_catch);
  isolate_->PerformMicrotaskCheckpoint();
  if (main->GetStatus() == v8::Module::kErrored) {
    return describeValue(isolate_, main->GetException());
  }
  main_exports = main->GetModuleNamespace();
  return {};
}

void WorkerIsolate::dispatch(std::shared_ptr<net::Exchange> exchange, RequestInfo info) {
  uint32_t rid = next_rid_++;
  if (next_rid_ == 0) next_rid_ = 1;
  auto& state = requests_[rid];
  state.exchange = exchange;
  state.info = std::move(info);
  exchange->setLogNote(script_.name);
  uint32_t source_id = 0;
  if (auto body = exchange->body()) source_id = addSource(std::move(body));

  enter(rid, [&](v8::Local<v8::Context> context) {
    const auto& head = exchange->head();
    const RequestInfo& ri = requests_[rid].info;
    v8::Local<v8::Array> headers = headerArray(isolate_, head.headers);
    v8::Local<v8::Value> cf[] = {v8str(isolate_, ri.http_protocol), v8str(isolate_, ri.tls_version),
                                 v8str(isolate_, ri.colo), v8str(isolate_, ri.client_ip)};
    v8::Local<v8::Value> args[] = {
        v8::Integer::NewFromUnsigned(isolate_, rid),
        v8str(isolate_, head.method),
        v8str(isolate_, ri.url),
        headers,
        v8::Integer::NewFromUnsigned(isolate_, source_id),
        v8::Array::New(isolate_, cf, 4),
    };
    (void)dispatch_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 6, args);
  });
}

WorkerIsolate::RequestState* WorkerIsolate::request(uint32_t rid) {
  if (rid == 0) return nullptr;
  auto it = requests_.find(rid);
  return it == requests_.end() ? nullptr : &it->second;
}

uint32_t WorkerIsolate::addSource(std::shared_ptr<net::BodySource> source) {
  uint32_t id = next_source_++;
  if (next_source_ == 0) next_source_ = 1;
  sources_[id] = std::move(source);
  return id;
}

std::shared_ptr<net::BodySource> WorkerIsolate::source(uint32_t id) {
  auto it = sources_.find(id);
  return it == sources_.end() ? nullptr : it->second;
}

uint32_t WorkerIsolate::addPending(v8::Local<v8::Promise::Resolver> resolver) {
  uint32_t id = next_pending_++;
  if (next_pending_ == 0) next_pending_ = 1;
  pending_[id].Reset(isolate_, resolver);
  return id;
}

v8::Local<v8::Promise::Resolver> WorkerIsolate::takePending(uint32_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return {};
  v8::Local<v8::Promise::Resolver> r = it->second.Get(isolate_);
  pending_.erase(it);
  return r;
}

void WorkerIsolate::removeSource(uint32_t id) { sources_.erase(id); }

void WorkerIsolate::startTimer(uint32_t id, double delay_ms, bool repeat) {
  if (delay_ms < 0 || !(delay_ms == delay_ms)) delay_ms = 0;
  if (delay_ms > 2147483647.0) delay_ms = 2147483647.0;
  Timer t;
  t.timer = std::make_unique<asio::steady_timer>(ioc_);
  t.rid = current_rid_;
  t.interval_ms = delay_ms;
  t.repeat = repeat;
  t.timer->expires_after(std::chrono::microseconds(static_cast<int64_t>(delay_ms * 1000)));
  auto* raw = t.timer.get();
  timers_[id] = std::move(t);
  std::weak_ptr<int> alive = alive_;
  raw->async_wait([this, id, alive](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    onTimer(id);
  });
}

void WorkerIsolate::onTimer(uint32_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  uint32_t rid = request(it->second.rid) ? it->second.rid : 0;
  if (!it->second.repeat) timers_.erase(it);
  enter(rid, [&](v8::Local<v8::Context> context) {
    v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id)};
    (void)fire_timer_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, args);
  });
  // Re-arm an interval unless the callback cleared it.
  auto again = timers_.find(id);
  if (again != timers_.end() && again->second.repeat) {
    auto* raw = again->second.timer.get();
    raw->expires_after(std::chrono::microseconds(static_cast<int64_t>(again->second.interval_ms * 1000)));
    std::weak_ptr<int> alive = alive_;
    raw->async_wait([this, id, alive](boost::system::error_code ec) {
      if (ec || alive.expired()) return;
      onTimer(id);
    });
  }
}

void WorkerIsolate::cancelTimer(uint32_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second.timer->cancel();
  timers_.erase(it);
}

void WorkerIsolate::waitUntilBegin(uint32_t rid) {
  if (RequestState* r = request(rid)) {
    ++r->wait_until;
    ++wait_until_total_;
  }
}

void WorkerIsolate::waitUntilEnd(uint32_t rid) {
  RequestState* r = request(rid);
  if (!r || r->wait_until == 0) return;
  --r->wait_until;
  --wait_until_total_;
  if (r->finished && r->wait_until == 0) requests_.erase(rid);
}

void WorkerIsolate::finishRequest(uint32_t rid) {
  RequestState* r = request(rid);
  if (!r) return;
  r->finished = true;
  if (r->wait_until == 0) requests_.erase(rid);
}

void WorkerIsolate::failRequest(uint32_t rid, std::string_view kind, std::string_view detail) {
  RequestState* r = request(rid);
  bool limit = kind == "limit";
  std::string who = "worker " + script_.name;
  if (limit) {
    base::logLine(base::LogLevel::kError, who + ": exceeded resource limits: " + std::string(detail));
  } else {
    base::logLine(base::LogLevel::kError, who + ": uncaught exception: " + std::string(detail));
  }
  if (!r || r->finished) return;
  auto& ex = r->exchange;
  if (limit) {
    net::sendErrorPage(*ex, 503, 1102, "Worker exceeded resource limits",
                       "The worker used more CPU time or memory than it is allowed, and the "
                       "request was stopped.");
  } else {
    net::sendErrorPage(*ex, 500, 1101, "Worker threw exception",
                       "The worker threw a JavaScript exception. The log of the edge node has the "
                       "stack trace.");
  }
  r->head_written = true;
  ex->setLogNote(script_.name + (limit ? " exceededResources" : " exception"));
  finishRequest(rid);
}

void WorkerIsolate::failHungRequests() {
  if (!pending_.empty() || !timers_.empty() || requests_.empty()) return;
  std::vector<uint32_t> hung;
  for (const auto& [rid, r] : requests_) {
    if (!r.finished && !r.head_written) hung.push_back(rid);
  }
  for (uint32_t rid : hung) {
    failRequest(rid, "exception",
                "The script will never generate a response: its promise can no longer settle "
                "(nothing is pending: no timers, fetches or body reads).");
  }
}

void WorkerIsolate::afterEntry(uint32_t rid, bool fired, bool terminated) {
  if (!fired && !terminated) return;
  // Clear a pending termination, whether or not it landed, so it cannot
  // hit the next entry.
  isolate_->CancelTerminateExecution();
  if (!terminated) return;
  std::string what = heap_exceeded_ ? "memory limit (" + std::to_string(heap_limit_ >> 20) + " MB)"
                                    : "CPU time limit (" + std::to_string(script_.limits.cpu.count()) + " ms)";
  if (request(rid)) {
    failRequest(rid, "limit", what);
  } else {
    base::logLine(base::LogLevel::kError,
                  "worker " + script_.name + ": background task stopped: exceeded " + what);
  }
}

}  // namespace verge::runtime
