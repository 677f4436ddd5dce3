// An outbound TCP connection, plain or TLS, for a worker's
// `cloudflare:sockets` connect() (and node:net / node:tls over it).
//
// The connect resolves and judges addresses as fetch() does
// (client_connect.h): the same egress policy, the same messages. TLS is
// either on from the start or begun later on the open connection
// (startTls, for protocols that negotiate it in plain text first: SMTP's
// STARTTLS, PostgreSQL's SSLRequest), and verifies the peer against the
// system's trust store for the given name.
//
// Flow control is the caller's: read() asks for at most one chunk, and
// nothing is read from the socket until it is asked, so a slow reader
// leaves the bytes in the kernel (TCP's window pushes back on the peer);
// write() completes once the bytes are in the kernel, and the caller sends
// the next chunk only then.
//
// Threads: create, call and destroy on the loop of `ioc` (its carrier);
// callbacks run there. At most one read and one write may be outstanding;
// a second is refused with an error through its callback. The peer is
// untrusted: whatever it sends or does ends in a callback, never a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace verge::net {

class EgressPolicy;

class TcpClient {
 public:
  struct Options {
    std::string host;  // a name or an IP address, without brackets
    uint16_t port = 0;
    bool tls = false;  // TLS from the start, verified for `host`
    // Where the connection may go; null: anywhere.
    std::shared_ptr<const EgressPolicy> egress;
    // For the DNS lookup, the TCP connect and each TLS handshake.
    std::chrono::milliseconds connect_timeout{15'000};
  };
  // `error` empty on success; the addresses as "ip:port" ("[ip6]:port").
  using ConnectCallback = std::function<void(std::string_view error, std::string remote, std::string local)>;
  // A chunk (non-empty), or both empty at the end of the stream, or an error.
  using ReadCallback = std::function<void(std::string_view data, std::string_view error)>;
  using DoneCallback = std::function<void(std::string_view error)>;

  explicit TcpClient(boost::asio::io_context& ioc);
  // Closes the connection; outstanding callbacks are called with an error.
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  void connect(Options options, ConnectCallback callback);
  void read(ReadCallback callback);
  void write(std::string bytes, DoneCallback callback);
  // Sends FIN after what was written (plain connections). Over TLS nothing
  // is sent until close(): TLS has no half-close that peers agree on.
  void shutdownWrite(DoneCallback callback);
  // Begins TLS on the open plain connection, verified for `host`. No write
  // may be outstanding; an outstanding read ends (as an error) first.
  void startTls(std::string host, DoneCallback callback);
  // Ends the connection at once (no close_notify, no lingering).
  void close();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace verge::net
