// One worker's V8 isolate on one server thread: its context, its module
// graph, and the requests, timers and body streams in flight in it.
// Internal to the runtime layer.
#pragma once

#include <v8.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/http_server.h"
#include "runtime/runtime.h"
#include "runtime/worker_script.h"

namespace verge::runtime {

class Watchdog;
class ThreadStorage;

// Adds the storage-binding natives (binding_natives.cc) to `native`.
void installBindingNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           v8::Local<v8::Object> native, v8::Local<v8::Value> data);

// Flat [name, value, ...] JS array (as internals.headersToPairs makes) → header
// lines; values are ByteStrings.
net::HeaderList headerPairs(v8::Isolate* isolate, v8::Local<v8::Value> value);

// Flat [name, value, ...] JS array of a header list, names lowercased.
v8::Local<v8::Array> headerArray(v8::Isolate* isolate, const net::HeaderList& headers);

class WorkerIsolate {
 public:
  // `script`, `ioc`, `watchdog` and `storage` must outlive the isolate.
  WorkerIsolate(const WorkerScript& script, int thread, boost::asio::io_context& ioc,
                Watchdog& watchdog, ThreadStorage& storage);
  ~WorkerIsolate();

  // Runs the runtime's JS and the worker's top-level code. Returns an error
  // message (syntax error, top-level exception) or empty on success.
  std::string load();

  void dispatch(std::shared_ptr<net::Exchange> exchange, RequestInfo info);

  // An unhealthy isolate (heap limit hit) takes no new requests and is
  // disposed once its in-flight work is done.
  bool condemned() const { return condemned_; }
  // Requests not yet finished plus pending waitUntil promises.
  size_t busy() const { return requests_.size() + wait_until_total_; }
  const WorkerScript& script() const { return script_; }

  // ---- used by the native functions (natives.cc) ----
  struct RequestState {
    std::shared_ptr<net::Exchange> exchange;
    int64_t cpu_used_ns = 0;
    bool head_written = false;
    bool finished = false;
    int wait_until = 0;
    RequestInfo info;
  };
  v8::Isolate* isolate() const { return isolate_; }
  boost::asio::io_context& ioc() { return ioc_; }
  ThreadStorage& storage() { return storage_; }
  RequestState* request(uint32_t rid);
  uint32_t currentRequest() const { return current_rid_; }
  uint32_t addSource(std::shared_ptr<net::BodySource> source);
  std::shared_ptr<net::BodySource> source(uint32_t id);
  void removeSource(uint32_t id);
  void startTimer(uint32_t id, double delay_ms, bool repeat);
  // Native async work keeps its promise here, keyed by id, so that nothing
  // holds a v8::Global past the isolate's life. Completions check alive().
  uint32_t addPending(v8::Local<v8::Promise::Resolver> resolver);
  v8::Local<v8::Promise::Resolver> takePending(uint32_t id);  // empty if gone
  std::weak_ptr<int> aliveToken() const { return alive_; }
  void cancelTimer(uint32_t id);
  void waitUntilBegin(uint32_t rid);
  void waitUntilEnd(uint32_t rid);
  // Ends request `rid` (its response is complete or failed); frees it once
  // no waitUntil work is left.
  void finishRequest(uint32_t rid);
  // Sends an error page for `rid` if nothing was sent yet; else aborts.
  // kind: "exception" (500, Error 1101) or "limit" (503, exceeded resources).
  void failRequest(uint32_t rid, std::string_view kind, std::string_view detail);

  // Runs `fn` inside the isolate: scopes, CPU accounting against `rid`
  // (0 = no request), microtasks, and termination handling.
  template <class F>
  void enter(uint32_t rid, F&& fn);

 private:
  void installNatives(v8::Local<v8::Context> context, v8::Local<v8::Object> native);
  std::string loadModules(v8::Local<v8::Context> context, v8::Local<v8::Value>& main_exports);
  static v8::MaybeLocal<v8::Module> resolveModule(v8::Local<v8::Context> context,
                                                  v8::Local<v8::String> specifier,
                                                  v8::Local<v8::FixedArray> assertions,
                                                  v8::Local<v8::Module> referrer);
  static size_t nearHeapLimit(void* data, size_t current, size_t initial);
  void afterEntry(uint32_t rid, bool fired, bool terminated);
  void onTimer(uint32_t id);
  // A request that has no response yet while nothing in the isolate can
  // still run (no timers, no pending I/O) will never get one.
  void failHungRequests();
  std::string formatException(v8::Local<v8::Context> context, v8::TryCatch& try_catch);

  const WorkerScript& script_;
  int thread_;
  boost::asio::io_context& ioc_;
  Watchdog& watchdog_;
  ThreadStorage& storage_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> dispatch_fn_;
  v8::Global<v8::Function> fire_timer_fn_;

  struct ModuleEntry {
    v8::Global<v8::Module> module;
    std::string name;
  };
  std::vector<ModuleEntry> modules_;

  std::unordered_map<uint32_t, RequestState> requests_;
  std::unordered_map<uint32_t, std::shared_ptr<net::BodySource>> sources_;
  struct Timer {
    std::unique_ptr<boost::asio::steady_timer> timer;
    uint32_t rid;
    double interval_ms;
    bool repeat;
  };
  std::unordered_map<uint32_t, Timer> timers_;
  std::unordered_map<uint32_t, v8::Global<v8::Promise::Resolver>> pending_;
  uint32_t next_pending_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  uint32_t next_rid_ = 1;
  uint32_t next_source_ = 1;
  uint32_t current_rid_ = 0;
  int entry_depth_ = 0;
  size_t wait_until_total_ = 0;
  bool condemned_ = false;
  bool heap_exceeded_ = false;
  size_t heap_limit_ = 0;
};

}  // namespace verge::runtime

// ---- template definitions ----
#include <chrono>

#include "runtime/watchdog.h"

namespace verge::runtime {

template <class F>
void WorkerIsolate::enter(uint32_t rid, F&& fn) {
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  const bool outer = entry_depth_++ == 0;
  const uint32_t saved_rid = current_rid_;
  current_rid_ = rid;
  std::chrono::steady_clock::time_point entered;
  if (outer) {
    // The entry may use what is left of its request's CPU budget; work not
    // tied to a live request (a timer after the response) gets a full one.
    int64_t budget = static_cast<int64_t>(script_.limits.cpu.count()) * 1'000'000;
    if (RequestState* r = request(rid)) budget -= r->cpu_used_ns;
    if (budget < 1'000'000) budget = 1'000'000;
    watchdog_.begin(thread_, isolate_, budget);
    entered = std::chrono::steady_clock::now();
  }
  bool terminated = false;
  {
    v8::TryCatch try_catch(isolate_);
    fn(context);
    if (outer && !try_catch.HasTerminated()) isolate_->PerformMicrotaskCheckpoint();
    terminated = try_catch.HasTerminated() || isolate_->IsExecutionTerminating();
    if (try_catch.HasCaught() && !terminated) {
      failRequest(rid, "exception", formatException(context, try_catch));
    }
  }
  current_rid_ = saved_rid;
  --entry_depth_;
  if (outer) {
    bool fired = watchdog_.end(thread_);
    // The request's budget across entries is charged in wall time (cheap to
    // read); the watchdog enforces each entry in real thread CPU time.
    if (RequestState* r = request(rid)) {
      r->cpu_used_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - entered)
                            .count();
    }
    afterEntry(rid, fired, terminated);
    failHungRequests();
  }
}

}  // namespace verge::runtime
