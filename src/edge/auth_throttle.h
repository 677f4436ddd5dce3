// Throttling of failed authentication per client address, for the admin API.
//
// An address may get its token wrong a few times (kFreeFailures); every
// further failure locks it out for a time that doubles with each failure, up
// to a cap. While locked out, the address is refused before its token is even
// looked at, so it cannot guess faster by sending more. A success from an
// address that is not locked out forgets its failures; a locked-out address
// must wait, whatever it sends.
//
// Memory stays bounded: at most max_addresses addresses are remembered (the
// one whose last failure is oldest is dropped to make room), and an address
// quiet for forget_after after its last failure or lockout is forgotten.
// IPv6 addresses count per /64, the block one host or customer usually has.
//
// Pure: no I/O, time from an injectable clock; not thread-safe (the caller
// serialises calls).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace verge::edge {

struct AuthThrottleOptions {
  // Failures an address may make before its first lockout.
  int free_failures = 5;
  // The lockout after the last free failure; each further failure doubles it.
  std::chrono::seconds first_lockout{2};
  std::chrono::seconds max_lockout{15 * 60};
  // An address with no failure and no lockout for this long is forgotten (its
  // count starts again). Longer than max_lockout, so that sitting out a
  // lockout does not reset the count.
  std::chrono::seconds forget_after{60 * 60};
  // Addresses remembered at most.
  size_t max_addresses = 10000;
};

class AuthThrottle {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit AuthThrottle(AuthThrottleOptions options = {},
                        Clock clock = &std::chrono::steady_clock::now);

  // How long `client` (an address as HttpServer reports it) must still wait
  // before its credentials are looked at; zero when it may try now. Rounded
  // up to whole seconds, as Retry-After is.
  std::chrono::seconds lockedFor(std::string_view client);

  // Records a wrong token from `client` (which is not locked out); returns
  // the lockout it now has, zero while it still has free failures.
  std::chrono::seconds recordFailure(std::string_view client);

  // Records a right token from `client`: its failures are forgotten, unless
  // it is locked out (then nothing changes; callers check lockedFor first).
  void recordSuccess(std::string_view client);

  // Addresses remembered now.
  size_t size() const { return entries_.size(); }

  // The key an address is counted under: IPv4 as is (also when written as
  // an IPv4-mapped IPv6 address), IPv6 by its /64 ("2001:db8:1:2::/64");
  // anything unparsable as given.
  static std::string clientKey(std::string_view address);

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Entry {
    std::string key;
    int failures = 0;
    TimePoint quiet_since;  // the later of the last failure and the end of its lockout
    TimePoint locked_until;
  };

  // The entry of `key` if it is remembered and not yet forgotten.
  Entry* find(const std::string& key, TimePoint now);
  // Drops entries forgotten by now (oldest first).
  void sweep(TimePoint now);
  void erase(std::list<Entry>::iterator it);

  AuthThrottleOptions options_;
  Clock clock_;
  // Most recent failure first, so the oldest is at the back for sweep() and
  // for making room.
  std::list<Entry> entries_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace verge::edge
