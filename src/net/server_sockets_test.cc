#include "net/server_sockets.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace verge::net {
namespace {

// A listener on 127.0.0.1 with a kernel-chosen port, optionally with
// SO_REUSEPORT as verge's own listeners have.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  explicit Listener(bool reuseport) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (reuseport) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
};

TEST(ServerSockets, PortInUseSeesAnotherListener) {
  for (bool reuseport : {false, true}) {
    Listener other(reuseport);
    auto why = portInUse("127.0.0.1", other.port);
    ASSERT_TRUE(why.has_value()) << "reuseport=" << reuseport;
    EXPECT_NE(why->find("already listening"), std::string::npos);
    // A wildcard listener covers the loopback address too.
    EXPECT_TRUE(portInUse("0.0.0.0", other.port).has_value());
  }
}

TEST(ServerSockets, PortInUseIsFalseForAFreePort) {
  uint16_t port;
  {
    Listener gone(false);
    port = gone.port;
  }
  EXPECT_EQ(portInUse("127.0.0.1", port), std::nullopt);
}

TEST(ServerSockets, FileLimitAndDefaultCap) {
  uint64_t limit = raiseFileLimit();
  EXPECT_GE(limit, 64u);
  size_t cap = defaultMaxConnections();
  EXPECT_GE(cap, 16u);
  EXPECT_LE(cap, 65536u);
  if (limit > 256 + 32) EXPECT_LE(cap, (limit - 256) / 2 + 16);
}

}  // namespace
}  // namespace verge::net
