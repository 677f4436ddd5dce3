// Enforces CPU-time limits. Each server thread registers the JS entry it is
// running (begin/end); a single watchdog thread samples each registered
// thread's CPU clock and terminates the isolate's execution when the entry
// exceeds its budget. Terminating is the only cross-thread call made into V8
// (Isolate::TerminateExecution is documented as thread-safe).
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
  // Called when the entry returns. Returns the CPU time it used; sets
  // `fired` when the watchdog terminated it.
  int64_t end(int thread, bool& fired);

  // CPU time of the calling thread, in nanoseconds.
  static int64_t threadCpuNow();

 private:
  struct Slot {
    std::mutex mutex;
    clockid_t clock{};
    bool has_clock = false;
    v8::Isolate* isolate = nullptr;  // non-null while an entry runs
    int64_t start_ns = 0;
    int64_t budget_ns = 0;
    bool fired = false;
  };
  void loop();

  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace verge::runtime
