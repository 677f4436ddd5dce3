#include "cache/accept_encoding.h"

#include <array>
#include <optional>

namespace verge::cache {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// Whether a qvalue (RFC 9110 §12.4.2) is above zero; nullopt when malformed.
std::optional<bool> positive(std::string_view q) {
  if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  if (q.size() > 1 && q[1] != '.') return std::nullopt;
  bool nonzero = q[0] == '1';
  for (size_t i = 2; i < q.size(); ++i) {
    if (q[i] < '0' || q[i] > '9') return std::nullopt;
    if (q[0] == '1' && q[i] != '0') return std::nullopt;  // above 1
    nonzero = nonzero || q[i] != '0';
  }
  return nonzero;
}

}  // namespace

std::string normalizeAcceptEncoding(std::string_view value) {
  static constexpr std::array<std::string_view, 3> kCodings = {"gzip", "br", "zstd"};
  // Per coding: unset, accepted or refused; and the same for "*".
  std::array<std::optional<bool>, 3> named{};
  std::optional<bool> any;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view element = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = trim(element.substr(0, semi));
    bool accepted = true;
    bool valid = true;
    while (semi != std::string_view::npos) {
      element.remove_prefix(semi + 1);
      semi = element.find(';');
      std::string_view param = trim(element.substr(0, semi));
      size_t eq = param.find('=');
      if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "q")) continue;
      auto q = positive(trim(param.substr(eq + 1)));
      if (!q) valid = false;
      else accepted = *q;
    }
    if (!valid || coding.empty()) continue;  // a malformed element says nothing
    if (coding == "*") {
      any = accepted;
      continue;
    }
    if (iequals(coding, "x-gzip")) coding = "gzip";
    for (size_t i = 0; i < kCodings.size(); ++i) {
      if (iequals(coding, kCodings[i])) named[i] = named[i].value_or(true) && accepted;
    }
  }
  std::string out;
  for (size_t i = 0; i < kCodings.size(); ++i) {
    if (!named[i].value_or(any.value_or(false))) continue;
    if (!out.empty()) out += ", ";
    out += kCodings[i];
  }
  return out;
}

}  // namespace verge::cache
