// Small POSIX pieces of the server's socket handling, kept out of
// http_server.cc so each can be read (and tested) on its own: the
// file-descriptor budget, the probe that finds another process on our port
// before SO_REUSEPORT would let us silently share it, and a byte count of
// what a client has sent that nobody has read yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace verge::net {

// Raises this process's RLIMIT_NOFILE soft limit to its hard limit and
// returns the soft limit now in force. Called once at start-up by the CLI
// (cli.cc, runCli), before any server binds: the default connection cap is
// derived from it.
uint64_t raiseFileLimit();

// The default for ServerLimits::max_connections: half of the descriptor
// limit, after 256 kept for the node's own files (storage, cache, V8), so
// that every client connection can have one outbound socket (a worker
// subrequest, an origin fetch) too; at least 16, at most 65536 (beyond
// that, memory per connection is the limit).
size_t defaultMaxConnections();

// Checks that no other socket is bound to host:port (a numeric IPv4 or IPv6
// address). Our listeners use SO_REUSEPORT, so binding them would succeed
// next to another process's listener and the kernel would split the traffic
// between the two; a probe socket without SO_REUSEPORT (but with
// SO_REUSEADDR, so a port with connections in TIME_WAIT is still free) gets
// EADDRINUSE instead. Returns nullopt when the port is free, else why not.
std::optional<std::string> portInUse(const std::string& host, uint16_t port);

// Bytes received on `fd` that nobody has read yet (FIONREAD); 0 on error.
size_t readableBytes(int fd);

// One descriptor held in reserve, so that when accept() fails with EMFILE
// the listener can close it, accept the waiting connection, answer it 503
// and close it, and take the reserve back: the accept queue drains instead
// of spinning on a connection it can never take.
class ReserveFd {
 public:
  ReserveFd();
  ~ReserveFd();
  ReserveFd(const ReserveFd&) = delete;
  ReserveFd& operator=(const ReserveFd&) = delete;

  // Releases the reserve (if held) so one descriptor is free.
  void release();
  // Takes the reserve back; false when no descriptor is free for it.
  bool restore();

 private:
  int fd_ = -1;
};

// Accepts one queued connection on `listener` without blocking, writes
// `response` to it and closes it at once. For accept() failures only: no
// lingering, the point is to free the descriptor. Returns false when the
// queue was empty or accept failed again.
bool acceptAndRefuse(int listener, const std::string& response);

}  // namespace verge::net
