// Event loops carried by threads that hand them off during long work: the
// loop keeps running handlers meanwhile, never two at once, and the thread
// that handed it off returns into its handler as the carrier again.
#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace verge::net {
namespace {

using namespace std::chrono_literals;

// Counts handlers running at once on a loop; more than one is a bug.
struct Overlap {
  std::atomic<int> running{0};
  std::atomic<int> worst{0};
  void enter() {
    int now = ++running;
    int seen = worst.load();
    while (now > seen && !worst.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { --running; }
};

TEST(EventLoop, HandlersRunOnTheLoopsCarrier) {
  LoopGroup group(2);
  std::atomic<int> ran{0};
  LoopGroup::Hooks hooks;
  hooks.on_start = [&](int i) {
    EventLoop& loop = group.loop(i);
    EXPECT_TRUE(loop.carriedHere());
    loop.post([&, i] {
      EXPECT_TRUE(group.loop(i).carriedHere());
      EXPECT_EQ(EventLoop::current(), &group.loop(i));
      if (++ran == 2) group.stop();
    });
  };
  group.run(hooks);
  EXPECT_EQ(ran.load(), 2);
  EXPECT_EQ(group.threads(), 0);
}

TEST(EventLoop, HandOffKeepsTheLoopRunningAndReclaimReturnsIt) {
  LoopGroup group(1);
  EventLoop& loop = group.loop(0);
  Overlap overlap;
  std::atomic<bool> long_work_done{false};
  std::atomic<int> served_meanwhile{0};
  std::atomic<bool> posted_from_outside_ran{false};
  std::thread::id long_thread;
  LoopGroup::Hooks hooks;
  hooks.on_start = [&](int) {
    loop.post([&] {
      overlap.enter();
      long_thread = std::this_thread::get_id();
      overlap.leave();  // from here on the loop is someone else's
      ASSERT_TRUE(loop.handOff());
      EXPECT_FALSE(loop.carriedHere());
      // Long work off the loop: the loop serves other handlers meanwhile.
      auto until = std::chrono::steady_clock::now() + 2s;
      while (served_meanwhile < 20 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
      // A post from here reaches the loop at once, not when this returns.
      loop.post([&] { posted_from_outside_ran = true; });
      until = std::chrono::steady_clock::now() + 2s;
      while (!posted_from_outside_ran && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
      EXPECT_TRUE(posted_from_outside_ran);
      loop.reclaim();
      overlap.enter();
      EXPECT_TRUE(loop.carriedHere());
      EXPECT_EQ(std::this_thread::get_id(), long_thread);
      long_work_done = true;
      overlap.leave();
      loop.post([&] { group.stop(); });
    });
    // Work that arrives while the first handler is busy.
    for (int i = 0; i < 20; ++i) {
      loop.post([&] {
        overlap.enter();
        EXPECT_NE(std::this_thread::get_id(), long_thread);
        ++served_meanwhile;
        overlap.leave();
      });
    }
  };
  group.run(hooks);
  EXPECT_TRUE(long_work_done);
  EXPECT_EQ(served_meanwhile.load(), 20);
  EXPECT_EQ(overlap.worst.load(), 1);
  EXPECT_GE(loop.carriersStarted(), 2);
  EXPECT_EQ(group.threads(), 0);
}

TEST(EventLoop, WhatWasPostedFromAwayRunsBeforeTheReclaimerGoesOn) {
  LoopGroup group(1);
  EventLoop& loop = group.loop(0);
  std::vector<int> order;
  LoopGroup::Hooks hooks;
  hooks.on_start = [&](int) {
    loop.post([&] {
      ASSERT_TRUE(loop.handOff());
      loop.run([&] { order.push_back(1); });  // posted: this thread is away
      loop.reclaim();
      loop.run([&] { order.push_back(2); });  // direct: it carries the loop again
      group.stop();
    });
    // Keeps the new carrier busy, so it gives the loop back before it has
    // looked at what the first handler posted.
    loop.post([&] { std::this_thread::sleep_for(100ms); });
  };
  group.run(hooks);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(EventLoop, ReclaimAfterTheLoopStoppedTakesItAtOnce) {
  LoopGroup group(1);
  EventLoop& loop = group.loop(0);
  std::atomic<bool> reclaimed{false};
  LoopGroup::Hooks hooks;
  hooks.on_start = [&](int) {
    loop.post([&] {
      ASSERT_TRUE(loop.handOff());
      group.stop();
      // Wait until the new carrier has seen the stop and ended.
      std::this_thread::sleep_for(100ms);
      loop.reclaim();  // must not wait for a carrier that is gone
      reclaimed = true;
    });
  };
  group.run(hooks);
  EXPECT_TRUE(reclaimed);
  EXPECT_EQ(group.threads(), 0);
}

TEST(EventLoop, RunCallsDirectlyOnTheCarrierAndPostsElsewhere) {
  LoopGroup group(1);
  EventLoop& loop = group.loop(0);
  std::atomic<bool> direct{false}, posted{false};
  std::thread poster;
  LoopGroup::Hooks hooks;
  hooks.on_start = [&](int) {
    loop.post([&] {
      bool ran = false;
      loop.run([&] { ran = true; });
      direct = ran;  // ran inline, before run() returned
      poster = std::thread([&] {
        loop.run([&] {
          posted = loop.carriedHere();
          group.stop();
        });
      });
    });
  };
  group.run(hooks);
  poster.join();
  EXPECT_TRUE(direct);
  EXPECT_TRUE(posted);
}

}  // namespace
}  // namespace verge::net
