// Byte ranges (RFC 9110 §14) for answering Range requests from a stored
// complete response: parsing and vetting the Range field against the
// representation's length, If-Range (§13.1.5), Content-Range values (§14.4)
// and the layout of a multipart/byteranges body (§14.6).
//
// Pure functions: no I/O, no clock. The Range and If-Range values are
// untrusted client bytes; every function here accepts any bytes without
// crashing, and evaluateRange() keeps its memory bounded (at most kMaxRanges
// ranges are ever stored, whatever the length of the field).
//
// Out of scope, for the caller: whether the method is GET (Range is ignored
// for any other method, §14.2), whether the stored response is a complete 200
// (a stored 206 is not a source for ranges here), evaluating If-Range only
// when Range is present, and the conditional requests of §13.2.2, which take
// precedence over Range (see http/conditional.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/freshness.h"

namespace verge::http {

// A Range field with more range-specs than this is ignored outright (served as
// a full 200). Real clients send one, or a handful for PDF viewers.
inline constexpr size_t kMaxRanges = 100;

// One byte range, inclusive at both ends, already clamped to the length of the
// representation: first <= last < length.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;

  uint64_t size() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

enum class RangeOutcome {
  // No Range, a unit other than "bytes", a syntactically invalid range-set,
  // or a request shaped like a denial-of-service attack: serve the full 200
  // and ignore the Range (§14.2 lets a server ignore Range at any time).
  kIgnore,
  // Serve 206 with `ranges`: one range is a single part with Content-Range,
  // several are a multipart/byteranges body (see multipartLayout()).
  kSatisfiable,
  // No range overlaps the representation: 416 with
  // Content-Range: bytes */length (unsatisfiedContentRange()).
  kUnsatisfiable,
};

struct RangeResult {
  RangeOutcome outcome = RangeOutcome::kIgnore;
  // Non-empty exactly when outcome is kSatisfiable; at most kMaxRanges
  // entries, pairwise disjoint and non-adjacent, each within the length.
  std::vector<ByteRange> ranges;
};

// Evaluates a Range field value (§14.1.1, §14.2) against a representation of
// `length` bytes.
//
// Syntax: range-unit "=" range-set, where the unit is "bytes" in any case and
// the set is a comma-separated list of "first-last", "first-" and "-suffix"
// with 1*DIGIT numbers. Whitespace is allowed only where the list syntax
// allows it: around the whole value and around commas; empty list elements
// ("bytes=,0-1,,") are skipped (RFC 9110 §5.6.1). Anything else, including
// "bytes=5-1" (last before first), signs, spaces inside a spec or a spec of
// another shape, makes the whole field invalid → kIgnore. Numbers of any
// length are accepted; values beyond 2^64-1 saturate, which gives the same
// answer as exact arithmetic would.
//
// Each valid spec is clamped to the length: last-pos beyond the end is cut
// to length-1, and a suffix longer than the representation selects all of it.
// A spec is unsatisfiable, and dropped, when first-pos >= length or it is a
// zero-length suffix ("bytes=-0"). If the field is valid and every spec is
// dropped → kUnsatisfiable. With length 0 every spec is unsatisfiable, the
// suffix form included: RFC 9110 calls a non-zero suffix satisfiable even
// then, but there is no byte to send and no Content-Range that could say so,
// so we answer 416 (a client that can use an empty body sends no Range).
//
// Denial-of-service defences (§14.2, "Security Considerations" §17.15), each
// answered with kIgnore, i.e. the full 200, which is always correct:
//  - more than kMaxRanges specs in the field, satisfiable or not;
//  - more than two ranges that overlap another one (after clamping), e.g.
//    "bytes=0-,0-,0-" or the Apache-killer's many "0-N" pieces;
//  - more than kMaxUnorderedRanges satisfiable ranges not listed in
//    ascending order of first-pos (many small out-of-order pieces).
//
// Coalescing (§14.2 allows it regardless of order): ranges that overlap or
// are adjacent (one ends right before the other starts) are merged into one.
// The output keeps request order: each range stands at the position where
// the first-requested of its merged members stood, so "bytes=50-59,0-9,10-19"
// gives {50-59, 0-19}. Ranges separated by a gap, however small, are kept
// apart. A single resulting range may cover the whole representation; a 206
// is still correct then, and the caller may prefer a 200.
RangeResult evaluateRange(std::string_view range_header, uint64_t length);

// More satisfiable ranges than this must be in ascending order (see above).
inline constexpr size_t kMaxUnorderedRanges = 16;

// The Content-Range value of a 206 part: "bytes 0-99/1234".
std::string contentRange(const ByteRange& r, uint64_t length);

// The Content-Range value of a 416: "bytes */1234" (§14.4).
std::string unsatisfiedContentRange(uint64_t length);

// Whether an If-Range value lets the Range apply (§13.1.5), judged against the
// stored response's validators. The value (OWS-trimmed) is either:
//  - an entity-tag: true iff it is strong and strongly equals the stored
//    ETag (a weak tag on either side never matches);
//  - an HTTP-date: true iff it is the same instant as the stored
//    Last-Modified AND that Last-Modified is a strong validator, which for a
//    cache means the stored Date is at least one second later (§8.8.2.2).
//    Without a valid Date the condition is false.
// Anything else is false. When false, the caller ignores Range and sends the
// full 200, which is always safe.
bool ifRangeMatches(std::string_view if_range, HeaderView stored_headers);

// The pieces of a multipart/byteranges body (§14.6) for `ranges` of a
// representation of `length` bytes whose own Content-Type is content_type.
// The caller writes, for each i, part_headers[i] then the bytes of ranges[i],
// and finally `trailer`; total_length is the exact number of bytes that makes
// (the Content-Length of the 206), saturating at 2^64-1.
//
// The boundary is the caller's choice and must not occur in the content: a
// random string of 1 to 70 characters (RFC 2046 §5.1.1) such as 32 hex
// digits. It is quoted in content_type when it is not a token. content_type
// comes from the stored response: CR, LF and NUL in it are replaced by SP
// (RFC 9110 §5.5) so it cannot inject lines; when it is empty the
// Content-Type line of each part is omitted. Every range must satisfy
// first <= last < length (as evaluateRange() returns them).
struct MultipartLayout {
  std::string content_type;  // "multipart/byteranges; boundary=BOUNDARY"
  // "\r\n--BOUNDARY\r\nContent-Type: ...\r\nContent-Range: bytes a-b/len\r\n\r\n"
  std::vector<std::string> part_headers;
  std::string trailer;  // "\r\n--BOUNDARY--\r\n"
  uint64_t total_length = 0;
};
MultipartLayout multipartLayout(const std::vector<ByteRange>& ranges, std::string_view content_type,
                                uint64_t length, std::string_view boundary);

}  // namespace verge::http
