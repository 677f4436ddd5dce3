#include "runtime/worker_isolate.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <mutex>

#include "base/log.h"
#include "runtime/isolate_lock.h"
#include "runtime/isolate_storage.h"
#include "runtime/js_sources.h"
#include "runtime/limited_allocator.h"
#include "runtime/rpc_session.h"
#include "runtime/v8_util.h"

namespace asio = boost::asio;

namespace verge::runtime {

namespace {

// The runtime's JS sources reach V8 as external strings over memory that
// lives as long as the process, so that a new isolate neither copies nor
// decodes them (for all the files together that was over a millisecond per
// isolate, of a few). An ASCII source is the embedded bytes themselves; the
// others are decoded to UTF-16 once per process and shared read-only.
class StaticOneByteSource : public v8::String::ExternalOneByteStringResource {
 public:
  explicit StaticOneByteSource(std::string_view code) : code_(code) {}
  const char* data() const override { return code_.data(); }
  size_t length() const override { return code_.size(); }

 private:
  std::string_view code_;
};

class StaticTwoByteSource : public v8::String::ExternalStringResource {
 public:
  explicit StaticTwoByteSource(const std::u16string& code) : code_(code) {}
  const uint16_t* data() const override { return reinterpret_cast<const uint16_t*>(code_.data()); }
  size_t length() const override { return code_.size(); }

 private:
  const std::u16string& code_;
};

// kJsSources in UTF-16, indexed alike; empty for an ASCII source.
const std::vector<std::u16string>& utf16Sources(v8::Isolate* isolate) {
  static std::once_flag once;
  static std::vector<std::u16string> sources;
  std::call_once(once, [isolate] {
    sources.resize(kJsSourceCount);
    for (size_t i = 0; i < kJsSourceCount; ++i) {
      std::string_view code = kJsSources[i].code;
      if (std::all_of(code.begin(), code.end(), [](unsigned char c) { return c < 0x80; })) continue;
      v8::HandleScope scope(isolate);
      v8::Local<v8::String> s = v8str(isolate, code);
      sources[i].resize(static_cast<size_t>(s->Length()));
      s->Write(isolate, reinterpret_cast<uint16_t*>(sources[i].data()), 0, s->Length(),
               v8::String::NO_NULL_TERMINATION);
    }
  });
  return sources;
}

v8::Local<v8::String> runtimeSource(v8::Isolate* isolate, size_t index) {
  const std::u16string& utf16 = utf16Sources(isolate)[index];
  // V8 deletes the resource object (only) when the string dies.
  v8::MaybeLocal<v8::String> s =
      utf16.empty() ? v8::String::NewExternalOneByte(isolate, new StaticOneByteSource(kJsSources[index].code))
                    : v8::String::NewExternalTwoByte(isolate, new StaticTwoByteSource(utf16));
  v8::Local<v8::String> result;
  return s.ToLocal(&result) ? result : v8str(isolate, kJsSources[index].code);
}

constexpr int kContextSlotSelf = 1;

// CPU time the runtime's JS plus a worker's top-level code may take to load.
// Cloudflare allows 400 ms of start-up; loading here also compiles, so it
// gets more room on slow machines.
constexpr int64_t kStartupCpuBudgetNs = 2'000'000'000;

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

std::chrono::microseconds timerDelay(double ms) {
  return std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
}

}  // namespace

struct WorkerIsolate::LoopTimer {
  explicit LoopTimer(asio::io_context& ioc) : timer(ioc) {}
  asio::steady_timer timer;
  double interval_ms = 0;
  bool repeat = false;
};

WorkerIsolate::WorkerIsolate(Watchdog& watchdog, size_t heap_bytes)
    : watchdog_(watchdog), allocator_(std::make_shared<LimitedAllocator>(heap_bytes)), heap_limit_(heap_bytes) {
  v8::Isolate::CreateParams params;
  // Shared, so the allocator lives as long as any backing store it made.
  params.array_buffer_allocator_shared = allocator_;
  params.constraints.ConfigureDefaultsFromHeapSize(0, heap_bytes);
  isolate_ = v8::Isolate::New(params);
  lock_ = std::make_unique<IsolateLock>(isolate_);
  control_.lock = lock_.get();
  lock_->acquire();
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->AddNearHeapLimitCallback(&WorkerIsolate::nearHeapLimit, this);
  // Backing stores and heap share one budget: the allocator learns the
  // heap's size after every collection.
  isolate_->AddGCEpilogueCallback(&WorkerIsolate::afterGc, allocator_.get());
  isolate_->SetData(0, this);
  isolate_->SetPromiseRejectCallback([](v8::PromiseRejectMessage message) {
    // Rejections nobody handles are reported as a browser console would,
    // once the microtasks have run: a handler attached by then (an awaited
    // async function that threw at once) means it was handled.
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    auto* self = static_cast<WorkerIsolate*>(isolate->GetData(0));
    auto& pending = self->unhandled_rejections_;
    v8::Local<v8::Promise> promise = message.GetPromise();
    if (message.GetEvent() == v8::kPromiseRejectWithNoHandler) {
      if (pending.size() < 1000) pending.emplace_back(v8::Global<v8::Promise>(isolate, promise),
                                                      v8::Global<v8::Value>(isolate, message.GetValue()));
    } else if (message.GetEvent() == v8::kPromiseHandlerAddedAfterReject) {
      std::erase_if(pending, [&](const auto& p) { return p.first == promise; });
    }
  });
}

std::string WorkerIsolate::mapStack(v8::Local<v8::Context> context, const std::string& text) {
  if (!script_ || script_->source_maps.empty() || map_stack_fn_.IsEmpty()) return text;
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Value> args[] = {v8str(isolate_, text)};
  v8::Local<v8::Value> mapped;
  if (!map_stack_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, args).ToLocal(&mapped) ||
      !mapped->IsString()) {
    return text;
  }
  return toStdString(isolate_, mapped);
}

void WorkerIsolate::flushRejections() {
  if (unhandled_rejections_.empty()) return;
  auto pending = std::move(unhandled_rejections_);
  unhandled_rejections_.clear();
  for (auto& [promise, value] : pending) {
    std::string text = mapStack(isolate_->GetCurrentContext(), describeValue(isolate_, value.Get(isolate_)));
    base::logLine(base::LogLevel::kWarn, "worker: Uncaught (in promise) " + text);
  }
}

WorkerIsolate::~WorkerIsolate() {
  // Loop side (on the home carrier, or after the loops ended).
  for (auto& [id, t] : loop_timers_) t->timer.cancel();
  loop_timers_.clear();
  for (auto& [rid, t] : wait_until_timers_) t->timer.cancel();
  wait_until_timers_.clear();
  for (auto& [id, s] : sources_) s->cancel();
  sources_.clear();
  for (auto& [rid, r] : requests_) {
    if (!r.finished && r.exchange && !r.exchange->closed()) r.exchange->abort();
  }
  requests_.clear();
  {
    // Every v8::Global must be reset before the isolate goes away. Nobody
    // else holds the lock: the isolate is not running anywhere.
    lock_->acquire();
    v8::Isolate::Scope isolate_scope(isolate_);
    pending_.clear();
    unhandled_rejections_.clear();
    modules_.clear();
    dispatch_fn_.Reset();
    fire_timer_fn_.Reset();
    drop_timers_fn_.Reset();
    dispatch_rpc_fn_.Reset();
    rpc_receive_fn_.Reset();
    rpc_closed_fn_.Reset();
    ws_event_fn_.Reset();
    configure_fn_.Reset();
    runtime_fns_.clear();
    set_exports_fn_.Reset();
    make_binding_fn_.Reset();
    builtin_module_fn_.Reset();
    map_stack_fn_.Reset();
    import_result_fn_.Reset();
    context_.Reset();
  }
  storage_.reset();
  lock_.reset();  // released before the isolate goes
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

void WorkerIsolate::afterGc(v8::Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data) {
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  static_cast<LimitedAllocator*>(data)->setHeapUsed(stats.used_heap_size());
}

std::string WorkerIsolate::formatException(v8::Local<v8::Context> context, v8::TryCatch& try_catch) {
  // A terminated script has no exception to describe (and touching the
  // termination sentinel as a value crashes V8).
  if (try_catch.HasTerminated() || isolate_->IsExecutionTerminating()) return "execution was terminated";
  v8::Local<v8::Value> stack;
  if (try_catch.StackTrace(context).ToLocal(&stack) && stack->IsString()) {
    return mapStack(context, toStdString(isolate_, stack));
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

template <class F>
std::string WorkerIsolate::startUp(std::string_view what, F&& fn) {
  // Start-up code is watched like any entry: it may not spin forever, and
  // while it runs long the loop this thread carries (if any) goes on
  // without it.
  net::EventLoop* carried = net::EventLoop::current();
  std::string error;
  lock_->acquire();
  watchdog_.begin(isolate_, &control_, kStartupCpuBudgetNs, carried != nullptr);
  error = fn();
  bool fired = watchdog_.end();
  if (fired || isolate_->IsExecutionTerminating()) {
    isolate_->CancelTerminateExecution();
    error = std::string(what) +
            (heap_exceeded_ ? " exceeded the memory limit (" + std::to_string(heap_limit_ >> 20) + " MB)"
                            : " exceeded the start-up CPU time limit (" +
                                  std::to_string(kStartupCpuBudgetNs / 1'000'000) + " ms)");
  }
  if (carried) carried->reclaim();
  return error;
}

std::string WorkerIsolate::prepare() {
  if (prepared_) return {};
  std::string error = startUp("the runtime's own JS", [this] { return prepareLocked(); });
  prepared_ = error.empty();
  return error;
}

void WorkerIsolate::detach() { lock_->release(); }

std::string WorkerIsolate::load(const WorkerScript& script, net::EventLoop& home, const StorageConfig& storage) {
  script_ = &script;
  home_ = &home;
  storage_ = std::make_unique<IsolateStorage>(storage, control_);
  if (std::string error = prepare(); !error.empty()) return error;
  return startUp("the worker's top-level code", [this] { return loadLocked(); });
}

std::string WorkerIsolate::prepareLocked() {
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
    v8::ScriptCompiler::Source source(runtimeSource(isolate_, i), origin, data);
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
    for (auto fn : compiled) runtime_fns_.emplace_back(isolate_, fn);
    recordCodeCache(false);
  }
  auto getFn = [&](const char* name, v8::Global<v8::Function>& out) {
    v8::Local<v8::Value> v;
    if (!internals->Get(context, v8str(isolate_, name)).ToLocal(&v) || !v->IsFunction()) return false;
    out.Reset(isolate_, v.As<v8::Function>());
    return true;
  };
  if (!getFn("dispatchFetch", dispatch_fn_) || !getFn("fireTimer", fire_timer_fn_) ||
      !getFn("dropTimers", drop_timers_fn_) || !getFn("configureWorker", configure_fn_) ||
      !getFn("setModuleExports", set_exports_fn_) || !getFn("makeBinding", make_binding_fn_) ||
      !getFn("builtinModule", builtin_module_fn_) || !getFn("importResult", import_result_fn_) ||
      !getFn("mapStack", map_stack_fn_) || !getFn("dispatchRpc", dispatch_rpc_fn_) ||
      !getFn("rpcReceive", rpc_receive_fn_) || !getFn("rpcClosed", rpc_closed_fn_) ||
      !getFn("wsEvent", ws_event_fn_)) {
    return "internal: runtime JS did not define its entry points";
  }
  return {};
}

void WorkerIsolate::recordCodeCache(bool replace) {
  if (runtime_fns_.empty()) return;
  lock_->acquire();
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  std::vector<std::string> made;
  for (const auto& fn : runtime_fns_) {
    std::unique_ptr<v8::ScriptCompiler::CachedData> c(
        v8::ScriptCompiler::CreateCodeCacheForFunction(fn.Get(isolate_)));
    made.emplace_back(c ? std::string(reinterpret_cast<const char*>(c->data), static_cast<size_t>(c->length))
                        : std::string());
  }
  RuntimeCodeCache& code_cache = runtimeCodeCache();
  std::lock_guard lock(code_cache.mutex);
  if (replace || code_cache.data.empty()) code_cache.data = std::move(made);
}

std::string WorkerIsolate::loadLocked() {
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);
  // Used once: the worker's setup below.
  v8::Global<v8::Function> configure = std::move(configure_fn_);
  v8::Global<v8::Function> set_exports = std::move(set_exports_fn_);
  v8::Global<v8::Function> make_binding = std::move(make_binding_fn_);

  // env: vars now; bindings are added by later layers.
  v8::Local<v8::Object> env = v8::Object::New(isolate_);
  for (const auto& [k, v] : script_->vars) {
    env->Set(context, v8str(isolate_, k), v8str(isolate_, v)).Check();
  }
  for (const auto& [k, v] : script_->json_vars) {
    v8::Local<v8::Value> parsed;
    if (!v8::JSON::Parse(context, v8str(isolate_, v)).ToLocal(&parsed)) {
      return "var " + k + " is not valid JSON";
    }
    env->Set(context, v8str(isolate_, k), parsed).Check();
  }
  for (const auto& b : script_->bindings) {
    const char* kind = b.kind == Binding::Kind::kKv            ? "kv"
                       : b.kind == Binding::Kind::kD1         ? "d1"
                       : b.kind == Binding::Kind::kUnsafeEval ? "unsafe_eval"
                       : b.kind == Binding::Kind::kAssets     ? "assets"
                       : b.kind == Binding::Kind::kService    ? "service"
                                                              : "r2";
    v8::Local<v8::Value> bargs[] = {v8str(isolate_, kind), v8str(isolate_, b.id), v8str(isolate_, b.entrypoint),
                                    v8str(isolate_, b.props_json)};
    v8::Local<v8::Value> binding;
    if (!make_binding.Get(isolate_)->Call(context, v8::Undefined(isolate_), 4, bargs).ToLocal(&binding)) {
      return "internal: makeBinding failed: " + formatException(context, try_catch);
    }
    env->Set(context, v8str(isolate_, b.name), binding).Check();
  }
  std::vector<v8::Local<v8::Value>> flags;
  for (const auto& f : script_->compatibility_flags) flags.push_back(v8str(isolate_, f));
  // What the compatibility date implies, as the flags it stands for.
  if (script_->nodeCompatV2() && !script_->hasFlag("nodejs_compat_v2")) flags.push_back(v8str(isolate_, "nodejs_compat_v2"));
  if (script_->populateProcessEnv()) flags.push_back(v8str(isolate_, "nodejs_compat_populate_process_env"));
  v8::Local<v8::Value> cargs[] = {env, v8::Boolean::New(isolate_, script_->service_worker_syntax),
                                  v8str(isolate_, script_->origin),
                                  v8::Array::New(isolate_, flags.data(), flags.size())};
  if (configure.Get(isolate_)->Call(context, v8::Undefined(isolate_), 4, cargs).IsEmpty()) {
    return "internal: configureWorker failed: " + formatException(context, try_catch);
  }

  v8::Local<v8::Value> exports;
  std::string error = loadModules(context, exports);
  if (!error.empty()) return error;
  if (!script_->service_worker_syntax) {
    v8::Local<v8::Value> eargs[] = {exports};
    if (set_exports.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, eargs).IsEmpty()) {
      return formatException(context, try_catch);
    }
  }
  isolate_->PerformMicrotaskCheckpoint();
  flushRejections();
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
  std::string referrer_name;
  for (const auto& m : self->modules_) {
    if (m.module.Get(isolate) == referrer) referrer_name = m.name;
  }
  return self->findModule(context, toStdString(isolate, specifier), referrer_name);
}

v8::MaybeLocal<v8::Module> WorkerIsolate::findModule(v8::Local<v8::Context> context, const std::string& spec,
                                                     const std::string& referrer) {
  bool relative = spec.rfind("./", 0) == 0 || spec.rfind("../", 0) == 0 || spec.rfind("/", 0) == 0;
  std::string wanted = relative ? joinPath(referrer, spec) : spec;
  for (const auto& m : modules_) {
    if (m.name == wanted) return m.module.Get(isolate_);
  }
  if (!relative) {
    // A built-in module (node:*, cloudflare:*): its exports come from the
    // runtime's JS, made on first import.
    v8::Local<v8::Value> args[] = {v8str(isolate_, spec)};
    v8::Local<v8::Value> value;
    if (!builtin_module_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, args).ToLocal(&value)) {
      return {};
    }
    if (value->IsObject()) return syntheticModule(context, spec, value, true);
  }
  std::string hint = "Bundle npm packages first (verge dev and verge serve do, with esbuild).";
  if (spec.rfind("node:", 0) == 0) {
    hint = script_->nodeCompat()
               ? "verge does not provide this Node.js module."
               : "Node.js modules need the nodejs_compat compatibility flag: add compatibility_flags = "
                 "[\"nodejs_compat\"] to your wrangler config.";
  } else if (spec.rfind("cloudflare:", 0) == 0) {
    hint = "verge does not provide this module.";
  }
  throwError(isolate_, "Error",
             "No such module \"" + spec + "\" (imported from \"" + referrer + "\"). " + hint);
  return {};
}

v8::Local<v8::Module> WorkerIsolate::syntheticModule(v8::Local<v8::Context> context, const std::string& name,
                                                     v8::Local<v8::Value> value, bool builtin) {
  std::vector<v8::Local<v8::String>> exports{v8str(isolate_, "default")};
  if (builtin) {
    v8::Local<v8::Array> keys;
    if (value.As<v8::Object>()->GetOwnPropertyNames(context).ToLocal(&keys)) {
      for (uint32_t i = 0; i < keys->Length(); ++i) {
        v8::Local<v8::Value> key;
        if (!keys->Get(context, i).ToLocal(&key) || !key->IsString()) continue;
        if (toStdString(isolate_, key) == "default") continue;
        exports.push_back(key.As<v8::String>());
      }
    }
  }
  v8::Local<v8::Module> module =
      v8::Module::CreateSyntheticModule(isolate_, v8str(isolate_, name), exports, &WorkerIsolate::evaluateSynthetic);
  ModuleEntry entry;
  entry.module.Reset(isolate_, module);
  entry.name = name;
  entry.value.Reset(isolate_, value);
  entry.builtin = builtin;
  modules_.push_back(std::move(entry));
  return module;
}

v8::MaybeLocal<v8::Value> WorkerIsolate::evaluateSynthetic(v8::Local<v8::Context> context,
                                                           v8::Local<v8::Module> module) {
  auto* self = static_cast<WorkerIsolate*>(context->GetAlignedPointerFromEmbedderData(kContextSlotSelf));
  v8::Isolate* isolate = self->isolate_;
  for (const auto& m : self->modules_) {
    if (m.module.Get(isolate) != module) continue;
    v8::Local<v8::Value> value = m.value.Get(isolate);
    if (module->SetSyntheticModuleExport(isolate, v8str(isolate, "default"), value).IsNothing()) return {};
    if (m.builtin) {
      // Named exports: the exports object's own properties, read now.
      v8::Local<v8::Object> object = value.As<v8::Object>();
      v8::Local<v8::Array> keys;
      if (!object->GetOwnPropertyNames(context).ToLocal(&keys)) return {};
      for (uint32_t i = 0; i < keys->Length(); ++i) {
        v8::Local<v8::Value> key, v;
        if (!keys->Get(context, i).ToLocal(&key) || !key->IsString()) continue;
        if (toStdString(isolate, key) == "default") continue;
        if (!object->Get(context, key).ToLocal(&v)) return {};
        if (module->SetSyntheticModuleExport(isolate, key.As<v8::String>(), v).IsNothing()) return {};
      }
    }
    v8::Local<v8::Promise::Resolver> done;
    if (!v8::Promise::Resolver::New(context).ToLocal(&done) || done->Resolve(context, v8::Undefined(isolate)).IsNothing()) {
      return {};
    }
    return done->GetPromise();
  }
  return {};
}

v8::MaybeLocal<v8::Promise> WorkerIsolate::importDynamically(v8::Local<v8::Context> context,
                                                             v8::Local<v8::Data>,
                                                             v8::Local<v8::Value> resource_name,
                                                             v8::Local<v8::String> specifier,
                                                             v8::Local<v8::FixedArray>) {
  auto* self = static_cast<WorkerIsolate*>(context->GetAlignedPointerFromEmbedderData(kContextSlotSelf));
  v8::Isolate* isolate = self->isolate_;
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  v8::TryCatch try_catch(isolate);
  std::string referrer = resource_name->IsString() ? toStdString(isolate, resource_name) : std::string();
  v8::Local<v8::Module> module;
  v8::Local<v8::Value> evaluation;
  if (self->findModule(context, toStdString(isolate, specifier), referrer).ToLocal(&module) &&
      (module->GetStatus() != v8::Module::kUninstantiated ||
       module->InstantiateModule(context, &WorkerIsolate::resolveModule).FromMaybe(false)) &&
      module->Evaluate(context).ToLocal(&evaluation)) {
    // Resolves with the namespace once evaluation (maybe a top-level
    // await) is done, or rejects with its error.
    v8::Local<v8::Value> args[] = {evaluation, module->GetModuleNamespace()};
    v8::Local<v8::Value> result;
    if (self->import_result_fn_.Get(isolate)->Call(context, v8::Undefined(isolate), 2, args).ToLocal(&result) &&
        resolver->Resolve(context, result).IsJust()) {
      return resolver->GetPromise();
    }
  }
  if (try_catch.HasTerminated() || !try_catch.HasCaught()) return {};
  if (resolver->Reject(context, try_catch.Exception()).IsNothing()) return {};
  return resolver->GetPromise();
}

std::string WorkerIsolate::loadModules(v8::Local<v8::Context> context,
                                       v8::Local<v8::Value>& main_exports) {
  v8::TryCatch try_catch(isolate_);
  isolate_->SetHostImportModuleDynamicallyCallback(&WorkerIsolate::importDynamically);
  if (script_->service_worker_syntax) {
    const ModuleSource& m = script_->modules.at(0);
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
  for (const auto& m : script_->modules) {
    v8::Local<v8::Module> module;
    if (m.type == ModuleSource::Type::kEsm) {
      v8::ScriptOrigin origin(isolate_, v8str(isolate_, m.name), 0, 0, false, -1,
                              v8::Local<v8::Value>(), false, false, true);
      v8::ScriptCompiler::Source source(v8str(isolate_, m.code), origin);
      if (!v8::ScriptCompiler::CompileModule(isolate_, &source).ToLocal(&module)) {
        return formatException(context, try_catch);
      }
      modules_.push_back({v8::Global<v8::Module>(isolate_, module), m.name});
    } else {
      v8::Local<v8::Value> value;
      std::string error = fileModuleValue(context, m, value);
      if (!error.empty()) return error;
      if (value.IsEmpty()) return formatException(context, try_catch);
      module = syntheticModule(context, m.name, value, false);
    }
    if (m.name == script_->main_module) main = module;
  }
  if (main.IsEmpty()) return "main module \"" + script_->main_module + "\" not found";
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

std::string WorkerIsolate::fileModuleValue(v8::Local<v8::Context> context, const ModuleSource& m,
                                           v8::Local<v8::Value>& value) {
  switch (m.type) {
    case ModuleSource::Type::kText:
      value = v8str(isolate_, m.code);
      break;
    case ModuleSource::Type::kData: {
      v8::Local<v8::ArrayBuffer> buffer;
      if (!newBuffer(isolate_, m.code.size()).ToLocal(&buffer)) return {};
      if (!m.code.empty()) std::memcpy(buffer->Data(), m.code.data(), m.code.size());
      value = buffer;
      break;
    }
    case ModuleSource::Type::kJson:
      if (!v8::JSON::Parse(context, v8str(isolate_, m.code)).ToLocal(&value)) return {};
      break;
    case ModuleSource::Type::kWasm: {
      v8::Local<v8::WasmModuleObject> wasm;
      v8::MemorySpan<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(m.code.data()), m.code.size());
      if (!v8::WasmModuleObject::Compile(isolate_, bytes).ToLocal(&wasm)) {
        return "module \"" + m.name + "\" is not valid WebAssembly";
      }
      value = wasm;
      break;
    }
    case ModuleSource::Type::kEsm:
      break;
  }
  return {};
}


// ---- scheduling ----

void WorkerIsolate::release() {
  for (;;) {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(state_mutex_);
      if (inbox_.empty()) {
        running_.store(false, std::memory_order_release);
        break;
      }
      batch.swap(inbox_);
    }
    while (!batch.empty()) {
      auto task = std::move(batch.front());
      batch.pop_front();
      task();
    }
  }
  if (idle_hook_) idle_hook_();
}

void WorkerIsolate::acquireLock() { lock_->acquire(); }

bool WorkerIsolate::beginEntry(uint32_t rid) {
  // After terminateAllJs() nothing new starts: a queued task could
  // otherwise begin a fresh spin while the node waits to exit.
  if (jsStopped()) return false;
  entry_depth_ = 1;
  current_rid_ = rid;
  // The entry may use what is left of its request's CPU budget; work not
  // tied to a live request (a timer after the response) gets a full one.
  int64_t budget = static_cast<int64_t>(script_->limits.cpu.count()) * 1'000'000;
  if (RequestState* r = request(rid); r && !r->per_event_cpu) budget -= r->cpu_used_ns;
  if (budget < 1'000'000) budget = 1'000'000;
  watchdog_.begin(isolate_, &control_, budget, home_->carriedHere());
  return true;
}

void WorkerIsolate::endEntry(uint32_t rid, bool terminated, int64_t wall_ns) {
  current_rid_ = 0;
  bool fired = watchdog_.end();
  // The request's budget across entries is charged in wall time (cheap to
  // read); the watchdog enforces each entry in real thread CPU time.
  if (RequestState* r = request(rid)) r->cpu_used_ns += wall_ns;
  afterEntry(rid, fired, terminated);
  failHungRequests();
  entry_depth_ = 0;
  updateBusy();
}

void WorkerIsolate::updateBusy() { busy_.store(requests_.size() + wait_until_total_, std::memory_order_relaxed); }

void WorkerIsolate::dispatch(std::shared_ptr<net::Exchange> exchange, RequestInfo info) {
  schedule([this, exchange = std::move(exchange), info = std::move(info)]() mutable {
    uint32_t rid = next_rid_++;
    if (next_rid_ == 0) next_rid_ = 1;
    auto& state = requests_[rid];
    state.exchange = exchange;
    state.info = std::move(info);
    exchange->setLogNote(script_->name);
    uint32_t source_id = 0;
    if (auto body = exchange->body()) source_id = addSource(std::move(body));
    updateBusy();
    enter(rid, [&](v8::Local<v8::Context> context) {
      const auto& head = exchange->head();
      const RequestInfo& ri = requests_[rid].info;
      // A request starts outside any async context (AsyncLocalStorage).
      context->SetContinuationPreservedEmbedderData(v8::Undefined(isolate_));
      if (ri.rpc) {
        // An RPC session through a service binding: this request serves it.
        uint32_t sid = addRpcSession(ri.rpc, RpcSession::kCallee, rid);
        ri.rpc->attach(RpcSession::kCallee, weak_from_this(), *home_, rid, sid);
        v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, rid),
                                       v8::Integer::NewFromUnsigned(isolate_, sid), v8str(isolate_, ri.entrypoint),
                                       v8str(isolate_, ri.props_json)};
        (void)dispatch_rpc_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 4, args);
        return;
      }
      v8::Local<v8::String> headers = requestHeaders(isolate_, head.headers, ri.edge_headers);
      v8::Local<v8::Value> cf[] = {v8str(isolate_, ri.http_protocol), v8str(isolate_, ri.tls_version),
                                   v8str(isolate_, ri.colo), v8str(isolate_, ri.client_ip),
                                   ri.cf_geo.empty() ? v8::Undefined(isolate_).As<v8::Value>()
                                                     : v8str(isolate_, ri.cf_geo).As<v8::Value>()};
      v8::Local<v8::Value> args[] = {
          v8::Integer::NewFromUnsigned(isolate_, rid),
          v8str(isolate_, head.method),
          v8str(isolate_, ri.url),
          headers,
          v8::Integer::NewFromUnsigned(isolate_, source_id),
          v8::Array::New(isolate_, cf, std::size(cf)),
          v8str(isolate_, ri.entrypoint),
          v8str(isolate_, ri.props_json),
      };
      (void)dispatch_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 8, args);
    });
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

// ---- timers ----

void WorkerIsolate::startTimer(uint32_t id, double delay_ms, bool repeat) {
  if (delay_ms < 0 || !(delay_ms == delay_ms)) delay_ms = 0;
  if (delay_ms > 2147483647.0) delay_ms = 2147483647.0;
  // A timer belongs to the request that set it, and ends with it.
  timers_[id] = current_rid_;
  if (RequestState* r = request(current_rid_)) r->timers.push_back(id);
  home_->run([weak = weak_from_this(), id, delay_ms, repeat] {
    if (auto self = weak.lock()) self->armTimer(id, delay_ms, repeat);
  });
}

void WorkerIsolate::armTimer(uint32_t id, double delay_ms, bool repeat) {
  auto& slot = loop_timers_[id];
  if (!slot) slot = std::make_unique<LoopTimer>(home_->context());
  LoopTimer& t = *slot;
  t.interval_ms = delay_ms;
  t.repeat = repeat;
  t.timer.expires_after(timerDelay(delay_ms));
  t.timer.async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->onTimer(id);
  });
}

void WorkerIsolate::onTimer(uint32_t id) {
  auto it = loop_timers_.find(id);
  if (it == loop_timers_.end()) return;
  if (it->second->repeat) {
    // Re-arm first: firing may take long, and intervals keep their pace.
    it->second->timer.expires_after(timerDelay(it->second->interval_ms));
    it->second->timer.async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->onTimer(id);
    });
  } else {
    loop_timers_.erase(it);
  }
  schedule([this, id] { fireTimer(id); });
}

void WorkerIsolate::fireTimer(uint32_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;  // cancelled meanwhile
  uint32_t rid = request(it->second) ? it->second : 0;
  // A timeout is done once it fires (the JS side forgets it too).
  bool repeat = false;
  enter(rid, [&](v8::Local<v8::Context> context) {
    v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id)};
    v8::Local<v8::Value> result;
    if (fire_timer_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, args).ToLocal(&result)) {
      repeat = result->IsTrue();
    }
    if (!repeat) {
      auto again = timers_.find(id);
      if (again != timers_.end()) {
        if (RequestState* r = request(again->second)) std::erase(r->timers, id);
        timers_.erase(again);
      }
    }
  });
}

void WorkerIsolate::cancelTimer(uint32_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  if (RequestState* r = request(it->second)) std::erase(r->timers, id);
  timers_.erase(it);
  home_->run([weak = weak_from_this(), id] {
    auto self = weak.lock();
    if (!self) return;
    auto t = self->loop_timers_.find(id);
    if (t == self->loop_timers_.end()) return;
    t->second->timer.cancel();
    self->loop_timers_.erase(t);
  });
}

// ---- request lifetime ----

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
  if (r->finished && r->wait_until == 0) eraseRequest(rid);
}

void WorkerIsolate::finishRequest(uint32_t rid) {
  RequestState* r = request(rid);
  if (!r || r->finished) return;
  r->finished = true;
  if (r->wait_until == 0) {
    eraseRequest(rid);
    return;
  }
  // waitUntil() work may go on a while after the response, not forever.
  home_->run([weak = weak_from_this(), rid] {
    auto self = weak.lock();
    if (!self) return;
    auto timer = std::make_unique<LoopTimer>(self->home_->context());
    timer->timer.expires_after(RequestLimits::kWaitUntilAfterResponse);
    timer->timer.async_wait([weak = std::weak_ptr<WorkerIsolate>(self), rid](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) {
        s->wait_until_timers_.erase(rid);
        s->schedule([raw = s.get(), rid] { raw->cutWaitUntil(rid); });
      }
    });
    self->wait_until_timers_[rid] = std::move(timer);
  });
}

void WorkerIsolate::cutWaitUntil(uint32_t rid) {
  RequestState* r = request(rid);
  if (!r || r->wait_until == 0) return;
  base::logLine(base::LogLevel::kWarn,
                "worker " + script_->name + ": waitUntil() work did not finish within " +
                    std::to_string(RequestLimits::kWaitUntilAfterResponse.count()) +
                    " s after the response and was cancelled");
  wait_until_total_ -= static_cast<size_t>(r->wait_until);
  r->wait_until = 0;
  enter(0, [&](v8::Local<v8::Context>) { eraseRequest(rid); });
}

// Forgets a request: its timers stop (in C++ and in JS), its waiting
// subrequests are dropped.
void WorkerIsolate::eraseRequest(uint32_t rid) {
  auto it = requests_.find(rid);
  if (it == requests_.end()) return;
  std::vector<uint32_t> timers = std::move(it->second.timers);
  wait_until_total_ -= static_cast<size_t>(it->second.wait_until);
  // Subrequests still waiting for a connection will never start; nothing
  // of the request awaits them any more, so their promises are let go.
  for (const auto& waiting : it->second.waiting_subrequests) pending_.erase(waiting.pending);
  std::vector<std::function<void()>> on_end = std::move(it->second.on_end);
  requests_.erase(it);
  for (auto& fn : on_end) fn();
  // RPC sessions live as long as the request that made or serves them.
  closeRpcSessionsOf(rid, "The request that this RPC session belonged to has ended.");
  if (!timers.empty()) {
    for (uint32_t id : timers) cancelTimer(id);
    if (entry_depth_ > 0) {
      v8::Local<v8::Context> context = context_.Get(isolate_);
      std::vector<v8::Local<v8::Value>> ids;
      for (uint32_t id : timers) ids.push_back(v8::Integer::NewFromUnsigned(isolate_, id));
      v8::Local<v8::Value> args[] = {v8::Array::New(isolate_, ids.data(), ids.size())};
      (void)drop_timers_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, args);
    }
  }
  home_->run([weak = weak_from_this(), rid] {
    if (auto self = weak.lock()) {
      auto t = self->wait_until_timers_.find(rid);
      if (t != self->wait_until_timers_.end()) {
        t->second->timer.cancel();
        self->wait_until_timers_.erase(t);
      }
    }
  });
}

bool WorkerIsolate::countSubrequest(uint32_t rid) {
  RequestState* r = request(rid);
  if (!r || ++r->subrequests <= RequestLimits::kMaxSubrequests) return true;
  throwError(isolate_, "Error",
             "Too many subrequests. A request may make at most " + std::to_string(RequestLimits::kMaxSubrequests) +
                 " fetch() calls and RPC calls together.");
  return false;
}

void WorkerIsolate::subrequestDone(uint32_t rid) {
  RequestState* r = request(rid);
  if (!r) return;
  if (r->open_subrequests > 0) --r->open_subrequests;
  if (!r->waiting_subrequests.empty() && r->open_subrequests < RequestLimits::kMaxOpenSubrequests) {
    auto start = std::move(r->waiting_subrequests.front().start);
    r->waiting_subrequests.pop_front();
    ++r->open_subrequests;
    start();
  }
}

void WorkerIsolate::failRequest(uint32_t rid, std::string_view kind, std::string_view detail) {
  RequestState* r = request(rid);
  bool limit = kind == "limit";
  std::string who = "worker " + script_->name;
  if (limit) {
    base::logLine(base::LogLevel::kError, who + ": exceeded resource limits: " + std::string(detail));
  } else {
    base::logLine(base::LogLevel::kError, who + ": uncaught exception: " + std::string(detail));
  }
  if (!r || r->finished) return;
  closeRpcSessionsOf(rid, limit ? "The worker called over RPC exceeded its resource limits: " + std::string(detail)
                                : "The worker called over RPC failed: " + std::string(detail));
  r->head_written = true;
  home_->run([ex = r->exchange, limit, note = script_->name + (limit ? " exceededResources" : " exception")] {
    if (limit) {
      net::sendErrorPage(*ex, 503, 1102, "Worker exceeded resource limits",
                         "The worker used more CPU time or memory than it is allowed, and the "
                         "request was stopped.");
    } else {
      net::sendErrorPage(*ex, 500, 1101, "Worker threw exception",
                         "The worker threw a JavaScript exception. The log of the edge node has the "
                         "stack trace.");
    }
    ex->setLogNote(note);
  });
  finishRequest(rid);
}

void WorkerIsolate::failHungRequests() {
  // An open RPC session can still bring a call or an answer.
  if (!pending_.empty() || !timers_.empty() || !rpc_sessions_.empty() || !open_websockets_.empty() || requests_.empty()) {
    return;
  }
  std::vector<uint32_t> hung, stuck_wait_until;
  for (const auto& [rid, r] : requests_) {
    if (!r.finished && !r.head_written) hung.push_back(rid);
    else if (r.finished && r.wait_until > 0) stuck_wait_until.push_back(rid);
  }
  for (uint32_t rid : hung) {
    failRequest(rid, "exception",
                "The script will never generate a response: its promise can no longer settle "
                "(nothing is pending: no timers, fetches or body reads).");
  }
  for (uint32_t rid : stuck_wait_until) {
    // Nothing can settle these promises any more: let the request go now
    // rather than after kWaitUntilAfterResponse.
    base::logLine(base::LogLevel::kWarn,
                  "worker " + script_->name +
                      ": waitUntil() promises that can never settle were dropped (nothing is pending: "
                      "no timers, fetches or body reads)");
    eraseRequest(rid);
  }
}

void WorkerIsolate::afterEntry(uint32_t rid, bool fired, bool terminated) {
  if (!fired && !terminated) return;
  // Clear a pending termination, whether or not it landed, so it cannot
  // hit the next entry.
  isolate_->CancelTerminateExecution();
  if (!terminated) return;
  std::string what = heap_exceeded_ ? "memory limit (" + std::to_string(heap_limit_ >> 20) + " MB)"
                                    : "CPU time limit (" + std::to_string(script_->limits.cpu.count()) + " ms)";
  if (request(rid)) {
    failRequest(rid, "limit", what);
  } else {
    base::logLine(base::LogLevel::kError,
                  "worker " + script_->name + ": background task stopped: exceeded " + what);
  }
}

}  // namespace verge::runtime
