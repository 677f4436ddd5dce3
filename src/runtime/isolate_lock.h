// Sticky V8 locks. An isolate may run on different threads over its life
// (its loop's carrier changes on a hand-off, see net/event_loop.h), so V8
// requires a v8::Locker around every use. Taking and dropping one per entry
// costs V8 per-thread bookkeeping on every request; instead the thread that
// enters an isolate keeps its lock until it stops carrying the loop:
//   - at a hand-off, the old carrier drops every lock but the one of the
//     isolate it is still running (before the new carrier starts);
//   - a thread that stops carrying a loop (gives it back, passes it on, or
//     the loop stops) drops all of its locks;
//   - an isolate's lock is dropped when the isolate is destroyed.
// So a carrier never waits for a lock: no other thread holds one of its
// loop's isolates, except a handed-off thread still running that isolate,
// which the loop does not enter meanwhile (WorkerIsolate::running()).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

namespace v8 {
class Isolate;
class Locker;
}  // namespace v8

namespace verge::runtime {

class IsolateLock {
 public:
  explicit IsolateLock(v8::Isolate* isolate);
  // Drops the lock if the calling thread holds it. It must not be held by
  // another thread.
  ~IsolateLock();
  IsolateLock(const IsolateLock&) = delete;
  IsolateLock& operator=(const IsolateLock&) = delete;

  // Makes sure the calling thread holds the lock (blocks if another does).
  void acquire();
  void release();  // on the holding thread
  bool heldHere() const { return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

  // Drops every lock the calling thread holds, except `keep`.
  static void releaseAllHere(const IsolateLock* keep = nullptr);

 private:
  v8::Isolate* isolate_;
  std::unique_ptr<v8::Locker> locker_;
  std::atomic<std::thread::id> owner_{};
};

}  // namespace verge::runtime
