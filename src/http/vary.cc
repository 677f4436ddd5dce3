#include "http/vary.h"

#include <optional>
#include <unordered_set>

#include "http/text.h"

namespace verge::http {
namespace {

using text::isOws;
using text::isTchar;
using text::toLower;
using text::trimOws;

// Appends the §4.1 normal form of a combined field value to `out`.
void appendNormalised(std::string_view v, std::string& out) {
  const size_t start = out.size();
  bool quoted = false;
  bool space = false;  // whitespace seen and not yet written
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    // RFC 9110 §5.5; also what keeps a value from ending its record early.
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
    if (quoted) {
      // Content of a quoted-string is kept byte for byte, escapes included.
      out += c;
      if (c == '\\' && i + 1 < v.size()) {
        char next = v[++i];
        if (next == '\r' || next == '\n' || next == '\0') next = ' ';
        out += next;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (isOws(c)) {
      space = true;
      continue;
    }
    if (c == ',') {
      space = false;  // no whitespace before a comma...
      out += ',';
      continue;
    }
    // ...nor after one, nor at the start; elsewhere a run becomes one space.
    if (space && out.size() > start && out.back() != ',') out += ' ';
    space = false;
    out += c;
    if (c == '"') quoted = true;
  }
  // Trailing whitespace (space still pending) is dropped.
}

}  // namespace

std::vector<std::string> varyFieldNames(HeaderView response_headers) {
  std::vector<std::string> names;
  std::optional<std::string> combined = response_headers.combined("Vary");
  if (!combined) return names;
  // Lower-case in place once, so the dedupe set can hold stable views into it.
  for (char& c : *combined) c = toLower(c);
  std::unordered_set<std::string_view> seen;
  std::string_view list = *combined;
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view name = trimOws(list.substr(0, comma));
    if (!name.empty()) {
      bool token = true;
      for (char c : name) token = token && isTchar(c);
      // "*", or a member we cannot read: the response never matches.
      if (name == "*" || !token) return {"*"};
      if (seen.insert(name).second) names.emplace_back(name);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return names;
}

std::string secondaryKey(const std::vector<std::string>& names, HeaderView request_headers) {
  std::string key;
  for (const std::string& name : names) {
    for (char c : name) key += toLower(c);
    const std::optional<std::string> value = request_headers.combined(name);
    if (value) {
      key += ':';
      appendNormalised(*value, key);
    }
    key += '\n';
  }
  return key;
}

}  // namespace verge::http
