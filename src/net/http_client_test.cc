// The HTTP client's egress hook, against a tiny origin on loopback: every
// address is judged before it is connected to, and a pooled connection is
// judged by the policy of the request that would take it.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>

#include "net/egress.h"
#include "net/test_util.h"

namespace verge::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// An origin that answers every request on a connection with "ok" and keeps
// the connection open.
asio::awaitable<void> answerOk(tcp::socket socket, int* requests) {
  std::string buffer;
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n",
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    buffer.erase(0, n);
    ++*requests;
    static const std::string kAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    auto [wec, written] = co_await asio::async_write(socket, asio::buffer(kAnswer), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return;
  }
}

struct LoopbackOrigin : test::LoopbackPeer {
  explicit LoopbackOrigin(asio::io_context& ioc)
      : test::LoopbackPeer(ioc, [this](tcp::socket s) { return answerOk(std::move(s), &requests); }) {}
  int requests = 0;
};

struct Result {
  std::string error;
  int status = 0;
  std::string body;
};

// Runs one fetch on `ioc` to completion (body included).
Result fetch(asio::io_context& ioc, ClientRequest request) {
  Result result;
  bool done = false;
  httpFetch(ioc, std::move(request), [&](std::string_view error, std::shared_ptr<ClientResponse> response) {
    if (!error.empty()) {
      result.error = std::string(error);
      done = true;
      return;
    }
    result.status = response->status;
    auto body = response->body;
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [&, body, pump] {
      body->read([&, body, pump](std::string_view data, std::string_view error) {
        if (!error.empty() || data.empty()) {
          if (!error.empty()) result.error = std::string(error);
          done = true;
          *pump = nullptr;  // break the cycle
          return;
        }
        result.body += data;
        (*pump)();
      });
    };
    (*pump)();
  });
  test::runUntil(ioc, done);
  return result;
}

ClientRequest to(uint16_t port, std::string host = "127.0.0.1") {
  ClientRequest r;
  r.url = "http://" + host + ":" + std::to_string(port) + "/";
  return r;
}

std::shared_ptr<EgressPolicy> defaultPolicy() {
  auto policy = std::make_shared<EgressPolicy>();
  policy->setLocalAddresses({});
  return policy;
}

TEST(HttpClientEgress, LoopbackIsRefusedBeforeConnecting) {
  asio::io_context ioc;
  LoopbackOrigin origin(ioc);
  ClientRequest r = to(origin.port());
  r.egress = defaultPolicy();
  Result result = fetch(ioc, r);
  EXPECT_EQ(result.error, "egress to 127.0.0.1:" + std::to_string(origin.port()) +
                              " refused: loopback address (allow it with egress_allow in the node config)");
  EXPECT_EQ(fetchErrorKind(result.error), FetchErrorKind::kEgressRefused);
  EXPECT_EQ(origin.connections, 0);
}

TEST(HttpClientEgress, EveryResolvedAddressIsJudged) {
  asio::io_context ioc;
  LoopbackOrigin origin(ioc);
  ClientRequest r = to(origin.port(), "localhost");
  r.egress = defaultPolicy();
  Result result = fetch(ioc, r);
  EXPECT_EQ(result.error.rfind("egress to ", 0), 0u) << result.error;
  EXPECT_NE(result.error.find("loopback address"), std::string::npos) << result.error;
  EXPECT_EQ(origin.connections, 0);
}

TEST(HttpClientEgress, AllowListedAddressesAreReached) {
  asio::io_context ioc;
  LoopbackOrigin origin(ioc);
  auto policy = defaultPolicy();
  std::string error;
  policy->allow(*EgressPolicy::parseAllowEntry("127.0.0.1:" + std::to_string(origin.port()), error));
  ClientRequest r = to(origin.port());
  r.egress = policy;
  Result result = fetch(ioc, r);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "ok");
  // The node's own listener is refused as such.
  policy = defaultPolicy();
  policy->addSelf("127.0.0.1", origin.port());
  r = to(origin.port());
  r.egress = policy;
  result = fetch(ioc, r);
  EXPECT_NE(result.error.find("this node's own listener (127.0.0.1:" + std::to_string(origin.port()) + ")"),
            std::string::npos)
      << result.error;
}

TEST(HttpClientEgress, APooledConnectionIsJudgedByTheRequestThatTakesIt) {
  asio::io_context ioc;
  LoopbackOrigin origin(ioc);
  // A request without a policy leaves an idle keep-alive connection behind.
  Result first = fetch(ioc, to(origin.port()));
  ASSERT_EQ(first.error, "");
  ASSERT_EQ(first.body, "ok");
  EXPECT_EQ(origin.connections, 1);
  // Another worker's request with a policy must not ride on it.
  ClientRequest r = to(origin.port());
  r.egress = defaultPolicy();
  Result refused = fetch(ioc, r);
  EXPECT_EQ(fetchErrorKind(refused.error), FetchErrorKind::kEgressRefused) << refused.error;
  EXPECT_EQ(origin.requests, 1);
  // The connection stayed in the pool for those allowed to use it.
  Result again = fetch(ioc, to(origin.port()));
  EXPECT_EQ(again.body, "ok");
  EXPECT_EQ(origin.connections, 1);
  EXPECT_EQ(origin.requests, 2);
}

TEST(HttpClient, InvalidRequestsAreNeverSent) {
  asio::io_context ioc;
  LoopbackOrigin origin(ioc);
  ClientRequest r = to(origin.port());
  r.headers.push_back({"x-split", "a\r\nx-injected: 1"});
  Result result = fetch(ioc, r);
  EXPECT_EQ(fetchErrorKind(result.error), FetchErrorKind::kInvalidRequest) << result.error;
  EXPECT_EQ(origin.requests, 0);
  r = to(origin.port());
  r.url = "ftp://127.0.0.1/";
  EXPECT_EQ(fetchErrorKind(fetch(ioc, r).error), FetchErrorKind::kInvalidRequest);
}

}  // namespace
}  // namespace verge::net
