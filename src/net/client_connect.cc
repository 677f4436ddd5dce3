#include "net/client_connect.h"

#include <memory>
#include <vector>

#include "net/egress.h"

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace verge::net {

std::string endpointText(const tcp::endpoint& ep) {
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

std::string millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

ssl::context& clientTlsContext() {
  // One context per thread: contexts are not shared across event loops.
  thread_local ssl::context ctx = [] {
    ssl::context c(ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(ssl::verify_peer);
    c.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1);
    return c;
  }();
  return ctx;
}

asio::awaitable<std::string> connectSocket(tcp::socket& socket, const ConnectTarget& target) {
  auto ex = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  // getaddrinfo has no deadline of its own (a silent DNS server holds it for
  // tens of seconds): the timeout bounds the lookup too. The timer's handler
  // may outlive this frame, so what it touches is shared.
  auto resolver = std::make_shared<tcp::resolver>(ex);
  auto resolve_timer = std::make_shared<asio::steady_timer>(ex);
  auto timed_out = std::make_shared<bool>(false);
  resolve_timer->expires_after(target.timeout);
  resolve_timer->async_wait([resolver, timed_out](boost::system::error_code tec) {
    if (tec) return;
    *timed_out = true;
    resolver->cancel();
  });
  auto results = co_await resolver->async_resolve(target.host, target.port,
                                                  asio::redirect_error(asio::use_awaitable, ec));
  resolve_timer->cancel();
  if (*timed_out) co_return "cannot resolve " + target.host + ": no answer within " + millis(target.timeout);
  if (ec) co_return "cannot resolve " + target.host + ": " + ec.message();

  // The egress policy judges each address before it is connected to, so the
  // address checked is the address used (DNS rebinding).
  std::vector<tcp::endpoint> endpoints;
  std::string refused;
  size_t refused_count = 0;
  for (const auto& entry : results) {
    tcp::endpoint ep = entry.endpoint();
    std::string why = target.egress ? target.egress->refusal(ep.address(), ep.port()) : std::string();
    if (why.empty()) {
      endpoints.push_back(ep);
    } else if (refused_count++ == 0) {
      refused = "egress to " + endpointText(ep) + " refused: " + why;
    }
  }
  if (endpoints.empty() && refused_count == 0) co_return "cannot resolve " + target.host + ": no address";
  if (endpoints.empty()) {
    if (refused_count > 1) refused += " (and " + std::to_string(refused_count - 1) + " more address(es))";
    co_return refused + " " + target.egress->hint();
  }

  // The connect deadline closes the socket, which ends the attempt. `done`
  // keeps a late timer handler from touching a socket that may be gone.
  auto connect_timer = std::make_shared<asio::steady_timer>(ex);
  auto done = std::make_shared<bool>(false);
  auto connect_timed_out = std::make_shared<bool>(false);
  connect_timer->expires_after(target.timeout);
  connect_timer->async_wait([&socket, done, connect_timed_out](boost::system::error_code tec) {
    if (tec || *done) return;
    *connect_timed_out = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  *done = true;
  connect_timer->cancel();
  if (*connect_timed_out) {
    co_return "connect timeout: no TCP connection to " + target.label + " within " + millis(target.timeout);
  }
  if (ec == asio::error::connection_refused) {
    co_return "connection refused by " + target.label + " (" + endpointText(endpoints.back()) + ")";
  }
  if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable) {
    co_return "cannot reach " + target.label + ": " + ec.message();
  }
  if (ec) co_return "cannot connect to " + target.label + ": " + ec.message();
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::string();
}

}  // namespace verge::net
