// One V8 isolate of a worker: its context, its module graph, and the
// requests, timers and body streams in flight in it. Internal to the
// runtime layer.
//
// Threads. An isolate belongs to one event loop, its *home*: requests,
// timers and I/O completions reach it there, and its sockets, timers and
// exchanges are the loop's. JS runs on the home loop's carrier thread,
// inside schedule(): at once when the isolate is free, else queued behind
// the entry running now. An entry that runs long has its loop handed off
// (net/event_loop.h, runtime/watchdog.h): the rest of it runs on a thread
// that no longer carries the loop, so everything JS does to loop objects
// goes through home().run(), which calls directly on the carrier and posts
// otherwise. A V8 lock (isolate_lock.h) makes the isolate usable from
// whichever thread runs the entry; at most one does at a time.
#pragma once

#include <v8.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "net/event_loop.h"
#include "net/http_server.h"
#include "runtime/runtime.h"
#include "runtime/watchdog.h"
#include "runtime/worker_script.h"

namespace verge::net {
struct ResponseHead;
}

namespace verge::runtime {

class IsolateLock;
class IsolateStorage;
class LimitedAllocator;
class RpcSession;
struct ServiceCall;
struct WebSocketTable;
class SocketTable;

// Adds the storage-binding natives (binding_natives.cc) to `native`.
void installBindingNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           v8::Local<v8::Object> native, v8::Local<v8::Value> data);

// Flat [name, value, ...] JS array (as internals.headersToPairs makes) → header
// lines; values are ByteStrings.
net::HeaderList headerPairs(v8::Isolate* isolate, v8::Local<v8::Value> value);

// Flat [name, value, ...] JS array of a header list, names lowercased.
v8::Local<v8::Array> headerArray(v8::Isolate* isolate, const net::HeaderList& headers);
// A request's headers as a worker sees them (the client's, except those
// named in `edge`, then `edge`: RequestInfo::edge_headers), for
// internals.dispatchFetch: one string, "\nname:value" per field and a final
// "\n", names lowercased, which headers.js reads in place (most workers read
// one or two fields, or none, so making two strings per field was waste).
v8::Local<v8::String> requestHeaders(v8::Isolate* isolate, const net::HeaderList& headers,
                                     const std::vector<std::pair<std::string, std::string>>& edge);

// [name, entrypoint, propsJson] (a service binding, bindings.js) → the call.
ServiceCall serviceCallArg(v8::Isolate* isolate, v8::Local<v8::Array> value);

// Adds the RPC natives (rpc_session.cc) to `native`.
void installRpcNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native,
                       v8::Local<v8::Value> data);

// Limits on what one request may do, as on Cloudflare.
struct RequestLimits {
  static constexpr int kMaxSubrequests = 1000;         // fetch() calls per request
  static constexpr int kMaxOpenSubrequests = 6;        // at once; more wait their turn
  static constexpr size_t kMaxResponseHeaderBytes = 128 * 1024;
  // waitUntil() work may go on this long after the response is complete.
  static constexpr auto kWaitUntilAfterResponse = std::chrono::seconds(30);
};

class WorkerIsolate : public std::enable_shared_from_this<WorkerIsolate> {
 public:
  // An isolate with no worker yet; load() gives it one. `heap_bytes` is
  // its heap limit (fixed when V8 makes the isolate), so it can only take
  // a worker with that limit. `watchdog` must outlive the isolate.
  // Destroyed on the home loop's carrier (or once the loops have ended).
  WorkerIsolate(Watchdog& watchdog, size_t heap_bytes);
  ~WorkerIsolate();

  // Runs the runtime's own JS: a context with the Web platform in it and
  // no worker code. An isolate prepared this far and not loaded is a
  // *spare* (runtime.cc keeps some ready, so that a never-loaded worker's
  // first request does not wait for this part). Returns an error message
  // or empty. Then detach() if another thread is to load it.
  std::string prepare();
  // Lets go of the isolate's V8 lock, so that another thread may take the
  // (prepared, never loaded) isolate on.
  void detach();
  size_t heapLimit() const { return heap_limit_; }
  // The first isolate of the process records V8's code cache of the
  // runtime's JS, which later isolates consume instead of compiling it.
  // Called again (replace = true) once that isolate has served requests,
  // so that the cache also holds the functions those compiled lazily (the
  // request path) and a new isolate's first request does not compile them.
  void recordCodeCache(bool replace);

  // Gives the isolate its worker and home loop (prepares it first if that
  // was not done) and runs the worker's top-level code. Once, on the home
  // loop's carrier. `script`, `home` and `storage` must outlive the
  // isolate. Returns an error message (syntax error, top-level exception)
  // or empty on success.
  std::string load(const WorkerScript& script, net::EventLoop& home, const StorageConfig& storage);

  // ---- scheduling; on the home loop's carrier ----

  // Whether a thread is inside the isolate right now. Seen from the home
  // loop, that is a long entry whose loop was handed off: the isolate is
  // busy for a while, so new requests are better served by another one.
  bool running() const { return running_.load(std::memory_order_acquire); }
  // Runs `task` (which enters the isolate with enter()) now if the isolate
  // is free, else after the running entry and everything queued before it.
  template <class F>
  void schedule(F&& task);

  // Called on the home loop's carrier each time the isolate becomes free
  // (its last scheduled task is done). Set once, before any request.
  void setIdleHook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

  // Starts the worker's fetch handler for the exchange.
  void dispatch(std::shared_ptr<net::Exchange> exchange, RequestInfo info);

  // An unhealthy isolate (heap limit hit) takes no new requests and is
  // disposed once its in-flight work is done.
  bool condemned() const { return condemned_.load(std::memory_order_relaxed); }
  // Requests not yet finished plus pending waitUntil promises.
  size_t busy() const { return busy_.load(std::memory_order_relaxed); }
  const WorkerScript& script() const { return *script_; }
  // The source map of module `name` (JSON), or null.
  const std::string* sourceMap(const std::string& name) const {
    if (!script_) return nullptr;
    auto it = script_->source_maps.find(name);
    return it == script_->source_maps.end() ? nullptr : &it->second;
  }
  // `text` (a stack trace) mapped to the source files (internals.mapStack).
  std::string mapStack(v8::Local<v8::Context> context, const std::string& text);

  // ---- used by the native functions (natives.cc); inside an entry ----
  struct RequestState {
    std::shared_ptr<net::Exchange> exchange;
    int64_t cpu_used_ns = 0;
    bool head_written = false;
    bool finished = false;
    int wait_until = 0;
    RequestInfo info;
    std::vector<uint32_t> timers;  // timers set while handling it
    int subrequests = 0;           // fetch() calls so far
    int open_subrequests = 0;      // started, response headers not yet here
    // Subrequests over the open limit: the pending promise and the start.
    struct WaitingSubrequest {
      uint32_t pending;
      std::function<void()> start;
    };
    std::deque<WaitingSubrequest> waiting_subrequests;
    // A WebSocket's request: each event gets the whole CPU budget, as on
    // Cloudflare, rather than what the request used before.
    bool per_event_cpu = false;
    // Run (inside the isolate) when the request is forgotten: what it
    // opened that must not outlive it closes (its sockets, as on Cloudflare).
    std::vector<std::function<void()>> on_end;
  };
  v8::Isolate* isolate() const { return isolate_; }
  net::EventLoop& home() { return *home_; }
  IsolateStorage& storage() { return *storage_; }
  RequestState* request(uint32_t rid);
  uint32_t currentRequest() const { return current_rid_; }
  uint32_t addSource(std::shared_ptr<net::BodySource> source);
  std::shared_ptr<net::BodySource> source(uint32_t id);
  void removeSource(uint32_t id);
  // The isolate's TCP sockets (socket_natives.cc), made on first use.
  SocketTable& sockets();
  void startTimer(uint32_t id, double delay_ms, bool repeat);
  void cancelTimer(uint32_t id);
  // Native async work keeps its promise here, keyed by id, so that nothing
  // holds a v8::Global past the isolate's life.
  uint32_t addPending(v8::Local<v8::Promise::Resolver> resolver);
  v8::Local<v8::Promise::Resolver> takePending(uint32_t id);  // empty if gone
  void waitUntilBegin(uint32_t rid);
  void waitUntilEnd(uint32_t rid);
  // Ends request `rid` (its response is complete or failed); frees it once
  // no waitUntil work is left, or kWaitUntilAfterResponse later.
  void finishRequest(uint32_t rid);
  // Sends an error page for `rid` if nothing was sent yet; else aborts.
  // kind: "exception" (500, Error 1101) or "limit" (503, exceeded resources).
  void failRequest(uint32_t rid, std::string_view kind, std::string_view detail);
  // Counts a fetch() or RPC call of request `rid` (none for 0); over the
  // limit, throws the limit's Error into JS and returns false.
  bool countSubrequest(uint32_t rid);
  // A subrequest of `rid` ended (its body was read, cancelled or failed):
  // the next waiting one may start.
  void subrequestDone(uint32_t rid);

  // Runs `fn` inside the isolate: locker, scopes, CPU accounting against
  // `rid` (0 = no request), microtasks, and termination handling. Outside
  // an entry, only from a schedule()d task.
  template <class F>
  void enter(uint32_t rid, F&& fn);

  // ---- WebSockets (websocket_natives.cc) ----
  // The client connections bridged to this isolate's WebSockets (on the
  // home loop), made on first use.
  WebSocketTable& webSockets();
  // Inside an entry: WebSocket `id` is open / is over (its "close" event,
  // or its request ended).
  void webSocketOpened(uint32_t id) { open_websockets_.insert(id); }
  void webSocketGone(uint32_t id) { open_websockets_.erase(id); }
  // Inside an entry: an event for WebSocket `id` (internals.wsEvent); a
  // "close" also ends its request when the connection was its answer. A
  // "response" is a fetch()ed socket's refused handshake: `answer` is the
  // server's head (code its status), `data` its body.
  void webSocketEvent(uint32_t id, const char* type, const std::string& data, uint16_t code, bool clean,
                      bool ends_request, const net::ResponseHead* answer = nullptr);

  // ---- RPC sessions (rpc_session.h); inside an entry ----
  // Adds `session`, on `side`, for request `rid`; returns its id here.
  uint32_t addRpcSession(std::shared_ptr<RpcSession> session, int side, uint32_t rid);
  // The session `id` and which side of it this isolate is; null if gone.
  RpcSession* rpcSession(uint32_t id, int* side = nullptr);
  // Closes session `id` from this side and forgets it.
  void closeRpcSession(uint32_t id, const std::string& reason);
  // Closes every session of request `rid` (it ended or failed).
  void closeRpcSessionsOf(uint32_t rid, const std::string& reason);
  // A message for session `id` (internals.rpcReceive), or its end
  // (internals.rpcClosed, and the session is forgotten).
  void rpcMessage(uint32_t id, const std::string& message);
  void rpcEnded(uint32_t id, const std::string& reason);

  // From loop code: runs `fn(isolate)` in `weak`'s isolate for request `rid`
  // (via schedule), if it still exists.
  template <class F>
  static void deliver(const std::weak_ptr<WorkerIsolate>& weak, uint32_t rid, F&& fn);

 private:
  std::string prepareLocked();
  std::string loadLocked();
  // Runs `fn` (prepareLocked or loadLocked) under the start-up CPU budget.
  template <class F>
  std::string startUp(std::string_view what, F&& fn);
  void installNatives(v8::Local<v8::Context> context, v8::Local<v8::Object> native);
  std::string loadModules(v8::Local<v8::Context> context, v8::Local<v8::Value>& main_exports);
  // The default export of a text, data, JSON or Wasm module; empty with an
  // exception pending, or an error message.
  std::string fileModuleValue(v8::Local<v8::Context> context, const ModuleSource& m, v8::Local<v8::Value>& value);
  static v8::MaybeLocal<v8::Module> resolveModule(v8::Local<v8::Context> context,
                                                  v8::Local<v8::String> specifier,
                                                  v8::Local<v8::FixedArray> assertions,
                                                  v8::Local<v8::Module> referrer);
  // `specifier` imported by the module (or script) named `referrer`: one of
  // the worker's modules, or a built-in one made on first import. Throws
  // (empty result) when there is none.
  v8::MaybeLocal<v8::Module> findModule(v8::Local<v8::Context> context, const std::string& specifier,
                                        const std::string& referrer);
  v8::Local<v8::Module> syntheticModule(v8::Local<v8::Context> context, const std::string& name,
                                        v8::Local<v8::Value> value, bool builtin);
  static v8::MaybeLocal<v8::Value> evaluateSynthetic(v8::Local<v8::Context> context, v8::Local<v8::Module> module);
  // import(): V8's HostImportModuleDynamicallyCallback.
  static v8::MaybeLocal<v8::Promise> importDynamically(v8::Local<v8::Context> context,
                                                       v8::Local<v8::Data> host_defined_options,
                                                       v8::Local<v8::Value> resource_name,
                                                       v8::Local<v8::String> specifier,
                                                       v8::Local<v8::FixedArray> assertions);
  static size_t nearHeapLimit(void* data, size_t current, size_t initial);
  static void afterGc(v8::Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data);
  // False (and nothing runs) once the node is shutting down.
  bool beginEntry(uint32_t rid);
  void acquireLock();  // this thread holds the isolate's V8 lock (isolate_lock.h)
  void endEntry(uint32_t rid, bool terminated, int64_t wall_ns);
  void afterEntry(uint32_t rid, bool fired, bool terminated);
  // Runs queued tasks until none is left, then frees the isolate.
  void release();
  void eraseRequest(uint32_t rid);
  void updateBusy();
  // Loop side of timers: arm / fire / cancel the asio timer (home carrier).
  void armTimer(uint32_t id, double delay_ms, bool repeat);
  void onTimer(uint32_t id);
  void fireTimer(uint32_t id);
  void cutWaitUntil(uint32_t rid);
  // A request that has no response yet while nothing in the isolate can
  // still run (no timers, no pending I/O) will never get one; nor will its
  // waitUntil() work ever end.
  void failHungRequests();
  std::string formatException(v8::Local<v8::Context> context, v8::TryCatch& try_catch);

  const WorkerScript* script_ = nullptr;  // set by load()
  net::EventLoop* home_ = nullptr;        // set by load()
  Watchdog& watchdog_;
  bool prepared_ = false;
  std::shared_ptr<LimitedAllocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  std::unique_ptr<IsolateLock> lock_;
  EntryControl control_;
  std::unique_ptr<IsolateStorage> storage_;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> dispatch_fn_;
  v8::Global<v8::Function> fire_timer_fn_;
  v8::Global<v8::Function> drop_timers_fn_;
  // internals.dispatchRpc, rpcReceive and rpcClosed (rpc.js).
  v8::Global<v8::Function> dispatch_rpc_fn_;
  v8::Global<v8::Function> rpc_receive_fn_;
  v8::Global<v8::Function> rpc_closed_fn_;
  v8::Global<v8::Function> ws_event_fn_;  // internals.wsEvent (websocket.js)
  std::shared_ptr<WebSocketTable> websockets_;
  std::unordered_set<uint32_t> open_websockets_;  // isolate side: not closed yet (an event may come)
  // The runtime JS's worker-setup functions, between prepare() and load().
  v8::Global<v8::Function> configure_fn_;
  v8::Global<v8::Function> set_exports_fn_;
  v8::Global<v8::Function> make_binding_fn_;
  // internals.builtinModule and internals.importResult (worker.js),
  // internals.mapStack (source_map.js).
  v8::Global<v8::Function> builtin_module_fn_;
  v8::Global<v8::Function> map_stack_fn_;
  v8::Global<v8::Function> import_result_fn_;
  // The runtime JS's top-level functions, kept by the isolate that made the
  // process's code cache (recordCodeCache).
  std::vector<v8::Global<v8::Function>> runtime_fns_;

  struct ModuleEntry {
    v8::Global<v8::Module> module;
    std::string name;
    // A synthetic module's value: the default export of a file module
    // (text, data, Wasm, JSON), or the exports object of a built-in one
    // (`node:*`, `cloudflare:workers`), whose properties are its named
    // exports and which is also its default export.
    v8::Global<v8::Value> value;
    bool builtin = false;
  };
  std::vector<ModuleEntry> modules_;

  // ---- isolate state: touched only inside an entry ----
  std::unordered_map<uint32_t, RequestState> requests_;
  std::unordered_map<uint32_t, std::shared_ptr<net::BodySource>> sources_;
  std::unordered_map<uint32_t, uint32_t> timers_;  // timer id → request id
  std::unordered_map<uint32_t, v8::Global<v8::Promise::Resolver>> pending_;
  struct RpcEntry {
    std::shared_ptr<RpcSession> session;
    int side;
    uint32_t rid;
  };
  std::unordered_map<uint32_t, RpcEntry> rpc_sessions_;
  uint32_t next_rpc_session_ = 1;
  std::shared_ptr<SocketTable> sockets_;  // closes its sockets when the isolate goes
  uint32_t next_pending_ = 1;
  uint32_t next_rid_ = 1;
  uint32_t next_source_ = 1;
  uint32_t current_rid_ = 0;
  int entry_depth_ = 0;
  size_t wait_until_total_ = 0;
  bool heap_exceeded_ = false;
  size_t heap_limit_ = 0;
  // Promises rejected with no handler since the last microtask checkpoint;
  // those still unhandled after it are logged (flushRejections).
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> unhandled_rejections_;
  void flushRejections();

  // ---- loop state: touched only on the home loop's carrier ----
  struct LoopTimer;  // an asio timer (worker_isolate.cc)
  std::unordered_map<uint32_t, std::unique_ptr<LoopTimer>> loop_timers_;
  std::unordered_map<uint32_t, std::unique_ptr<LoopTimer>> wait_until_timers_;

  // ---- shared: who runs the isolate, and what waits for it ----
  std::mutex state_mutex_;
  std::atomic<bool> running_{false};
  std::deque<std::function<void()>> inbox_;  // guarded by state_mutex_
  std::atomic<bool> condemned_{false};
  std::atomic<size_t> busy_{0};
  std::function<void()> idle_hook_;
};

}  // namespace verge::runtime

// ---- template definitions ----
#include <chrono>

namespace verge::runtime {

template <class F>
void WorkerIsolate::schedule(F&& task) {
  {
    std::lock_guard lock(state_mutex_);
    if (running_.load(std::memory_order_relaxed) || !inbox_.empty()) {
      inbox_.emplace_back(std::forward<F>(task));
      return;
    }
    running_.store(true, std::memory_order_release);
  }
  task();
  release();
}

template <class F>
void WorkerIsolate::deliver(const std::weak_ptr<WorkerIsolate>& weak, uint32_t rid, F&& fn) {
  std::shared_ptr<WorkerIsolate> self = weak.lock();
  if (!self) return;
  WorkerIsolate* w = self.get();
  w->schedule([w, rid, fn = std::forward<F>(fn)]() mutable {
    w->enter(rid, [&](v8::Local<v8::Context> context) { fn(*w, context); });
  });
}

template <class F>
void WorkerIsolate::enter(uint32_t rid, F&& fn) {
  if (entry_depth_ > 0) {
    // Nested (a native completing synchronously): already inside.
    const uint32_t saved_rid = current_rid_;
    current_rid_ = rid;
    ++entry_depth_;
    fn(context_.Get(isolate_));
    --entry_depth_;
    current_rid_ = saved_rid;
    return;
  }
  bool terminated = false;
  const auto entered = std::chrono::steady_clock::now();
  {
    acquireLock();
    v8::Isolate::Scope isolate_scope(isolate_);
    v8::HandleScope handle_scope(isolate_);
    v8::Local<v8::Context> context = context_.Get(isolate_);
    v8::Context::Scope context_scope(context);
    if (beginEntry(rid)) {
      {
        v8::TryCatch try_catch(isolate_);
        fn(context);
        if (!try_catch.HasTerminated()) {
          isolate_->PerformMicrotaskCheckpoint();
          flushRejections();
        }
        terminated = try_catch.HasTerminated() || isolate_->IsExecutionTerminating();
        if (try_catch.HasCaught() && !terminated) {
          failRequest(rid, "exception", formatException(context, try_catch));
        }
      }
      endEntry(rid, terminated,
               std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - entered)
                   .count());
    }
  }
  // A long entry had its loop handed off: carry it again before returning
  // into the loop code that called us.
  home_->reclaim();
}

}  // namespace verge::runtime
