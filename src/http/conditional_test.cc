#include "http/conditional.h"

#include <gtest/gtest.h>

#include "http/http_date.h"

namespace verge::http {
namespace {

constexpr int64_t kT = 1700000000;
std::string date(int64_t t) { return formatHttpDate(t); }

// A stored 200 with a strong ETag, a Last-Modified an hour before its Date.
const HeaderList kStored = {{"Date", date(kT)},
                            {"Last-Modified", date(kT - 3600)},
                            {"ETag", "\"v1\""},
                            {"Content-Length", "1000"}};

ConditionalResult cond(const HeaderList& request, std::string_view method = "GET",
                       const HeaderList& stored = kStored, int status = 200) {
  return evaluateConditionals(method, request, status, stored);
}

constexpr auto kProceed = ConditionalResult::kProceed;
constexpr auto k304 = ConditionalResult::kNotModified;
constexpr auto k412 = ConditionalResult::kPreconditionFailed;

// ---- entity tags -------------------------------------------------------------

TEST(EntityTag, Parse) {
  std::optional<EntityTag> t = parseEntityTag("\"abc\"");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->weak);
  EXPECT_EQ(t->opaque, "abc");
  t = parseEntityTag(" W/\"x,y\"\t");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->weak);
  EXPECT_EQ(t->opaque, "x,y");
  t = parseEntityTag("\"\"");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->opaque, "");
  EXPECT_TRUE(parseEntityTag("\"\x80\xff\""));  // obs-text
  for (std::string_view bad :
       {"", "abc", "\"abc", "abc\"", "w/\"a\"", "W/abc", "W/", "\"a b\"", "\"a\"\"b\"", "\"a\" x",
        "\"a\", \"b\"", "*", "\"a\x01\"", "\"a\x7f\""}) {
    EXPECT_FALSE(parseEntityTag(bad)) << bad;
  }
}

// RFC 9110 §8.8.3.2's table.
TEST(EntityTag, ComparisonTable) {
  EXPECT_FALSE(etagStrongMatch("W/\"1\"", "W/\"1\""));
  EXPECT_TRUE(etagWeakMatch("W/\"1\"", "W/\"1\""));
  EXPECT_FALSE(etagStrongMatch("W/\"1\"", "W/\"2\""));
  EXPECT_FALSE(etagWeakMatch("W/\"1\"", "W/\"2\""));
  EXPECT_FALSE(etagStrongMatch("W/\"1\"", "\"1\""));
  EXPECT_TRUE(etagWeakMatch("W/\"1\"", "\"1\""));
  EXPECT_TRUE(etagStrongMatch("\"1\"", "\"1\""));
  EXPECT_TRUE(etagWeakMatch("\"1\"", "\"1\""));
}

TEST(EntityTag, Lists) {
  EXPECT_TRUE(etagWeakMatch("\"a\", W/\"b\"", "\"b\""));
  EXPECT_FALSE(etagStrongMatch("\"a\", W/\"b\"", "\"b\""));
  EXPECT_TRUE(etagStrongMatch("\"a\", W/\"b\"", "\"c\", \"a\""));
  EXPECT_TRUE(etagWeakMatch(" ,, \"a\" ,", "\"a\""));
  // A comma inside the quotes is part of the tag.
  EXPECT_TRUE(etagStrongMatch("\"a,b\"", "\"a,b\""));
  EXPECT_FALSE(etagStrongMatch("\"a,b\"", "\"a\""));
  EXPECT_FALSE(etagStrongMatch("\"a,b\"", "\"b\""));
}

TEST(EntityTag, JunkIsSkipped) {
  EXPECT_TRUE(etagStrongMatch("junk, \"a\"", "\"a\""));
  EXPECT_TRUE(etagStrongMatch("\"unterminated, \"a\"", "\"a\""));
  EXPECT_TRUE(etagStrongMatch("\"x\"y, \"a\"", "\"a\""));
  EXPECT_FALSE(etagStrongMatch("a", "a"));  // unquoted tags are not entity-tags
  EXPECT_FALSE(etagWeakMatch("*", "*"));
  EXPECT_FALSE(etagWeakMatch("*", "\"a\""));
  EXPECT_FALSE(etagWeakMatch("", ""));
  EXPECT_FALSE(etagWeakMatch("\"", "\""));
  EXPECT_FALSE(etagWeakMatch("w/\"a\"", "\"a\""));  // W is case-sensitive
}

TEST(EntityTag, IsSymmetric) {
  const std::string_view values[] = {"\"a\"", "W/\"a\"", "\"b\", W/\"a\"", "junk", "*", ""};
  for (std::string_view a : values) {
    for (std::string_view b : values) {
      EXPECT_EQ(etagStrongMatch(a, b), etagStrongMatch(b, a)) << a << " | " << b;
      EXPECT_EQ(etagWeakMatch(a, b), etagWeakMatch(b, a)) << a << " | " << b;
      EXPECT_TRUE(!etagStrongMatch(a, b) || etagWeakMatch(a, b)) << a << " | " << b;
    }
  }
}

TEST(EntityTag, LargeListsOnBothSides) {
  std::string a, b;
  for (int i = 0; i < 20000; ++i) {
    a += "\"a" + std::to_string(i) + "\", ";
    b += "\"b" + std::to_string(i) + "\", ";
  }
  EXPECT_FALSE(etagStrongMatch(a, b));
  b += "W/\"a19999\"";
  EXPECT_FALSE(etagStrongMatch(a, b));
  EXPECT_TRUE(etagWeakMatch(a, b));
  EXPECT_TRUE(etagWeakMatch(b, a));
}

// ---- evaluateConditionals: each field alone -----------------------------------

TEST(Conditionals, NoPreconditions) {
  EXPECT_EQ(cond({}), kProceed);
  EXPECT_EQ(cond({{"Range", "bytes=0-1"}}), kProceed);
}

TEST(Conditionals, IfMatch) {
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}}), kProceed);
  EXPECT_EQ(cond({{"If-Match", "\"v0\", \"v1\""}}), kProceed);
  EXPECT_EQ(cond({{"If-Match", "\"v0\""}}), k412);
  EXPECT_EQ(cond({{"If-Match", "*"}}), kProceed);
  // Strong comparison: a weak tag on either side fails.
  EXPECT_EQ(cond({{"If-Match", "W/\"v1\""}}), k412);
  const HeaderList weak_stored = {{"ETag", "W/\"v1\""}};
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}}, "GET", weak_stored), k412);
  EXPECT_EQ(cond({{"If-Match", "*"}}, "GET", weak_stored), kProceed);
  // No stored ETag: only "*" passes.
  const HeaderList no_etag = {{"Last-Modified", date(kT - 3600)}};
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}}, "GET", no_etag), k412);
  EXPECT_EQ(cond({{"If-Match", "*"}}, "GET", no_etag), kProceed);
  // Junk and an empty list match nothing.
  EXPECT_EQ(cond({{"If-Match", "v1"}}), k412);
  EXPECT_EQ(cond({{"If-Match", ""}}), k412);
  // The same for other methods.
  EXPECT_EQ(cond({{"If-Match", "\"v0\""}}, "PUT"), k412);
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}}, "DELETE"), kProceed);
}

TEST(Conditionals, IfUnmodifiedSince) {
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 3600)}}), kProceed);  // equal
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT)}}), kProceed);         // later
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 3601)}}), k412);      // modified since
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 3601)}}, "PUT"), k412);
  // Ignored: invalid date, a list of dates, no (valid) Last-Modified.
  EXPECT_EQ(cond({{"If-Unmodified-Since", "yesterday"}}), kProceed);
  EXPECT_EQ(
      cond({{"If-Unmodified-Since", date(kT - 7200)}, {"If-Unmodified-Since", date(kT - 7200)}}),
      kProceed);
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 7200)}}, "GET", {{"ETag", "\"v1\""}}),
            kProceed);
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 7200)}}, "GET", {{"Last-Modified", "garbage"}}),
            kProceed);
}

TEST(Conditionals, IfNoneMatch) {
  EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}}), k304);
  EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}}, "HEAD"), k304);
  EXPECT_EQ(cond({{"If-None-Match", "W/\"v1\""}}), k304);  // weak comparison
  EXPECT_EQ(cond({{"If-None-Match", "\"v0\", W/\"v1\""}}), k304);
  EXPECT_EQ(cond({{"If-None-Match", "\"v0\""}}, "GET"), kProceed);
  EXPECT_EQ(cond({{"If-None-Match", "\"v0\""}, {"If-None-Match", "\"v1\""}}), k304);
  EXPECT_EQ(cond({{"If-None-Match", "*"}}), k304);
  EXPECT_EQ(cond({{"If-None-Match", "junk"}}), kProceed);
  EXPECT_EQ(cond({{"If-None-Match", ""}}), kProceed);
  // Weak stored ETag.
  EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}}, "GET", {{"ETag", "W/\"v1\""}}), k304);
  // No stored ETag: only "*" matches.
  EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}}, "GET", {{"Date", date(kT)}}), kProceed);
  EXPECT_EQ(cond({{"If-None-Match", "*"}}, "GET", {{"Date", date(kT)}}), k304);
}

TEST(Conditionals, IfNoneMatchOnOtherMethodsIs412) {
  for (std::string_view method : {"POST", "PUT", "DELETE", "PATCH"}) {
    EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}}, method), k412) << method;
    EXPECT_EQ(cond({{"If-None-Match", "*"}}, method), k412) << method;
    EXPECT_EQ(cond({{"If-None-Match", "\"v0\""}}, method), kProceed) << method;
  }
  // Methods are case-sensitive: "get" is not GET.
  EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}}, "get"), k412);
}

TEST(Conditionals, IfModifiedSince) {
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT - 3600)}}), k304);  // equal
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}), k304);         // later
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "HEAD"), k304);
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT - 3601)}}), kProceed);  // modified since
  EXPECT_EQ(cond({{"If-Modified-Since", "Tuesday, 14-Nov-23 22:13:20 GMT"}}), k304);
  // Ignored: invalid date, two lines, methods other than GET / HEAD.
  EXPECT_EQ(cond({{"If-Modified-Since", "yesterday"}}), kProceed);
  EXPECT_EQ(cond({{"If-Modified-Since", "0"}}), kProceed);
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}, {"If-Modified-Since", date(kT)}}), kProceed);
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "POST"), kProceed);
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "PUT"), kProceed);
}

TEST(Conditionals, IfModifiedSinceFallsBackToDate) {
  // RFC 9111 §4.3.2: no Last-Modified → the stored Date.
  const HeaderList dated = {{"Date", date(kT)}, {"ETag", "\"v1\""}};
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "GET", dated), k304);
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT - 1)}}, "GET", dated), kProceed);
  // An invalid Last-Modified counts as none.
  const HeaderList bad_lm = {{"Date", date(kT)}, {"Last-Modified", "never"}};
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "GET", bad_lm), k304);
  // Neither: no 304.
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "GET", {{"ETag", "\"v1\""}}), kProceed);
  EXPECT_EQ(cond({{"If-Modified-Since", date(kT)}}, "GET", {{"Date", "garbage"}}), kProceed);
}

// ---- evaluateConditionals: precedence (RFC 9110 §13.2.2) -------------------------

TEST(ConditionalsOrder, IfMatchFailureWinsOverEverything) {
  EXPECT_EQ(cond({{"If-Match", "\"v0\""}, {"If-None-Match", "\"v1\""}}), k412);
  EXPECT_EQ(cond({{"If-Match", "\"v0\""}, {"If-Modified-Since", date(kT)}}), k412);
  EXPECT_EQ(cond({{"If-Match", "\"v0\""}, {"If-Unmodified-Since", date(kT)}}), k412);
}

TEST(ConditionalsOrder, IfMatchMakesIfUnmodifiedSinceIgnored) {
  // IUS alone would fail; If-Match present and true → step 3.
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}, {"If-Unmodified-Since", date(kT - 7200)}}), kProceed);
  EXPECT_EQ(cond({{"If-Match", "*"}, {"If-Unmodified-Since", date(kT - 7200)}}), kProceed);
}

TEST(ConditionalsOrder, PassingIfMatchThenIfNoneMatch) {
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}, {"If-None-Match", "\"v1\""}}), k304);
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}, {"If-None-Match", "\"v1\""}}, "PUT"), k412);
  EXPECT_EQ(cond({{"If-Match", "\"v1\""}, {"If-None-Match", "\"v0\""}}), kProceed);
}

TEST(ConditionalsOrder, IfUnmodifiedSinceFailureWinsOverIfNoneMatch) {
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 7200)}, {"If-None-Match", "\"v1\""}}), k412);
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT - 7200)}, {"If-Modified-Since", date(kT)}}),
            k412);
}

TEST(ConditionalsOrder, PassingIfUnmodifiedSinceThenIfNoneMatchOrIms) {
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT)}, {"If-None-Match", "\"v1\""}}), k304);
  EXPECT_EQ(cond({{"If-Unmodified-Since", date(kT)}, {"If-Modified-Since", date(kT)}}), k304);
  // Ignored (invalid) IUS behaves as absent.
  EXPECT_EQ(cond({{"If-Unmodified-Since", "bad"}, {"If-None-Match", "\"v1\""}}), k304);
}

TEST(ConditionalsOrder, IfNoneMatchMakesImsIgnored) {
  // IMS alone would give 304; a non-matching If-None-Match takes precedence.
  EXPECT_EQ(cond({{"If-None-Match", "\"v0\""}, {"If-Modified-Since", date(kT)}}), kProceed);
  // IMS alone would proceed; a matching If-None-Match gives 304.
  EXPECT_EQ(cond({{"If-None-Match", "\"v1\""}, {"If-Modified-Since", date(kT - 7200)}}), k304);
  // Even an empty (or junk) If-None-Match is present.
  EXPECT_EQ(cond({{"If-None-Match", ""}, {"If-Modified-Since", date(kT)}}), kProceed);
}

TEST(ConditionalsOrder, AllFourPassing) {
  EXPECT_EQ(cond({{"If-Match", "\"v1\""},
                  {"If-Unmodified-Since", date(kT)},
                  {"If-None-Match", "\"v0\""},
                  {"If-Modified-Since", date(kT)}}),
            kProceed);
}

TEST(Conditionals, OnlyFor2xxStoredResponses) {
  const HeaderList r = {{"If-None-Match", "\"v1\""}};
  EXPECT_EQ(cond(r, "GET", kStored, 200), k304);
  EXPECT_EQ(cond(r, "GET", kStored, 203), k304);
  EXPECT_EQ(cond(r, "GET", kStored, 206), k304);
  EXPECT_EQ(cond(r, "GET", kStored, 299), k304);
  for (int status : {100, 199, 300, 301, 304, 404, 410, 500, 0, -1, 1000}) {
    EXPECT_EQ(cond(r, "GET", kStored, status), kProceed) << status;
    EXPECT_EQ(cond({{"If-Match", "\"v0\""}}, "GET", kStored, status), kProceed) << status;
  }
}

TEST(Conditionals, IgnoredForConnectOptionsTrace) {
  for (std::string_view m : {"CONNECT", "OPTIONS", "TRACE"}) {
    EXPECT_EQ(cond({{"If-Match", "\"v0\""}}, m), kProceed) << m;
    EXPECT_EQ(cond({{"If-None-Match", "*"}}, m), kProceed) << m;
  }
}

TEST(Conditionals, FieldNamesAreCaseInsensitive) {
  EXPECT_EQ(cond({{"if-none-match", "\"v1\""}}), k304);
  EXPECT_EQ(cond({{"IF-MATCH", "\"v0\""}}), k412);
  EXPECT_EQ(cond({{"if-none-match", "\"v1\""}}, "GET", {{"etag", "\"v1\""}}), k304);
}

// ---- notModifiedHeaders ---------------------------------------------------------

TEST(NotModified, KeepsExactlyTheListedFieldsInOrder) {
  const HeaderList stored = {{"Content-Type", "text/html"},
                             {"cache-control", "max-age=60"},
                             {"Date", "d"},
                             {"Content-Length", "1000"},
                             {"ETag", "\"v1\""},
                             {"Set-Cookie", "a=b"},
                             {"Vary", "Accept"},
                             {"Cache-Control", "public"},
                             {"Expires", "e"},
                             {"Age", "5"},
                             {"Last-Modified", "lm"},
                             {"Content-Location", "/x"},
                             {"Content-Encoding", "gzip"},
                             {"Vary", "Accept-Encoding"}};
  const HeaderList expected = {{"cache-control", "max-age=60"},
                               {"Date", "d"},
                               {"ETag", "\"v1\""},
                               {"Vary", "Accept"},
                               {"Cache-Control", "public"},
                               {"Expires", "e"},
                               {"Last-Modified", "lm"},
                               {"Content-Location", "/x"},
                               {"Vary", "Accept-Encoding"}};
  EXPECT_EQ(notModifiedHeaders(stored), expected);
  EXPECT_TRUE(notModifiedHeaders(HeaderList{}).empty());
  EXPECT_TRUE(notModifiedHeaders(HeaderView{}).empty());
}

// The functions that walk every line honour the span a HeaderView was built
// on (guards the HeaderView representation conditional.cc relies on).
TEST(NotModified, HeaderViewLines) {
  const HeaderList list = {{"ETag", "\"a\""}, {"ETag", "\"b\""}, {"ETag", "\"c\""}};
  const HeaderView middle(std::span<const Header>(list).subspan(1, 1));
  EXPECT_EQ(notModifiedHeaders(middle), (HeaderList{{"ETag", "\"b\""}}));
  EXPECT_EQ(freshenHeaders(middle, HeaderView(std::span<const Header>(list).subspan(2))),
            (HeaderList{{"ETag", "\"b\""}}));  // "c" does not match "b": not taken over
  EXPECT_EQ(notModifiedHeaders(list).size(), 3u);
}

// ---- revalidationHeaders ----------------------------------------------------------

TEST(Revalidation, BothValidators) {
  EXPECT_EQ(revalidationHeaders(kStored),
            (HeaderList{{"If-None-Match", "\"v1\""}, {"If-Modified-Since", date(kT - 3600)}}));
}

TEST(Revalidation, EachAlone) {
  EXPECT_EQ(revalidationHeaders(HeaderList{{"ETag", "W/\"x\""}}),
            (HeaderList{{"If-None-Match", "W/\"x\""}}));
  EXPECT_EQ(revalidationHeaders(HeaderList{{"Last-Modified", " " + date(kT) + " "}}),
            (HeaderList{{"If-Modified-Since", date(kT)}}));
  // Sent verbatim, not reformatted.
  EXPECT_EQ(revalidationHeaders(HeaderList{{"Last-Modified", "Sun Nov  6 08:49:37 1994"}}),
            (HeaderList{{"If-Modified-Since", "Sun Nov  6 08:49:37 1994"}}));
}

TEST(Revalidation, SeveralEtagLinesAreListed) {
  EXPECT_EQ(revalidationHeaders(HeaderList{{"ETag", "\"a\""}, {"ETag", "junk"}, {"ETag", "\"b\""}}),
            (HeaderList{{"If-None-Match", "\"a\", \"b\""}}));
}

TEST(Revalidation, InvalidValidatorsAreNotSent) {
  EXPECT_TRUE(revalidationHeaders(HeaderList{}).empty());
  EXPECT_TRUE(
      revalidationHeaders(HeaderList{{"ETag", "unquoted"}, {"Last-Modified", "0"}}).empty());
  EXPECT_TRUE(revalidationHeaders(HeaderList{{"Date", date(kT)}}).empty());
}

// ---- updateSelects ---------------------------------------------------------------

TEST(UpdateSelects, StrongEtag) {
  EXPECT_TRUE(updateSelects(kStored, HeaderList{{"ETag", "\"v1\""}}));
  EXPECT_FALSE(updateSelects(kStored, HeaderList{{"ETag", "\"v2\""}}));
  // A strong tag in the update needs the same strong tag stored.
  EXPECT_FALSE(updateSelects(HeaderList{{"ETag", "W/\"v1\""}}, HeaderList{{"ETag", "\"v1\""}}));
  EXPECT_FALSE(updateSelects(HeaderList{{"Date", date(kT)}}, HeaderList{{"ETag", "\"v1\""}}));
}

TEST(UpdateSelects, WeakEtag) {
  EXPECT_TRUE(updateSelects(kStored, HeaderList{{"ETag", "W/\"v1\""}}));
  EXPECT_TRUE(updateSelects(HeaderList{{"ETag", "W/\"v1\""}}, HeaderList{{"ETag", "W/\"v1\""}}));
  EXPECT_FALSE(updateSelects(HeaderList{{"ETag", "W/\"v1\""}}, HeaderList{{"ETag", "W/\"v2\""}}));
  EXPECT_FALSE(updateSelects(HeaderList{{"Date", date(kT)}}, HeaderList{{"ETag", "W/\"v1\""}}));
}

TEST(UpdateSelects, DifferentEtagNeverSelectsEvenWithSameLastModified) {
  const HeaderList update = {
      {"ETag", "\"v2\""}, {"Last-Modified", date(kT - 3600)}, {"Date", date(kT + 60)}};
  EXPECT_FALSE(updateSelects(kStored, update));
}

TEST(UpdateSelects, LastModified) {
  const HeaderList stored = {{"Date", date(kT)}, {"Last-Modified", date(kT - 3600)}};
  // Strong (Date a second or more later) and equal.
  EXPECT_TRUE(updateSelects(
      stored, HeaderList{{"Last-Modified", date(kT - 3600)}, {"Date", date(kT + 60)}}));
  EXPECT_FALSE(updateSelects(
      stored, HeaderList{{"Last-Modified", date(kT - 3599)}, {"Date", date(kT + 60)}}));
  // Without its own Date the update's Last-Modified is judged by the stored Date.
  EXPECT_TRUE(updateSelects(stored, HeaderList{{"Last-Modified", date(kT - 3600)}}));
  // Weak (Date in the same second) but equal: rule 2 still selects.
  const HeaderList weak_stored = {{"Date", date(kT)}, {"Last-Modified", date(kT)}};
  EXPECT_TRUE(updateSelects(weak_stored, HeaderList{{"Last-Modified", date(kT)}}));
  EXPECT_FALSE(updateSelects(weak_stored, HeaderList{{"Last-Modified", date(kT - 1)}}));
  // Same instant written differently is the same validator.
  EXPECT_TRUE(
      updateSelects(stored, HeaderList{{"Last-Modified", "Tuesday, 14-Nov-23 21:13:20 GMT"}}));
}

TEST(UpdateSelects, StrongEtagMatchSelectsDespiteNewLastModified) {
  const HeaderList update = {
      {"ETag", "\"v1\""}, {"Last-Modified", date(kT)}, {"Date", date(kT + 60)}};
  EXPECT_TRUE(updateSelects(kStored, update));
}

TEST(UpdateSelects, OnlyStrongValidatorIsADifferentLastModified) {
  // The update's only strong validator is its Last-Modified, which differs.
  const HeaderList update = {
      {"ETag", "W/\"v1\""}, {"Last-Modified", date(kT)}, {"Date", date(kT + 60)}};
  EXPECT_FALSE(updateSelects(kStored, update));
}

TEST(UpdateSelects, NoValidators) {
  const HeaderList bare = {{"Date", date(kT)}, {"Cache-Control", "max-age=60"}};
  EXPECT_TRUE(updateSelects(bare, HeaderList{{"Cache-Control", "max-age=120"}}));
  EXPECT_TRUE(updateSelects(bare, HeaderList{}));
  // The stored response has validators, the update none: not selected.
  EXPECT_FALSE(updateSelects(kStored, HeaderList{{"Cache-Control", "max-age=120"}}));
  EXPECT_FALSE(updateSelects(HeaderList{{"Last-Modified", date(kT)}}, HeaderList{}));
  // Junk validators still count as "has a validator" on the stored side.
  EXPECT_FALSE(updateSelects(HeaderList{{"ETag", "junk"}}, HeaderList{}));
}

// ---- freshenHeaders ------------------------------------------------------------

TEST(Freshen, ReplacesInPlaceAndKeepsContentLength) {
  const HeaderList stored = {{"Content-Type", "text/html"},
                             {"Cache-Control", "max-age=60"},
                             {"Content-Length", "1000"},
                             {"ETag", "\"v1\""},
                             {"Date", date(kT)}};
  const HeaderList update = {{"Date", date(kT + 100)},
                             {"Cache-Control", "max-age=600"},
                             {"Content-Length", "0"},
                             {"ETag", "\"v1\""}};
  const HeaderList expected = {{"Content-Type", "text/html"},
                               {"Cache-Control", "max-age=600"},
                               {"Content-Length", "1000"},
                               {"ETag", "\"v1\""},
                               {"Date", date(kT + 100)}};
  EXPECT_EQ(freshenHeaders(stored, update), expected);
}

TEST(Freshen, AllLinesOfAFieldAreReplaced) {
  const HeaderList stored = {
      {"Cache-Control", "max-age=60"}, {"X-A", "1"}, {"cache-control", "public"}, {"X-B", "2"}};
  const HeaderList update = {{"CACHE-CONTROL", "max-age=5"}, {"Cache-Control", "private"}};
  const HeaderList expected = {
      {"CACHE-CONTROL", "max-age=5"}, {"Cache-Control", "private"}, {"X-A", "1"}, {"X-B", "2"}};
  EXPECT_EQ(freshenHeaders(stored, update), expected);
}

TEST(Freshen, NewFieldsAreAppendedInUpdateOrder) {
  const HeaderList stored = {{"X-A", "1"}};
  const HeaderList update = {{"X-New", "n"}, {"X-A", "2"}, {"Expires", "e"}, {"X-New", "m"}};
  const HeaderList expected = {{"X-A", "2"}, {"X-New", "n"}, {"X-New", "m"}, {"Expires", "e"}};
  EXPECT_EQ(freshenHeaders(stored, update), expected);
}

TEST(Freshen, SkipsRepresentationAndHopByHopFields) {
  const HeaderList stored = {{"Content-Length", "10"}, {"Content-Encoding", "gzip"}, {"X-A", "1"}};
  const HeaderList update = {{"Content-Length", "0"},
                             {"Content-Range", "bytes 0-1/10"},
                             {"Content-Encoding", "br"},
                             {"Transfer-Encoding", "chunked"},
                             {"Connection", "keep-alive, X-Hop"},
                             {"Keep-Alive", "timeout=5"},
                             {"Proxy-Connection", "close"},
                             {"TE", "trailers"},
                             {"Upgrade", "h2c"},
                             {"X-Hop", "1"},
                             {"Proxy-Authenticate", "Basic"},
                             {"Proxy-Authentication-Info", "x"},
                             {"Proxy-Authorization", "x"},
                             {"X-A", "2"}};
  const HeaderList expected = {
      {"Content-Length", "10"}, {"Content-Encoding", "gzip"}, {"X-A", "2"}};
  EXPECT_EQ(freshenHeaders(stored, update), expected);
}

TEST(Freshen, EtagIsTakenOverOnlyWhenItMatches) {
  const HeaderList stored = {{"ETag", "\"v1\""}, {"X-A", "1"}};
  EXPECT_EQ(freshenHeaders(stored, HeaderList{{"ETag", "\"v2\""}}), stored);
  EXPECT_EQ(freshenHeaders(stored, HeaderList{{"ETag", "junk"}}), stored);
  EXPECT_EQ(freshenHeaders(stored, HeaderList{{"ETag", "W/\"v1\""}}),
            (HeaderList{{"ETag", "W/\"v1\""}, {"X-A", "1"}}));
  // No stored ETag: the update's is added.
  EXPECT_EQ(freshenHeaders(HeaderList{{"X-A", "1"}}, HeaderList{{"ETag", "\"v9\""}}),
            (HeaderList{{"X-A", "1"}, {"ETag", "\"v9\""}}));
}

TEST(Freshen, AgeComesFromTheUpdate) {
  const HeaderList stored = {{"Age", "500"}, {"X-A", "1"}};
  EXPECT_EQ(freshenHeaders(stored, HeaderList{}), (HeaderList{{"X-A", "1"}}));
  EXPECT_EQ(freshenHeaders(stored, HeaderList{{"Age", "3"}}),
            (HeaderList{{"Age", "3"}, {"X-A", "1"}}));
  EXPECT_EQ(freshenHeaders(HeaderList{{"X-A", "1"}}, HeaderList{{"Age", "3"}}),
            (HeaderList{{"X-A", "1"}, {"Age", "3"}}));
}

TEST(Freshen, EmptyInputs) {
  EXPECT_TRUE(freshenHeaders(HeaderList{}, HeaderList{}).empty());
  EXPECT_EQ(freshenHeaders(HeaderList{}, HeaderList{{"X", "1"}}), (HeaderList{{"X", "1"}}));
  EXPECT_EQ(freshenHeaders(HeaderList{{"X", "1"}}, HeaderList{}), (HeaderList{{"X", "1"}}));
}

}  // namespace
}  // namespace verge::http
