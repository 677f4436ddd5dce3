#include "runtime/runtime.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <regex>

#include "base/log.h"
#include "runtime/thread_storage.h"
#include "runtime/watchdog.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

namespace {
std::unique_ptr<v8::Platform> g_platform;
std::unique_ptr<Watchdog> g_watchdog;
}  // namespace

bool looksLikeModule(const std::string& code) {
  // An import or export statement at the start of a line.
  static const std::regex kModuleSyntax(
      R"((^|\n)\s*(export\s+(default|const|let|var|function|async|class|\{|\*)|import\s*[\w{*'"]))");
  return std::regex_search(code, kModuleSyntax);
}

void initializeV8(int worker_threads) {
  static std::once_flag once;
  std::call_once(once, [worker_threads] {
    v8::V8::InitializeICU();
    g_platform = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(g_platform.get());
    // Workers code may not generate code from strings, as on Cloudflare.
    const char flags[] = "--disallow-code-generation-from-strings";
    v8::V8::SetFlagsFromString(flags, sizeof(flags) - 1);
    // Extra V8 flags for operators and profiling, e.g. --perf-basic-prof.
    if (const char* extra = std::getenv("VERGE_V8_FLAGS")) v8::V8::SetFlagsFromString(extra);
    v8::V8::Initialize();
    g_watchdog = std::make_unique<Watchdog>(worker_threads);
    // Load the runtime's JS once in a throwaway isolate, so that the code
    // cache exists before the first request and every worker's first
    // isolate starts from it.
    WorkerScript warm;
    warm.name = "warm-up";
    warm.modules.push_back({"warm-up.js", "export default {};"});
    warm.main_module = "warm-up.js";
    boost::asio::io_context ioc;
    ThreadStorage storage(StorageConfig{});
    std::string error = WorkerIsolate(warm, 0, ioc, *g_watchdog, storage).load();
    if (!error.empty()) base::logLine(base::LogLevel::kError, "runtime warm-up failed: " + error);
  });
}

class Runtime::Impl {
 public:
  Impl(int thread, const StorageConfig& storage) : thread_(thread), storage_(storage) {}

  ~Impl() {
    isolates_.clear();
    graveyard_.clear();
  }

  void handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                     RequestInfo info) {
    reap();
    auto& slot = isolates_[&script];
    if (slot && slot->condemned()) {
      graveyard_.push_back(std::move(slot));
    }
    if (!slot) {
      auto& ioc = exchange->ioContext();
      auto isolate = std::make_unique<WorkerIsolate>(script, thread_, ioc, *g_watchdog, storage_);
      std::string error = isolate->load();
      if (!error.empty()) {
        base::logLine(base::LogLevel::kError, "worker " + script.name + ": failed to start: " + error);
        std::string body = "Error 1101: worker \"" + script.name + "\" failed to start.\n" + error + "\n";
        exchange->writeHead(500, {{"content-type", "text/plain; charset=utf-8"}}, body.size());
        exchange->writeBody(body, nullptr);
        exchange->finish();
        return;  // retried (recompiled) on the next request
      }
      slot = std::move(isolate);
    }
    slot->dispatch(std::move(exchange), std::move(info));
    if (slot->condemned()) graveyard_.push_back(std::move(slot));
  }

  bool hasBackgroundWork() const {
    for (const auto& [k, iso] : isolates_) {
      if (iso && iso->busy() > 0) return true;
    }
    for (const auto& iso : graveyard_) {
      if (iso->busy() > 0) return true;
    }
    return false;
  }

 private:
  // Disposes condemned isolates whose last request has finished.
  void reap() {
    for (auto it = graveyard_.begin(); it != graveyard_.end();) {
      if ((*it)->busy() == 0) it = graveyard_.erase(it);
      else ++it;
    }
  }

  int thread_;
  ThreadStorage storage_;  // declared before the isolates that use it
  std::map<const WorkerScript*, std::unique_ptr<WorkerIsolate>> isolates_;
  std::vector<std::unique_ptr<WorkerIsolate>> graveyard_;
};

Runtime::Runtime(int thread, const StorageConfig& storage)
    : impl_(std::make_unique<Impl>(thread, storage)) {}
Runtime::~Runtime() = default;

void Runtime::handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                            RequestInfo info) {
  impl_->handleRequest(script, std::move(exchange), std::move(info));
}

bool Runtime::hasBackgroundWork() const { return impl_->hasBackgroundWork(); }

}  // namespace verge::runtime
