// Fuzz target for the `_redirects` parser and redirect matching of Workers
// Static Assets (asset_rules.h), and the run_worker_first globs. The input's
// first line is a request path, the rest a `_redirects` file.
//
// Beyond "never crashes", it checks: at most kMaxStaticRedirects static and
// kMaxDynamicRedirects dynamic rules; every rule's status is one Cloudflare
// allows, its source a relative path, its destination relative or https://,
// and a rewrite (200) relative; static rules have no splat or placeholder;
// a matched relative destination has no "//" in its path ("//host"
// would leave the site);
// every issue names a line of the file; globMatch agrees with a plain
// recursive reference on short inputs.
//
// Built into verge_unit_tests, where asset_rules_fuzz_test.cc replays
// tests/fuzz/asset_redirects/; libFuzzer's entry point when built with it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edge/asset_rules.h"

namespace verge::edge {

// asset_headers_fuzz.cc
struct RuleFuzzInput {
  std::string_view path, file;
  size_t lines = 1;
};
RuleFuzzInput splitRuleFuzzInput(const uint8_t* data, size_t size);
void checkPatternMatch(const PathPattern& pattern, std::string_view subject);

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool referenceGlob(std::string_view g, std::string_view t) {
  if (g.empty()) return t.empty();
  if (g[0] == '*') return referenceGlob(g.substr(1), t) || (!t.empty() && referenceGlob(g, t.substr(1)));
  return !t.empty() && g[0] == t[0] && referenceGlob(g.substr(1), t.substr(1));
}

}  // namespace

int fuzzAssetRedirects(const uint8_t* data, size_t size) {
  auto [path, file, lines] = splitRuleFuzzInput(data, size);

  for (bool none : {false, true}) {
    ParsedRedirects parsed = parseRedirectsFile(file, none);
    check(parsed.static_rules.size() <= kMaxStaticRedirects);
    check(parsed.dynamic_rules.size() <= kMaxDynamicRedirects);
    for (const auto& issue : parsed.issues) check(issue.line <= lines && !issue.message.empty());
    auto checkRule = [&](const RedirectRule& r) {
      check(r.status == 200 || r.status == 301 || r.status == 302 || r.status == 303 || r.status == 307 ||
            r.status == 308);
      check(!r.from.text().empty() && r.from.text()[0] == '/');
      check(!r.to.empty() && (r.to[0] == '/' || r.to.rfind("https://", 0) == 0));
      if (r.status == 200) check(r.to[0] == '/');
      check(r.line >= 1 && r.line <= lines);
      checkPatternMatch(r.from, path);
    };
    for (const auto& [from, rule] : parsed.static_rules) {
      check(!rule.from.dynamic() && from == rule.from.text());
      checkRule(rule);
    }
    for (const auto& rule : parsed.dynamic_rules) checkRule(rule);
    if (auto m = matchRedirect(parsed, path)) {
      if (m->to.rfind("https://", 0) != 0) check(m->to.substr(0, m->to.find_first_of("?#")).find("//") == std::string::npos);
    }
  }

  if (path.size() <= 12 && file.size() <= 12) check(globMatch(path, file) == referenceGlob(path, file));
  (void)globMatch(file.substr(0, 200), path);
  return 0;
}

}  // namespace verge::edge

extern "C" __attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::edge::fuzzAssetRedirects(data, size);
}
