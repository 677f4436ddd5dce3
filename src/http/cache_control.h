// Cache-Control (RFC 9111 §5.2), and CDN-Cache-Control (RFC 9213) which
// shares its directives, parsed into one struct covering every request and
// response directive a shared cache acts on, plus RFC 5861's
// stale-while-revalidate / stale-if-error and RFC 8246's immutable.
//
// The parser reads untrusted bytes (client requests, origin responses) and
// never fails: junk is skipped, a directive with an invalid value is ignored
// as if absent, and everything else is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verge::http {

// delta-seconds larger than this are clamped to it (RFC 9111 §1.2.2: a
// recipient must treat an overflowing value as 2^31, "infinity").
inline constexpr int64_t kMaxDeltaSeconds = int64_t{1} << 31;

// Parsed directives. Plain data; fields are named after the directive with
// '-' as '_' (and a trailing '_' where the name is a C++ keyword). Which
// fields are meaningful depends on whether the value came from a request or a
// response; both share one type because the grammar is shared and some names
// (max-age, no-cache, no-store, no-transform, stale-if-error) exist in both.
struct CacheControl {
  // max-age=N (request and response, §5.2.1.1 / §5.2.2.1).
  std::optional<int64_t> max_age;
  // s-maxage=N (response, shared caches only, §5.2.2.10). Also implies
  // proxy-revalidate for a shared cache.
  std::optional<int64_t> s_maxage;
  // no-store (request and response, §5.2.1.5 / §5.2.2.5).
  bool no_store = false;
  // no-cache (request and response, §5.2.1.4 / §5.2.2.4): true whenever the
  // directive appears. The qualified response form no-cache="a, b" also fills
  // no_cache_fields (lower-cased field names); an empty list after a valid
  // directive means the unqualified form, which covers the whole response.
  bool no_cache = false;
  std::vector<std::string> no_cache_fields;
  // private (response, §5.2.2.7), with the same bool + field-name convention
  // as no-cache.
  bool private_ = false;
  std::vector<std::string> private_fields;
  // public (response, §5.2.2.9).
  bool public_ = false;
  // must-revalidate (§5.2.2.2) and proxy-revalidate (§5.2.2.8, shared caches).
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  // must-understand (response, §5.2.2.3).
  bool must_understand = false;
  // no-transform (request and response, §5.2.1.6 / §5.2.2.6).
  bool no_transform = false;
  // immutable (response, RFC 8246).
  bool immutable = false;
  // stale-while-revalidate=N (response, RFC 5861 §3).
  std::optional<int64_t> stale_while_revalidate;
  // stale-if-error=N (request and response, RFC 5861 §4).
  std::optional<int64_t> stale_if_error;
  // max-stale[=N] (request, §5.2.1.2): max_stale is set when the directive is
  // present; max_stale_seconds is its limit, or nullopt for bare "max-stale",
  // which accepts a stale response of any staleness.
  bool max_stale = false;
  std::optional<int64_t> max_stale_seconds;
  // min-fresh=N (request, §5.2.1.3).
  std::optional<int64_t> min_fresh;
  // only-if-cached (request, §5.2.1.7).
  bool only_if_cached = false;

  // How many well-formed directives were seen, known or extension. Directives
  // ignored for an invalid value are not counted, so a field value like
  // "max-age=abc" or ",,," counts 0. RFC 9213 uses this: a targeted field that
  // parses to no directive is treated as absent.
  size_t directive_count = 0;
};

// Parses a Cache-Control (or CDN-Cache-Control) field value. Pass the
// combined value of all field lines joined with ", " (RFC 9110 §5.3).
//
//  - Directive names are case-insensitive; values may be a token or a
//    quoted-string (with backslash escapes), and both forms are accepted for
//    every directive (§5.2: recipients should accept both). Whitespace around
//    '=' is tolerated. A comma inside a quoted string does not split
//    directives: no-cache="set-cookie, x-foo" is one directive.
//  - A directive whose value is invalid is ignored as if absent: max-age=abc,
//    max-age=-1, max-age with no value, an unterminated quoted string. A
//    value given to a directive that takes none (public=1) is disregarded and
//    the directive kept. An element that is not a directive at all (stray
//    quotes, "=5", "a b") is skipped up to the next top-level comma.
//  - Duplicated delta-seconds directives (max-age, s-maxage, min-fresh,
//    max-stale, stale-while-revalidate, stale-if-error): the first valid one
//    wins. RFC 9111 §4.2.1 allows using the first occurrence or treating the
//    response as stale; we use the first, as most caches do.
//  - delta-seconds beyond 2^31 (any number of digits) clamp to
//    kMaxDeltaSeconds.
//  - Unknown extension directives are counted in directive_count and
//    otherwise ignored.
CacheControl parseCacheControl(std::string_view combined_field_value);

}  // namespace verge::http
