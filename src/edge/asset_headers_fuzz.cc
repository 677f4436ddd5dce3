// Fuzz target for the `_headers` parser and the path patterns of Workers
// Static Assets (asset_rules.h). The input's first line is a request path,
// the rest a `_headers` file.
//
// Beyond "never crashes", it checks what the asset server relies on: at most
// kMaxHeaderRules rules, each with something to set or unset; header names
// that are lowercase tokens and values without control characters (they go
// on the wire as they are); every issue names a line of the file; and a
// pattern that matches gives captures that, put back in place of `*` and
// `:name`, rebuild the path exactly.
//
// Built into verge_unit_tests, where asset_rules_fuzz_test.cc replays
// tests/fuzz/asset_headers/; libFuzzer's entry point when built with it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edge/asset_rules.h"

namespace verge::edge {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The pattern with each capture put back where it was taken.
std::string rebuild(std::string_view pattern, const PathPattern::Captures& captures) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < pattern.size();) {
    bool placeholder = pattern[i] == ':' && i + 1 < pattern.size() &&
                       ((pattern[i + 1] >= 'a' && pattern[i + 1] <= 'z') || (pattern[i + 1] >= 'A' && pattern[i + 1] <= 'Z'));
    if (pattern[i] == '*' || placeholder) {
      check(next < captures.size());
      out += captures[next++].second;
      ++i;
      while (placeholder && i < pattern.size() && word(pattern[i])) ++i;
    } else {
      out += pattern[i++];
    }
  }
  check(next == captures.size());
  return out;
}

}  // namespace

// The input as both targets read it: a path line, then a rule file.
struct RuleFuzzInput {
  std::string_view path, file;
  size_t lines = 1;  // of the file
};
RuleFuzzInput splitRuleFuzzInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  RuleFuzzInput in{input.substr(0, nl), nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1)};
  for (char c : in.file) in.lines += c == '\n';
  return in;
}

void checkPatternMatch(const PathPattern& pattern, std::string_view subject) {
  PathPattern::Captures captures;
  bool hit = pattern.matches(subject, &captures);
  check(hit == pattern.matches(subject));
  if (hit && pattern.dynamic()) check(rebuild(pattern.text(), captures) == subject);
  if (hit && !pattern.dynamic()) check(subject == pattern.text());
}

int fuzzAssetHeaders(const uint8_t* data, size_t size) {
  auto [path, file, lines] = splitRuleFuzzInput(data, size);

  ParsedHeaders parsed = parseHeadersFile(file);
  check(parsed.rules.size() <= kMaxHeaderRules);
  for (const auto& issue : parsed.issues) check(issue.line <= lines && !issue.message.empty());
  for (const auto& rule : parsed.rules) {
    check(!rule.set.empty() || !rule.unset.empty());
    for (const auto& [name, value] : rule.set) {
      check(!name.empty() && !value.empty());
      for (char c : name) check(c > ' ' && c < 0x7f && !(c >= 'A' && c <= 'Z') && c != ':');
      for (char c : value) check(c == '\t' || static_cast<unsigned char>(c) >= 0x20);
      for (char c : value) check(c != 0x7f);
    }
    checkPatternMatch(rule.pattern, path);
    checkPatternMatch(rule.pattern, rule.pattern.text());
  }
  // The path line as a pattern too, matched against itself and the file.
  PathPattern own(path);
  checkPatternMatch(own, path);
  checkPatternMatch(own, file.substr(0, 512));
  return 0;
}

}  // namespace verge::edge

extern "C" __attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::edge::fuzzAssetHeaders(data, size);
}
