#include "cache/accept_encoding.h"

#include <gtest/gtest.h>

namespace verge::cache {
namespace {

TEST(NormalizeAcceptEncoding, BrowsersSpellingsReduceToAFewValues) {
  EXPECT_EQ(normalizeAcceptEncoding("gzip, deflate, br"), "gzip, br");
  EXPECT_EQ(normalizeAcceptEncoding("br,gzip"), "gzip, br");
  EXPECT_EQ(normalizeAcceptEncoding("gzip ,  br"), "gzip, br");
  EXPECT_EQ(normalizeAcceptEncoding("GZIP;q=1.0, BR;q=0.9, deflate;q=0.5"), "gzip, br");
  EXPECT_EQ(normalizeAcceptEncoding("gzip, deflate, br, zstd"), "gzip, br, zstd");
  EXPECT_EQ(normalizeAcceptEncoding("x-gzip"), "gzip");
  EXPECT_EQ(normalizeAcceptEncoding("gzip"), "gzip");
}

TEST(NormalizeAcceptEncoding, NothingCacheRelevantIsEmpty) {
  EXPECT_EQ(normalizeAcceptEncoding(""), "");
  EXPECT_EQ(normalizeAcceptEncoding("identity"), "");
  EXPECT_EQ(normalizeAcceptEncoding("deflate, compress, sdch"), "");
  EXPECT_EQ(normalizeAcceptEncoding("attacker-chosen-1234"), "");
  EXPECT_EQ(normalizeAcceptEncoding(",,, ;;"), "");
}

TEST(NormalizeAcceptEncoding, QualityZeroRefuses) {
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=0, br"), "br");
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=0.000"), "");
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=0.001"), "gzip");
  EXPECT_EQ(normalizeAcceptEncoding("gzip; q=0 ,gzip"), "");  // any refusal wins
}

TEST(NormalizeAcceptEncoding, WildcardCoversWhatIsNotNamed) {
  EXPECT_EQ(normalizeAcceptEncoding("*"), "gzip, br, zstd");
  EXPECT_EQ(normalizeAcceptEncoding("*;q=0.1, br;q=0"), "gzip, zstd");
  EXPECT_EQ(normalizeAcceptEncoding("*;q=0, gzip"), "gzip");
}

TEST(NormalizeAcceptEncoding, MalformedQualitiesAreIgnored) {
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=2, br"), "br");
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=abc"), "");
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=1.5"), "");
  EXPECT_EQ(normalizeAcceptEncoding("gzip;q=0.1234"), "");
  EXPECT_EQ(normalizeAcceptEncoding("gzip;level=9"), "gzip");
}

}  // namespace
}  // namespace verge::cache
