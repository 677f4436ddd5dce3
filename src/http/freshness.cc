#include "http/freshness.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "http/http_date.h"
#include "http/text.h"

namespace verge::http {
namespace {

using text::equalsIgnoreCase;
using text::isDigit;
using text::trimOws;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// Header values and caller clocks are untrusted or arbitrary, so every sum
// and difference saturates rather than overflowing (UB for int64_t).
int64_t satAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kInt64Max : kInt64Min;
  return r;
}
int64_t satSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? kInt64Max : kInt64Min;
  return r;
}

CacheControl requestCacheControl(HeaderView request_headers) {
  const std::optional<std::string> v = request_headers.combined("Cache-Control");
  return v ? parseCacheControl(*v) : CacheControl{};
}

// Statuses whose caching requirements this cache implements, for
// must-understand (§5.2.2.3): the general rules cover these.
bool isUnderstoodStatus(int status) {
  switch (status) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 302: case 303:
    case 307: case 308: case 404: case 405: case 410: case 414: case 451: case 501:
      return true;
    default:
      return false;
  }
}

// date_value: the Date header, or response_time when it is absent or invalid
// (RFC 9110 §6.6.1: a recipient supplies Date from its own clock).
int64_t dateValue(const StoredResponse& r) {
  if (std::optional<std::string_view> d = r.headers.first("Date")) {
    if (std::optional<int64_t> t = parseHttpDate(*d)) return *t;
  }
  return r.response_time;
}

// The first member of the first Age line, when it is valid delta-seconds
// (§5.1); else 0.
// The first member of Age (§5.1). An invalid value ("abc", "-5", "1.5",
// "7200;x") counts as the largest age: a cache cannot know how old such a
// response is, and treating it as stale only costs a revalidation (what the
// cache-tests conformance suite expects; ignoring it could serve a response
// far older than its lifetime).
int64_t ageValue(HeaderView headers) {
  std::optional<std::string_view> age = headers.first("Age");
  if (!age) return 0;
  const std::string_view v = trimOws(age->substr(0, age->find(',')));
  if (v.empty()) return kMaxDeltaSeconds;
  int64_t n = 0;
  for (char c : v) {
    if (!isDigit(c)) return kMaxDeltaSeconds;
    if (n < kMaxDeltaSeconds) n = n * 10 + (c - '0');
  }
  return std::min(n, kMaxDeltaSeconds);
}

// Whether the response forbids serving it stale at all (§4.2.4): explicit
// directives that demand revalidation once stale, for a shared cache.
bool forbidsStale(const CacheControl& cc) {
  return cc.must_revalidate || cc.proxy_revalidate || cc.no_cache || !cc.no_cache_fields.empty();
}

LookupDecision decide(const CacheControl& req, bool has_authorization,
                      const StoredResponse& stored, int64_t now, const FreshnessOptions& options) {
  const CacheControl res = effectiveCacheControl(stored.headers, options).cc;
  LookupDecision d;
  d.age = currentAge(stored, now);
  d.freshness_lifetime = freshnessLifetime(stored, options).seconds;
  const bool fresh = d.freshness_lifetime > d.age;
  // How far past its lifetime the response is (<= 0 while fresh).
  const int64_t staleness = satSub(d.age, d.freshness_lifetime);
  const bool no_stale = forbidsStale(res);

  // stale-if-error: the larger window granted by the response or the request.
  std::optional<int64_t> sie = res.stale_if_error;
  if (req.stale_if_error && (!sie || *req.stale_if_error > *sie)) sie = req.stale_if_error;
  d.stale_if_error_allowed = !no_stale && sie && staleness <= *sie;

  auto mustRevalidate = [&] {
    d.result = req.only_if_cached ? LookupResult::kGatewayTimeout : LookupResult::kMustRevalidate;
    return d;
  };

  // §3.5: an authenticated request may only reuse a response that the origin
  // explicitly marked as shareable.
  if (has_authorization && !(res.public_ || res.s_maxage || res.must_revalidate)) {
    return mustRevalidate();
  }
  if (res.no_cache || !res.no_cache_fields.empty() || req.no_cache) return mustRevalidate();
  if (req.max_age && d.age > *req.max_age) return mustRevalidate();
  if (req.min_fresh && satSub(d.freshness_lifetime, d.age) < *req.min_fresh) {
    return mustRevalidate();
  }
  if (fresh) {
    d.result = LookupResult::kFresh;
    return d;
  }
  if (no_stale) return mustRevalidate();
  // max-stale: the client accepts staleness, unless s-maxage (which implies
  // proxy-revalidate for a shared cache, §5.2.2.10) rules it out.
  if (req.max_stale && !res.s_maxage &&
      (!req.max_stale_seconds || staleness <= *req.max_stale_seconds)) {
    d.result = LookupResult::kStaleServable;
    return d;
  }
  if (res.stale_while_revalidate && staleness <= *res.stale_while_revalidate) {
    d.result = LookupResult::kStaleWhileRevalidate;
    return d;
  }
  return mustRevalidate();
}

}  // namespace

std::optional<std::string_view> HeaderView::first(std::string_view name) const {
  for (const Header& h : headers_) {
    if (equalsIgnoreCase(h.first, name)) return std::string_view(h.second);
  }
  return std::nullopt;
}

std::optional<std::string> HeaderView::combined(std::string_view name) const {
  std::optional<std::string> out;
  for (const Header& h : headers_) {
    if (!equalsIgnoreCase(h.first, name)) continue;
    if (out) {
      out->append(", ");
      out->append(h.second);
    } else {
      out = h.second;
    }
  }
  return out;
}

EffectiveCacheControl effectiveCacheControl(HeaderView response_headers,
                                            const FreshnessOptions& options) {
  for (const std::string& field : options.targeted_fields) {
    const std::optional<std::string> v = response_headers.combined(field);
    if (!v) continue;
    CacheControl cc = parseCacheControl(*v);
    // RFC 9213 §2.1: use the first targeted field with a valid, non-empty
    // value; one that yields no directive is as if absent.
    if (cc.directive_count > 0) return {std::move(cc), true};
  }
  const std::optional<std::string> v = response_headers.combined("Cache-Control");
  return {v ? parseCacheControl(*v) : CacheControl{}, false};
}

bool isHeuristicallyCacheable(int status) {
  switch (status) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 308:
    case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

StoreDecision checkStorable(std::string_view method, int status, HeaderView request_headers,
                            HeaderView response_headers, const FreshnessOptions& options) {
  // §3: a method the cache understands and defines as cacheable. POST is
  // cacheable only with Content-Location handling we do not do.
  if (method != "GET" && method != "HEAD") return StoreDecision::kMethodNotCacheable;
  // A final status; 304 updates a stored response (§4.3.4) and is not
  // stored itself.
  if (status < 200 || status > 599 || status == 304) return StoreDecision::kStatusNotCacheable;

  const CacheControl req = requestCacheControl(request_headers);
  const EffectiveCacheControl eff = effectiveCacheControl(response_headers, options);
  const CacheControl& res = eff.cc;

  if (req.no_store) return StoreDecision::kRequestNoStore;
  if (res.must_understand) {
    // §5.2.2.3: only a cache that understands the status may store, and such
    // a cache should ignore no-store.
    if (!isUnderstoodStatus(status)) return StoreDecision::kMustUnderstandUnknown;
  } else if (res.no_store) {
    return StoreDecision::kResponseNoStore;
  }
  if (res.private_ || !res.private_fields.empty()) return StoreDecision::kPrivate;
  if (request_headers.has("Authorization") &&
      !(res.public_ || res.s_maxage || res.must_revalidate)) {
    return StoreDecision::kAuthorization;
  }
  const bool has_expires = !eff.from_targeted_field && response_headers.has("Expires");
  if (res.public_ || res.max_age || res.s_maxage || has_expires ||
      isHeuristicallyCacheable(status)) {
    return StoreDecision::kStore;
  }
  return StoreDecision::kNoFreshnessInformation;
}

bool isStorable(std::string_view method, int status, HeaderView request_headers,
                HeaderView response_headers, const FreshnessOptions& options) {
  return checkStorable(method, status, request_headers, response_headers, options) ==
         StoreDecision::kStore;
}

FreshnessLifetime freshnessLifetime(const StoredResponse& r, const FreshnessOptions& options) {
  const EffectiveCacheControl eff = effectiveCacheControl(r.headers, options);
  const CacheControl& cc = eff.cc;
  if (cc.s_maxage) return {*cc.s_maxage, FreshnessSource::kSMaxAge};
  if (cc.max_age) return {*cc.max_age, FreshnessSource::kMaxAge};

  const int64_t date = dateValue(r);
  if (!eff.from_targeted_field) {
    if (std::optional<std::string_view> expires = r.headers.first("Expires")) {
      // §5.3: an invalid Expires (notably "0") means already expired.
      const std::optional<int64_t> e = parseHttpDate(*expires);
      if (!e) return {0, FreshnessSource::kExpires};
      return {std::max<int64_t>(0, satSub(*e, date)), FreshnessSource::kExpires};
    }
  }

  // §4.2.2: heuristics only without explicit expiration, and only for
  // heuristically cacheable statuses or responses marked public.
  if (!isHeuristicallyCacheable(r.status) && !cc.public_) return {0, FreshnessSource::kNone};
  const std::optional<std::string_view> lm_field = r.headers.first("Last-Modified");
  if (!lm_field) return {0, FreshnessSource::kNone};
  const std::optional<int64_t> lm = parseHttpDate(*lm_field);
  if (!lm || *lm >= date) return {0, FreshnessSource::kNone};
  const int64_t since_modified = satSub(date, *lm);
  const double h = static_cast<double>(since_modified) * options.heuristic_fraction;
  const int64_t cap = std::max<int64_t>(0, options.heuristic_max_seconds);
  // Compare in double first so a huge interval cannot overflow the cast; NaN
  // (a nonsense fraction) fails every comparison and yields 0.
  int64_t seconds = 0;
  if (h >= static_cast<double>(cap)) {
    seconds = cap;
  } else if (h > 0) {
    seconds = static_cast<int64_t>(h);
  }
  return {seconds, FreshnessSource::kHeuristic};
}

int64_t currentAge(const StoredResponse& r, int64_t now) {
  const int64_t apparent_age = std::max<int64_t>(0, satSub(r.response_time, dateValue(r)));
  const int64_t response_delay = std::max<int64_t>(0, satSub(r.response_time, r.request_time));
  const int64_t corrected_age_value = satAdd(ageValue(r.headers), response_delay);
  const int64_t corrected_initial_age = std::max(apparent_age, corrected_age_value);
  const int64_t resident_time = std::max<int64_t>(0, satSub(now, r.response_time));
  return satAdd(corrected_initial_age, resident_time);
}

bool isFresh(const StoredResponse& r, int64_t now, const FreshnessOptions& options) {
  return freshnessLifetime(r, options).seconds > currentAge(r, now);
}

LookupDecision evaluateLookup(HeaderView request_headers, const StoredResponse& stored,
                              int64_t now, const FreshnessOptions& options) {
  return decide(requestCacheControl(request_headers), request_headers.has("Authorization"),
                stored, now, options);
}

LookupDecision evaluateLookup(const CacheControl& request_cc, bool request_has_authorization,
                              const StoredResponse& stored, int64_t now,
                              const FreshnessOptions& options) {
  return decide(request_cc, request_has_authorization, stored, now, options);
}

}  // namespace verge::http
