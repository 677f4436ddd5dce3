#include "net/event_loop.h"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "base/log.h"

namespace asio = boost::asio;

namespace verge::net {

namespace {
thread_local EventLoop* tls_current = nullptr;
// The loop this thread handed off and must reclaim, if any.
thread_local EventLoop* tls_handed_off = nullptr;
// This thread handed a loop off and runs at a lower priority since.
thread_local bool tls_demoted = false;
// A thread that handed its loop off finishes its long work at this
// niceness, so the loops' carriers are preferred when both want a core.
constexpr int kHandedOffNice = 10;
std::atomic<void (*)()> g_carrier_exit_hook{nullptr};

void carrierExits() {
  if (auto hook = g_carrier_exit_hook.load()) hook();
}
}  // namespace

void EventLoop::setCarrierExitHook(void (*hook)()) { g_carrier_exit_hook = hook; }

struct EventLoop::Wakeup {
  explicit Wakeup(asio::io_context& ioc) : fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), descriptor(ioc) {
    if (fd < 0) throw std::runtime_error("event loop: eventfd() failed");
    descriptor.assign(fd);
  }
  int fd;
  asio::posix::stream_descriptor descriptor;
  uint64_t value = 0;
};

struct LoopGroup::Run {
  Hooks hooks;
  // Keeps each loop's io_context from running out of work between handlers
  // (a carrier that finds nothing to do must wait, not end), until stop().
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::optional<WorkGuard>> guards;
  // Whether each loop's first carrier has run on_start (only that carrier
  // reads and writes it, before any hand-off can happen).
  std::vector<bool> started;
};

EventLoop::EventLoop(LoopGroup& group, int index)
    // Concurrency hint 1: one thread runs the loop's handlers at a time, so
    // asio may keep what a handler posts in that thread's private queue (no
    // lock, no reactor wake-up per post). Posts from a thread that handed
    // the loop off take postFromOutside() instead.
    : group_(group), index_(index), ioc_(std::make_unique<asio::io_context>(1)) {
  wakeup_ = std::make_unique<Wakeup>(*ioc_);
  watchWakeups();
}

EventLoop::~EventLoop() {
  wakeup_.reset();  // closes the eventfd before the io_context goes
}

EventLoop* EventLoop::current() { return tls_current; }

void EventLoop::post(std::function<void()> fn) {
  if (tls_handed_off == this) {
    postFromOutside(std::move(fn));
  } else {
    asio::post(*ioc_, std::move(fn));
  }
}

void EventLoop::postFromOutside(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    outside_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!::write(wakeup_->fd, &one, sizeof one);
}

void EventLoop::watchWakeups() {
  wakeup_->descriptor.async_read_some(asio::buffer(&wakeup_->value, sizeof wakeup_->value),
                                      [this](boost::system::error_code ec, size_t) {
                                        if (ec == asio::error::operation_aborted) return;
                                        watchWakeups();
                                        runOutside();
                                      });
}

void EventLoop::stop() { ioc_->stop(); }

bool EventLoop::handOff() {
  if (tls_current != this) return false;
  // From here on this thread does not carry the loop: anything it still
  // wants done on the loop is posted, until it reclaims the loop.
  tls_current = nullptr;
  group_.requestCarrier(*this);
  tls_handed_off = this;
  if (!tls_demoted) {
    tls_demoted = true;
    // Best effort: without the right to renice, only fairness suffers.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kHandedOffNice);
  }
  return true;
}

void EventLoop::reclaim() {
  if (tls_handed_off != this) return;
  tls_handed_off = nullptr;
  bool mine = false;
  {
    std::unique_lock lock(mutex_);
    if (!carried_) {
      // Stopped, and nobody carries it: take it back at once.
      carried_ = true;
      mine = true;
    } else {
      reclaimers_.push_back(&mine);
      ++reclaim_waiting_;
    }
  }
  if (!mine) {
    // Wake the carrier if it waits for work, so it sees us at once.
    postFromOutside([] {});
    std::unique_lock lock(mutex_);
    handed_back_.wait(lock, [&] { return mine; });
  }
  tls_current = this;
  // What this thread posted while away runs now, before anything it does as
  // the carrier again: a response's body chunks, say, keep their order.
  runOutside();
}

void EventLoop::runOutside() {
  // One batch: a thread that keeps posting must not keep the loop here.
  std::vector<std::function<void()>> todo;
  {
    std::lock_guard lock(mutex_);
    todo.swap(outside_);
  }
  for (auto& fn : todo) fn();
}

void EventLoop::carrierLost() {
  std::lock_guard lock(mutex_);
  carried_ = false;
}

bool EventLoop::yieldToReclaimer() {
  std::lock_guard lock(mutex_);
  if (reclaimers_.empty()) return false;
  bool* next = reclaimers_.front();
  reclaimers_.erase(reclaimers_.begin());
  --reclaim_waiting_;
  tls_current = nullptr;
  *next = true;  // the loop stays carried: by the waiter now
  handed_back_.notify_all();
  return true;
}

void EventLoop::carry() {
  tls_current = this;
  {
    std::lock_guard lock(mutex_);
    carried_ = true;
  }
  if (LoopGroup::Run* run = group_.run_.get()) {
    if (!run->started[static_cast<size_t>(index_)]) {
      run->started[static_cast<size_t>(index_)] = true;
      if (run->hooks.on_start) run->hooks.on_start(index_);
    }
  }
  // One handler at a time; between two, give the loop back to a thread
  // that handed it off and has finished its long work.
  for (;;) {
    if (reclaim_waiting_.load(std::memory_order_relaxed) > 0) {
      carrierExits();
      if (yieldToReclaimer()) return;
    }
    if (tls_demoted) {
      // Back from long work at a lower priority: a fresh thread carries on.
      carrierExits();
      tls_current = nullptr;
      group_.requestCarrier(*this);
      return;
    }
    if (ioc_->run_one() > 0) continue;
    // Stopped.
    carrierExits();
    if (yieldToReclaimer()) return;
    bool report = false;
    {
      std::lock_guard lock(mutex_);
      carried_ = false;
      report = !stop_reported_;
      stop_reported_ = true;
    }
    tls_current = nullptr;
    if (report) group_.loopStopped();
    return;
  }
}

LoopGroup::LoopGroup(int loops) {
  if (loops < 1) loops = 1;
  for (int i = 0; i < loops; ++i) loops_.push_back(std::make_unique<EventLoop>(*this, i));
}

LoopGroup::~LoopGroup() = default;

int LoopGroup::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

bool LoopGroup::startCarrier(EventLoop& loop) {
  {
    std::lock_guard lock(mutex_);
    ++threads_;
  }
  ++loop.carriers_started_;
  try {
    std::thread([this, &loop] {
      loop.carry();
      carrierEnded();
    }).detach();
    return true;
  } catch (const std::exception& e) {
    base::logLine(base::LogLevel::kError, std::string("event loop: cannot start a thread: ") + e.what());
    carrierEnded();
    return false;
  }
}

void LoopGroup::requestCarrier(EventLoop& loop) {
  std::lock_guard lock(mutex_);
  ++threads_;  // counted now, so run() waits for it
  spawn_queue_.push_back(&loop);
  spawn_wanted_.notify_one();
}

// New carriers for hand-offs are started by this thread, not by the thread
// handing off: a thread inherits its creator's niceness, and the one
// handing off is about to lower its own.
void LoopGroup::spawnLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    spawn_wanted_.wait(lock, [this] { return spawner_stop_ || !spawn_queue_.empty(); });
    if (spawn_queue_.empty()) return;  // stopping
    EventLoop* loop = spawn_queue_.front();
    spawn_queue_.erase(spawn_queue_.begin());
    lock.unlock();
    ++loop->carriers_started_;
    try {
      std::thread([this, loop] {
        loop->carry();
        carrierEnded();
      }).detach();
    } catch (const std::exception& e) {
      base::logLine(base::LogLevel::kError, std::string("event loop: cannot start a thread: ") + e.what());
      // Nobody carries the loop until the thread that handed it off
      // reclaims it, which it may then do at once.
      loop->carrierLost();
      carrierEnded();
    }
    lock.lock();
  }
}

void LoopGroup::carrierEnded() {
  std::lock_guard lock(mutex_);
  --threads_;
  changed_.notify_all();
}

void LoopGroup::loopStopped() {
  std::lock_guard lock(mutex_);
  --loops_running_;
  changed_.notify_all();
}

void LoopGroup::run(Hooks hooks) {
  run_ = std::make_unique<Run>();
  run_->hooks = std::move(hooks);
  run_->guards.resize(loops_.size());
  run_->started.assign(loops_.size(), false);
  for (size_t i = 0; i < loops_.size(); ++i) run_->guards[i].emplace(loops_[i]->context().get_executor());
  {
    std::lock_guard lock(mutex_);
    loops_running_ = static_cast<int>(loops_.size());
  }
  spawner_stop_ = false;
  spawner_ = std::thread([this] { spawnLoop(); });
  for (auto& loop : loops_) {
    if (!startCarrier(*loop)) loopStopped();
  }
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return loops_running_ == 0; });
  }
  if (run_->hooks.on_all_stopped) run_->hooks.on_all_stopped();
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return threads_ == 0; });
    spawner_stop_ = true;
    spawn_wanted_.notify_one();
  }
  spawner_.join();
  if (run_->hooks.on_finish) {
    for (size_t i = 0; i < loops_.size(); ++i) run_->hooks.on_finish(static_cast<int>(i));
  }
  run_.reset();
}

void LoopGroup::stop() {
  for (auto& loop : loops_) loop->stop();
}

}  // namespace verge::net
