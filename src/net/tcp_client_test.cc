// TcpClient against peers on loopback that misbehave: whatever a peer sends
// or does ends in a callback with an error that says what happened, never a
// crash or a callback that never comes.
#include "net/tcp_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>

#include "net/egress.h"
#include "net/test_util.h"

namespace verge::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using test::runUntil;
using Peer = test::LoopbackPeer;

std::string connect(asio::io_context& ioc, TcpClient& client, uint16_t port, bool tls,
                    std::shared_ptr<const EgressPolicy> egress = nullptr) {
  TcpClient::Options options;
  options.host = tls ? "localhost" : "127.0.0.1";
  options.port = port;
  options.tls = tls;
  options.egress = std::move(egress);
  options.connect_timeout = std::chrono::milliseconds(2000);
  bool done = false;
  std::string error;
  client.connect(options, [&](std::string_view e, std::string, std::string) {
    error = std::string(e);
    done = true;
  });
  runUntil(ioc, done);
  return error;
}

// Reads once: the chunk, "<eof>", or the error.
std::string readOnce(asio::io_context& ioc, TcpClient& client) {
  bool done = false;
  std::string out;
  client.read([&](std::string_view data, std::string_view error) {
    out = !error.empty() ? "error: " + std::string(error) : data.empty() ? "<eof>" : std::string(data);
    done = true;
  });
  runUntil(ioc, done);
  return out;
}

asio::awaitable<void> sendAndClose(tcp::socket socket, std::string bytes) {
  co_await asio::async_write(socket, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  socket.shutdown(tcp::socket::shutdown_send);
  char byte;
  co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
}

TEST(TcpClient, ReadsWhatThePeerSentThenTheEnd) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) { return sendAndClose(std::move(s), "hello"); });
  TcpClient client(ioc);
  ASSERT_EQ(connect(ioc, client, peer.port(), false), "");
  EXPECT_EQ(readOnce(ioc, client), "hello");
  EXPECT_EQ(readOnce(ioc, client), "<eof>");
}

TEST(TcpClient, TlsGarbageFailsTheHandshake) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) { return sendAndClose(std::move(s), std::string(300, '\x16') + "not tls"); });
  TcpClient client(ioc);
  std::string error = connect(ioc, client, peer.port(), true);
  EXPECT_EQ(error.rfind("TLS handshake with localhost:" + std::to_string(peer.port()) + " failed: ", 0), 0u)
      << error;
}

TEST(TcpClient, APeerThatSaysNothingTimesOutTheHandshake) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) -> asio::awaitable<void> {
    char byte;
    co_await s.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    asio::steady_timer t(s.get_executor(), std::chrono::seconds(5));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  });
  TcpClient client(ioc);
  std::string error = connect(ioc, client, peer.port(), true);
  EXPECT_NE(error.find("failed: no answer within 2000 ms"), std::string::npos) << error;
}

TEST(TcpClient, StartTlsOnGarbageFailsAndTheSocketIsClosed) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) -> asio::awaitable<void> {
    char byte;
    co_await s.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    co_await sendAndClose(std::move(s), "HTTP/1.1 400 Nope\r\n\r\n");
  });
  TcpClient client(ioc);
  ASSERT_EQ(connect(ioc, client, peer.port(), false), "");
  // A read waiting when startTls() begins ends with an error first.
  bool read_done = false, tls_done = false;
  std::string read_error, tls_error;
  client.read([&](std::string_view, std::string_view error) {
    read_error = std::string(error);
    read_done = true;
  });
  client.startTls("localhost", [&](std::string_view error) {
    tls_error = std::string(error);
    tls_done = true;
  });
  runUntil(ioc, tls_done);
  EXPECT_TRUE(read_done);
  EXPECT_EQ(read_error, "the read was ended by startTls()");
  EXPECT_EQ(tls_error.rfind("TLS handshake with 127.0.0.1:" + std::to_string(peer.port()) + " failed: ", 0), 0u)
      << tls_error;
  EXPECT_EQ(readOnce(ioc, client), "error: the socket is closed");
}

TEST(TcpClient, OneReadAtATime) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) { return sendAndClose(std::move(s), "x"); });
  TcpClient client(ioc);
  ASSERT_EQ(connect(ioc, client, peer.port(), false), "");
  bool first = false;
  client.read([&](std::string_view, std::string_view) { first = true; });
  EXPECT_EQ(readOnce(ioc, client), "error: a read is already in progress");
  runUntil(ioc, first);
}

TEST(TcpClient, CloseEndsAWaitingRead) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) -> asio::awaitable<void> {
    char byte;
    co_await s.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
  });
  TcpClient client(ioc);
  ASSERT_EQ(connect(ioc, client, peer.port(), false), "");
  bool done = false;
  std::string error;
  client.read([&](std::string_view, std::string_view e) {
    error = std::string(e);
    done = true;
  });
  client.close();
  runUntil(ioc, done);
  EXPECT_EQ(error, "the socket was closed");
}

TEST(TcpClient, EgressIsJudgedAsForFetch) {
  asio::io_context ioc;
  Peer peer(ioc, [](tcp::socket s) { return sendAndClose(std::move(s), ""); });
  auto policy = std::make_shared<EgressPolicy>();
  policy->setLocalAddresses({});
  TcpClient client(ioc);
  EXPECT_EQ(connect(ioc, client, peer.port(), false, policy),
            "egress to 127.0.0.1:" + std::to_string(peer.port()) +
                " refused: loopback address (allow it with egress_allow in the node config)");
  EXPECT_EQ(peer.connections, 0);
}

}  // namespace
}  // namespace verge::net
