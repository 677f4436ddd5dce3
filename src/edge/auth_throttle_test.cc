#include "edge/auth_throttle.h"

#include <gtest/gtest.h>

namespace verge::edge {
namespace {

using std::chrono::seconds;

class AuthThrottleTest : public ::testing::Test {
 protected:
  AuthThrottle make(AuthThrottleOptions options = {}) {
    return AuthThrottle(options, [this] { return now_; });
  }
  void advance(std::chrono::steady_clock::duration d) { now_ += d; }

  // Fails `n` times from `client`, each after its lockout (if any) is over.
  void failAfterWaiting(AuthThrottle& t, std::string_view client, int n) {
    for (int i = 0; i < n; ++i) {
      advance(t.lockedFor(client));
      t.recordFailure(client);
    }
  }

  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
};

TEST_F(AuthThrottleTest, FreeFailuresThenLockoutsThatDoubleUpToTheCap) {
  AuthThrottle t = make();  // 5 free failures, 2 s first lockout, 15 min cap
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(0));
    EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(0));
  }
  EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(2));
  EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(2));
  advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(1));  // rounded up, never down
  advance(std::chrono::milliseconds(500));
  EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(0));

  // Sitting out a lockout does not reset the count: each further failure
  // doubles the lockout.
  EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(4));
  advance(seconds(4));
  EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(8));
  failAfterWaiting(t, "192.0.2.1", 20);
  EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(15 * 60));
}

TEST_F(AuthThrottleTest, SuccessForgetsFailuresButDoesNotUnlock) {
  AuthThrottle t = make();
  for (int i = 0; i < 4; ++i) t.recordFailure("192.0.2.1");
  t.recordSuccess("192.0.2.1");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(0));  // counting again from one

  for (int i = 0; i < 4; ++i) t.recordFailure("192.0.2.1");
  ASSERT_EQ(t.lockedFor("192.0.2.1"), seconds(2));
  t.recordSuccess("192.0.2.1");
  EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(2));  // still locked out
  advance(seconds(2));
  t.recordSuccess("192.0.2.1");
  EXPECT_EQ(t.size(), 0u);
}

TEST_F(AuthThrottleTest, OtherAddressesAreUnaffected) {
  AuthThrottle t = make();
  failAfterWaiting(t, "192.0.2.1", 8);
  EXPECT_GT(t.lockedFor("192.0.2.1"), seconds(0));
  EXPECT_EQ(t.lockedFor("192.0.2.2"), seconds(0));
  EXPECT_EQ(t.recordFailure("192.0.2.2"), seconds(0));
  EXPECT_EQ(t.lockedFor("2001:db8::1"), seconds(0));
}

TEST_F(AuthThrottleTest, ForgetsAnAddressQuietForLongEnough) {
  AuthThrottleOptions o;
  o.forget_after = seconds(3600);
  AuthThrottle t = make(o);
  for (int i = 0; i < 4; ++i) t.recordFailure("192.0.2.1");
  advance(seconds(3599));
  EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(2));  // 5th within the hour: locked

  // After a 15-minute lockout the hour counts from the lockout's end, so
  // waiting it out does not reset the count.
  failAfterWaiting(t, "192.0.2.1", 20);
  ASSERT_EQ(t.lockedFor("192.0.2.1"), seconds(900));
  advance(seconds(900 + 3599));
  EXPECT_EQ(t.size(), 1u);
  advance(seconds(1));
  EXPECT_EQ(t.lockedFor("192.0.2.1"), seconds(0));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.recordFailure("192.0.2.1"), seconds(0));
}

TEST_F(AuthThrottleTest, MemoryIsBoundedAgainstManyAddresses) {
  AuthThrottleOptions o;
  o.max_addresses = 100;
  AuthThrottle t = make(o);
  // One address is locked out, then an attacker fails from 10,000 others.
  failAfterWaiting(t, "198.51.100.7", 6);
  for (int i = 0; i < 10000; ++i) {
    t.recordFailure("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                    std::to_string(i % 256));
    EXPECT_LE(t.size(), 100u);
  }
  EXPECT_EQ(t.size(), 100u);
  // The most recent ones are the ones remembered.
  EXPECT_EQ(t.recordFailure("10.0.39.15"), seconds(0));  // i = 9999: its 2nd failure
  for (int i = 0; i < 2; ++i) t.recordFailure("10.0.39.15");
  EXPECT_EQ(t.recordFailure("10.0.39.15"), seconds(2));  // its 5th
  EXPECT_EQ(t.lockedFor("10.0.39.15"), seconds(2));

  // And all of them are forgotten once quiet for long enough (counted from
  // the end of that lockout for the locked one).
  advance(o.forget_after + seconds(2));
  t.lockedFor("192.0.2.1");
  EXPECT_EQ(t.size(), 0u);
}

TEST_F(AuthThrottleTest, Ipv6CountsPerSlash64AndMappedIpv4AsIpv4) {
  EXPECT_EQ(AuthThrottle::clientKey("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(AuthThrottle::clientKey("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(AuthThrottle::clientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(AuthThrottle::clientKey("fe80::1%eth0"), "fe80::/64");
  EXPECT_EQ(AuthThrottle::clientKey("::1"), "::/64");
  EXPECT_EQ(AuthThrottle::clientKey(""), "");
  EXPECT_EQ(AuthThrottle::clientKey("not an address"), "not an address");

  AuthThrottle t = make();
  // Rotating through the low 64 bits does not buy more guesses.
  for (int i = 0; i < 5; ++i) t.recordFailure("2001:db8:1:2::" + std::to_string(i + 1));
  EXPECT_EQ(t.lockedFor("2001:db8:1:2:ffff::9"), seconds(2));
  EXPECT_EQ(t.lockedFor("2001:db8:1:3::1"), seconds(0));
  for (int i = 0; i < 5; ++i) t.recordFailure("::ffff:192.0.2.9");
  EXPECT_EQ(t.lockedFor("192.0.2.9"), seconds(2));
}

}  // namespace
}  // namespace verge::edge
