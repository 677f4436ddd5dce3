#include "runtime/watchdog.h"

#include <v8.h>

#include <chrono>

namespace verge::runtime {

namespace {
constexpr auto kTick = std::chrono::milliseconds(2);

int64_t clockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

Watchdog::Watchdog(int threads) {
  for (int i = 0; i < threads; ++i) slots_.push_back(std::make_unique<Slot>());
  thread_ = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Watchdog::begin(int thread, v8::Isolate* isolate, int64_t budget_ns) {
  Slot& s = *slots_.at(static_cast<size_t>(thread));
  std::lock_guard lock(s.mutex);
  if (!s.has_clock) {
    // The clock id of the calling thread lets the watchdog read its CPU time.
    s.has_clock = pthread_getcpuclockid(pthread_self(), &s.clock) == 0;
  }
  s.isolate = isolate;
  ++s.entry;
  s.budget_ns = budget_ns;
  s.fired = false;
}

bool Watchdog::end(int thread) {
  Slot& s = *slots_.at(static_cast<size_t>(thread));
  std::lock_guard lock(s.mutex);
  bool fired = s.fired;
  s.isolate = nullptr;
  s.fired = false;
  return fired;
}

void Watchdog::loop() {
  while (!stop_.load()) {
    std::this_thread::sleep_for(kTick);
    for (auto& sp : slots_) {
      Slot& s = *sp;
      std::lock_guard lock(s.mutex);
      if (!s.isolate || s.fired || !s.has_clock) continue;
      int64_t now = clockNs(s.clock);
      if (s.seen_entry != s.entry) {
        // A new entry: start its clock now. Up to one tick of CPU goes
        // uncounted, which is noise next to any real budget.
        s.seen_entry = s.entry;
        s.seen_cpu_ns = now;
        continue;
      }
      if (now - s.seen_cpu_ns > s.budget_ns) {
        s.fired = true;
        s.isolate->TerminateExecution();
      }
    }
  }
}

}  // namespace verge::runtime
