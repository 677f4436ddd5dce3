// Enforces CPU-time limits and keeps event loops moving.
//
// Every thread that runs JS registers each entry (begin/end; no system calls
// on that path). One watchdog thread samples, every couple of milliseconds,
// the CPU clock of each thread that is inside an entry, and
//   - terminates the entry once it has used more CPU time than its budget
//     (Isolate::TerminateExecution is documented as thread-safe), and
//   - once an entry on a thread that carries an event loop has used more
//     than kHandOffAfter of CPU time, asks that thread to hand its loop off
//     (net/event_loop.h), so the loop's other connections and isolates go
//     on while this entry spins.
// Both requests are also raised as flags in the entry's EntryControl, which
// native code that runs long outside JS (an SQLite query) polls.
#pragma once

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace v8 {
class Isolate;
}

namespace verge::runtime {

// What the watchdog asks of the entry an isolate is running. Owned by the
// isolate; read by its own thread, written by the watchdog.
class IsolateLock;

struct EntryControl {
  static constexpr uint32_t kTerminate = 1;  // stop now (CPU limit, shutdown)
  static constexpr uint32_t kHandOff = 2;    // hand the carried loop off
  std::atomic<uint32_t> flags{0};
  // The entry the flags were raised for (see Watchdog::begin).
  std::atomic<uint64_t> entry{0};
  std::atomic<uint64_t> flagged_entry{0};
  // The isolate's V8 lock: the one a thread handing its loop off keeps.
  IsolateLock* lock = nullptr;
};

class Watchdog {
 public:
  // How much CPU time one entry may take on a loop's carrier before the
  // loop is handed to another thread.
  static constexpr auto kHandOffAfter = std::chrono::milliseconds(4);

  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // On entering JS on the calling thread. `budget_ns` is how much CPU time
  // the entry may use before it is terminated; `on_loop` says whether the
  // thread carries an event loop that should be handed off if the entry
  // runs long. `control` must stay valid until end().
  void begin(v8::Isolate* isolate, EntryControl* control, int64_t budget_ns, bool on_loop);
  // When the entry returns. Returns whether the watchdog terminated it; once
  // end() returns, the watchdog will not touch the isolate again.
  bool end();

  // Terminates every entry running now, on every thread (shutdown).
  void terminateAll();

  // Called on the entry's thread when the watchdog asked it to hand its loop
  // off (from a V8 interrupt, or by native code that saw kHandOff). Hands
  // the loop off once per entry.
  static void handOffNow(EntryControl& control);

 private:
  struct Slot;
  Slot& slotOfThisThread();
  void loop();

  std::mutex slots_mutex_;
  std::vector<std::shared_ptr<Slot>> slots_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace verge::runtime
