#include "edge/router.h"

#include <algorithm>
#include <stdexcept>

namespace verge::edge {

namespace {
// ASCII only: host names are (punycode is ASCII), and this runs for every
// request, where std::tolower is a libc call per byte.
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
}  // namespace

void Router::add(std::string_view pattern, size_t target) {
  Route r;
  r.target = target;
  std::string_view p = pattern;
  if (p.rfind("http://", 0) == 0) p.remove_prefix(7);
  else if (p.rfind("https://", 0) == 0) p.remove_prefix(8);
  if (p.empty()) throw std::invalid_argument("empty route pattern");
  size_t slash = p.find('/');
  std::string_view host = p.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
  if (host == "*") {
    r.any_host = true;
  } else if (host.rfind("*.", 0) == 0) {
    // "*.example.com": subdomains only.
    r.wildcard_host = true;
    r.host = lower(host.substr(2));
  } else if (host.rfind("*", 0) == 0) {
    // "*example.com": example.com and its subdomains, as on Cloudflare.
    r.wildcard_host = true;
    r.include_apex = true;
    r.host = lower(host.substr(1));
  } else {
    r.host = lower(host);
  }
  if (!r.any_host && r.host.find_first_of("*/ ") != std::string::npos) {
    throw std::invalid_argument("route '" + std::string(pattern) +
                                "': '*' may only start the host or end the path");
  }
  if (path.empty()) {
    r.path_wildcard = true;  // a host alone covers every path
  } else {
    if (path.back() == '*') {
      r.path_wildcard = true;
      path.remove_suffix(1);
    }
    if (path.find('*') != std::string_view::npos) {
      throw std::invalid_argument("route '" + std::string(pattern) + "': '*' may only end the path");
    }
    r.path = std::string(path);
  }
  // Host tier first, then the longer path, then an exact path over a prefix.
  r.specificity = (r.any_host ? 0 : r.wildcard_host ? 1'000'000 : 2'000'000) +
                  static_cast<int>(r.path.size()) * 2 + (r.path_wildcard ? 0 : 1);
  routes_.push_back(std::move(r));
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) { return a.specificity > b.specificity; });
}

std::optional<size_t> Router::match(std::string_view host, std::string_view path) const {
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  } else if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  }
  std::string h = lower(host);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  for (const auto& r : routes_) {
    bool host_ok;
    if (r.any_host) {
      host_ok = true;
    } else if (r.wildcard_host) {
      bool sub = h.size() > r.host.size() + 1 &&
                 h.compare(h.size() - r.host.size(), r.host.size(), r.host) == 0 &&
                 h[h.size() - r.host.size() - 1] == '.';
      host_ok = sub || (r.include_apex && h == r.host);
    } else {
      host_ok = h == r.host;
    }
    if (!host_ok) continue;
    if (r.path_wildcard ? path.rfind(r.path, 0) == 0 : path == r.path) return r.target;
  }
  return std::nullopt;
}

}  // namespace verge::edge
