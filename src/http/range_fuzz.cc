// Fuzz target for the http layer's range, conditional-request and Vary code:
// evaluateRange, multipartLayout, ifRangeMatches, the entity-tag functions,
// evaluateConditionals, revalidation and freshening, varyFieldNames and
// secondaryKey, all fed with the same bytes as every header they read. Build
// with clang -fsanitize=fuzzer to fuzz; range_test.cc replays the seed corpus
// in tests/fuzz/range/ through it.
//
// The input is split at its first '\n' into two values, A and B, so the
// functions that compare two fields (tags, a stored response and an update)
// see different bytes on each side. Beyond "does not crash", it checks
// invariants that must hold for any input: satisfiable ranges are in bounds,
// disjoint and at most kMaxRanges; the multipart length is exactly what a
// caller writes; entity-tag matching is symmetric and strong implies weak;
// freshening never changes Content-Length; Vary names are lower-case tokens
// or the lone "*"; and a secondary key has one record per name.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/conditional.h"
#include "http/range.h"
#include "http/vary.h"

namespace verge::http {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzzRanges(std::string_view a, uint64_t length) {
  const RangeResult r = evaluateRange(a, length);
  check((r.outcome == RangeOutcome::kSatisfiable) == !r.ranges.empty());
  check(r.ranges.size() <= kMaxRanges);
  for (size_t i = 0; i < r.ranges.size(); ++i) {
    const ByteRange& x = r.ranges[i];
    check(x.first <= x.last && x.last < length);
    for (size_t j = 0; j < i; ++j) {
      const ByteRange& y = r.ranges[j];
      // Coalesced: neither overlapping nor adjacent.
      check(x.last + 1 < y.first || y.last + 1 < x.first);
    }
  }
  if (r.ranges.empty()) return;
  const std::string_view type = a.substr(0, 64);  // keeps 100 parts of a huge input cheap
  const MultipartLayout m = multipartLayout(r.ranges, type, length, "fuzz-boundary");
  check(m.part_headers.size() == r.ranges.size());
  uint64_t total = m.trailer.size();
  bool saturated = false;
  for (size_t i = 0; i < r.ranges.size(); ++i) {
    const uint64_t add = m.part_headers[i].size() + r.ranges[i].size();
    saturated = saturated || add < r.ranges[i].size() || total + add < total;
    total += add;
  }
  check(saturated ? m.total_length == UINT64_MAX : m.total_length == total);
  // Parts never contain a bare line break from the content type.
  for (const std::string& h : m.part_headers) {
    check(std::count(h.begin(), h.end(), '\n') == 5 - (type.empty() ? 1 : 0));
  }
  (void)contentRange(r.ranges.front(), length);
}

}  // namespace

int fuzzRangeConditionalVary(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string a(input.substr(0, nl));
  const std::string b(nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1));

  // Ranges against lengths at the edges and one taken from the input.
  uint64_t bits = 0;
  for (size_t i = 0; i < size && i < 8; ++i) bits = (bits << 8) | data[i];
  for (const uint64_t length : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, UINT64_MAX, bits}) {
    fuzzRanges(a, length);
  }

  // Entity tags.
  check(etagStrongMatch(a, b) == etagStrongMatch(b, a));
  check(etagWeakMatch(a, b) == etagWeakMatch(b, a));
  check(!etagStrongMatch(a, b) || etagWeakMatch(a, b));
  if (const std::optional<EntityTag> t = parseEntityTag(a)) {
    check(t->opaque.size() + 2 + (t->weak ? 2 : 0) <= a.size());
  }

  // A stored response and a request whose fields are all A, an update all B.
  const HeaderList stored = {
      {"ETag", a}, {"Last-Modified", a}, {"Date", a},       {"Content-Length", "42"},
      {"Vary", a}, {"Cache-Control", a}, {"Connection", a}, {a, b}};
  const HeaderList update = {
      {"ETag", b},       {"Last-Modified", b}, {"Date", b}, {"Content-Length", b},
      {"Connection", b}, {"Age", b},           {b, a},      {"Vary", b}};
  const HeaderList request = {
      {"If-Match", a}, {"If-None-Match", b}, {"If-Modified-Since", a}, {"If-Unmodified-Since", b},
      {"Accept", a},   {"accept", b}};
  (void)ifRangeMatches(a, stored);
  (void)ifRangeMatches(b, stored);
  const int status = size > 0 ? data[0] * 3 : 200;
  for (std::string_view method : {"GET", "HEAD", "PUT", "OPTIONS"}) {
    (void)evaluateConditionals(method, request, status, stored);
    (void)evaluateConditionals(method, HeaderList{{"If-None-Match", a}}, 200, update);
  }
  check(notModifiedHeaders(stored).size() <= stored.size());
  check(revalidationHeaders(stored).size() <= 2);
  (void)updateSelects(stored, update);
  const HeaderList fresh = freshenHeaders(stored, update);
  check(fresh.size() <= stored.size() + update.size());
  // Content-Length is never taken from the update: the stored line survives.
  check(std::any_of(fresh.begin(), fresh.end(), [](const Header& h) {
    return h.first == "Content-Length" && h.second == "42";
  }));

  // Vary.
  const std::vector<std::string> names = varyFieldNames(stored);
  for (const std::string& n : names) {
    check(!n.empty());
    check(n == "*" || std::none_of(n.begin(), n.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || c == ',' || c == ' ' || c == '\t';
          }));
  }
  if (names.size() != 1 || names[0] != "*") {
    const std::string key = secondaryKey(names, request);
    check(static_cast<size_t>(std::count(key.begin(), key.end(), '\n')) == names.size());
  }
  return 0;
}

}  // namespace verge::http

// The libFuzzer entry point. Weak, because the unit test binary links every
// http fuzzer together (cache_control_fuzz.cc defines the strong one there);
// built on its own with -fsanitize=fuzzer, this is the entry.
extern "C" __attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::http::fuzzRangeConditionalVary(data, size);
}
