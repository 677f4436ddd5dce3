#include "http/cache_control.h"

#include "http/text.h"

namespace verge::http {
namespace {

using text::isDigit;
using text::isOws;
using text::isTchar;
using text::lowered;
using text::trimOws;

// delta-seconds = 1*DIGIT, clamped to 2^31. Anything else (sign, spaces,
// fraction, empty) is invalid.
std::optional<int64_t> parseDeltaSeconds(std::string_view v) {
  if (v.empty()) return std::nullopt;
  int64_t n = 0;
  for (char c : v) {
    if (!isDigit(c)) return std::nullopt;
    // Keep scanning after the clamp so "99999999999x" is still rejected.
    if (n < kMaxDeltaSeconds) n = n * 10 + (c - '0');
  }
  return n < kMaxDeltaSeconds ? n : kMaxDeltaSeconds;
}

// A quoted-string's or token's value, plus whether there was one.
struct Element {
  std::string_view name;
  bool has_value = false;
  bool value_valid = true;  // false for an unterminated quoted string
  std::string value;        // unescaped
};

// Splits "a, b , c" (the inside of no-cache="...") into lower-cased field
// names, dropping anything that is not a token.
std::vector<std::string> parseFieldNames(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = trimOws(list.substr(0, comma));
    bool ok = !item.empty();
    for (char c : item) ok = ok && isTchar(c);
    if (ok) out.push_back(lowered(item));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// Sets a first-wins delta-seconds directive; returns whether it counted.
bool setDelta(std::optional<int64_t>& field, const Element& e) {
  if (!e.has_value || !e.value_valid) return false;
  const std::optional<int64_t> v = parseDeltaSeconds(e.value);
  if (!v) return false;
  if (!field) field = v;  // duplicates: the first valid occurrence wins
  return true;
}

// no-cache / private: bare, or with a list of field names.
bool setFieldList(bool& flag, std::vector<std::string>& fields, const Element& e) {
  if (e.has_value && !e.value_valid) return false;
  flag = true;
  if (e.has_value) {
    for (std::string& f : parseFieldNames(e.value)) fields.push_back(std::move(f));
  }
  return true;
}

// Applies one directive; returns false when its value made it invalid.
bool apply(CacheControl& cc, const Element& e) {
  const std::string name = lowered(e.name);
  if (name == "max-age") return setDelta(cc.max_age, e);
  if (name == "s-maxage") return setDelta(cc.s_maxage, e);
  if (name == "min-fresh") return setDelta(cc.min_fresh, e);
  if (name == "stale-while-revalidate") return setDelta(cc.stale_while_revalidate, e);
  if (name == "stale-if-error") return setDelta(cc.stale_if_error, e);
  if (name == "max-stale") {
    if (!e.has_value) {
      // Bare max-stale: any staleness. First occurrence wins, as for the
      // other delta-seconds directives, so an earlier max-stale=N stays.
      if (!cc.max_stale) cc.max_stale = true;
      return true;
    }
    if (!e.value_valid) return false;
    const std::optional<int64_t> v = parseDeltaSeconds(e.value);
    if (!v) return false;
    if (!cc.max_stale) {
      cc.max_stale = true;
      cc.max_stale_seconds = v;
    }
    return true;
  }
  if (name == "no-cache") return setFieldList(cc.no_cache, cc.no_cache_fields, e);
  if (name == "private") return setFieldList(cc.private_, cc.private_fields, e);
  // Directives that take no argument: a stray value is disregarded.
  if (name == "no-store") cc.no_store = true;
  else if (name == "public") cc.public_ = true;
  else if (name == "must-revalidate") cc.must_revalidate = true;
  else if (name == "proxy-revalidate") cc.proxy_revalidate = true;
  else if (name == "must-understand") cc.must_understand = true;
  else if (name == "no-transform") cc.no_transform = true;
  else if (name == "immutable") cc.immutable = true;
  else if (name == "only-if-cached") cc.only_if_cached = true;
  // Anything else is an extension directive (§5.2.3): counted, not acted on.
  return true;
}

}  // namespace

CacheControl parseCacheControl(std::string_view s) {
  CacheControl cc;
  size_t i = 0;
  const size_t n = s.size();

  // Skips to just past the next comma that is not inside a quoted string,
  // for recovering from a malformed element.
  auto skipElement = [&] {
    bool quoted = false;
    while (i < n) {
      const char c = s[i++];
      if (quoted) {
        if (c == '\\' && i < n) ++i;
        else if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        return;
      }
    }
  };
  auto skipOws = [&] {
    while (i < n && isOws(s[i])) ++i;
  };

  while (i < n) {
    skipOws();
    if (i < n && s[i] == ',') {  // empty list element
      ++i;
      continue;
    }
    if (i >= n) break;

    Element e;
    const size_t name_start = i;
    while (i < n && isTchar(s[i])) ++i;
    e.name = s.substr(name_start, i - name_start);
    if (e.name.empty()) {
      skipElement();
      continue;
    }
    skipOws();
    if (i < n && s[i] == '=') {
      ++i;
      skipOws();
      e.has_value = true;
      if (i < n && s[i] == '"') {
        // quoted-string: read to the closing quote, unescaping quoted-pairs.
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = s[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\' && i < n) {
            e.value.push_back(s[i++]);
          } else {
            e.value.push_back(c);
          }
        }
        e.value_valid = closed;
      } else {
        const size_t value_start = i;
        while (i < n && isTchar(s[i])) ++i;
        e.value.assign(s.substr(value_start, i - value_start));
      }
      skipOws();
    }
    // The element must end here; otherwise it is junk such as "max-age=5 6"
    // or "a b", and the whole element is dropped.
    if (i < n && s[i] != ',') {
      skipElement();
      continue;
    }
    if (i < n) ++i;  // the comma
    if (apply(cc, e)) ++cc.directive_count;
  }
  return cc;
}

}  // namespace verge::http
