#include "net/egress.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

namespace verge::net {
namespace {

IpBytes ip(std::string_view text) {
  auto parsed = IpBytes::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpBytes{});
}

// A policy that knows no interface addresses, so tests do not depend on the
// machine they run on.
EgressPolicy policy() {
  EgressPolicy p;
  p.setLocalAddresses({});
  return p;
}

TEST(EgressPolicy, RefusesEveryNonPublicRangeByDefault) {
  EgressPolicy p = policy();
  const std::pair<const char*, const char*> refused[] = {
      {"127.0.0.1", "loopback"},          {"127.255.255.254", "loopback"},
      {"::1", "loopback"},                {"10.0.0.1", "private"},
      {"10.255.255.255", "private"},      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},      {"192.168.1.1", "private"},
      {"169.254.169.254", "link-local"},  {"fe80::1", "link-local"},
      {"febf::1", "link-local"},          {"fc00::1", "unique-local"},
      {"fdff::1", "unique-local"},        {"0.0.0.0", "unspecified"},
      {"0.1.2.3", "unspecified"},         {"::", "unspecified"},
      {"100.64.0.1", "CGNAT"},            {"100.127.255.255", "CGNAT"},
      {"224.0.0.1", "multicast"},         {"239.255.255.255", "multicast"},
      {"ff02::1", "multicast"},           {"255.255.255.255", "broadcast"},
      {"240.0.0.1", "reserved"},          {"fec0::1", "site-local"},
      {"198.18.0.1", "benchmarking"},     {"192.0.0.8", "IETF"},
  };
  for (const auto& [address, kind] : refused) {
    std::string why = p.refusal(ip(address), 443);
    EXPECT_NE(why.find(kind), std::string::npos) << address << ": " << why;
  }
}

TEST(EgressPolicy, AllowsPublicAddresses) {
  EgressPolicy p = policy();
  for (const char* address : {"1.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "100.63.255.255",
                              "100.128.0.1", "169.253.0.1", "11.0.0.1", "223.255.255.255", "2606:4700::1111",
                              "2001:db8::1", "fbff::1", "fe7f::1"}) {
    EXPECT_EQ(p.check(ip(address), 443), "") << address;
  }
}

TEST(EgressPolicy, RefusesEmbeddedIpv4FormsOfRefusedAddresses) {
  EgressPolicy p = policy();
  EXPECT_EQ(p.refusal(ip("::ffff:127.0.0.1"), 80), "loopback address, IPv4-mapped");
  EXPECT_EQ(p.refusal(ip("::ffff:7f00:1"), 80), "loopback address, IPv4-mapped");
  EXPECT_EQ(p.refusal(ip("::127.0.0.1"), 80), "loopback address, IPv4-compatible");
  EXPECT_EQ(p.refusal(ip("64:ff9b::169.254.169.254"), 80), "link-local address, through the NAT64 prefix");
  EXPECT_NE(p.refusal(ip("::ffff:10.1.2.3"), 80), "");
  EXPECT_NE(p.refusal(ip("::ffff:0.0.0.0"), 80), "");
  // Public IPv4 addresses stay public in any spelling.
  EXPECT_EQ(p.refusal(ip("::ffff:1.1.1.1"), 80), "");
  EXPECT_EQ(p.refusal(ip("64:ff9b::1.1.1.1"), 80), "");
}

TEST(EgressPolicy, CheckSaysWhatTheAddressIs) {
  EgressPolicy p = policy();
  EXPECT_EQ(p.check(ip("127.0.0.1"), 8081), "127.0.0.1 is a loopback address");
  EXPECT_EQ(p.check(ip("::"), 80), ":: is an unspecified address");
  EXPECT_EQ(p.hint(), "(allow it with egress_allow in the node config)");
  // The Boost overload judges the same way.
  EXPECT_EQ(p.check(boost::asio::ip::make_address("10.0.0.1"), 80), "10.0.0.1 is a private address");
  EXPECT_EQ(p.check(boost::asio::ip::make_address("::ffff:192.168.0.1"), 80),
            "::ffff:192.168.0.1 is a private address, IPv4-mapped");
  EXPECT_EQ(p.check(boost::asio::ip::make_address("93.184.216.34"), 80), "");
}

TEST(EgressPolicy, SelfEndpointsAreRefused) {
  EgressPolicy p = policy();
  ASSERT_TRUE(p.addSelf("203.0.113.7", 8080));
  EXPECT_EQ(p.check(ip("203.0.113.7"), 8080), "203.0.113.7:8080 is this node's own listener (203.0.113.7:8080)");
  EXPECT_EQ(p.check(ip("::ffff:203.0.113.7"), 8080).find("own listener") != std::string::npos, true);
  EXPECT_EQ(p.check(ip("203.0.113.7"), 8081), "");  // another port of the same machine: public
  EXPECT_EQ(p.check(ip("203.0.113.8"), 8080), "");
  EXPECT_FALSE(p.addSelf("not-an-ip", 1));
}

TEST(EgressPolicy, WildcardSelfCoversEveryLocalAddress) {
  EgressPolicy p = policy();
  p.setLocalAddresses({ip("198.51.100.4"), ip("2001:db8::4")});
  ASSERT_TRUE(p.addSelf("0.0.0.0", 80));
  ASSERT_TRUE(p.addSelf("[::]", 443));
  EXPECT_NE(p.refusal(ip("198.51.100.4"), 80).find("own listener (0.0.0.0:80)"), std::string::npos);
  EXPECT_NE(p.refusal(ip("2001:db8::4"), 443).find("own listener ([::]:443)"), std::string::npos);
  EXPECT_EQ(p.refusal(ip("198.51.100.5"), 80), "");
  EXPECT_EQ(p.refusal(ip("198.51.100.4"), 81), "");
  // Loopback is always one of the local addresses.
  EXPECT_NE(p.refusal(ip("127.0.0.1"), 80).find("own listener"), std::string::npos);
  EXPECT_NE(p.refusal(ip("::1"), 443).find("own listener"), std::string::npos);
  // The allow-list overrides that refusal too.
  std::string error;
  p.allow(*EgressPolicy::parseAllowEntry("127.0.0.0/8", error));
  EXPECT_EQ(p.refusal(ip("127.0.0.1"), 80), "");
}

TEST(EgressPolicy, AllowListOverridesRefusals) {
  std::string error;
  EgressPolicy p = policy();
  p.addSelf("127.0.0.1", 8081);
  p.allow(*EgressPolicy::parseAllowEntry("10.0.0.0/8", error));
  p.allow(*EgressPolicy::parseAllowEntry("127.0.0.1:8081", error));
  p.allow(*EgressPolicy::parseAllowEntry("[fd00::5]:9000", error));
  p.allow(*EgressPolicy::parseAllowEntry("169.254.169.254", error));
  EXPECT_EQ(p.check(ip("10.20.30.40"), 1), "");
  EXPECT_EQ(p.check(ip("::ffff:10.20.30.40"), 1), "");  // the mapped form of an allowed address
  EXPECT_EQ(p.check(ip("127.0.0.1"), 8081), "");        // over the self refusal too
  EXPECT_NE(p.check(ip("127.0.0.1"), 8082), "");        // the entry names one port
  EXPECT_EQ(p.check(ip("fd00::5"), 9000), "");
  EXPECT_NE(p.check(ip("fd00::5"), 9001), "");
  EXPECT_NE(p.check(ip("fd00::6"), 9000), "");
  EXPECT_EQ(p.check(ip("169.254.169.254"), 80), "");
  EXPECT_NE(p.check(ip("169.254.169.253"), 80), "");
  EXPECT_NE(p.check(ip("192.168.0.1"), 80), "");
}

TEST(EgressPolicy, ParsesAllowEntries) {
  std::string error;
  auto e = EgressPolicy::parseAllowEntry("192.168.0.0/16", error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->prefix, 96 + 16);
  EXPECT_FALSE(e->port);
  e = EgressPolicy::parseAllowEntry("fd00::/8", error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->prefix, 8);
  e = EgressPolicy::parseAllowEntry("[::1]:8080", error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->port, 8080);
  e = EgressPolicy::parseAllowEntry("[::1]", error);
  ASSERT_TRUE(e) << error;
  EXPECT_FALSE(e->port);
  e = EgressPolicy::parseAllowEntry("fe80::1", error);
  ASSERT_TRUE(e) << error;
  EXPECT_FALSE(e->port);
  e = EgressPolicy::parseAllowEntry("0.0.0.0/0", error);
  ASSERT_TRUE(e) << error;  // everything IPv4
  EgressPolicy p = policy();
  p.allow(*e);
  EXPECT_EQ(p.check(ip("127.0.0.1"), 1), "");
  EXPECT_NE(p.check(ip("::1"), 1), "");

  const std::pair<const char*, const char*> bad[] = {
      {"10.1.2.3/8", "did you mean 10.0.0.0/8?"},
      {"10.0.0.0/33", "prefix length must be 0..32"},
      {"fd00::/129", "prefix length must be 0..128"},
      {"10.0.0.0/x", "not a CIDR"},
      {"10.0.0.1:0", "port must be 1..65535"},
      {"10.0.0.1:65536", "port must be 1..65535"},
      {"10.0.0.1:", "port must be 1..65535"},
      {"[::1]:", "port must be 1..65535"},
      {"[::1", "missing ']'"},
      {"[::1]x", "expected ':port'"},
      {"localhost", "not an IP address"},
      {"", "not an IP address"},
      {"1.2.3", "not an IP address"},
      {"fe80::1%eth0", "not an IP address"},
  };
  for (const auto& [text, message] : bad) {
    error.clear();
    EXPECT_FALSE(EgressPolicy::parseAllowEntry(text, error)) << text;
    EXPECT_NE(error.find(message), std::string::npos) << text << ": " << error;
  }
}

TEST(IpBytes, ParsesAndPrints) {
  EXPECT_EQ(ip("10.0.0.1").toString(), "10.0.0.1");
  EXPECT_EQ(ip("FD00::0001").toString(), "fd00::1");
  EXPECT_FALSE(IpBytes::parse("10.0.0.256"));
  EXPECT_FALSE(IpBytes::parse("[::1]"));
  EXPECT_FALSE(IpBytes::parse(std::string(100, '1')));
}

}  // namespace
}  // namespace verge::net
