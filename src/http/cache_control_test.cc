#include "http/cache_control.h"

#include <gtest/gtest.h>

namespace verge::http {
namespace {

using Fields = std::vector<std::string>;

TEST(CacheControl, EmptyAndJunk) {
  const CacheControl empty = parseCacheControl("");
  EXPECT_EQ(empty.directive_count, 0u);
  EXPECT_FALSE(empty.max_age);
  EXPECT_EQ(parseCacheControl(" , ,, ").directive_count, 0u);
  EXPECT_EQ(parseCacheControl("=5, \"x\", @@").directive_count, 0u);
}

TEST(CacheControl, ResponseDirectives) {
  const CacheControl cc = parseCacheControl(
      "public, max-age=3600, s-maxage=60, must-revalidate, proxy-revalidate, "
      "must-understand, no-store, no-transform, immutable, stale-while-revalidate=30, "
      "stale-if-error=86400");
  EXPECT_TRUE(cc.public_);
  EXPECT_EQ(cc.max_age, 3600);
  EXPECT_EQ(cc.s_maxage, 60);
  EXPECT_TRUE(cc.must_revalidate);
  EXPECT_TRUE(cc.proxy_revalidate);
  EXPECT_TRUE(cc.must_understand);
  EXPECT_TRUE(cc.no_store);
  EXPECT_TRUE(cc.no_transform);
  EXPECT_TRUE(cc.immutable);
  EXPECT_EQ(cc.stale_while_revalidate, 30);
  EXPECT_EQ(cc.stale_if_error, 86400);
  EXPECT_FALSE(cc.private_);
  EXPECT_FALSE(cc.no_cache);
  EXPECT_EQ(cc.directive_count, 11u);
}

TEST(CacheControl, RequestDirectives) {
  const CacheControl cc =
      parseCacheControl("max-age=0, min-fresh=10, max-stale=20, only-if-cached, no-cache");
  EXPECT_EQ(cc.max_age, 0);
  EXPECT_EQ(cc.min_fresh, 10);
  EXPECT_TRUE(cc.max_stale);
  EXPECT_EQ(cc.max_stale_seconds, 20);
  EXPECT_TRUE(cc.only_if_cached);
  EXPECT_TRUE(cc.no_cache);
}

TEST(CacheControl, BareMaxStaleMeansAny) {
  const CacheControl cc = parseCacheControl("max-stale");
  EXPECT_TRUE(cc.max_stale);
  EXPECT_FALSE(cc.max_stale_seconds);
  // An invalid value is ignored entirely; it does not become "any".
  EXPECT_FALSE(parseCacheControl("max-stale=soon").max_stale);
}

TEST(CacheControl, NamesAreCaseInsensitive) {
  const CacheControl cc = parseCacheControl("MAX-AGE=5, No-Cache, PRIVATE, Public");
  EXPECT_EQ(cc.max_age, 5);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.private_);
  EXPECT_TRUE(cc.public_);
}

TEST(CacheControl, QuotedValuesAccepted) {
  EXPECT_EQ(parseCacheControl("max-age=\"120\"").max_age, 120);
  EXPECT_EQ(parseCacheControl("s-maxage=\"7\", max-age=\"x\"").s_maxage, 7);
  EXPECT_FALSE(parseCacheControl("max-age=\"x\"").max_age);
}

TEST(CacheControl, QuotedStringWithCommasIsOneDirective) {
  const CacheControl cc =
      parseCacheControl("no-cache=\"Set-Cookie, X-Foo\", private=\"Authorization\", max-age=9");
  EXPECT_TRUE(cc.no_cache);
  EXPECT_EQ(cc.no_cache_fields, (Fields{"set-cookie", "x-foo"}));
  EXPECT_TRUE(cc.private_);
  EXPECT_EQ(cc.private_fields, (Fields{"authorization"}));
  EXPECT_EQ(cc.max_age, 9);
  EXPECT_EQ(cc.directive_count, 3u);
}

TEST(CacheControl, EscapesInQuotedStrings) {
  // An escaped quote does not end the string, so the comma inside it does
  // not split; the extension is one directive and max-age still parses.
  const CacheControl cc = parseCacheControl("x-ext=\"a\\\", max-age=1\", max-age=2");
  EXPECT_EQ(cc.max_age, 2);
  EXPECT_EQ(cc.directive_count, 2u);
}

TEST(CacheControl, TokenFormFieldNames) {
  const CacheControl cc = parseCacheControl("no-cache=Set-Cookie");
  EXPECT_EQ(cc.no_cache_fields, (Fields{"set-cookie"}));
}

TEST(CacheControl, EmptyFieldListIsUnqualified) {
  const CacheControl cc = parseCacheControl("no-cache=\"\", private=\" , \"");
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.no_cache_fields.empty());
  EXPECT_TRUE(cc.private_);
  EXPECT_TRUE(cc.private_fields.empty());
}

TEST(CacheControl, InvalidValuesAreIgnored) {
  for (const char* v : {"max-age=abc", "max-age=-1", "max-age=", "max-age", "max-age=1.5",
                        "max-age=+5", "max-age=0x10", "max-age=\"5", "max-age=5 6"}) {
    const CacheControl cc = parseCacheControl(v);
    EXPECT_FALSE(cc.max_age) << v;
    EXPECT_EQ(cc.directive_count, 0u) << v;
  }
  // The rest of the field survives a bad directive.
  const CacheControl cc = parseCacheControl("max-age=abc, public, s-maxage=-3, min-fresh=4");
  EXPECT_FALSE(cc.max_age);
  EXPECT_FALSE(cc.s_maxage);
  EXPECT_TRUE(cc.public_);
  EXPECT_EQ(cc.min_fresh, 4);
  EXPECT_EQ(cc.directive_count, 2u);
}

TEST(CacheControl, UnterminatedQuoteSwallowsTheRest) {
  const CacheControl cc = parseCacheControl("public, no-cache=\"a, max-age=5");
  EXPECT_TRUE(cc.public_);
  EXPECT_FALSE(cc.no_cache);
  EXPECT_FALSE(cc.max_age);
}

TEST(CacheControl, JunkElementsSkippedToNextComma) {
  const CacheControl cc = parseCacheControl("a b, \"quoted\", max-age=7, =, public");
  EXPECT_EQ(cc.max_age, 7);
  EXPECT_TRUE(cc.public_);
  EXPECT_EQ(cc.directive_count, 2u);
}

TEST(CacheControl, ToleratesWhitespace) {
  const CacheControl cc = parseCacheControl("\t max-age = 7 ,\tpublic\t");
  EXPECT_EQ(cc.max_age, 7);
  EXPECT_TRUE(cc.public_);
}

TEST(CacheControl, DuplicateDeltaSecondsFirstWins) {
  // RFC 9111 §4.2.1: use the first occurrence (or treat as stale).
  EXPECT_EQ(parseCacheControl("max-age=10, max-age=20").max_age, 10);
  EXPECT_EQ(parseCacheControl("s-maxage=1, S-MAXAGE=2").s_maxage, 1);
  EXPECT_EQ(parseCacheControl("stale-while-revalidate=3, stale-while-revalidate=4")
                .stale_while_revalidate,
            3);
  EXPECT_EQ(parseCacheControl("max-stale=5, max-stale").max_stale_seconds, 5);
  EXPECT_FALSE(parseCacheControl("max-stale, max-stale=5").max_stale_seconds);
  // An invalid first occurrence is as if absent, so the first valid one wins.
  EXPECT_EQ(parseCacheControl("max-age=abc, max-age=20").max_age, 20);
  // Combined field lines behave the same (joined with ", ").
  EXPECT_EQ(parseCacheControl("max-age=30, max-age=0").max_age, 30);
}

TEST(CacheControl, DeltaSecondsOverflowClamps) {
  EXPECT_EQ(parseCacheControl("max-age=2147483647").max_age, 2147483647);
  EXPECT_EQ(parseCacheControl("max-age=2147483648").max_age, kMaxDeltaSeconds);
  EXPECT_EQ(parseCacheControl("max-age=2147483649").max_age, kMaxDeltaSeconds);
  EXPECT_EQ(parseCacheControl("max-age=99999999999999999999999999999999").max_age,
            kMaxDeltaSeconds);
  EXPECT_FALSE(parseCacheControl("max-age=99999999999999999999x").max_age);
}

TEST(CacheControl, ValueOnArgumentlessDirectiveIsDisregarded) {
  const CacheControl cc = parseCacheControl("public=1, no-store=\"x\"");
  EXPECT_TRUE(cc.public_);
  EXPECT_TRUE(cc.no_store);
}

TEST(CacheControl, ExtensionsCountButDoNothing) {
  const CacheControl cc = parseCacheControl("community=\"UCI\", foo");
  EXPECT_EQ(cc.directive_count, 2u);
  EXPECT_FALSE(cc.public_);
}

}  // namespace
}  // namespace verge::http
