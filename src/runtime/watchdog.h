// Enforces CPU-time limits. Each server thread registers the JS entry it is
// running (begin/end, no system calls on that path); a single watchdog
// thread samples the registered thread's CPU clock every couple of
// milliseconds and terminates the isolate's execution when the entry has
// used more than its budget since the watchdog first saw it. Terminating is
// the only cross-thread call made into V8 (Isolate::TerminateExecution is
// documented as thread-safe).
#pragma once

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace v8 {
class Isolate;
}

namespace verge::runtime {

class Watchdog {
 public:
  explicit Watchdog(int threads);
  ~Watchdog();

  // Called by server thread `thread` on entering JS; `budget_ns` is how much
  // CPU time this entry may use before it is terminated.
  void begin(int thread, v8::Isolate* isolate, int64_t budget_ns);
  // Called when the entry returns. Returns whether the watchdog terminated
  // it; once end() returns, the watchdog will not touch the isolate again.
  bool end(int thread);

 private:
  struct Slot {
    std::mutex mutex;
    clockid_t clock{};
    bool has_clock = false;
    v8::Isolate* isolate = nullptr;  // non-null while an entry runs
    uint64_t entry = 0;              // bumped by begin()
    int64_t budget_ns = 0;
    bool fired = false;
    // The watchdog's own view: which entry it last saw and the thread's CPU
    // time when it first saw it.
    uint64_t seen_entry = 0;
    int64_t seen_cpu_ns = 0;
  };
  void loop();

  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace verge::runtime
