// RFC 9111 caching decisions for a SHARED cache, as pure functions of a
// stored response, the request and the time: may a response be stored
// (§3), how long it is fresh (§4.2.1, §4.2.2), how old it is (§4.2.3), and
// whether a lookup may serve it as is, serve it stale (RFC 5861) or must go
// to the origin (§4, §4.2.4, §5.2.1). CDN-Cache-Control (RFC 9213) is the
// targeted field that takes precedence over Cache-Control and Expires.
//
// Times are seconds since the Unix epoch from the caller's clock. No function
// here reads a clock or does I/O, and none trusts header values: arithmetic
// saturates, and nonsense ages or dates degrade to "stale", never to a crash.
//
// Out of scope, for the caller: Vary matching (§4.1; a stored "Vary: *" never
// matches), combining partial content (§3.4), freshening with 304 (§4.3.4),
// invalidation by unsafe methods (§4.4), and stripping the fields named by a
// qualified no-cache / private (we treat those as unqualified, which §5.2.2.4
// and §5.2.2.7 permit: not storing or revalidating is always allowed).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/cache_control.h"

namespace verge::http {

// One header field line: name (any case) and value.
using Header = std::pair<std::string, std::string>;
using HeaderList = std::vector<Header>;

// A read-only, non-owning view of header field lines with case-insensitive
// lookup. The viewed lines must outlive the view (typically the view lives on
// the stack for one call).
class HeaderView {
 public:
  HeaderView() = default;
  HeaderView(const HeaderList& headers) : headers_(headers) {}  // NOLINT: implicit on purpose
  explicit HeaderView(std::span<const Header> headers) : headers_(headers) {}

  // The value of the first line named `name`, or nullopt.
  std::optional<std::string_view> first(std::string_view name) const;
  // Whether any line is named `name`.
  bool has(std::string_view name) const { return first(name).has_value(); }
  // Every line named `name`, joined with ", " (RFC 9110 §5.3), or nullopt
  // when there is none. For list-based fields such as Cache-Control.
  std::optional<std::string> combined(std::string_view name) const;
  // Every line, in order.
  std::span<const Header> lines() const { return headers_; }

 private:
  std::span<const Header> headers_;
};

// A response as the cache stored it.
struct StoredResponse {
  int status = 200;
  // Borrowed; must outlive every call it is passed to.
  HeaderView headers;
  // Our clock when we sent the request that produced this response, and when
  // we received the response (§4.2.3 request_time / response_time).
  int64_t request_time = 0;
  int64_t response_time = 0;
};

// Knobs of this cache. The defaults are what a CDN usually wants.
struct FreshnessOptions {
  // Targeted fields (RFC 9213 §2.1) in precedence order. The first present
  // one that parses to at least one directive replaces Cache-Control AND
  // Expires for this cache. Empty disables targeted fields.
  std::vector<std::string> targeted_fields = {"CDN-Cache-Control"};
  // Heuristic freshness (§4.2.2): this fraction of (Date - Last-Modified),
  // capped at heuristic_max_seconds.
  double heuristic_fraction = 0.1;
  int64_t heuristic_max_seconds = 86400;
};

// The response directives this cache obeys: those of the first valid
// targeted field (RFC 9213) if any, else the response's Cache-Control.
// `from_targeted_field` says which; when true, Expires must be ignored.
struct EffectiveCacheControl {
  CacheControl cc;
  bool from_targeted_field = false;
};
EffectiveCacheControl effectiveCacheControl(HeaderView response_headers,
                                            const FreshnessOptions& options = {});

// Why a response may or may not be stored (§3), for logs and tests.
enum class StoreDecision {
  kStore,                    // storable
  kMethodNotCacheable,       // only GET and HEAD responses are stored
  kStatusNotCacheable,       // 1xx, 304, or a status outside 100..599
  kRequestNoStore,           // request Cache-Control: no-store (§5.2.1.5)
  kResponseNoStore,          // response no-store (§5.2.2.5), not lifted by must-understand
  kMustUnderstandUnknown,    // must-understand with a status we do not know (§5.2.2.3)
  kPrivate,                  // private, qualified or not (§5.2.2.7)
  kAuthorization,            // request had Authorization and the response lacks
                             // public / s-maxage / must-revalidate (§3.5)
  kNoFreshnessInformation,   // no Expires, max-age, s-maxage or public, and the
                             // status is not heuristically cacheable (§3, §4.2.2)
};

// Decides whether a shared cache may store the response to `method` (§3).
// Request directives come from the request's Cache-Control, response
// directives from effectiveCacheControl(). With must-understand and a status
// this cache understands, no-store is ignored (§5.2.2.3). A response that is
// storable may still be stale at once (e.g. an invalid Expires).
StoreDecision checkStorable(std::string_view method, int status, HeaderView request_headers,
                            HeaderView response_headers, const FreshnessOptions& options = {});
// checkStorable(...) == StoreDecision::kStore.
bool isStorable(std::string_view method, int status, HeaderView request_headers,
                HeaderView response_headers, const FreshnessOptions& options = {});

// Whether §4.2.2 lets us apply heuristic freshness to this status without
// an explicit public: 200, 203, 204, 206, 300, 301, 308, 404, 405, 410,
// 414, 501.
bool isHeuristicallyCacheable(int status);

// Where a freshness lifetime came from.
enum class FreshnessSource {
  kSMaxAge,    // s-maxage (shared caches prefer it to max-age)
  kMaxAge,     // max-age
  kExpires,    // Expires - Date; an invalid Expires gives 0 (already expired)
  kHeuristic,  // a fraction of Date - Last-Modified (§4.2.2)
  kNone,       // nothing usable: lifetime 0
};

struct FreshnessLifetime {
  int64_t seconds = 0;  // >= 0
  FreshnessSource source = FreshnessSource::kNone;
};

// The freshness lifetime (§4.2.1) in precedence order: s-maxage, max-age,
// Expires - Date (Expires ignored when a targeted field is in use; Date
// missing or invalid means response_time; the first Expires line counts), then
// the heuristic, only when no explicit expiration exists, the status is
// heuristically cacheable or the response is public, and Last-Modified parses
// and precedes Date. Never negative.
FreshnessLifetime freshnessLifetime(const StoredResponse& response,
                                    const FreshnessOptions& options = {});

// current_age (§4.2.3) at `now`:
//   apparent_age = max(0, response_time - date_value)
//   corrected_age_value = age_value + (response_time - request_time)
//   corrected_initial_age = max(apparent_age, corrected_age_value)
//   current_age = corrected_initial_age + (now - response_time)
// age_value is the first member of the Age field when it is a valid
// delta-seconds (clamped to 2^31); an invalid one counts as 2^31 (stale:
// the age is unknown), no Age as 0 (§5.1). A Date in the future (clock
// skew) contributes 0, a response_time before request_time is treated as no
// delay and a `now` before response_time as no resident time, so the age
// never goes negative; sums saturate instead of overflowing.
int64_t currentAge(const StoredResponse& response, int64_t now);

// freshnessLifetime(response).seconds > currentAge(response, now).
bool isFresh(const StoredResponse& response, int64_t now, const FreshnessOptions& options = {});

// What a lookup that found `stored` should do.
enum class LookupResult {
  // Fresh and acceptable to the request: serve it as is, with Age.
  kFresh,
  // Stale, but the request's max-stale accepts it and the response permits
  // stale serving: serve it as is (RFC 9111 §4.2.4), no origin contact.
  kStaleServable,
  // Stale within the response's stale-while-revalidate window (RFC 5861 §3):
  // serve it now and revalidate in the background.
  kStaleWhileRevalidate,
  // It cannot be served without contacting the origin: send a conditional
  // request (if it has validators) and use the stored response only on 304.
  // If the origin fails, LookupDecision::stale_if_error_allowed says whether
  // the stored response may be served instead (RFC 5861 §4).
  kMustRevalidate,
  // The request said only-if-cached and the stored response cannot be used
  // without the origin: answer 504 Gateway Timeout (§5.2.1.7).
  kGatewayTimeout,
};

struct LookupDecision {
  LookupResult result = LookupResult::kMustRevalidate;
  int64_t age = 0;                 // currentAge(); send as Age when serving
  int64_t freshness_lifetime = 0;  // freshnessLifetime().seconds
  // May the stored response be served if revalidation fails with an error
  // (5xx or no connection)? True when the response, or the request, carries
  // stale-if-error=N with staleness <= N (the larger N applies), and nothing
  // forbids stale serving.
  bool stale_if_error_allowed = false;
};

// Applies the request's directives to a stored response at `now`:
//  - Authorization in the request, unless the response has public,
//    s-maxage or must-revalidate (§3.5)                 → kMustRevalidate
//  - no-cache in the response (§5.2.2.4) or request (§5.2.1.4)
//                                                       → kMustRevalidate
//  - request max-age=N with age > N (§5.2.1.1)           → kMustRevalidate
//  - request min-fresh=N with lifetime - age < N (§5.2.1.3)
//                                                       → kMustRevalidate
//  - fresh                                              → kFresh
//  - stale: request max-stale (bare, or staleness <= N) → kStaleServable;
//    else staleness <= stale-while-revalidate            → kStaleWhileRevalidate;
//    else                                               → kMustRevalidate
//  - only-if-cached turns every kMustRevalidate into kGatewayTimeout.
// Stale serving of any kind is never allowed with must-revalidate,
// proxy-revalidate or no-cache (§4.2.4). s-maxage implies proxy-revalidate
// (§5.2.2.10), so it forbids max-stale serving; an explicit
// stale-while-revalidate / stale-if-error from the origin is still honoured
// with s-maxage, since the origin granted exactly that window (the usual CDN
// reading of "s-maxage=60, stale-while-revalidate=30").
// request_headers supply the request Cache-Control and Authorization.
LookupDecision evaluateLookup(HeaderView request_headers, const StoredResponse& stored,
                              int64_t now, const FreshnessOptions& options = {});

// The same with an already parsed request Cache-Control.
LookupDecision evaluateLookup(const CacheControl& request_cc, bool request_has_authorization,
                              const StoredResponse& stored, int64_t now,
                              const FreshnessOptions& options = {});

}  // namespace verge::http
