#include "http/range.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>

#include "base/log.h"
#include "http/conditional.h"
#include "http/http_date.h"
#include "http/text.h"

namespace verge::http {
namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

using text::equalsIgnoreCase;
using text::isDigit;
using text::isTchar;  // for deciding whether a boundary needs quoting
using text::trimOws;

// 1*DIGIT, kept as its digits (so that any length compares exactly) and as a
// value saturated at 2^64-1 (exact below that, and any saturated value is at
// least every possible length, so clamping gives the exact answer too).
struct Number {
  std::string_view digits;
  uint64_t value = 0;
};

std::optional<Number> parseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (kU64Max - d) / 10 ? kU64Max : v * 10 + d;
  }
  return Number{s, v};
}

// a < b for two digit strings of any length.
bool numberLess(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

enum class SpecKind { kInvalid, kUnsatisfiable, kRange };
struct Spec {
  SpecKind kind = SpecKind::kInvalid;
  ByteRange range;
};

// One range-spec of the bytes unit, already OWS-trimmed and non-empty,
// clamped to `length`.
Spec parseSpec(std::string_view s, uint64_t length) {
  const size_t dash = s.find('-');
  if (dash == std::string_view::npos) return {};
  if (dash == 0) {
    // suffix-range = "-" suffix-length
    const std::optional<Number> n = parseNumber(s.substr(1));
    if (!n) return {};
    if (n->value == 0 || length == 0) return {SpecKind::kUnsatisfiable, {}};
    const uint64_t first = n->value >= length ? 0 : length - n->value;
    return {SpecKind::kRange, {first, length - 1}};
  }
  // int-range = first-pos "-" [ last-pos ]
  const std::optional<Number> first = parseNumber(s.substr(0, dash));
  if (!first) return {};
  std::optional<Number> last;
  if (dash + 1 < s.size()) {
    last = parseNumber(s.substr(dash + 1));
    if (!last) return {};  // also rejects a second '-'
    // §14.1.1: an int-range whose last-pos is below its first-pos is invalid.
    if (numberLess(last->digits, first->digits)) return {};
  }
  if (first->value >= length) return {SpecKind::kUnsatisfiable, {}};
  const uint64_t end = last ? std::min(last->value, length - 1) : length - 1;
  return {SpecKind::kRange, {first->value, end}};
}

// Counts the ranges that overlap at least one other range (a lower bound when
// a range overlaps several, which is enough to spot a pile of overlaps).
size_t countOverlapping(const std::vector<ByteRange>& ranges, const std::vector<size_t>& by_first) {
  std::vector<bool> marked(ranges.size(), false);
  size_t reach = by_first.front();  // the range reaching furthest so far
  for (size_t k = 1; k < by_first.size(); ++k) {
    const size_t i = by_first[k];
    if (ranges[i].first <= ranges[reach].last) {
      marked[i] = true;
      marked[reach] = true;
    }
    if (ranges[i].last > ranges[reach].last) reach = i;
  }
  return static_cast<size_t>(std::count(marked.begin(), marked.end(), true));
}

// Merges overlapping and adjacent ranges. Each merged range takes the request
// position of its earliest member; the result is in request order.
std::vector<ByteRange> coalesce(const std::vector<ByteRange>& ranges,
                                const std::vector<size_t>& by_first) {
  struct Merged {
    size_t position;  // smallest request index among the members
    ByteRange range;
  };
  std::vector<Merged> merged;
  for (const size_t i : by_first) {
    const ByteRange& r = ranges[i];
    // Sorted by first, so r can only join the last group. last < 2^64-1
    // always (it is below a length), so last + 1 cannot overflow.
    if (!merged.empty() && r.first <= merged.back().range.last + 1) {
      Merged& m = merged.back();
      m.range.last = std::max(m.range.last, r.last);
      m.position = std::min(m.position, i);
    } else {
      merged.push_back({i, r});
    }
  }
  std::sort(merged.begin(), merged.end(),
            [](const Merged& a, const Merged& b) { return a.position < b.position; });
  std::vector<ByteRange> out;
  out.reserve(merged.size());
  for (const Merged& m : merged) out.push_back(m.range);
  return out;
}

uint64_t satAdd(uint64_t a, uint64_t b) { return a > kU64Max - b ? kU64Max : a + b; }

// RFC 9110 §5.5: CR, LF and NUL in a field value are replaced by SP.
std::string sanitizedFieldValue(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

}  // namespace

RangeResult evaluateRange(std::string_view range_header, uint64_t length) {
  const std::string_view v = trimOws(range_header);
  const size_t eq = v.find('=');
  if (eq == std::string_view::npos || !equalsIgnoreCase(v.substr(0, eq), "bytes")) return {};

  std::vector<ByteRange> ranges;  // satisfiable, clamped, in request order
  size_t specs = 0;
  std::string_view set = v.substr(eq + 1);
  while (true) {
    const size_t comma = set.find(',');
    const std::string_view item = trimOws(set.substr(0, comma));
    if (!item.empty()) {
      // Checked before parsing: the count alone bounds time and memory.
      if (++specs > kMaxRanges) return {};
      const Spec spec = parseSpec(item, length);
      if (spec.kind == SpecKind::kInvalid) return {};
      if (spec.kind == SpecKind::kRange) ranges.push_back(spec.range);
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs == 0) return {};  // "bytes=" or "bytes= , ": a range-set needs a member
  if (ranges.empty()) return {RangeOutcome::kUnsatisfiable, {}};
  if (ranges.size() == 1) return {RangeOutcome::kSatisfiable, std::move(ranges)};

  std::vector<size_t> by_first(ranges.size());
  std::iota(by_first.begin(), by_first.end(), size_t{0});
  // Stable, so equal first-pos keep request order and the result is
  // deterministic.
  std::stable_sort(by_first.begin(), by_first.end(),
                   [&](size_t a, size_t b) { return ranges[a].first < ranges[b].first; });

  // §14.2: "more than two overlapping ranges, or a set of many small ranges
  // that are not listed in ascending order" may be ignored, since they are
  // indications of a broken client or a denial-of-service attack.
  if (countOverlapping(ranges, by_first) > 2) return {};
  if (ranges.size() > kMaxUnorderedRanges) {
    for (size_t i = 1; i < ranges.size(); ++i) {
      if (ranges[i].first < ranges[i - 1].first) return {};
    }
  }
  return {RangeOutcome::kSatisfiable, coalesce(ranges, by_first)};
}

std::string contentRange(const ByteRange& r, uint64_t length) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" +
         std::to_string(length);
}

std::string unsatisfiedContentRange(uint64_t length) { return "bytes */" + std::to_string(length); }

bool ifRangeMatches(std::string_view if_range, HeaderView stored_headers) {
  const std::string_view v = trimOws(if_range);
  if (v.empty()) return false;
  if (v.front() == '"' || v.starts_with("W/")) {
    // §13.1.5: an entity-tag matches by strong comparison only, so a weak
    // tag on either side is false.
    const std::optional<EntityTag> tag = parseEntityTag(v);
    if (!tag || tag->weak) return false;
    const std::optional<std::string_view> etag = stored_headers.first("ETag");
    if (!etag) return false;
    const std::optional<EntityTag> stored = parseEntityTag(*etag);
    return stored && !stored->weak && stored->opaque == tag->opaque;
  }
  // An HTTP-date: it must be the stored Last-Modified, and that must be a
  // strong validator. §8.8.2.2 lets a cache deduce that when the stored Date
  // is at least one second after Last-Modified (the resource cannot have
  // changed twice in the second Last-Modified names without a later Date).
  const std::optional<int64_t> date = parseHttpDate(v);
  if (!date) return false;
  const std::optional<std::string_view> lm_value = stored_headers.first("Last-Modified");
  const std::optional<std::string_view> date_value = stored_headers.first("Date");
  if (!lm_value || !date_value) return false;
  const std::optional<int64_t> lm = parseHttpDate(*lm_value);
  const std::optional<int64_t> stored_date = parseHttpDate(*date_value);
  return lm && stored_date && *lm == *date && *stored_date > *lm;
}

MultipartLayout multipartLayout(const std::vector<ByteRange>& ranges, std::string_view content_type,
                                uint64_t length, std::string_view boundary) {
  MultipartLayout out;
  const bool token = !boundary.empty() && std::all_of(boundary.begin(), boundary.end(), isTchar);
  out.content_type = "multipart/byteranges; boundary=";
  if (token) {
    out.content_type.append(boundary);
  } else {
    // RFC 2046 boundaries may hold characters (space, '/', ':', '=', ...)
    // that are not tchar; the parameter then needs a quoted-string.
    out.content_type += '"';
    out.content_type.append(boundary);
    out.content_type += '"';
  }

  std::string type_line;
  if (!content_type.empty()) {
    type_line = "Content-Type: " + sanitizedFieldValue(content_type) + "\r\n";
  }
  out.part_headers.reserve(ranges.size());
  for (const ByteRange& r : ranges) {
    VERGE_ASSERT(r.first <= r.last && r.last < length);
    std::string h = "\r\n--";
    h.append(boundary);
    h += "\r\n";
    h += type_line;
    h += "Content-Range: ";
    h += contentRange(r, length);
    h += "\r\n\r\n";
    out.total_length = satAdd(satAdd(out.total_length, h.size()), r.size());
    out.part_headers.push_back(std::move(h));
  }
  out.trailer = "\r\n--";
  out.trailer.append(boundary);
  out.trailer += "--\r\n";
  out.total_length = satAdd(out.total_length, out.trailer.size());
  return out;
}

}  // namespace verge::http
