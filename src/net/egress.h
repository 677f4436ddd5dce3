// Egress policy: which addresses a worker's subrequests may connect to.
//
// An edge node runs code it does not trust (workers) next to things that
// must stay private: its admin API, other services on the machine, the
// cloud provider's metadata endpoint (169.254.169.254), the operator's
// internal network. A fetch() that resolves to any of those is server-side
// request forgery, so by default the policy refuses every address that is
// not on the public internet, in every spelling (IPv4-mapped and
// -compatible IPv6 forms and the NAT64 prefix included), plus the node's own
// listeners. An allow-list given by the operator overrides the refusals.
//
// The policy judges addresses, never host names: the HTTP client checks
// each address DNS returned, just before it connects to it, so a name that
// resolves to a public address at one moment and 127.0.0.1 the next (DNS
// rebinding) is judged by the address actually connected to.
//
// Immutable once built and shared between threads (std::shared_ptr<const>).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio::ip {
class address;
}

namespace verge::net {

// An IP address as 16 bytes; IPv4 addresses are stored IPv4-mapped
// (::ffff:a.b.c.d), so one comparison covers both families.
struct IpBytes {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;  // written as IPv4 (prints as a.b.c.d)

  // Parses "10.0.0.1" or "fd00::1" (no brackets, no zone id).
  static std::optional<IpBytes> parse(std::string_view text);
  static IpBytes fromAsio(const boost::asio::ip::address& address);
  std::string toString() const;
};

class EgressPolicy {
 public:
  // One allow-list entry: a network (a single address is a /32 or /128)
  // and, optionally, the one port it is allowed on.
  struct AllowEntry {
    IpBytes network;
    int prefix = 128;  // over the 16-byte form: an IPv4 /8 is 96 + 8
    std::optional<uint16_t> port;
    std::string text;  // as written, for messages
  };

  // Refuses everything that is not a public unicast address (see the top of
  // this file); no self endpoints, nothing allowed.
  EgressPolicy();

  // Parses an allow-list entry: "10.1.2.3", "10.1.2.3:8080", "fd00::1",
  // "[fd00::1]", "[fd00::1]:8080", "10.0.0.0/8" or "fd00::/8". nullopt with
  // `error` set when malformed (a CIDR with host bits set, a port of 0, ...).
  static std::optional<AllowEntry> parseAllowEntry(std::string_view text, std::string& error);

  void allow(AllowEntry entry);

  // A listener of this node (`ip` without brackets). A wildcard address
  // (0.0.0.0 or ::) stands for every local address on that port: loopback
  // and the machine's interface addresses (see setLocalAddresses). False
  // when `ip` is not an IP address.
  bool addSelf(std::string_view ip, uint16_t port);

  // The addresses a wildcard self endpoint covers besides loopback. By
  // default the machine's interface addresses when the policy was built.
  void setLocalAddresses(std::vector<IpBytes> addresses);

  // The advice appended to refusals, "(allow it with egress_allow in the
  // node config)" by default.
  void setHint(std::string hint) { hint_ = std::move(hint); }
  const std::string& hint() const { return hint_; }

  // What is wrong with connecting to address:port: "" when allowed, else a
  // short description of the address such as "loopback address" or "this
  // node's own listener (0.0.0.0:8080)".
  std::string refusal(const IpBytes& address, uint16_t port) const;
  std::string refusal(const boost::asio::ip::address& address, uint16_t port) const;

  // "" when allowed, else a sentence: "127.0.0.1 is a loopback address".
  std::string check(const IpBytes& address, uint16_t port) const;
  std::string check(const boost::asio::ip::address& address, uint16_t port) const;

 private:
  struct Self {
    IpBytes address;
    uint16_t port;
    bool wildcard;
  };
  std::vector<AllowEntry> allowed_;
  std::vector<Self> self_;
  std::vector<IpBytes> local_addresses_;
  std::string hint_ = "(allow it with egress_allow in the node config)";
};

}  // namespace verge::net
