// Event loops that threads take turns carrying.
//
// A loop (an asio io_context with the sockets, timers and exchanges that
// belong to it) is run by exactly one thread at a time, its *carrier*.
// Normally a loop keeps its first carrier for its whole life, and code on it
// runs to completion with no locks, as on any thread-per-core server.
//
// The exception is a carrier that is about to stay busy for long, in
// practice a JavaScript entry that keeps spinning: before it stalls every
// connection on its loop, it hands the loop off (Go's scheduler does the
// same with a thread blocked in a system call). A new thread carries the
// loop meanwhile. The old one finishes the long work touching nothing that
// belongs to the loop (it posts to it instead), then reclaims the loop: the
// current carrier gives it back after the handler it is running, and ends.
// The old thread then returns into the loop code that started the work, as
// its carrier again.
//
//   thread A: ── handler ── handler ── JS entry …………………… reclaim() ─ rest of the handler ── handler ── …
//                                      │ handOff()            │
//   thread B:                          └── handler ── handler ┴ (gives the loop back, ends)
//
// So a spinning request delays only itself, and at any moment exactly one
// thread runs a loop's handlers. The price is one rule for loop code that
// starts long work (calls into JS): when the call returns, other handlers
// of the loop may have run meanwhile, so it must not keep references into
// loop-owned containers across the call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace verge::net {

class LoopGroup;

class EventLoop {
 public:
  EventLoop(LoopGroup& group, int index);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  int index() const { return index_; }
  boost::asio::io_context& context() { return *ioc_; }

  // The loop the calling thread carries, or null.
  static EventLoop* current();
  // Whether the calling thread carries this loop right now. Only its carrier
  // may touch what belongs to the loop (sockets, timers, exchanges).
  bool carriedHere() const { return current() == this; }

  // Runs `fn` on the loop: at once when the caller carries it, else posted.
  template <class F>
  void run(F&& fn) {
    if (carriedHere()) {
      fn();
    } else {
      post(std::function<void()>(std::forward<F>(fn)));
    }
  }
  // Queues `fn` to run on the loop (from any thread).
  void post(std::function<void()> fn);

  // Called on a thread whenever it stops carrying a loop for good (it gave
  // the loop back to a reclaiming thread, passed it on, or the loop
  // stopped), to release what it holds for the loop's sake (the runtime's
  // V8 locks). Set once at start-up.
  static void setCarrierExitHook(void (*hook)());

  // Threads started so far to carry this loop (the first one included).
  int carriersStarted() const { return carriers_started_.load(); }

  // Called by the carrier: a new thread carries the loop from now on. The
  // caller must then finish its long work without touching loop state (its
  // carriedHere() is false from now on, so run() posts) and call reclaim()
  // before it returns into loop code. Its priority drops meanwhile (nice
  // 10), so the loops' carriers win the CPU from the long work; once it is
  // back at the top of its loop, it passes the loop on to a fresh thread
  // (an unprivileged process cannot raise a priority again) and ends.
  // False when the caller does not carry the loop.
  bool handOff();
  // Called by a thread when its long work is done: if it handed this loop
  // off, waits until the current carrier finishes its handler and gives
  // the loop back (at once when the loop has stopped and nobody carries
  // it). Does nothing on any other thread.
  void reclaim();

  // Stops the loop: its carrier returns after the handler it is running.
  void stop();

 private:
  friend class LoopGroup;
  // The body of a carrier thread: runs handlers while it carries the loop.
  void carry();
  // Gives the loop to the longest-waiting reclaim() caller, if any.
  bool yieldToReclaimer();
  // A hand-off found no thread to take the loop.
  void carrierLost();
  // Posts from a thread that handed the loop off. Such a thread is still
  // inside the loop's run_one() (below the long work on its stack), where
  // asio would keep the post in that thread's private queue until the
  // handler returns; so these go through a queue of our own and an eventfd
  // the loop watches.
  void postFromOutside(std::function<void()> fn);
  void watchWakeups();
  // Runs what postFromOutside() queued, in order (on the carrier).
  void runOutside();

  LoopGroup& group_;
  int index_;
  std::unique_ptr<boost::asio::io_context> ioc_;

  // Hand-back state. `carried_`: some thread carries the loop (false only
  // after it stopped). `reclaimers_`: threads waiting in reclaim(), oldest
  // first; a waiter's flag turns true when the loop is its again.
  std::mutex mutex_;
  std::condition_variable handed_back_;
  bool carried_ = false;
  bool stop_reported_ = false;
  std::vector<bool*> reclaimers_;
  std::atomic<int> reclaim_waiting_{0};
  std::vector<std::function<void()>> outside_;  // guarded by mutex_
  struct Wakeup;                                // the eventfd (event_loop.cc)
  std::unique_ptr<Wakeup> wakeup_;
  std::atomic<int> carriers_started_{0};
};

// A fixed set of loops and the threads that carry them. run() blocks until
// every loop has stopped and every thread that ever carried one has ended.
class LoopGroup {
 public:
  struct Hooks {
    // On a loop's first carrier, before it runs any handler.
    std::function<void(int loop)> on_start;
    // Once every loop has stopped, on the thread that called run(), while
    // threads that were handed off may still be finishing: ask them to stop
    // (e.g. terminate the JS they run). run() then waits for them.
    std::function<void()> on_all_stopped;
    // After every thread has ended, on the thread that called run(), for
    // each loop: tear down what lives on it.
    std::function<void(int loop)> on_finish;
  };

  explicit LoopGroup(int loops);
  ~LoopGroup();
  LoopGroup(const LoopGroup&) = delete;
  LoopGroup& operator=(const LoopGroup&) = delete;

  int size() const { return static_cast<int>(loops_.size()); }
  EventLoop& loop(int i) { return *loops_.at(static_cast<size_t>(i)); }

  void run(Hooks hooks);
  void stop();

  // Threads alive that carry a loop or finish work after handing one off.
  int threads() const;

 private:
  friend class EventLoop;
  bool startCarrier(EventLoop& loop);
  void requestCarrier(EventLoop& loop);
  void spawnLoop();
  void carrierEnded();
  void loopStopped();

  std::vector<std::unique_ptr<EventLoop>> loops_;
  // The hooks and per-loop state of the current run() (event_loop.cc).
  struct Run;
  std::unique_ptr<Run> run_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int threads_ = 0;
  int loops_running_ = 0;
  std::thread spawner_;
  std::condition_variable spawn_wanted_;
  std::vector<EventLoop*> spawn_queue_;  // guarded by mutex_
  bool spawner_stop_ = false;
};

}  // namespace verge::net
