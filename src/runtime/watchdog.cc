#include "runtime/watchdog.h"

#include <v8.h>

#include "net/event_loop.h"
#include "runtime/isolate_lock.h"

namespace verge::runtime {

namespace {
constexpr auto kTick = std::chrono::milliseconds(2);

int64_t clockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// V8 runs this on the isolate's thread at a safe point between bytecodes.
void onHandOffInterrupt(v8::Isolate*, void* data) { Watchdog::handOffNow(*static_cast<EntryControl*>(data)); }
}  // namespace

struct Watchdog::Slot {
  std::mutex mutex;
  clockid_t clock{};
  bool has_clock = false;
  bool dead = false;               // its thread has ended
  v8::Isolate* isolate = nullptr;  // non-null while an entry runs
  EntryControl* control = nullptr;
  bool on_loop = false;
  uint64_t entry = 0;  // bumped by begin()
  int64_t budget_ns = 0;
  bool fired = false;
  bool hand_off_asked = false;
  // The watchdog's own view: which entry it last saw, and the thread's CPU
  // time and the wall clock when it first saw it.
  uint64_t seen_entry = 0;
  int64_t seen_cpu_ns = 0;
};

namespace {
constexpr int64_t kHandOffAfterNs =
    std::chrono::duration_cast<std::chrono::nanoseconds>(Watchdog::kHandOffAfter).count();

// The calling thread's slot; marked dead when the thread ends, so the
// watchdog forgets it.
struct SlotHolder {
  std::shared_ptr<void> slot;
  void (*mark_dead)(void*) = nullptr;
  ~SlotHolder() {
    if (slot && mark_dead) mark_dead(slot.get());
  }
};
thread_local SlotHolder tls_slot;
}  // namespace

Watchdog::Watchdog() {
  thread_ = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Watchdog::Slot& Watchdog::slotOfThisThread() {
  if (tls_slot.slot) return *static_cast<Slot*>(tls_slot.slot.get());
  auto slot = std::make_shared<Slot>();
  // The clock id of the calling thread lets the watchdog read its CPU time.
  slot->has_clock = pthread_getcpuclockid(pthread_self(), &slot->clock) == 0;
  {
    std::lock_guard lock(slots_mutex_);
    slots_.push_back(slot);
  }
  tls_slot.slot = slot;
  tls_slot.mark_dead = [](void* p) {
    auto* s = static_cast<Slot*>(p);
    std::lock_guard lock(s->mutex);
    s->dead = true;
    s->isolate = nullptr;
  };
  return *slot;
}

void Watchdog::begin(v8::Isolate* isolate, EntryControl* control, int64_t budget_ns, bool on_loop) {
  Slot& s = slotOfThisThread();
  std::lock_guard lock(s.mutex);
  s.isolate = isolate;
  s.control = control;
  s.on_loop = on_loop;
  ++s.entry;
  s.budget_ns = budget_ns;
  s.fired = false;
  s.hand_off_asked = false;
  control->entry.fetch_add(1, std::memory_order_relaxed);
  control->flags.store(0, std::memory_order_relaxed);
}

bool Watchdog::end() {
  Slot& s = slotOfThisThread();
  std::lock_guard lock(s.mutex);
  bool fired = s.fired;
  s.isolate = nullptr;
  s.control = nullptr;
  s.fired = false;
  return fired;
}

void Watchdog::terminateAll() {
  std::lock_guard list_lock(slots_mutex_);
  for (auto& sp : slots_) {
    Slot& s = *sp;
    std::lock_guard lock(s.mutex);
    if (!s.isolate) continue;
    s.fired = true;
    s.control->flags.fetch_or(EntryControl::kTerminate);
    s.isolate->TerminateExecution();
  }
}

void Watchdog::handOffNow(EntryControl& control) {
  // Only for the entry the request was made for: an interrupt V8 delivers
  // late, in a later entry, must not hand off a loop that is not stuck.
  uint64_t entry = control.entry.load(std::memory_order_relaxed);
  if (control.flagged_entry.load() != entry) return;
  if (!(control.flags.fetch_and(~EntryControl::kHandOff) & EntryControl::kHandOff)) return;
  net::EventLoop* loop = net::EventLoop::current();
  if (!loop) return;
  // The next carrier will enter the loop's other isolates: let go of their
  // V8 locks first. This one stays locked until its entry ends.
  IsolateLock::releaseAllHere(control.lock);
  loop->handOff();
}

void Watchdog::loop() {
  while (!stop_.load()) {
    std::this_thread::sleep_for(kTick);
    std::lock_guard list_lock(slots_mutex_);
    std::erase_if(slots_, [](const std::shared_ptr<Slot>& s) {
      std::lock_guard lock(s->mutex);
      return s->dead;
    });
    for (auto& sp : slots_) {
      Slot& s = *sp;
      std::lock_guard lock(s.mutex);
      if (!s.isolate || s.fired || !s.has_clock) continue;
      int64_t now = clockNs(s.clock);
      if (s.seen_entry != s.entry) {
        // A new entry: start its clocks now. Up to one tick of CPU goes
        // uncounted, which is noise next to any real budget.
        s.seen_entry = s.entry;
        s.seen_cpu_ns = now;
        continue;
      }
      if (now - s.seen_cpu_ns > s.budget_ns) {
        s.fired = true;
        s.control->flags.fetch_or(EntryControl::kTerminate);
        s.isolate->TerminateExecution();
        continue;
      }
      // CPU time, not wall time: an entry that was merely preempted on a
      // busy machine is not a reason to move its loop.
      if (s.on_loop && !s.hand_off_asked && now - s.seen_cpu_ns >= kHandOffAfterNs) {
        s.hand_off_asked = true;
        s.control->flagged_entry.store(s.control->entry.load());
        s.control->flags.fetch_or(EntryControl::kHandOff);
        s.isolate->RequestInterrupt(&onHandOffInterrupt, s.control);
      }
    }
  }
}

}  // namespace verge::runtime
