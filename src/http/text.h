// Internal to the http layer: the small text helpers its parsers share. Not
// part of verge_http's API; include it only from src/http/*.cc.
//
// Everything here is ASCII-only and locale-independent on purpose: HTTP field
// names, tokens and whitespace are defined over octets (RFC 9110 §5), and
// <cctype> would depend on the process locale and is UB for negative chars.
// Bytes outside ASCII (obs-text) pass through unchanged.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace verge::http::text {

// OWS (RFC 9110 §5.6.3): SP or HTAB.
constexpr bool isOws(char c) { return c == ' ' || c == '\t'; }

// DIGIT: ASCII '0'..'9'.
constexpr bool isDigit(char c) { return c >= '0' && c <= '9'; }

// ASCII lower-casing; every other byte is returned as is.
constexpr char toLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A copy of `s` with ASCII letters lower-cased (field names are
// case-insensitive, so maps and sets key on this form).
inline std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = toLower(c);
  return out;
}

// `s` without leading and trailing OWS; a view into the same bytes.
constexpr std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive equality, as field names and tokens compare.
constexpr bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (toLower(a[i]) != toLower(b[i])) return false;
  }
  return true;
}

// tchar (RFC 9110 §5.6.2): the characters a token is made of.
constexpr bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)) return true;
  // clang-format off
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
  // clang-format on
}

}  // namespace verge::http::text
