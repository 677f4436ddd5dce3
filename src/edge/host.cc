#include "edge/host.h"

namespace verge::edge {

namespace {

char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool nameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool hexOrColonOrDot(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
}

}  // namespace

std::optional<std::string> normalizeAuthority(std::string_view authority, uint16_t default_port) {
  if (authority.empty()) return std::string();
  if (authority.size() > 255 + 6) return std::nullopt;
  std::string host;
  std::string_view port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);  // may be empty: "[::1]:" has the default port
    }
    host = "[";
    size_t colons = 0;
    for (char c : authority.substr(1, close - 1)) {
      c = lowerAscii(c);
      if (!hexOrColonOrDot(c)) return std::nullopt;
      colons += c == ':';
      host += c;
    }
    if (colons < 2) return std::nullopt;
    host += ']';
  } else {
    std::string_view name = authority;
    if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      name = authority.substr(0, colon);
      port = authority.substr(colon + 1);  // may be empty: the default
    }
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);  // "site." is "site"
    if (name.empty() || name.size() > 253 || name.back() == '.') return std::nullopt;
    host.reserve(name.size());
    char previous = '.';
    for (char c : name) {
      c = lowerAscii(c);
      if (!nameChar(c)) return std::nullopt;
      if (c == '.' && previous == '.') return std::nullopt;  // an empty label
      host += c;
      previous = c;
    }
  }
  if (!port.empty()) {
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 65535) return std::nullopt;
    }
    if (value == 0) return std::nullopt;
    if (value != default_port) {
      host += ':';
      host += std::to_string(value);
    }
  }
  return host;
}

std::string_view hostOfAuthority(std::string_view normalized) {
  if (!normalized.empty() && normalized.front() == '[') return normalized.substr(0, normalized.find(']') + 1);
  return normalized.substr(0, normalized.rfind(':'));
}

}  // namespace verge::edge
