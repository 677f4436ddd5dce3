#include "http/range.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <ostream>

#include "http/http_date.h"

namespace verge::http {

// The range / conditional / vary fuzz body (range_fuzz.cc).
int fuzzRangeConditionalVary(const uint8_t* data, size_t size);

namespace {

using Ranges = std::vector<ByteRange>;
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

RangeResult eval(std::string_view v, uint64_t length = 1000) { return evaluateRange(v, length); }

// The ranges of a satisfiable result, or a marker that makes a failed
// expectation readable.
Ranges sat(std::string_view v, uint64_t length = 1000) {
  const RangeResult r = evaluateRange(v, length);
  if (r.outcome != RangeOutcome::kSatisfiable) return {{kU64Max, kU64Max}};
  return r.ranges;
}

RangeOutcome outcome(std::string_view v, uint64_t length = 1000) {
  return evaluateRange(v, length).outcome;
}

}  // namespace

// gtest prints ByteRange through this in failure messages.
void PrintTo(const ByteRange& r, std::ostream* os) { *os << r.first << "-" << r.last; }

namespace {

// ---- evaluateRange: the three forms --------------------------------------

TEST(EvaluateRange, FirstLast) {
  EXPECT_EQ(sat("bytes=0-99"), (Ranges{{0, 99}}));
  EXPECT_EQ(sat("bytes=500-500"), (Ranges{{500, 500}}));
  EXPECT_EQ(sat("bytes=999-999"), (Ranges{{999, 999}}));
  EXPECT_EQ(sat("bytes=0-0", 1), (Ranges{{0, 0}}));
}

TEST(EvaluateRange, OpenEnded) {
  EXPECT_EQ(sat("bytes=100-"), (Ranges{{100, 999}}));
  EXPECT_EQ(sat("bytes=0-"), (Ranges{{0, 999}}));
  EXPECT_EQ(sat("bytes=999-"), (Ranges{{999, 999}}));
}

TEST(EvaluateRange, Suffix) {
  EXPECT_EQ(sat("bytes=-500"), (Ranges{{500, 999}}));
  EXPECT_EQ(sat("bytes=-1"), (Ranges{{999, 999}}));
  // A suffix longer than the representation selects all of it (§14.1.2).
  EXPECT_EQ(sat("bytes=-1000"), (Ranges{{0, 999}}));
  EXPECT_EQ(sat("bytes=-5000"), (Ranges{{0, 999}}));
  EXPECT_EQ(sat("bytes=-99999999999999999999999999"), (Ranges{{0, 999}}));
}

TEST(EvaluateRange, LastBeyondLengthIsClamped) {
  EXPECT_EQ(sat("bytes=0-5000"), (Ranges{{0, 999}}));
  EXPECT_EQ(sat("bytes=900-1000"), (Ranges{{900, 999}}));
  EXPECT_EQ(sat("bytes=900-99999999999999999999999999"), (Ranges{{900, 999}}));
  EXPECT_EQ(sat("bytes=0-18446744073709551615", kU64Max), (Ranges{{0, kU64Max - 1}}));
}

TEST(EvaluateRange, HugeLengths) {
  EXPECT_EQ(sat("bytes=-10", kU64Max), (Ranges{{kU64Max - 10, kU64Max - 1}}));
  EXPECT_EQ(sat("bytes=18446744073709551614-", kU64Max), (Ranges{{kU64Max - 1, kU64Max - 1}}));
  EXPECT_EQ(outcome("bytes=18446744073709551615-", kU64Max), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(outcome("bytes=99999999999999999999999999-", kU64Max), RangeOutcome::kUnsatisfiable);
}

TEST(EvaluateRange, LeadingZeros) {
  EXPECT_EQ(sat("bytes=000-0099"), (Ranges{{0, 99}}));
  EXPECT_EQ(sat("bytes=-0005"), (Ranges{{995, 999}}));
}

// ---- unsatisfiable ---------------------------------------------------------

TEST(EvaluateRange, FirstAtOrBeyondLength) {
  const RangeResult r = eval("bytes=1000-");
  EXPECT_EQ(r.outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_TRUE(r.ranges.empty());
  EXPECT_EQ(outcome("bytes=1000-2000"), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(outcome("bytes=5000-6000"), RangeOutcome::kUnsatisfiable);
}

TEST(EvaluateRange, ZeroSuffixIsUnsatisfiable) {
  EXPECT_EQ(outcome("bytes=-0"), RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(outcome("bytes=-000"), RangeOutcome::kUnsatisfiable);
}

TEST(EvaluateRange, UnsatisfiableSpecsAreDropped) {
  EXPECT_EQ(sat("bytes=2000-3000, 0-9"), (Ranges{{0, 9}}));
  EXPECT_EQ(sat("bytes=-0,5-"), (Ranges{{5, 999}}));
  EXPECT_EQ(outcome("bytes=2000-3000, -0, 1000-"), RangeOutcome::kUnsatisfiable);
}

TEST(EvaluateRange, ZeroLengthIsAlwaysUnsatisfiable) {
  for (std::string_view v : {"bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0", "bytes=0-99,-5"}) {
    EXPECT_EQ(outcome(v, 0), RangeOutcome::kUnsatisfiable) << v;
  }
  // Still only when the field is valid.
  EXPECT_EQ(outcome("bytes=5-1", 0), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("items=0-1", 0), RangeOutcome::kIgnore);
}

// ---- ignored ---------------------------------------------------------------

TEST(EvaluateRange, OtherUnitsAreIgnored) {
  EXPECT_EQ(outcome("items=0-1"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("byte=0-1"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("bytesx=0-1"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("none"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome(""), RangeOutcome::kIgnore);
}

TEST(EvaluateRange, UnitIsCaseInsensitive) {
  EXPECT_EQ(sat("BYTES=0-1"), (Ranges{{0, 1}}));
  EXPECT_EQ(sat("Bytes=0-1"), (Ranges{{0, 1}}));
}

TEST(EvaluateRange, InvalidSyntaxIgnoresTheWholeField) {
  for (std::string_view v :
       {"bytes=5-1",      "bytes=",
        "bytes= ",        "bytes=,",
        "bytes= , ,",     "bytes=-",
        "bytes=--5",      "bytes=a-b",
        "bytes=1-2-3",    "bytes=+1-2",
        "bytes=1--2",     "bytes=0x10-20",
        "bytes=1.5-2",    "bytes=0-1;",
        "bytes=0 - 1",    "bytes=0- 1",
        "bytes=0 -1",     "bytes =0-1",
        "bytes= 0-1x",    "bytes=0-1, 2",
        "bytes=0-1, 5-1", "bytes=0-1,junk",
        "bytes",          "=0-1",
        "bytes=0-1=2",    "bytes=99999999999999999999999-99999999999999999999998"}) {
    EXPECT_EQ(outcome(v), RangeOutcome::kIgnore) << v;
  }
}

TEST(EvaluateRange, WhitespaceWhereTheListAllowsIt) {
  EXPECT_EQ(sat("  bytes=0-1  "), (Ranges{{0, 1}}));
  EXPECT_EQ(sat("bytes= 0-1"), (Ranges{{0, 1}}));
  EXPECT_EQ(sat("bytes=0-1 ,\t5-6"), (Ranges{{0, 1}, {5, 6}}));
  // Empty list elements are legal and skipped (RFC 9110 §5.6.1).
  EXPECT_EQ(sat("bytes=,0-1,,5-6,"), (Ranges{{0, 1}, {5, 6}}));
}

// ---- several ranges: coalescing and order -----------------------------------

TEST(EvaluateRange, DisjointRangesKeepRequestOrder) {
  EXPECT_EQ(sat("bytes=0-9,20-29"), (Ranges{{0, 9}, {20, 29}}));
  EXPECT_EQ(sat("bytes=500-599,0-9,-10"), (Ranges{{500, 599}, {0, 9}, {990, 999}}));
  // A one-byte gap is still a gap.
  EXPECT_EQ(sat("bytes=0-9,11-19"), (Ranges{{0, 9}, {11, 19}}));
}

TEST(EvaluateRange, AdjacentRangesAreCoalesced) {
  EXPECT_EQ(sat("bytes=0-9,10-19"), (Ranges{{0, 19}}));
  EXPECT_EQ(sat("bytes=10-19,0-9"), (Ranges{{0, 19}}));
  EXPECT_EQ(sat("bytes=0-9,10-19,20-29,30-"), (Ranges{{0, 999}}));
}

TEST(EvaluateRange, OverlappingPairIsCoalesced) {
  EXPECT_EQ(sat("bytes=0-50,40-99"), (Ranges{{0, 99}}));
  EXPECT_EQ(sat("bytes=0-,0-"), (Ranges{{0, 999}}));
  EXPECT_EQ(sat("bytes=-500,0-"), (Ranges{{0, 999}}));
  // Contained range.
  EXPECT_EQ(sat("bytes=0-99,10-20"), (Ranges{{0, 99}}));
}

TEST(EvaluateRange, MergedRangeTakesItsFirstMembersPlace) {
  EXPECT_EQ(sat("bytes=50-59,0-9,10-19"), (Ranges{{50, 59}, {0, 19}}));
  EXPECT_EQ(sat("bytes=10-19,50-59,0-9"), (Ranges{{0, 19}, {50, 59}}));
  EXPECT_EQ(sat("bytes=900-,100-199,0-99"), (Ranges{{900, 999}, {0, 199}}));
}

TEST(EvaluateRange, MoreThanTwoOverlappingRangesAreIgnored) {
  EXPECT_EQ(outcome("bytes=0-10,5-15,8-20"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("bytes=0-,0-,0-"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("bytes=0-10,5-15,100-110,105-115"), RangeOutcome::kIgnore);
  EXPECT_EQ(outcome("bytes=0-999,1-1,2-2"), RangeOutcome::kIgnore);
  // Overlap is judged after clamping: these all become 0-999.
  EXPECT_EQ(outcome("bytes=-2000,-3000,0-"), RangeOutcome::kIgnore);
  // The Apache-killer shape (with valid specs: its "5-0" would be invalid).
  std::string killer = "bytes=0-";
  for (int i = 1; i < 50; ++i) killer += ",0-" + std::to_string(i);
  EXPECT_EQ(outcome(killer), RangeOutcome::kIgnore);
}

TEST(EvaluateRange, ManyRangesInOrderAreFine) {
  std::string v = "bytes=";
  Ranges expected;
  for (uint64_t i = 0; i < kMaxRanges; ++i) {
    v += (i ? "," : "") + std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1);
    expected.push_back({i * 10, i * 10 + 1});
  }
  EXPECT_EQ(sat(v, 1000), expected);
}

TEST(EvaluateRange, MoreThanMaxRangesIsIgnored) {
  std::string v = "bytes=";
  for (uint64_t i = 0; i <= kMaxRanges; ++i) {
    v += (i ? "," : "") + std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1);
  }
  EXPECT_EQ(outcome(v, 100000), RangeOutcome::kIgnore);
  // Unsatisfiable specs count too: the limit bounds parsing work.
  std::string unsat = "bytes=";
  for (size_t i = 0; i <= kMaxRanges; ++i) unsat += "5000-,";
  EXPECT_EQ(outcome(unsat), RangeOutcome::kIgnore);
}

TEST(EvaluateRange, ManyUnorderedRangesAreIgnored) {
  auto descending = [](size_t n) {
    std::string v = "bytes=";
    for (size_t i = n; i > 0; --i) v += std::to_string(i * 10) + "-" + std::to_string(i * 10) + ",";
    return v;
  };
  EXPECT_EQ(sat(descending(kMaxUnorderedRanges)).size(), kMaxUnorderedRanges);
  EXPECT_EQ(outcome(descending(kMaxUnorderedRanges + 1)), RangeOutcome::kIgnore);
}

TEST(EvaluateRange, HugeFieldIsBoundedAndIgnored) {
  EXPECT_EQ(outcome("bytes=" + std::string(1 << 20, ',') + "0-1"), RangeOutcome::kSatisfiable);
  EXPECT_EQ(outcome("bytes=" + std::string(1 << 20, '9') + "-"), RangeOutcome::kUnsatisfiable);
  std::string many = "bytes=";
  for (int i = 0; i < 100000; ++i) many += "1-1,";
  EXPECT_EQ(outcome(many), RangeOutcome::kIgnore);
}

// ---- Content-Range -------------------------------------------------------

TEST(ContentRange, Formats) {
  EXPECT_EQ(contentRange({0, 99}, 1234), "bytes 0-99/1234");
  EXPECT_EQ(contentRange({5, 5}, 6), "bytes 5-5/6");
  EXPECT_EQ(contentRange({0, kU64Max - 1}, kU64Max),
            "bytes 0-18446744073709551614/18446744073709551615");
  EXPECT_EQ(unsatisfiedContentRange(1234), "bytes */1234");
  EXPECT_EQ(unsatisfiedContentRange(0), "bytes */0");
}

// ---- If-Range ---------------------------------------------------------------

constexpr int64_t kLm = 1700000000;

TEST(IfRange, StrongEtagMatchesStrongly) {
  const HeaderList stored = {{"ETag", "\"v1\""}};
  EXPECT_TRUE(ifRangeMatches("\"v1\"", stored));
  EXPECT_TRUE(ifRangeMatches("  \"v1\"\t", stored));
  EXPECT_FALSE(ifRangeMatches("\"v2\"", stored));
  EXPECT_FALSE(ifRangeMatches("\"V1\"", stored));
  EXPECT_FALSE(ifRangeMatches("\"v1\", \"v2\"", stored));  // a list is not an If-Range
  EXPECT_FALSE(ifRangeMatches("\"v1", stored));
  EXPECT_FALSE(ifRangeMatches("v1", stored));
  EXPECT_FALSE(ifRangeMatches("", stored));
  EXPECT_FALSE(ifRangeMatches("*", stored));
}

TEST(IfRange, WeakEtagNeverMatches) {
  EXPECT_FALSE(ifRangeMatches("W/\"v1\"", HeaderList{{"ETag", "W/\"v1\""}}));
  EXPECT_FALSE(ifRangeMatches("W/\"v1\"", HeaderList{{"ETag", "\"v1\""}}));
  EXPECT_FALSE(ifRangeMatches("\"v1\"", HeaderList{{"ETag", "W/\"v1\""}}));
}

TEST(IfRange, EtagWithoutStoredEtag) {
  EXPECT_FALSE(ifRangeMatches("\"v1\"", HeaderList{}));
  EXPECT_FALSE(ifRangeMatches("\"v1\"", HeaderList{{"Last-Modified", formatHttpDate(kLm)}}));
  EXPECT_FALSE(ifRangeMatches("\"v1\"", HeaderList{{"ETag", "junk"}}));
}

TEST(IfRange, DateMatchesAStrongLastModified) {
  const HeaderList stored = {{"Last-Modified", formatHttpDate(kLm)},
                             {"Date", formatHttpDate(kLm + 60)}};
  EXPECT_TRUE(ifRangeMatches(formatHttpDate(kLm), stored));
  // Same instant in an obsolete format.
  EXPECT_TRUE(ifRangeMatches("Tuesday, 14-Nov-23 22:13:20 GMT", stored));
  EXPECT_FALSE(ifRangeMatches(formatHttpDate(kLm - 1), stored));
  EXPECT_FALSE(ifRangeMatches(formatHttpDate(kLm + 1), stored));
  EXPECT_FALSE(ifRangeMatches("yesterday", stored));
}

TEST(IfRange, LastModifiedMustBeStrong) {
  // Date within the same second as Last-Modified: the resource may have
  // changed twice in that second, so the date is only a weak validator.
  const HeaderList same_second = {{"Last-Modified", formatHttpDate(kLm)},
                                  {"Date", formatHttpDate(kLm)}};
  EXPECT_FALSE(ifRangeMatches(formatHttpDate(kLm), same_second));
  const HeaderList one_second = {{"Last-Modified", formatHttpDate(kLm)},
                                 {"Date", formatHttpDate(kLm + 1)}};
  EXPECT_TRUE(ifRangeMatches(formatHttpDate(kLm), one_second));
  EXPECT_FALSE(
      ifRangeMatches(formatHttpDate(kLm), HeaderList{{"Last-Modified", formatHttpDate(kLm)}}));
  EXPECT_FALSE(
      ifRangeMatches(formatHttpDate(kLm),
                     HeaderList{{"Last-Modified", formatHttpDate(kLm)}, {"Date", "garbage"}}));
  EXPECT_FALSE(ifRangeMatches(formatHttpDate(kLm), HeaderList{{"Last-Modified", "garbage"},
                                                              {"Date", formatHttpDate(kLm + 9)}}));
}

TEST(IfRange, DateDoesNotMatchAnEtag) {
  const HeaderList stored = {{"ETag", "\"v1\""}, {"Date", formatHttpDate(kLm + 60)}};
  EXPECT_FALSE(ifRangeMatches(formatHttpDate(kLm), stored));
}

// ---- multipart/byteranges ----------------------------------------------------

// What a caller writes, byte for byte.
std::string assemble(const MultipartLayout& m, const Ranges& ranges, std::string_view body) {
  std::string out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    out += m.part_headers[i];
    out.append(body.substr(ranges[i].first, ranges[i].size()));
  }
  out += m.trailer;
  return out;
}

TEST(Multipart, LayoutMatchesRfcExample) {
  const std::string body(1000, 'x');
  const Ranges ranges = {{0, 1}, {998, 999}};
  const MultipartLayout m = multipartLayout(ranges, "text/plain", 1000, "THIS_STRING_SEPARATES");
  EXPECT_EQ(m.content_type, "multipart/byteranges; boundary=THIS_STRING_SEPARATES");
  ASSERT_EQ(m.part_headers.size(), 2u);
  EXPECT_EQ(m.part_headers[0],
            "\r\n--THIS_STRING_SEPARATES\r\nContent-Type: text/plain\r\n"
            "Content-Range: bytes 0-1/1000\r\n\r\n");
  EXPECT_EQ(m.part_headers[1],
            "\r\n--THIS_STRING_SEPARATES\r\nContent-Type: text/plain\r\n"
            "Content-Range: bytes 998-999/1000\r\n\r\n");
  EXPECT_EQ(m.trailer, "\r\n--THIS_STRING_SEPARATES--\r\n");
  EXPECT_EQ(m.total_length, assemble(m, ranges, body).size());
}

TEST(Multipart, TotalLengthIsExact) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += static_cast<char>('a' + i % 26);
  for (std::string_view spec : {"bytes=0-0,2-2", "bytes=0-99,200-,-7", "bytes=4999-,0-0,10-4000"}) {
    const RangeResult r = evaluateRange(spec, body.size());
    ASSERT_EQ(r.outcome, RangeOutcome::kSatisfiable) << spec;
    for (std::string_view type : {"", "application/octet-stream", "text/html; charset=utf-8"}) {
      const MultipartLayout m = multipartLayout(r.ranges, type, body.size(), "b0undary");
      EXPECT_EQ(m.total_length, assemble(m, r.ranges, body).size()) << spec << " " << type;
    }
  }
}

TEST(Multipart, EmptyContentTypeOmitsTheLine) {
  const MultipartLayout m = multipartLayout({{0, 4}}, "", 10, "B");
  ASSERT_EQ(m.part_headers.size(), 1u);
  EXPECT_EQ(m.part_headers[0], "\r\n--B\r\nContent-Range: bytes 0-4/10\r\n\r\n");
  EXPECT_EQ(m.total_length, m.part_headers[0].size() + 5 + m.trailer.size());
}

TEST(Multipart, ContentTypeCannotInjectLines) {
  using namespace std::literals;
  const MultipartLayout m = multipartLayout({{0, 0}}, "text/plain\r\nX-Evil: 1\0"sv, 1, "B");
  EXPECT_EQ(
      m.part_headers[0],
      "\r\n--B\r\nContent-Type: text/plain  X-Evil: 1 \r\nContent-Range: bytes 0-0/1\r\n\r\n");
}

TEST(Multipart, NonTokenBoundaryIsQuoted) {
  EXPECT_EQ(multipartLayout({{0, 0}}, "", 1, "a b:c").content_type,
            "multipart/byteranges; boundary=\"a b:c\"");
  EXPECT_EQ(multipartLayout({{0, 0}}, "", 1, "0123abcdef").content_type,
            "multipart/byteranges; boundary=0123abcdef");
}

TEST(Multipart, TotalLengthSaturates) {
  const MultipartLayout m = multipartLayout({{0, kU64Max - 2}, {0, kU64Max - 2}}, "", kU64Max, "B");
  EXPECT_EQ(m.total_length, kU64Max);
}

// ---- fuzz edge inputs (the corpus replays in fuzz_replay_test.cc) -------------

TEST(RangeFuzzReplay, EdgeInputs) {
  EXPECT_EQ(fuzzRangeConditionalVary(nullptr, 0), 0);
  const uint8_t nul[] = {'b', 'y', 't', 'e', 's', '=', 0, '-', '1', '\n', '"', 0, '"'};
  EXPECT_EQ(fuzzRangeConditionalVary(nul, sizeof(nul)), 0);
  std::string huge = "bytes=";
  for (int i = 0; i < 20000; ++i) huge += "-1,";
  EXPECT_EQ(fuzzRangeConditionalVary(reinterpret_cast<const uint8_t*>(huge.data()), huge.size()),
            0);
  const std::string quotes(50000, '"');
  EXPECT_EQ(
      fuzzRangeConditionalVary(reinterpret_cast<const uint8_t*>(quotes.data()), quotes.size()), 0);
}

}  // namespace
}  // namespace verge::http
