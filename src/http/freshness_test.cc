#include "http/freshness.h"

#include <gtest/gtest.h>

#include <limits>

#include "http/http_date.h"

namespace verge::http {
namespace {

constexpr int64_t kT = 1700000000;  // request/response time of most fixtures

// A stored response received at kT (request sent at kT) with `headers`; the
// HeaderList lives in the fixture so the view stays valid.
struct Stored {
  HeaderList headers;
  StoredResponse response;

  Stored(std::initializer_list<Header> h, int status = 200, int64_t request_time = kT,
         int64_t response_time = kT)
      : Stored(HeaderList(h), status, request_time, response_time) {}
  explicit Stored(HeaderList h, int status = 200, int64_t request_time = kT,
                  int64_t response_time = kT)
      : headers(std::move(h)) {
    response.status = status;
    response.headers = headers;
    response.request_time = request_time;
    response.response_time = response_time;
  }
  Stored(const Stored&) = delete;
};

std::string date(int64_t t) { return formatHttpDate(t); }

const HeaderList kNoHeaders;

// Wrappers taking owning lists, so tests can pass braced lists (a HeaderView
// cannot be built from a temporary braced list).
bool storable(std::string_view method, int status, const HeaderList& req, const HeaderList& res) {
  return isStorable(method, status, req, res);
}
StoreDecision check(std::string_view method, int status, const HeaderList& req,
                    const HeaderList& res) {
  return checkStorable(method, status, req, res);
}
LookupDecision decision(const HeaderList& req, const StoredResponse& r, int64_t now) {
  return evaluateLookup(req, r, now);
}

// ---- isStorable -----------------------------------------------------------

TEST(Storable, ExplicitFreshnessOrHeuristicStatus) {
  EXPECT_TRUE(storable("GET", 200, kNoHeaders, {{"Cache-Control", "max-age=60"}}));
  EXPECT_TRUE(storable("HEAD", 200, kNoHeaders, {}));  // heuristically cacheable
  EXPECT_TRUE(storable("GET", 302, kNoHeaders, {{"Cache-Control", "max-age=60"}}));
  EXPECT_TRUE(storable("GET", 302, kNoHeaders, {{"Cache-Control", "s-maxage=60"}}));
  EXPECT_TRUE(storable("GET", 302, kNoHeaders, {{"Expires", date(kT + 60)}}));
  // An invalid Expires still counts as "has an Expires" (it is just stale).
  EXPECT_TRUE(storable("GET", 500, kNoHeaders, {{"Expires", "0"}}));
  EXPECT_TRUE(storable("GET", 500, kNoHeaders, {{"Cache-Control", "public"}}));
  EXPECT_EQ(check("GET", 302, kNoHeaders, {}), StoreDecision::kNoFreshnessInformation);
  EXPECT_EQ(check("GET", 500, kNoHeaders, {}), StoreDecision::kNoFreshnessInformation);
}

TEST(Storable, HeuristicStatusesExactly) {
  for (int s = 200; s <= 599; ++s) {
    const bool listed = s == 200 || s == 203 || s == 204 || s == 206 || s == 300 || s == 301 ||
                        s == 308 || s == 404 || s == 405 || s == 410 || s == 414 || s == 501;
    EXPECT_EQ(isHeuristicallyCacheable(s), listed) << s;
    if (s != 304) {
      EXPECT_EQ(storable("GET", s, kNoHeaders, {}), listed) << s;
    }
  }
}

TEST(Storable, MethodAndStatus) {
  EXPECT_EQ(check("POST", 200, kNoHeaders, {{"Cache-Control", "max-age=60"}}),
            StoreDecision::kMethodNotCacheable);
  EXPECT_EQ(check("get", 200, kNoHeaders, {}), StoreDecision::kMethodNotCacheable);
  EXPECT_EQ(check("GET", 100, kNoHeaders, {{"Cache-Control", "max-age=60"}}),
            StoreDecision::kStatusNotCacheable);
  EXPECT_EQ(check("GET", 304, kNoHeaders, {{"Cache-Control", "max-age=60"}}),
            StoreDecision::kStatusNotCacheable);
  EXPECT_EQ(check("GET", 600, kNoHeaders, {{"Cache-Control", "max-age=60"}}),
            StoreDecision::kStatusNotCacheable);
  EXPECT_EQ(check("GET", -1, kNoHeaders, {}), StoreDecision::kStatusNotCacheable);
}

TEST(Storable, NoStoreInRequestOrResponse) {
  EXPECT_EQ(check("GET", 200, {{"Cache-Control", "no-store"}},
                          {{"Cache-Control", "max-age=60"}}),
            StoreDecision::kRequestNoStore);
  EXPECT_EQ(check("GET", 200, kNoHeaders, {{"Cache-Control", "max-age=60, no-store"}}),
            StoreDecision::kResponseNoStore);
  // Across several field lines.
  EXPECT_EQ(check("GET", 200, kNoHeaders,
                          {{"Cache-Control", "max-age=60"}, {"cache-control", "NO-STORE"}}),
            StoreDecision::kResponseNoStore);
}

TEST(Storable, MustUnderstand) {
  // A status we understand: no-store is ignored (§5.2.2.3).
  EXPECT_TRUE(storable("GET", 200, kNoHeaders,
                         {{"Cache-Control", "must-understand, no-store, max-age=60"}}));
  EXPECT_EQ(check("GET", 299, kNoHeaders,
                          {{"Cache-Control", "must-understand, no-store, max-age=60"}}),
            StoreDecision::kMustUnderstandUnknown);
}

TEST(Storable, PrivateIsNotForSharedCaches) {
  EXPECT_EQ(check("GET", 200, kNoHeaders, {{"Cache-Control", "private, max-age=60"}}),
            StoreDecision::kPrivate);
  // Qualified private: conservatively not stored either.
  EXPECT_EQ(check("GET", 200, kNoHeaders, {{"Cache-Control", "private=\"x-user\""}}),
            StoreDecision::kPrivate);
}

TEST(Storable, AuthorizationNeedsExplicitPermission) {
  const HeaderList auth = {{"authorization", "Bearer x"}};
  EXPECT_EQ(check("GET", 200, auth, {{"Cache-Control", "max-age=60"}}),
            StoreDecision::kAuthorization);
  EXPECT_EQ(check("GET", 200, auth, {}), StoreDecision::kAuthorization);
  EXPECT_TRUE(storable("GET", 200, auth, {{"Cache-Control", "public"}}));
  EXPECT_TRUE(storable("GET", 200, auth, {{"Cache-Control", "s-maxage=60"}}));
  EXPECT_TRUE(storable("GET", 200, auth, {{"Cache-Control", "must-revalidate"}}));
  // proxy-revalidate is not on the §3.5 list.
  EXPECT_FALSE(storable("GET", 200, auth, {{"Cache-Control", "proxy-revalidate, max-age=9"}}));
}

TEST(Storable, TargetedFieldReplacesCacheControl) {
  // CDN-Cache-Control wins over Cache-Control: no-store for this cache.
  EXPECT_TRUE(storable("GET", 200, kNoHeaders,
                         {{"Cache-Control", "no-store"}, {"CDN-Cache-Control", "max-age=60"}}));
  EXPECT_FALSE(storable("GET", 200, kNoHeaders,
                          {{"Cache-Control", "max-age=60"}, {"CDN-Cache-Control", "no-store"}}));
  // An empty or invalid targeted field is ignored.
  EXPECT_FALSE(storable("GET", 200, kNoHeaders,
                          {{"Cache-Control", "no-store"}, {"CDN-Cache-Control", "max-age=x"}}));
  // Expires is ignored with a targeted field in use.
  EXPECT_EQ(check("GET", 500, kNoHeaders,
                          {{"Expires", date(kT + 60)}, {"CDN-Cache-Control", "no-transform"}}),
            StoreDecision::kNoFreshnessInformation);
}

// ---- freshnessLifetime ----------------------------------------------------

TEST(Lifetime, PrecedenceSMaxAgeMaxAgeExpires) {
  Stored a({{"Cache-Control", "max-age=100, s-maxage=10"}, {"Expires", date(kT + 1000)}});
  EXPECT_EQ(freshnessLifetime(a.response).seconds, 10);
  EXPECT_EQ(freshnessLifetime(a.response).source, FreshnessSource::kSMaxAge);
  Stored b({{"Cache-Control", "max-age=100"}, {"Expires", date(kT + 1000)}});
  EXPECT_EQ(freshnessLifetime(b.response).seconds, 100);
  EXPECT_EQ(freshnessLifetime(b.response).source, FreshnessSource::kMaxAge);
  Stored c({{"Date", date(kT - 5)}, {"Expires", date(kT + 1000)}});
  EXPECT_EQ(freshnessLifetime(c.response).seconds, 1005);
  EXPECT_EQ(freshnessLifetime(c.response).source, FreshnessSource::kExpires);
  Stored zero({{"Cache-Control", "max-age=0"}});
  EXPECT_EQ(freshnessLifetime(zero.response).seconds, 0);
  EXPECT_EQ(freshnessLifetime(zero.response).source, FreshnessSource::kMaxAge);
}

TEST(Lifetime, ExpiresWithoutDateUsesResponseTime) {
  Stored s({{"Expires", date(kT + 30)}});
  EXPECT_EQ(freshnessLifetime(s.response).seconds, 30);
  Stored bad_date({{"Date", "garbage"}, {"Expires", date(kT + 30)}});
  EXPECT_EQ(freshnessLifetime(bad_date.response).seconds, 30);
}

TEST(Lifetime, InvalidOrPastExpiresMeansExpired) {
  for (const char* e : {"0", "-1", "", "Thu, 01 Jan 1970 00:00:00", "yesterday"}) {
    Stored s({{"Date", date(kT)}, {"Expires", e}, {"Last-Modified", date(kT - 100000)}});
    const FreshnessLifetime f = freshnessLifetime(s.response);
    EXPECT_EQ(f.seconds, 0) << e;
    EXPECT_EQ(f.source, FreshnessSource::kExpires) << e;  // never falls to the heuristic
    EXPECT_FALSE(isFresh(s.response, kT)) << e;
  }
  Stored past({{"Date", date(kT)}, {"Expires", date(kT - 3600)}});
  EXPECT_EQ(freshnessLifetime(past.response).seconds, 0);
}

TEST(Lifetime, DuplicateExpiresFirstWins) {
  Stored s({{"Date", date(kT)}, {"Expires", date(kT + 10)}, {"Expires", date(kT + 99)}});
  EXPECT_EQ(freshnessLifetime(s.response).seconds, 10);
}

TEST(Lifetime, Heuristic) {
  // 10% of Date - Last-Modified.
  Stored s({{"Date", date(kT)}, {"Last-Modified", date(kT - 10000)}});
  EXPECT_EQ(freshnessLifetime(s.response).seconds, 1000);
  EXPECT_EQ(freshnessLifetime(s.response).source, FreshnessSource::kHeuristic);
  // Capped at one day by default, and configurably.
  Stored old({{"Date", date(kT)}, {"Last-Modified", date(kT - 365 * 86400)}});
  EXPECT_EQ(freshnessLifetime(old.response).seconds, 86400);
  FreshnessOptions opts;
  opts.heuristic_max_seconds = 600;
  EXPECT_EQ(freshnessLifetime(old.response, opts).seconds, 600);
  opts.heuristic_fraction = 0.0;
  EXPECT_EQ(freshnessLifetime(old.response, opts).seconds, 0);
}

TEST(Lifetime, HeuristicOnlyWhenAllowed) {
  const HeaderList lm = {{"Date", date(kT)}, {"Last-Modified", date(kT - 10000)}};
  // Not for statuses outside the §4.2.2 list ...
  for (int status : {302, 303, 307, 400, 403, 500, 502, 503}) {
    Stored s(lm, status);
    EXPECT_EQ(freshnessLifetime(s.response).seconds, 0) << status;
  }
  // ... unless the response is public.
  HeaderList pub = lm;
  pub.emplace_back("Cache-Control", "public");
  Stored p(pub, 302);
  EXPECT_EQ(freshnessLifetime(p.response).seconds, 1000);
  // Never with explicit freshness, even max-age=0.
  HeaderList explicit_zero = lm;
  explicit_zero.emplace_back("Cache-Control", "max-age=0");
  Stored e(explicit_zero);
  EXPECT_EQ(freshnessLifetime(e.response).seconds, 0);
  // Not without a valid Last-Modified earlier than Date.
  Stored none({{"Date", date(kT)}});
  EXPECT_EQ(freshnessLifetime(none.response).source, FreshnessSource::kNone);
  Stored bad({{"Date", date(kT)}, {"Last-Modified", "not a date"}});
  EXPECT_EQ(freshnessLifetime(bad.response).seconds, 0);
  Stored future({{"Date", date(kT)}, {"Last-Modified", date(kT + 50)}});
  EXPECT_EQ(freshnessLifetime(future.response).seconds, 0);
}

TEST(Lifetime, CdnCacheControlTakesPrecedence) {
  // RFC 9213 §2.1 example: the CDN keeps it longer than browsers.
  Stored s({{"Cache-Control", "max-age=60"}, {"CDN-Cache-Control", "max-age=3600"}});
  EXPECT_EQ(freshnessLifetime(s.response).seconds, 3600);
  // Targeted field replaces Cache-Control entirely, s-maxage included.
  Stored t({{"Cache-Control", "s-maxage=5"}, {"cdn-cache-control", "max-age=50"}});
  EXPECT_EQ(freshnessLifetime(t.response).seconds, 50);
  // ... and Expires: "CDN-Cache-Control: public" leaves only the heuristic.
  Stored u({{"Date", date(kT)}, {"Expires", date(kT + 10)},
            {"CDN-Cache-Control", "public"}, {"Last-Modified", date(kT - 100)}});
  EXPECT_EQ(freshnessLifetime(u.response).seconds, 10);
  EXPECT_EQ(freshnessLifetime(u.response).source, FreshnessSource::kHeuristic);
  // Present but with no valid directive: as if absent.
  for (const char* junk : {"", " , ", "max-age=abc", "\"oops\""}) {
    Stored v({{"Cache-Control", "max-age=60"}, {"CDN-Cache-Control", junk}});
    EXPECT_EQ(freshnessLifetime(v.response).seconds, 60) << junk;
  }
}

TEST(Lifetime, TargetedFieldListIsConfigurable) {
  FreshnessOptions opts;
  opts.targeted_fields = {"Verge-CDN-Cache-Control", "CDN-Cache-Control"};
  Stored s({{"CDN-Cache-Control", "max-age=10"}, {"Verge-CDN-Cache-Control", "max-age=20"}});
  EXPECT_EQ(freshnessLifetime(s.response, opts).seconds, 20);
  opts.targeted_fields.clear();
  Stored t({{"Cache-Control", "max-age=1"}, {"CDN-Cache-Control", "max-age=10"}});
  EXPECT_EQ(freshnessLifetime(t.response, opts).seconds, 1);
}

// ---- currentAge -----------------------------------------------------------

TEST(Age, ResidentTime) {
  Stored s({{"Date", date(kT)}});
  EXPECT_EQ(currentAge(s.response, kT), 0);
  EXPECT_EQ(currentAge(s.response, kT + 42), 42);
}

TEST(Age, AgeHeaderAndResponseDelay) {
  // corrected_age_value = Age + (response_time - request_time).
  Stored s({{"Date", date(kT)}, {"Age", "100"}}, 200, kT - 2, kT);
  EXPECT_EQ(currentAge(s.response, kT + 10), 112);
}

TEST(Age, ApparentAgeWinsWhenLarger) {
  // Date 300s before we received it and no Age: apparent age 300.
  Stored s({{"Date", date(kT - 300)}, {"Age", "10"}});
  EXPECT_EQ(currentAge(s.response, kT + 5), 305);
}

TEST(Age, ClockSkewNeverNegative) {
  // Origin clock ahead of ours: apparent age clamps to 0.
  Stored ahead({{"Date", date(kT + 3600)}});
  EXPECT_EQ(currentAge(ahead.response, kT), 0);
  // Our clock stepped back: resident time clamps to 0.
  Stored s({{"Date", date(kT)}});
  EXPECT_EQ(currentAge(s.response, kT - 1000), 0);
  // response_time before request_time: no delay rather than negative.
  Stored odd({{"Date", date(kT)}, {"Age", "5"}}, 200, kT + 100, kT);
  EXPECT_EQ(currentAge(odd.response, kT), 5);
}

TEST(Age, InvalidAgeMeansUnknownSoStale) {
  for (const char* a : {"-5", "abc", "1.5", "", " ", "5s", "7200;foo=bar"}) {
    Stored s({{"Date", date(kT)}, {"Age", a}, {"Cache-Control", "max-age=3600"}});
    EXPECT_EQ(currentAge(s.response, kT), kMaxDeltaSeconds) << a;
    EXPECT_FALSE(isFresh(s.response, kT)) << a;
  }
  // A list: the first member counts.
  Stored list({{"Date", date(kT)}, {"Age", " 7 , 1000"}});
  EXPECT_EQ(currentAge(list.response, kT), 7);
  Stored lines({{"Date", date(kT)}, {"Age", "8"}, {"Age", "1000"}});
  EXPECT_EQ(currentAge(lines.response, kT), 8);
}

TEST(Age, HugeValuesSaturate) {
  Stored s({{"Age", "999999999999999999999999999"}});
  EXPECT_EQ(currentAge(s.response, kT), kMaxDeltaSeconds);
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  Stored extreme({{"Age", "2147483648"}}, 200, min, max);
  EXPECT_EQ(currentAge(extreme.response, max), max);
  EXPECT_GE(currentAge(extreme.response, min), 0);
  Stored old({{"Date", "Sat, 01 Jan 0000 00:00:00 GMT"}}, 200, max, max);
  EXPECT_EQ(currentAge(old.response, max), max);
}

TEST(Age, IsFresh) {
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}, {"Age", "20"}});
  EXPECT_TRUE(isFresh(s.response, kT));
  EXPECT_TRUE(isFresh(s.response, kT + 39));
  EXPECT_FALSE(isFresh(s.response, kT + 40));  // age 60 == lifetime: stale
  Stored huge({{"Cache-Control", "max-age=60"}, {"Age", "99999999999999"}});
  EXPECT_FALSE(isFresh(huge.response, kT));
}

// ---- evaluateLookup -------------------------------------------------------

LookupResult lookup(const HeaderList& req, const StoredResponse& r, int64_t now) {
  return evaluateLookup(req, r, now).result;
}

TEST(Lookup, FreshThenStale) {
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}});
  const LookupDecision d = decision(kNoHeaders, s.response, kT + 10);
  EXPECT_EQ(d.result, LookupResult::kFresh);
  EXPECT_EQ(d.age, 10);
  EXPECT_EQ(d.freshness_lifetime, 60);
  EXPECT_FALSE(d.stale_if_error_allowed);
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 60), LookupResult::kMustRevalidate);
}

TEST(Lookup, ResponseNoCacheAlwaysRevalidates) {
  Stored s({{"Cache-Control", "max-age=60, no-cache, stale-while-revalidate=99"}});
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT), LookupResult::kMustRevalidate);
  EXPECT_EQ(lookup({{"Cache-Control", "max-stale"}}, s.response, kT + 100),
            LookupResult::kMustRevalidate);
  Stored q({{"Cache-Control", "max-age=60, no-cache=\"set-cookie\""}});
  EXPECT_EQ(lookup(kNoHeaders, q.response, kT), LookupResult::kMustRevalidate);
}

TEST(Lookup, RequestNoCacheAndMaxAge) {
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}});
  EXPECT_EQ(lookup({{"Cache-Control", "no-cache"}}, s.response, kT), LookupResult::kMustRevalidate);
  EXPECT_EQ(lookup({{"Cache-Control", "max-age=0"}}, s.response, kT + 1),
            LookupResult::kMustRevalidate);
  EXPECT_EQ(lookup({{"Cache-Control", "max-age=10"}}, s.response, kT + 10), LookupResult::kFresh);
  EXPECT_EQ(lookup({{"Cache-Control", "max-age=10"}}, s.response, kT + 11),
            LookupResult::kMustRevalidate);
  // Request no-store does not stop serving what is already stored.
  EXPECT_EQ(lookup({{"Cache-Control", "no-store"}}, s.response, kT), LookupResult::kFresh);
}

TEST(Lookup, MinFresh) {
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}});
  EXPECT_EQ(lookup({{"Cache-Control", "min-fresh=30"}}, s.response, kT + 30), LookupResult::kFresh);
  EXPECT_EQ(lookup({{"Cache-Control", "min-fresh=30"}}, s.response, kT + 31),
            LookupResult::kMustRevalidate);
}

TEST(Lookup, MaxStale) {
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}});
  EXPECT_EQ(lookup({{"Cache-Control", "max-stale"}}, s.response, kT + 100000),
            LookupResult::kStaleServable);
  EXPECT_EQ(lookup({{"Cache-Control", "max-stale=10"}}, s.response, kT + 70),
            LookupResult::kStaleServable);
  EXPECT_EQ(lookup({{"Cache-Control", "max-stale=10"}}, s.response, kT + 71),
            LookupResult::kMustRevalidate);
  // Fresh stays kFresh.
  EXPECT_EQ(lookup({{"Cache-Control", "max-stale"}}, s.response, kT), LookupResult::kFresh);
}

TEST(Lookup, RevalidateDirectivesForbidStale) {
  for (const char* cc : {"max-age=60, must-revalidate, stale-while-revalidate=100",
                         "max-age=60, proxy-revalidate, stale-while-revalidate=100"}) {
    Stored s({{"Date", date(kT)}, {"Cache-Control", cc}, {"Age", "0"}});
    EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 10), LookupResult::kFresh) << cc;
    EXPECT_EQ(lookup({{"Cache-Control", "max-stale"}}, s.response, kT + 70),
              LookupResult::kMustRevalidate)
        << cc;
    EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 70), LookupResult::kMustRevalidate) << cc;
    EXPECT_FALSE(decision({{"Cache-Control", "stale-if-error=999"}}, s.response, kT + 70)
                     .stale_if_error_allowed)
        << cc;
  }
  // s-maxage implies proxy-revalidate: no max-stale serving.
  Stored sm({{"Date", date(kT)}, {"Cache-Control", "s-maxage=60"}});
  EXPECT_EQ(lookup({{"Cache-Control", "max-stale"}}, sm.response, kT + 70),
            LookupResult::kMustRevalidate);
}

TEST(Lookup, StaleWhileRevalidate) {
  // RFC 5861 §3 example: max-age=600, stale-while-revalidate=30.
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=600, stale-while-revalidate=30"}});
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 599), LookupResult::kFresh);
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 600), LookupResult::kStaleWhileRevalidate);
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 630), LookupResult::kStaleWhileRevalidate);
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 631), LookupResult::kMustRevalidate);
  // The usual CDN form with s-maxage is honoured.
  Stored cdn({{"Date", date(kT)}, {"Cache-Control", "s-maxage=60, stale-while-revalidate=30"}});
  EXPECT_EQ(lookup(kNoHeaders, cdn.response, kT + 80), LookupResult::kStaleWhileRevalidate);
  // A client demanding a young response is not served stale.
  EXPECT_EQ(lookup({{"Cache-Control", "max-age=100"}}, s.response, kT + 610),
            LookupResult::kMustRevalidate);
}

TEST(Lookup, StaleIfError) {
  // RFC 5861 §4 example: max-age=600, stale-if-error=1200.
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=600, stale-if-error=1200"}});
  LookupDecision d = decision(kNoHeaders, s.response, kT + 1800);
  EXPECT_EQ(d.result, LookupResult::kMustRevalidate);
  EXPECT_TRUE(d.stale_if_error_allowed);
  EXPECT_FALSE(decision(kNoHeaders, s.response, kT + 1801).stale_if_error_allowed);
  // The request can grant a longer window.
  EXPECT_TRUE(decision({{"Cache-Control", "stale-if-error=5000"}}, s.response, kT + 3000)
                  .stale_if_error_allowed);
  Stored none({{"Date", date(kT)}, {"Cache-Control", "max-age=600"}});
  EXPECT_FALSE(decision(kNoHeaders, none.response, kT + 601).stale_if_error_allowed);
  EXPECT_TRUE(decision({{"Cache-Control", "stale-if-error=60"}}, none.response, kT + 601)
                  .stale_if_error_allowed);
  Stored nc({{"Cache-Control", "max-age=600, no-cache, stale-if-error=1200"}});
  EXPECT_FALSE(decision(kNoHeaders, nc.response, kT + 700).stale_if_error_allowed);
}

TEST(Lookup, OnlyIfCached) {
  const HeaderList oic = {{"Cache-Control", "only-if-cached"}};
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60, stale-while-revalidate=10"}});
  EXPECT_EQ(lookup(oic, s.response, kT), LookupResult::kFresh);
  EXPECT_EQ(lookup(oic, s.response, kT + 65), LookupResult::kStaleWhileRevalidate);
  EXPECT_EQ(lookup(oic, s.response, kT + 100), LookupResult::kGatewayTimeout);
  EXPECT_EQ(lookup({{"Cache-Control", "only-if-cached, no-cache"}}, s.response, kT),
            LookupResult::kGatewayTimeout);
  EXPECT_EQ(lookup({{"Cache-Control", "only-if-cached, max-stale"}}, s.response, kT + 100),
            LookupResult::kStaleServable);
}

TEST(Lookup, AuthorizationNeedsExplicitPermission) {
  const HeaderList auth = {{"Authorization", "Basic eDp5"}};
  Stored plain({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}});
  EXPECT_EQ(lookup(auth, plain.response, kT), LookupResult::kMustRevalidate);
  for (const char* cc : {"max-age=60, public", "s-maxage=60", "max-age=60, must-revalidate"}) {
    Stored s({{"Date", date(kT)}, {"Cache-Control", cc}});
    EXPECT_EQ(lookup(auth, s.response, kT), LookupResult::kFresh) << cc;
  }
}

TEST(Lookup, CdnCacheControlDrivesLookup) {
  Stored s({{"Date", date(kT)},
            {"Cache-Control", "no-cache"},
            {"CDN-Cache-Control", "max-age=300, stale-while-revalidate=60"}});
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 100), LookupResult::kFresh);
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT + 330), LookupResult::kStaleWhileRevalidate);
}

TEST(Lookup, ParsedRequestOverload) {
  Stored s({{"Date", date(kT)}, {"Cache-Control", "max-age=60"}});
  CacheControl req;
  req.max_stale = true;
  EXPECT_EQ(evaluateLookup(req, false, s.response, kT + 1000).result,
            LookupResult::kStaleServable);
  EXPECT_EQ(evaluateLookup(req, true, s.response, kT).result, LookupResult::kMustRevalidate);
}

TEST(Lookup, NoFreshnessInformationIsStale) {
  Stored s({{"Date", date(kT)}}, 200);
  EXPECT_EQ(lookup(kNoHeaders, s.response, kT), LookupResult::kMustRevalidate);
}

}  // namespace
}  // namespace verge::http
