#include "runtime/runtime.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "base/log.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "runtime/isolate_lock.h"
#include "runtime/isolate_storage.h"
#include "runtime/watchdog.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

namespace {
std::unique_ptr<v8::Platform> g_platform;
std::unique_ptr<Watchdog> g_watchdog;

}  // namespace

bool looksLikeModule(const std::string& code) {
  // An import or export statement at the start of a line (not `importX:`
  // or `import(`).
  static const std::regex kModuleSyntax(
      R"((^|\n)\s*(export\s+(default|const|let|var|function|async|class|\{|\*)|import(\s+[\w{*'"]|\s*[{*'"])))");
  return std::regex_search(code, kModuleSyntax);
}

namespace {

// A request from nowhere: the warm-up's. What the worker answers is kept
// only to check that it answered.
class WarmUpExchange : public net::Exchange {
 public:
  WarmUpExchange(net::EventLoop& loop, std::string target) : loop_(loop) {
    head_.method = "GET";
    head_.target = std::move(target);
    head_.headers = {{"host", "warm-up.invalid"}, {"user-agent", "verge-warm-up"}, {"accept", "*/*"}};
  }
  const net::RequestHead& head() const override { return head_; }
  net::EventLoop& loop() override { return loop_; }
  boost::asio::io_context& ioContext() override { return loop_.context(); }
  std::shared_ptr<net::BodySource> body() override { return nullptr; }
  void writeHead(int status, const net::HeaderList&, std::optional<uint64_t>) override { status_ = status; }
  void writeBody(std::string_view, std::function<void(bool)> done) override {
    if (done) done(true);
  }
  void finish() override { closed_ = true; }
  void abort() override { closed_ = true; }
  bool headWritten() const override { return status_ != 0; }
  bool closed() const override { return closed_; }
  void setLogNote(std::string) override {}
  int status() const { return status_; }

 private:
  net::EventLoop& loop_;
  net::RequestHead head_;
  int status_ = 0;
  bool closed_ = false;
};

// Loads the runtime's JS once in a throwaway isolate and sends it a few
// requests, then records V8's code cache of the runtime's JS: every later
// isolate consumes it instead of compiling ~15k lines, and its first
// request finds the request path (Request, Headers, URL, Response)
// compiled too.
void warmUp() {
  WorkerScript warm;
  warm.name = "warm-up";
  warm.main_module = "warm-up.js";
  warm.modules.push_back({"warm-up.js", R"js(
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const agent = request.headers.get("user-agent");
    if (url.pathname === "/json") {
      return Response.json({ q: url.searchParams.get("q"), agent },
                           { headers: { "cache-control": "no-store" } });
    }
    return new Response("warm", { headers: { "content-type": "text/plain" } });
  },
};
)js"});
  net::LoopGroup loops(1);  // never carried: its queue is polled below
  StorageConfig storage;
  auto isolate = std::make_shared<WorkerIsolate>(*g_watchdog, warm.limits.heap_bytes);
  std::string error = isolate->load(warm, loops.loop(0), storage);
  if (!error.empty()) {
    base::logLine(base::LogLevel::kError, "runtime warm-up failed: " + error);
    return;
  }
  std::vector<std::shared_ptr<WarmUpExchange>> exchanges;
  for (const char* target : {"/", "/json?q=1", "/", "/json?q=2"}) {
    exchanges.push_back(std::make_shared<WarmUpExchange>(loops.loop(0), target));
    RequestInfo info;
    info.url = std::string("http://warm-up.invalid") + target;
    isolate->dispatch(exchanges.back(), std::move(info));
  }
  loops.loop(0).context().poll();
  for (const auto& ex : exchanges) {
    if (ex->status() != 200) {
      base::logLine(base::LogLevel::kWarn, "runtime warm-up: a request got status " + std::to_string(ex->status()));
    }
  }
  isolate->recordCodeCache(true);
}

}  // namespace

void initializeV8() {
  static std::once_flag once;
  std::call_once(once, [] {
    v8::V8::InitializeICU();
    g_platform = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(g_platform.get());
    // Workers code may not generate code from strings, as on Cloudflare.
    const char flags[] = "--disallow-code-generation-from-strings";
    v8::V8::SetFlagsFromString(flags, sizeof(flags) - 1);
    // Extra V8 flags for operators and profiling, e.g. --perf-basic-prof.
    if (const char* extra = std::getenv("VERGE_V8_FLAGS")) v8::V8::SetFlagsFromString(extra);
    v8::V8::Initialize();
    g_watchdog = std::make_unique<Watchdog>();
    // A thread that stops carrying a loop lets go of the V8 locks it kept.
    net::EventLoop::setCarrierExitHook([] { IsolateLock::releaseAllHere(); });
    warmUp();
  });
}

// ---- spare isolates ---------------------------------------------------------

class SpareIsolates::Impl {
 public:
  explicit Impl(size_t count) : target_(count) {
    // Made here, on the caller's thread, so they are ready when the node
    // starts listening. The first also fills the runtime's code cache.
    for (size_t i = 0; i < std::min<size_t>(count, kMadeAtStart); ++i) {
      std::shared_ptr<WorkerIsolate> spare = make();
      if (!spare) break;
      ready_.push_back(std::move(spare));
      logReady();
    }
    maker_ = std::thread([this] { run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    maker_.join();
    ready_.clear();
  }

  std::shared_ptr<WorkerIsolate> take(size_t heap_bytes) {
    std::shared_ptr<WorkerIsolate> spare;
    {
      std::lock_guard lock(mutex_);
      if (heap_bytes != kHeapBytes || ready_.empty()) return nullptr;
      spare = std::move(ready_.back());
      ready_.pop_back();
    }
    wake_.notify_all();
    return spare;
  }

 private:
  // Spares are made for workers with the default heap limit (most are);
  // others make their isolates as before.
  static constexpr size_t kHeapBytes = WorkerLimits{}.heap_bytes;
  static constexpr size_t kMadeAtStart = 4;

  std::shared_ptr<WorkerIsolate> make() {
    auto spare = std::make_shared<WorkerIsolate>(*g_watchdog, kHeapBytes);
    std::string error = spare->prepare();
    spare->detach();
    if (!error.empty()) {
      // Stopped by the node shutting down; or the runtime's own JS failed,
      // a bug that would fail every isolate alike: say so once and stop
      // making spares.
      if (jsStopped()) return nullptr;
      base::logLine(base::LogLevel::kError, "runtime: preparing an isolate failed: " + error);
      return nullptr;
    }
    return spare;
  }

  void run() {
    // Spares are made while the loops are idle enough to leave CPU over:
    // this thread runs below them.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || ready_.size() < target_; });
      if (stopping_) return;
      lock.unlock();
      std::shared_ptr<WorkerIsolate> spare = jsStopped() ? nullptr : make();
      lock.lock();
      if (!spare) {
        // Shutting down (JS is stopped), or preparing failed: make no more.
        target_ = 0;
        continue;
      }
      ready_.push_back(std::move(spare));
      logReady();
    }
  }

  void logReady() {  // with mutex_ held
    if (base::logLevel() <= base::LogLevel::kDebug) {
      base::logLine(base::LogLevel::kDebug,
                    "runtime: a spare isolate is ready (" + std::to_string(ready_.size()) + " ready)");
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<WorkerIsolate>> ready_;
  size_t target_;
  bool stopping_ = false;
  std::thread maker_;
};

SpareIsolates::SpareIsolates(size_t count) : impl_(std::make_unique<Impl>(count)) {}
SpareIsolates::~SpareIsolates() = default;
std::shared_ptr<WorkerIsolate> SpareIsolates::take(size_t heap_bytes) { return impl_->take(heap_bytes); }

namespace {
std::atomic<bool> g_js_stopped{false};
}  // namespace

bool jsStopped() { return g_js_stopped.load(std::memory_order_relaxed); }
void allowJs() { g_js_stopped = false; }

void terminateAllJs() {
  g_js_stopped = true;
  if (g_watchdog) g_watchdog->terminateAll();
}

class Runtime::Impl {
 public:
  Impl(net::EventLoop& loop, const StorageConfig& storage, SpareIsolates* spares)
      : loop_(loop), storage_(storage), spares_(spares), spill_timer_(loop.context()) {}

  ~Impl() {
    // Requests still waiting for an isolate get nothing more: close them.
    for (auto& [script, pool] : pools_) {
      for (auto& w : pool.waiting) {
        if (!w.exchange->closed()) w.exchange->abort();
      }
    }
    spill_timer_.cancel();
    pools_.clear();
    graveyard_.clear();
  }

  void handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                     RequestInfo info) {
    reap();
    Pool& pool = poolOf(script);
    if (pool.waiting.empty()) {
      if (std::shared_ptr<WorkerIsolate> isolate = freeIsolate(pool)) {
        // Last: a long entry lets other handlers of this loop run meanwhile.
        isolate->dispatch(std::move(exchange), std::move(info));
        return;
      }
    }
    // Every isolate of the worker is busy with a long entry (or the first
    // one is loading): wait a moment for one to be free, so the worker
    // keeps one isolate (and one global state) per loop as long as
    // possible; past kSpillAfter another isolate takes the waiting requests.
    pool.waiting.push_back({std::move(exchange), std::move(info), std::chrono::steady_clock::now()});
    if (pool.isolates.empty() && !pool.loading) {
      startIsolate(script);
      return;
    }
    armSpillTimer();
  }

  bool hasBackgroundWork() const {
    for (const auto& [script, pool] : pools_) {
      if (!pool.waiting.empty() || pool.loading) return true;
      for (const auto& iso : pool.isolates) {
        if (iso->busy() > 0 || iso->running()) return true;
      }
    }
    for (const auto& iso : graveyard_) {
      if (iso->busy() > 0 || iso->running()) return true;
    }
    return false;
  }

 private:
  // Isolates per worker per loop: one normally, more only while others are
  // busy in long entries (a spinning script).
  static constexpr size_t kMaxIsolatesPerLoop = 4;
  // How long a request waits for a busy isolate of its worker before
  // another isolate is made for it.
  static constexpr auto kSpillAfter = std::chrono::milliseconds(20);

  struct Waiting {
    std::shared_ptr<net::Exchange> exchange;
    RequestInfo info;
    std::chrono::steady_clock::time_point since;
  };
  // One worker's isolates on this loop. Pools are never erased (until the
  // Runtime goes), so a reference to one stays valid across JS calls.
  struct Pool {
    std::vector<std::shared_ptr<WorkerIsolate>> isolates;
    bool loading = false;  // an isolate is being made for it
    std::deque<Waiting> waiting;
  };

  Pool& poolOf(const WorkerScript& script) { return pools_[&script]; }

  // A healthy isolate that is free now, or null. Condemned ones go to the
  // graveyard.
  std::shared_ptr<WorkerIsolate> freeIsolate(Pool& pool) {
    for (auto it = pool.isolates.begin(); it != pool.isolates.end();) {
      if ((*it)->condemned()) {
        graveyard_.push_back(std::move(*it));
        it = pool.isolates.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& iso : pool.isolates) {
      if (!iso->running()) return iso;
    }
    return nullptr;
  }

  // Makes and loads a new isolate of `script`, then gives it the waiting
  // requests. Loading runs the worker's top-level code, which may run long
  // and let other handlers of this loop run meanwhile (they see `loading`).
  void startIsolate(const WorkerScript& script) {
    Pool& pool = poolOf(script);
    pool.loading = true;
    const auto started = std::chrono::steady_clock::now();
    std::shared_ptr<WorkerIsolate> isolate = spares_ ? spares_->take(script.limits.heap_bytes) : nullptr;
    const bool spare = isolate != nullptr;
    if (!isolate) isolate = std::make_shared<WorkerIsolate>(*g_watchdog, script.limits.heap_bytes);
    std::string error = isolate->load(script, loop_, storage_);
    pool.loading = false;
    if (base::logLevel() <= base::LogLevel::kDebug) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      char line[160];
      std::snprintf(line, sizeof line, ": loaded on thread %d in %.2f ms (%s)", loop_.index(), ms,
                    spare ? "a spare isolate" : "a new isolate");
      base::logLine(base::LogLevel::kDebug, "worker " + script.name + line);
    }
    if (!error.empty()) {
      base::logLine(base::LogLevel::kError, "worker " + script.name + ": failed to start: " + error);
      std::string body = "Error 1101: worker \"" + script.name + "\" failed to start.\n" + error + "\n";
      // The waiting requests all get the error; the next request tries
      // again (compiles the worker anew).
      std::deque<Waiting> failed;
      failed.swap(pool.waiting);
      for (auto& w : failed) {
        if (w.exchange->closed()) continue;
        w.exchange->writeHead(500, {{"content-type", "text/plain; charset=utf-8"}}, body.size());
        w.exchange->writeBody(body, nullptr);
        w.exchange->finish();
      }
      return;
    }
    isolate->setIdleHook([this, &pool] {
      // Waiting requests take the isolate that just became free; posted,
      // as this runs at the end of the isolate's own task.
      if (!pool.waiting.empty()) loop_.post([this, &pool] { drain(pool); });
    });
    pool.isolates.push_back(std::move(isolate));
    drain(pool);
  }

  // Gives waiting requests to free isolates, oldest first.
  void drain(Pool& pool) {
    while (!pool.waiting.empty()) {
      std::shared_ptr<WorkerIsolate> isolate = freeIsolate(pool);
      if (!isolate) break;
      Waiting w = std::move(pool.waiting.front());
      pool.waiting.pop_front();
      if (w.exchange->closed()) continue;
      isolate->dispatch(std::move(w.exchange), std::move(w.info));
    }
    if (!pool.waiting.empty()) armSpillTimer();
  }

  void armSpillTimer() {
    if (spill_armed_) return;
    spill_armed_ = true;
    spill_timer_.expires_after(kSpillAfter);
    spill_timer_.async_wait([this](boost::system::error_code ec) {
      spill_armed_ = false;
      if (!ec) spill();
    });
  }

  // Requests that waited kSpillAfter get an isolate of their own, up to
  // kMaxIsolatesPerLoop per worker; past that they wait for one to be free.
  void spill() {
    const auto now = std::chrono::steady_clock::now();
    const WorkerScript* spill_to = nullptr;
    for (auto& [script, pool] : pools_) {
      if (pool.waiting.empty() || pool.loading || pool.isolates.size() >= kMaxIsolatesPerLoop) continue;
      if (now - pool.waiting.front().since < kSpillAfter) continue;
      spill_to = script;
      break;
    }
    // One at a time: loading runs JS, after which the pools are looked at
    // afresh on the next tick.
    if (spill_to) startIsolate(*spill_to);
    for (const auto& [script, pool] : pools_) {
      if (!pool.waiting.empty()) {
        armSpillTimer();
        break;
      }
    }
  }

  // Disposes condemned isolates whose last request has finished.
  void reap() {
    std::erase_if(graveyard_, [](const auto& iso) { return iso->busy() == 0 && !iso->running(); });
  }

  net::EventLoop& loop_;
  const StorageConfig& storage_;
  SpareIsolates* spares_;
  std::map<const WorkerScript*, Pool> pools_;
  std::vector<std::shared_ptr<WorkerIsolate>> graveyard_;
  boost::asio::steady_timer spill_timer_;
  bool spill_armed_ = false;
};

Runtime::Runtime(net::EventLoop& loop, const StorageConfig& storage, SpareIsolates* spares)
    : impl_(std::make_unique<Impl>(loop, storage, spares)) {}
Runtime::~Runtime() = default;

void Runtime::handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                            RequestInfo info) {
  impl_->handleRequest(script, std::move(exchange), std::move(info));
}

bool Runtime::hasBackgroundWork() const { return impl_->hasBackgroundWork(); }

}  // namespace verge::runtime
