#include "runtime/runtime.h"

#include <libplatform/libplatform.h>
#include <v8.h>

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

// Isolates per worker per loop: one normally, more only while others are
// busy in long entries (a spinning script), so the worker's other requests
// still find an isolate; past this they queue.
constexpr size_t kMaxIsolatesPerLoop = 4;
}  // namespace

bool looksLikeModule(const std::string& code) {
  // An import or export statement at the start of a line.
  static const std::regex kModuleSyntax(
      R"((^|\n)\s*(export\s+(default|const|let|var|function|async|class|\{|\*)|import\s*[\w{*'"]))");
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

void terminateAllJs() {
  if (g_watchdog) g_watchdog->terminateAll();
}

class Runtime::Impl {
 public:
  Impl(net::EventLoop& loop, const StorageConfig& storage) : loop_(loop), storage_(storage) {}

  ~Impl() {
    isolates_.clear();
    graveyard_.clear();
  }

  void handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                     RequestInfo info) {
    reap();
    std::shared_ptr<WorkerIsolate> isolate = pick(script);
    if (!isolate) {
      isolate = std::make_shared<WorkerIsolate>(script, loop_, *g_watchdog, storage_);
      // Loading runs the worker's top-level code, which may run long and
      // let other handlers of this loop run meanwhile: hold no references
      // into isolates_ across it.
      std::string error = isolate->load();
      if (!error.empty()) {
        base::logLine(base::LogLevel::kError, "worker " + script.name + ": failed to start: " + error);
        std::string body = "Error 1101: worker \"" + script.name + "\" failed to start.\n" + error + "\n";
        exchange->writeHead(500, {{"content-type", "text/plain; charset=utf-8"}}, body.size());
        exchange->writeBody(body, nullptr);
        exchange->finish();
        return;  // retried (recompiled) on the next request
      }
      isolates_[&script].push_back(isolate);
    }
    // Last: a long entry lets other handlers of this loop run meanwhile.
    isolate->dispatch(std::move(exchange), std::move(info));
  }

  bool hasBackgroundWork() const {
    for (const auto& [script, pool] : isolates_) {
      for (const auto& iso : pool) {
        if (iso->busy() > 0 || iso->running()) return true;
      }
    }
    for (const auto& iso : graveyard_) {
      if (iso->busy() > 0 || iso->running()) return true;
    }
    return false;
  }

 private:
  // A healthy isolate of `script` that is free now (or, when all are busy
  // and no more may be made, the first one, to queue behind); null when a
  // new one should be made.
  std::shared_ptr<WorkerIsolate> pick(const WorkerScript& script) {
    auto& pool = isolates_[&script];
    for (auto it = pool.begin(); it != pool.end();) {
      if ((*it)->condemned()) {
        graveyard_.push_back(std::move(*it));
        it = pool.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& iso : pool) {
      if (!iso->running()) return iso;
    }
    if (pool.size() < kMaxIsolatesPerLoop) return nullptr;
    return pool.front();
  }

  // Disposes condemned isolates whose last request has finished.
  void reap() {
    std::erase_if(graveyard_, [](const auto& iso) { return iso->busy() == 0 && !iso->running(); });
  }

  net::EventLoop& loop_;
  const StorageConfig& storage_;
  std::map<const WorkerScript*, std::vector<std::shared_ptr<WorkerIsolate>>> isolates_;
  std::vector<std::shared_ptr<WorkerIsolate>> graveyard_;
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
