// Helpers shared by the net layer's unit tests (not part of the library):
// a scripted peer on loopback and a loop runner with a deadline.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <functional>

namespace verge::net::test {

// A peer on 127.0.0.1 (a free port) that runs `script` on each connection
// it accepts, on the io_context it was made with.
class LoopbackPeer {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using Script = std::function<boost::asio::awaitable<void>(Socket)>;
  LoopbackPeer(boost::asio::io_context& ioc, Script script)
      : acceptor_(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}), script_(std::move(script)) {
    boost::asio::co_spawn(ioc, accept(), boost::asio::detached);
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections = 0;

 private:
  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      ++connections;
      boost::asio::co_spawn(acceptor_.get_executor(), script_(std::move(socket)), boost::asio::detached);
    }
  }
  boost::asio::ip::tcp::acceptor acceptor_;
  Script script_;
};

// Runs `ioc` until `done` is true, for at most 10 s (a test failure then).
inline void runUntil(boost::asio::io_context& ioc, const bool& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(done) << "no callback within 10 s";
}

}  // namespace verge::net::test
