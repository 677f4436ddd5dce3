#include "net/egress.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstring>

namespace verge::net {

namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::array<uint8_t, 12> kNat64Prefix = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

bool startsWith(const IpBytes& ip, const std::array<uint8_t, 12>& prefix) {
  return std::memcmp(ip.bytes.data(), prefix.data(), prefix.size()) == 0;
}

IpBytes mapped(const uint8_t* v4) {
  IpBytes out;
  std::memcpy(out.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size());
  std::memcpy(out.bytes.data() + 12, v4, 4);
  out.v4 = true;
  return out;
}

// The IPv4 address an IPv6 address stands for, if it embeds one in a form
// that reaches that IPv4 host: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
// (::a.b.c.d, deprecated but still routed by some stacks) and the NAT64
// well-known prefix (64:ff9b::a.b.c.d, RFC 6052).
enum class Embedding { kNone, kMapped, kCompatible, kNat64 };

Embedding embeddingOf(const IpBytes& ip) {
  if (ip.v4) return Embedding::kNone;
  if (startsWith(ip, kMappedPrefix)) return Embedding::kMapped;
  if (startsWith(ip, kNat64Prefix)) return Embedding::kNat64;
  static constexpr std::array<uint8_t, 12> kZero{};
  if (startsWith(ip, kZero)) {
    // :: and ::1 are IPv6's own unspecified and loopback addresses.
    uint32_t low = (uint32_t(ip.bytes[12]) << 24) | (uint32_t(ip.bytes[13]) << 16) |
                   (uint32_t(ip.bytes[14]) << 8) | ip.bytes[15];
    if (low > 1) return Embedding::kCompatible;
  }
  return Embedding::kNone;
}

// The address every comparison uses: an embedded IPv4 address as IPv4.
IpBytes canonical(const IpBytes& ip) {
  if (embeddingOf(ip) == Embedding::kNone) return ip;
  return mapped(ip.bytes.data() + 12);
}

bool isV4(const IpBytes& canon) { return canon.v4 || startsWith(canon, kMappedPrefix); }

// What kind of non-public address `canon` (canonical) is, or nullptr.
const char* categoryOf(const IpBytes& canon) {
  if (isV4(canon)) {
    const uint8_t a = canon.bytes[12], b = canon.bytes[13];
    if (a == 0) return "unspecified address (0.0.0.0/8)";
    if (a == 127) return "loopback address";
    if (a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168)) return "private address";
    if (a == 100 && (b & 0xc0) == 64) return "shared (CGNAT) address (100.64.0.0/10)";
    if (a == 169 && b == 254) return "link-local address";
    if (a == 198 && (b & 0xfe) == 18) return "benchmarking address (198.18.0.0/15)";
    if (a == 192 && b == 0 && canon.bytes[14] == 0) return "IETF protocol address (192.0.0.0/24)";
    if (a >= 224 && a < 240) return "multicast address";
    if (a == 255 && b == 255 && canon.bytes[14] == 255 && canon.bytes[15] == 255) return "broadcast address";
    if (a >= 240) return "reserved address (240.0.0.0/4)";
    return nullptr;
  }
  static constexpr std::array<uint8_t, 16> kUnspecified{};
  static constexpr std::array<uint8_t, 16> kLoopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (canon.bytes == kUnspecified) return "unspecified address";
  if (canon.bytes == kLoopback) return "loopback address";
  const uint8_t a = canon.bytes[0], b = canon.bytes[1];
  if (a == 0xfe && (b & 0xc0) == 0x80) return "link-local address";
  if (a == 0xfe && (b & 0xc0) == 0xc0) return "site-local address (fec0::/10)";
  if ((a & 0xfe) == 0xfc) return "unique-local address";
  if (a == 0xff) return "multicast address";
  return nullptr;
}

bool isLoopback(const IpBytes& canon) {
  if (isV4(canon)) return canon.bytes[12] == 127;
  static constexpr std::array<uint8_t, 16> kLoopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return canon.bytes == kLoopback;
}

bool isUnspecified(const IpBytes& canon) {
  if (isV4(canon)) {
    return canon.bytes[12] == 0 && canon.bytes[13] == 0 && canon.bytes[14] == 0 && canon.bytes[15] == 0;
  }
  static constexpr std::array<uint8_t, 16> kUnspecified{};
  return canon.bytes == kUnspecified;
}

bool inNetwork(const IpBytes& canon, const IpBytes& network, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(canon.bytes.data(), network.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (canon.bytes[full] & mask) == (network.bytes[full] & mask);
}

std::string endpointText(const IpBytes& ip, uint16_t port) {
  std::string host = ip.toString();
  if (!ip.v4 && !startsWith(ip, kMappedPrefix)) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

std::optional<uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

// The machine's interface addresses (a wildcard listener accepts on all of
// them).
std::vector<IpBytes> interfaceAddresses() {
  std::vector<IpBytes> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* it = list; it; it = it->ifa_next) {
    if (!it->ifa_addr) continue;
    if (it->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      out.push_back(mapped(reinterpret_cast<const uint8_t*>(&sin->sin_addr)));
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
      IpBytes ip;
      std::memcpy(ip.bytes.data(), &sin6->sin6_addr, 16);
      out.push_back(canonical(ip));
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace

std::optional<IpBytes> IpBytes::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  uint8_t raw[16];
  if (text.find(':') == std::string_view::npos) {
    if (::inet_pton(AF_INET, buf, raw) != 1) return std::nullopt;
    return mapped(raw);
  }
  if (::inet_pton(AF_INET6, buf, raw) != 1) return std::nullopt;
  IpBytes out;
  std::memcpy(out.bytes.data(), raw, 16);
  return out;
}

IpBytes IpBytes::fromAsio(const boost::asio::ip::address& address) {
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    return mapped(b.data());
  }
  IpBytes out;
  auto b = address.to_v6().to_bytes();
  std::memcpy(out.bytes.data(), b.data(), 16);
  return out;
}

std::string IpBytes::toString() const {
  char buf[INET6_ADDRSTRLEN];
  if (v4) {
    ::inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

EgressPolicy::EgressPolicy() : local_addresses_(interfaceAddresses()) {}

std::optional<EgressPolicy::AllowEntry> EgressPolicy::parseAllowEntry(std::string_view text, std::string& error) {
  AllowEntry entry;
  entry.text = std::string(text);
  std::string_view host = text, port;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    // A CIDR: network/prefix, any port.
    auto ip = IpBytes::parse(text.substr(0, slash));
    std::string_view bits = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (!ip || bits.empty() || ec != std::errc() || end != bits.data() + bits.size()) {
      error = "'" + entry.text + "' is not a CIDR like 10.0.0.0/8 or fd00::/8";
      return std::nullopt;
    }
    int max = ip->v4 ? 32 : 128;
    if (prefix < 0 || prefix > max) {
      error = "'" + entry.text + "': the prefix length must be 0.." + std::to_string(max);
      return std::nullopt;
    }
    entry.network = *ip;
    entry.prefix = ip->v4 ? 96 + prefix : prefix;
    // Host bits set usually means a typo (10.1.2.3/8 for 10.0.0.0/8).
    IpBytes masked = *ip;
    for (int i = entry.prefix; i < 128; ++i) masked.bytes[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
    if (masked.bytes != ip->bytes) {
      error = "'" + entry.text + "' has bits set after the prefix (did you mean " + masked.toString() + "/" +
              std::to_string(prefix) + "?)";
      return std::nullopt;
    }
    // Kept as written; refusal() matches both the target as connected to
    // and its IPv4 form.
    return entry;
  }
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = "'" + entry.text + "': missing ']'";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "'" + entry.text + "': expected ':port' after ']'";
        return std::nullopt;
      }
      port = after.substr(1);
      if (port.empty()) port = "x";  // "[::1]:" is malformed
    }
  } else if (size_t colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    // One colon: IPv4:port. (Several: a bare IPv6 address.)
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) port = "x";
  }
  auto ip = IpBytes::parse(host);
  if (!ip) {
    error = "'" + entry.text + "' is not an IP address, IP:port, [IPv6]:port or CIDR";
    return std::nullopt;
  }
  if (!port.empty()) {
    auto p = parsePort(port);
    if (!p) {
      error = "'" + entry.text + "': the port must be 1..65535";
      return std::nullopt;
    }
    entry.port = p;
  }
  entry.network = canonical(*ip);
  entry.prefix = 128;
  return entry;
}

void EgressPolicy::allow(AllowEntry entry) { allowed_.push_back(std::move(entry)); }

bool EgressPolicy::addSelf(std::string_view ip, uint16_t port) {
  if (!ip.empty() && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  auto parsed = IpBytes::parse(ip);
  if (!parsed) return false;
  IpBytes canon = canonical(*parsed);
  canon.v4 = parsed->v4;
  self_.push_back({canon, port, isUnspecified(canonical(*parsed))});
  return true;
}

void EgressPolicy::setLocalAddresses(std::vector<IpBytes> addresses) {
  local_addresses_.clear();
  for (const auto& a : addresses) local_addresses_.push_back(canonical(a));
}

std::string EgressPolicy::refusal(const IpBytes& address, uint16_t port) const {
  const IpBytes canon = canonical(address);
  for (const auto& entry : allowed_) {
    if (entry.port && *entry.port != port) continue;
    if (inNetwork(canon, entry.network, entry.prefix) || inNetwork(address, entry.network, entry.prefix)) return {};
  }
  for (const auto& self : self_) {
    if (self.port != port) continue;
    bool hit;
    if (self.wildcard) {
      hit = isLoopback(canon) || isUnspecified(canon);
      for (const auto& local : local_addresses_) hit = hit || local.bytes == canon.bytes;
    } else {
      hit = canonical(self.address).bytes == canon.bytes;
    }
    if (hit) return "this node's own listener (" + endpointText(self.address, self.port) + ")";
  }
  const char* category = categoryOf(canon);
  if (!category) return {};
  std::string out = category;
  switch (embeddingOf(address)) {
    case Embedding::kMapped: out += ", IPv4-mapped"; break;
    case Embedding::kCompatible: out += ", IPv4-compatible"; break;
    case Embedding::kNat64: out += ", through the NAT64 prefix"; break;
    case Embedding::kNone: break;
  }
  return out;
}

std::string EgressPolicy::refusal(const boost::asio::ip::address& address, uint16_t port) const {
  return refusal(IpBytes::fromAsio(address), port);
}

std::string EgressPolicy::check(const IpBytes& address, uint16_t port) const {
  std::string why = refusal(address, port);
  if (why.empty()) return why;
  if (why.rfind("this node", 0) == 0) return address.toString() + ":" + std::to_string(port) + " is " + why;
  bool vowel = std::string_view("aeiouAEIOU").find(why.front()) != std::string_view::npos;
  return address.toString() + (vowel ? " is an " : " is a ") + why;
}

std::string EgressPolicy::check(const boost::asio::ip::address& address, uint16_t port) const {
  return check(IpBytes::fromAsio(address), port);
}

}  // namespace verge::net
