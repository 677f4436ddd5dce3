// What the net layer's clients share: the HTTP client (http_client.cc) and
// the TCP socket client (tcp_client.cc) resolve a host on the loop, judge
// every address DNS returns by the egress policy just before connecting to
// it, connect within a deadline, and verify TLS peers against the system's
// trust store the same way, so a worker's fetch() and connect() obey one
// policy and fail with the same messages. Internal to the net layer: this
// header pulls in asio.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace verge::net {

class EgressPolicy;

struct ConnectTarget {
  std::string host;   // a name or an IP address, without brackets
  std::string port;   // decimal
  std::string label;  // "host:port" as the caller wrote it, for messages
  // Bounds the DNS lookup and, separately, the TCP connect.
  std::chrono::milliseconds timeout{15'000};
  // Which addresses may be connected to; null: any. Must outlive the
  // connect.
  const EgressPolicy* egress = nullptr;
};

// Resolves `target.host`, drops the addresses the egress policy refuses and
// connects `socket` to the first remaining one that answers. Returns "" on
// success, else a message starting with one of http_client.h's
// FetchErrorKind phrases ("cannot resolve ", "egress to ", "connection
// refused by ", "connect timeout: ", "cannot reach ", "cannot connect to ").
boost::asio::awaitable<std::string> connectSocket(boost::asio::ip::tcp::socket& socket, const ConnectTarget& target);

// "1.2.3.4:80" or "[::1]:80".
std::string endpointText(const boost::asio::ip::tcp::endpoint& endpoint);

// "15000 ms".
std::string millis(std::chrono::milliseconds ms);

// The client TLS context of this thread: TLS 1.2 and later, peers verified
// against the system's trust store (OpenSSL's default paths, which
// SSL_CERT_FILE / SSL_CERT_DIR override).
boost::asio::ssl::context& clientTlsContext();

// Sends `host` as SNI and requires the peer's certificate to be valid for
// it. False when OpenSSL refuses the name as SNI.
// `Stream`: an asio ssl::stream or a beast ssl_stream.
template <class Stream>
bool setUpClientTls(Stream& stream, const std::string& host) {
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) return false;
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return true;
}

}  // namespace verge::net
