// Cache rules: how a zone (or a worker's fetch() `cf` options) changes what
// the cache does with a request, in the spirit of Cloudflare's Cache Rules.
// By default the cache respects the origin's headers; a rule can bypass the
// cache, cache everything, override the edge TTL (also per status), set the
// browser TTL, turn off serving stale, change the cache key, and give a
// default TTL to responses that carry no freshness information.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verge::cache {

enum class CacheMode {
  kRespect,     // the origin's headers decide (RFC 9111)
  kBypass,      // never stored, never served from the cache
  kEverything,  // store what the origin's headers alone would not (no
                // freshness, Set-Cookie excepted; private/no-store still win
                // unless an edge TTL is set)
};

// An edge TTL for a range of statuses. ttl < 0 means "do not store".
struct StatusTtl {
  int from = 0;
  int to = 0;  // inclusive
  int64_t ttl = 0;
};

struct CacheKeyOptions {
  bool ignore_query = false;  // the query string is not part of the key
  bool sort_query = false;    // query parameters sorted, so ?b&a == ?a&b
  std::vector<std::string> include_headers;  // lowercase names; values join the key
  std::vector<std::string> include_cookies;  // cookie names; values join the key
};

// One rule of a zone, applied when `path` and `extensions` match. Fields
// left unset keep what earlier rules (or the defaults) said.
struct CacheRule {
  std::string path;                     // glob on the URL path: '*' matches any run; "" = all
  std::vector<std::string> extensions;  // lowercase, without the dot; empty = all
  std::optional<CacheMode> mode;
  std::optional<int64_t> edge_ttl;       // seconds; replaces the origin's freshness
  std::vector<StatusTtl> edge_ttl_by_status;
  std::optional<int64_t> browser_ttl;    // Cache-Control: max-age sent to clients
  std::optional<int64_t> default_ttl;    // for responses with no freshness information
  std::optional<bool> serve_stale;       // false: no stale-while-revalidate / UPDATING
  std::optional<CacheKeyOptions> cache_key;
};

// What the rules that match one request add up to.
struct CacheSettings {
  CacheMode mode = CacheMode::kRespect;
  std::optional<int64_t> edge_ttl;
  std::vector<StatusTtl> edge_ttl_by_status;
  std::optional<int64_t> browser_ttl;
  std::optional<int64_t> default_ttl;
  bool serve_stale = true;
  CacheKeyOptions cache_key;
  // From a worker's fetch(): cf.cacheKey replaces the URL in the key;
  // cf.cacheTags are added to the response's Cache-Tag values.
  std::optional<std::string> custom_key;
  std::vector<std::string> tags;

  // The edge TTL for a response with `status`: a matching by-status entry
  // first, then edge_ttl; nullopt when neither applies.
  std::optional<int64_t> edgeTtlFor(int status) const;
};

// Whether `glob` ('*' = any run of characters, including '/') matches the
// whole of `path`.
bool globMatch(std::string_view glob, std::string_view path);

// Applies every rule whose path and extension match `path` (the URL path,
// without the query), in order; later rules override earlier ones field by
// field.
CacheSettings resolveRules(const std::vector<CacheRule>& rules, std::string_view path);

// Parses "200", "200-299" into a StatusTtl's range; false if malformed or
// outside 100..599.
bool parseStatusRange(std::string_view text, int& from, int& to);

// Cloudflare's default edge TTL for a status when a response carries no
// freshness of its own (cache everything, the Cache API): 200, 206, 301 two
// hours; 302, 303 twenty minutes; 404, 410 three minutes; others nullopt
// (not cached).
std::optional<int64_t> defaultEdgeTtl(int status);

// Cache-Tag values: comma-separated, trimmed, lowercase (purge compares them
// lowercase); empty and over-long (> 1024 bytes) tags are dropped.
std::vector<std::string> splitCacheTags(std::string_view value);

// The path-and-query part of a cache key under `options`: the query dropped
// or its parameters sorted (stable, by name then original order).
std::string keyedPath(std::string_view path_and_query, const CacheKeyOptions& options);

}  // namespace verge::cache
