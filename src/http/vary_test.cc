#include "http/vary.h"

#include <gtest/gtest.h>

namespace verge::http {
namespace {

using Names = std::vector<std::string>;

Names names(const HeaderList& response) { return varyFieldNames(response); }

std::string key(const Names& n, const HeaderList& request) { return secondaryKey(n, request); }

// Whether two requests share a secondary key for `n`.
bool same(const Names& n, const HeaderList& a, const HeaderList& b) {
  return key(n, a) == key(n, b);
}

// ---- varyFieldNames -------------------------------------------------------------

TEST(VaryFieldNames, NoneOrEmpty) {
  EXPECT_TRUE(names({}).empty());
  EXPECT_TRUE(names({{"Vary", ""}}).empty());
  EXPECT_TRUE(names({{"Vary", " , ,, "}}).empty());
}

TEST(VaryFieldNames, LowercasedDedupedInFirstSeenOrder) {
  EXPECT_EQ(names({{"Vary", "Accept-Encoding, User-Agent"}}),
            (Names{"accept-encoding", "user-agent"}));
  EXPECT_EQ(names({{"vary", "Accept-Encoding,accept-encoding , ACCEPT"},
                   {"X-Other", "z"},
                   {"VARY", "accept, Origin"}}),
            (Names{"accept-encoding", "accept", "origin"}));
  EXPECT_EQ(names({{"Vary", "\tCookie\t"}}), (Names{"cookie"}));
}

TEST(VaryFieldNames, StarAnywhereIsStar) {
  EXPECT_EQ(names({{"Vary", "*"}}), (Names{"*"}));
  EXPECT_EQ(names({{"Vary", "Accept, *"}}), (Names{"*"}));
  EXPECT_EQ(names({{"Vary", "Accept"}, {"Vary", " * "}}), (Names{"*"}));
}

TEST(VaryFieldNames, JunkMemberMakesItUnmatchable) {
  for (std::string_view v :
       {"Accept Encoding", "a/b", "\"Accept\"", "Accept;q=1", "x:y", "Accept, \x01"}) {
    EXPECT_EQ(names({{"Vary", std::string(v)}}), (Names{"*"})) << v;
  }
}

TEST(VaryFieldNames, ManyNamesStayLinear) {
  std::string v;
  for (int i = 0; i < 50000; ++i) v += "x-h" + std::to_string(i % 1000) + ",";
  const Names n = names({{"Vary", v}});
  ASSERT_EQ(n.size(), 1000u);
  EXPECT_EQ(n.front(), "x-h0");
  EXPECT_EQ(n.back(), "x-h999");
}

// ---- secondaryKey ----------------------------------------------------------------

TEST(SecondaryKey, Format) {
  EXPECT_EQ(key({"accept-encoding", "accept-language"},
                {{"Accept-Encoding", "gzip, br"}, {"Accept-Language", "en"}}),
            "accept-encoding:gzip,br\naccept-language:en\n");
  EXPECT_EQ(key({}, {{"Accept", "x"}}), "");
}

TEST(SecondaryKey, AbsentDiffersFromEmpty) {
  const Names n = {"accept-encoding"};
  EXPECT_EQ(key(n, {}), "accept-encoding\n");
  EXPECT_EQ(key(n, {{"Accept-Encoding", ""}}), "accept-encoding:\n");
  EXPECT_FALSE(same(n, {}, {{"Accept-Encoding", ""}}));
  // Whitespace only is empty after trimming.
  EXPECT_TRUE(same(n, {{"Accept-Encoding", ""}}, {{"Accept-Encoding", "  \t "}}));
}

TEST(SecondaryKey, WhitespaceNormalisation) {
  const Names n = {"accept-encoding"};
  const HeaderList base = {{"Accept-Encoding", "gzip,deflate,br"}};
  for (std::string_view v : {"gzip, deflate, br", " gzip ,deflate ,  br ", "gzip,\tdeflate\t,br",
                             "\tgzip,deflate,br\t"}) {
    EXPECT_TRUE(same(n, base, {{"Accept-Encoding", std::string(v)}})) << v;
  }
  // Inner runs collapse to one space but do not vanish.
  EXPECT_EQ(key({"a"}, {{"A", "x   y\t\tz"}}), "a:x y z\n");
  EXPECT_FALSE(same({"a"}, {{"A", "x y"}}, {{"A", "xy"}}));
}

TEST(SecondaryKey, CombinesLines) {
  const Names n = {"accept-encoding"};
  EXPECT_TRUE(same(n, {{"Accept-Encoding", "gzip, br"}},
                   {{"Accept-Encoding", "gzip"}, {"accept-encoding", " br"}}));
  EXPECT_EQ(key(n, {{"Accept-Encoding", "gzip"}, {"X", "y"}, {"ACCEPT-ENCODING", "br"}}),
            "accept-encoding:gzip,br\n");
}

TEST(SecondaryKey, OrderAndCaseAreSignificant) {
  const Names n = {"accept-encoding"};
  EXPECT_FALSE(same(n, {{"Accept-Encoding", "gzip, br"}}, {{"Accept-Encoding", "br, gzip"}}));
  EXPECT_FALSE(same(n, {{"Accept-Encoding", "gzip"}}, {{"Accept-Encoding", "GZIP"}}));
}

TEST(SecondaryKey, QuotedStringsAreKeptVerbatim) {
  EXPECT_EQ(key({"x"}, {{"X", "a;p=\"b ,  c\" , d"}}), "x:a;p=\"b ,  c\",d\n");
  EXPECT_FALSE(same({"x"}, {{"X", "\"a  b\""}}, {{"X", "\"a b\""}}));
  // Escaped quote inside, then normalisation resumes after the closing quote.
  EXPECT_EQ(key({"x"}, {{"X", "\"a\\\" , b\"  ,  c"}}), "x:\"a\\\" , b\",c\n");
  // An unterminated quoted string runs to the end.
  EXPECT_EQ(key({"x"}, {{"X", "\"a ,  b"}}), "x:\"a ,  b\n");
}

TEST(SecondaryKey, NamesAreMatchedCaseInsensitivelyAndWrittenLowercase) {
  EXPECT_EQ(key({"Accept"}, {{"aCCEPT", "text/html"}}), "accept:text/html\n");
}

TEST(SecondaryKey, ValuesCannotForgeRecords) {
  const Names n = {"a", "b"};
  // Without the CR/LF rule, a's value could end its record and fake b's.
  const HeaderList forged = {{"A", "x\nb:y"}};
  const HeaderList honest = {{"A", "x"}, {"B", "y"}};
  EXPECT_FALSE(same(n, forged, honest));
  EXPECT_EQ(key(n, forged), "a:x b:y\nb\n");
  EXPECT_EQ(key({"a"}, {{"A", std::string("x\0y\r", 4)}}), "a:x y\n");
  EXPECT_EQ(key({"a"}, {{"A", "\"q\r\n\""}}), "a:\"q  \"\n");
}

TEST(SecondaryKey, EveryNameIsEncodedEvenWhenAbsent) {
  const Names n = {"accept", "origin", "cookie"};
  EXPECT_EQ(key(n, {{"Origin", "https://a.example"}}),
            "accept\norigin:https://a.example\ncookie\n");
  EXPECT_FALSE(same(n, {{"Origin", "https://a.example"}}, {{"Origin", "https://b.example"}}));
  EXPECT_TRUE(same(n, {{"Origin", "https://a.example"}, {"User-Agent", "x"}},
                   {{"Origin", "https://a.example"}, {"User-Agent", "y"}}));
}

}  // namespace
}  // namespace verge::http
