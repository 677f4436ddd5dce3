#include "cache/rules.h"

#include <algorithm>
#include <cctype>

namespace verge::cache {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The extension of the last path segment, lowercase, without the dot.
std::string extensionOf(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view segment = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = segment.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == segment.size()) return {};
  return lower(segment.substr(dot + 1));
}

bool ruleMatches(const CacheRule& rule, std::string_view path) {
  if (!rule.path.empty() && !globMatch(rule.path, path)) return false;
  if (rule.extensions.empty()) return true;
  std::string ext = extensionOf(path);
  return std::find(rule.extensions.begin(), rule.extensions.end(), ext) != rule.extensions.end();
}

}  // namespace

std::optional<int64_t> CacheSettings::edgeTtlFor(int status) const {
  for (const auto& entry : edge_ttl_by_status) {
    if (status >= entry.from && status <= entry.to) return entry.ttl;
  }
  return edge_ttl;
}

bool globMatch(std::string_view glob, std::string_view path) {
  // Iterative wildcard match with one backtrack point: linear in practice,
  // never exponential, whatever the pattern.
  size_t g = 0, p = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (p < path.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = p;
    } else if (g < glob.size() && glob[g] == path[p]) {
      ++g;
      ++p;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      p = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

CacheSettings resolveRules(const std::vector<CacheRule>& rules, std::string_view path) {
  CacheSettings out;
  for (const auto& rule : rules) {
    if (!ruleMatches(rule, path)) continue;
    if (rule.mode) out.mode = *rule.mode;
    if (rule.edge_ttl) out.edge_ttl = rule.edge_ttl;
    if (!rule.edge_ttl_by_status.empty()) out.edge_ttl_by_status = rule.edge_ttl_by_status;
    if (rule.browser_ttl) out.browser_ttl = rule.browser_ttl;
    if (rule.default_ttl) out.default_ttl = rule.default_ttl;
    if (rule.serve_stale) out.serve_stale = *rule.serve_stale;
    if (rule.cache_key) out.cache_key = *rule.cache_key;
  }
  return out;
}

bool parseStatusRange(std::string_view text, int& from, int& to) {
  auto number = [](std::string_view s, int& out) {
    if (s.size() != 3) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return out >= 100 && out <= 599;
  };
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!number(text, from)) return false;
    to = from;
    return true;
  }
  return number(text.substr(0, dash), from) && number(text.substr(dash + 1), to) && from <= to;
}

std::optional<int64_t> defaultEdgeTtl(int status) {
  switch (status) {
    case 200: case 206: case 301: return 7200;
    case 302: case 303: return 1200;
    case 404: case 410: return 180;
    default: return std::nullopt;
  }
}

std::vector<std::string> splitCacheTags(std::string_view value) {
  std::vector<std::string> tags;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view tag = value.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (!tag.empty() && tag.size() <= 1024) tags.push_back(lower(tag));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return tags;
}

std::string keyedPath(std::string_view path_and_query, const CacheKeyOptions& options) {
  size_t q = path_and_query.find('?');
  if (q == std::string_view::npos) return std::string(path_and_query);
  std::string_view path = path_and_query.substr(0, q);
  std::string_view query = path_and_query.substr(q + 1);
  if (options.ignore_query) return std::string(path);
  if (!options.sort_query) return std::string(path_and_query);
  std::vector<std::string_view> params;
  while (true) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    if (!param.empty()) params.push_back(param);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::stable_sort(params.begin(), params.end(), [](std::string_view a, std::string_view b) {
    return a.substr(0, a.find('=')) < b.substr(0, b.find('='));
  });
  std::string out(path);
  for (size_t i = 0; i < params.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += params[i];
  }
  return out;
}

}  // namespace verge::cache
