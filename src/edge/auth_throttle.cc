#include "edge/auth_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace verge::edge {

namespace {

// Whole seconds, rounded up: a client told "1" must not come back early.
std::chrono::seconds ceilSeconds(std::chrono::steady_clock::duration d) {
  if (d <= d.zero()) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(d);
}

}  // namespace

AuthThrottle::AuthThrottle(AuthThrottleOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {
  options_.free_failures = std::max(options_.free_failures, 0);
  options_.max_addresses = std::max<size_t>(options_.max_addresses, 1);
}

std::string AuthThrottle::clientKey(std::string_view address) {
  std::string text(address);
  // A scope ("fe80::1%eth0") is not part of the address.
  if (size_t percent = text.find('%'); percent != std::string::npos) text.resize(percent);
  unsigned char v6[16];
  if (inet_pton(AF_INET6, text.c_str(), v6) != 1) return std::string(address);
  static const unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char out[INET6_ADDRSTRLEN];
  if (std::memcmp(v6, kMappedPrefix, sizeof kMappedPrefix) == 0) {
    // ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1 on a dual-stack listener.
    inet_ntop(AF_INET, v6 + 12, out, sizeof out);
    return out;
  }
  // One host usually has a whole /64 to pick addresses from.
  std::memset(v6 + 8, 0, 8);
  inet_ntop(AF_INET6, v6, out, sizeof out);
  return std::string(out) + "/64";
}

AuthThrottle::Entry* AuthThrottle::find(const std::string& key, TimePoint now) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (now - it->second->quiet_since >= options_.forget_after) {
    erase(it->second);
    return nullptr;
  }
  return &*it->second;
}

void AuthThrottle::erase(std::list<Entry>::iterator it) {
  index_.erase(it->key);
  entries_.erase(it);
}

void AuthThrottle::sweep(TimePoint now) {
  // Entries are ordered by last failure, not by quiet_since, so this may
  // stop early behind a long lockout; what it leaves is dropped later.
  while (!entries_.empty() && now - entries_.back().quiet_since >= options_.forget_after) {
    erase(std::prev(entries_.end()));
  }
}

std::chrono::seconds AuthThrottle::lockedFor(std::string_view client) {
  TimePoint now = clock_();
  sweep(now);
  Entry* e = find(clientKey(client), now);
  return e ? ceilSeconds(e->locked_until - now) : std::chrono::seconds(0);
}

std::chrono::seconds AuthThrottle::recordFailure(std::string_view client) {
  TimePoint now = clock_();
  sweep(now);
  std::string key = clientKey(client);
  Entry* e = find(key, now);
  if (e) {
    // Most recent failure to the front.
    entries_.splice(entries_.begin(), entries_, index_.at(key));
  } else {
    // Make room by forgetting the address whose last failure is oldest. An
    // attacker with that many addresses gains nothing it did not have: each
    // fresh address has its free failures anyway.
    while (entries_.size() >= options_.max_addresses) erase(std::prev(entries_.end()));
    entries_.push_front(Entry{key, 0, now, now});
    index_[key] = entries_.begin();
    e = &entries_.front();
  }
  ++e->failures;
  std::chrono::seconds lockout(0);
  int over = e->failures - options_.free_failures;
  if (over >= 0) {
    // first_lockout * 2^over, without overflowing on a long run of failures.
    lockout = options_.first_lockout;
    for (int i = 0; i < over && lockout < options_.max_lockout; ++i) lockout *= 2;
    lockout = std::min(lockout, options_.max_lockout);
  }
  e->locked_until = now + lockout;
  e->quiet_since = e->locked_until;
  return lockout;
}

void AuthThrottle::recordSuccess(std::string_view client) {
  auto it = index_.find(clientKey(client));
  if (it == index_.end()) return;
  // Even a right token does not cut a lockout short: the caller should not
  // have looked at it, and a guess that happened to be right must wait too.
  if (it->second->locked_until > clock_()) return;
  erase(it->second);
}

}  // namespace verge::edge
