#include "runtime/runtime.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <regex>

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
    // Load the runtime's JS once in a throwaway isolate, so that the code
    // cache exists before the first request and every worker's first
    // isolate starts from it.
    WorkerScript warm;
    warm.name = "warm-up";
    warm.modules.push_back({"warm-up.js", "export default {};"});
    warm.main_module = "warm-up.js";
    net::LoopGroup loops(1);  // never run: loading does no I/O
    StorageConfig storage;
    std::string error = WorkerIsolate(warm, loops.loop(0), *g_watchdog, storage).load();
    if (!error.empty()) base::logLine(base::LogLevel::kError, "runtime warm-up failed: " + error);
  });
}

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
  Impl(net::EventLoop& loop, const StorageConfig& storage)
      : loop_(loop), storage_(storage), spill_timer_(loop.context()) {}

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
    auto isolate = std::make_shared<WorkerIsolate>(script, loop_, *g_watchdog, storage_);
    std::string error = isolate->load();
    pool.loading = false;
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
  std::map<const WorkerScript*, Pool> pools_;
  std::vector<std::shared_ptr<WorkerIsolate>> graveyard_;
  boost::asio::steady_timer spill_timer_;
  bool spill_armed_ = false;
};

Runtime::Runtime(net::EventLoop& loop, const StorageConfig& storage)
    : impl_(std::make_unique<Impl>(loop, storage)) {}
Runtime::~Runtime() = default;

void Runtime::handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                            RequestInfo info) {
  impl_->handleRequest(script, std::move(exchange), std::move(info));
}

bool Runtime::hasBackgroundWork() const { return impl_->hasBackgroundWork(); }

}  // namespace verge::runtime
