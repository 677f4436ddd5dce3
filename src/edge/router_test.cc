#include "edge/router.h"

#include <gtest/gtest.h>

namespace verge::edge {
namespace {

TEST(Router, ExactHostBeatsWildcardAndAny) {
  Router r;
  r.add("*", 0);
  r.add("*.example.com", 1);
  r.add("api.example.com", 2);
  EXPECT_EQ(r.match("api.example.com", "/"), 2u);
  EXPECT_EQ(r.match("www.example.com", "/x"), 1u);
  EXPECT_EQ(r.match("other.test", "/"), 0u);
}

TEST(Router, WildcardSubdomainsExcludeApexUnlessBare) {
  Router r;
  r.add("*.a.test", 0);
  r.add("*b.test", 1);
  EXPECT_EQ(r.match("x.a.test", "/"), 0u);
  EXPECT_FALSE(r.match("a.test", "/"));
  EXPECT_FALSE(r.match("xa.test", "/"));
  EXPECT_EQ(r.match("b.test", "/"), 1u);
  EXPECT_EQ(r.match("deep.sub.b.test", "/"), 1u);
  EXPECT_FALSE(r.match("notb.test", "/"));
}

TEST(Router, LongestPathPrefixWins) {
  Router r;
  r.add("ex.test", 0);
  r.add("ex.test/api/*", 1);
  r.add("ex.test/api/v2/*", 2);
  r.add("ex.test/exact", 3);
  EXPECT_EQ(r.match("ex.test", "/"), 0u);
  EXPECT_EQ(r.match("ex.test", "/api/x?y=1"), 1u);
  EXPECT_EQ(r.match("ex.test", "/api/v2/z"), 2u);
  EXPECT_EQ(r.match("ex.test", "/exact"), 3u);
  EXPECT_EQ(r.match("ex.test", "/exact/more"), 0u);
}

TEST(Router, HostIsCaseInsensitiveAndPortIgnored) {
  Router r;
  r.add("Example.COM", 0);
  EXPECT_EQ(r.match("EXAMPLE.com:8443", "/"), 0u);
  EXPECT_EQ(r.match("example.com.", "/"), 0u);
  EXPECT_FALSE(r.match("", "/"));
}

TEST(Router, RejectsMalformedPatterns) {
  Router r;
  EXPECT_THROW(r.add("", 0), std::invalid_argument);
  EXPECT_THROW(r.add("a*b.test", 0), std::invalid_argument);
  EXPECT_THROW(r.add("a.test/x*y", 0), std::invalid_argument);
}

}  // namespace
}  // namespace verge::edge
