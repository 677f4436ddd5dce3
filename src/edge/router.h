// Maps a request's host and path to a worker, by route patterns like
// Cloudflare's: "example.com", "*.example.com", "example.com/api/*", or "*"
// (everything). The most specific match wins: exact host over wildcard host,
// longer path prefix over shorter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verge::edge {

class Router {
 public:
  // Throws std::invalid_argument with a message when the pattern is malformed.
  void add(std::string_view pattern, size_t target);
  // `host` may carry a port; it is ignored. Returns the target index.
  std::optional<size_t> match(std::string_view host, std::string_view path) const;

 private:
  struct Route {
    std::string host;        // lowercased; without "*." when wildcard_host
    bool any_host = false;   // "*"
    bool wildcard_host = false;
    bool include_apex = false;  // "*example.com" also matches example.com
    std::string path;        // prefix when path_wildcard, else exact ("" = any path)
    bool path_wildcard = false;
    size_t target = 0;
    int specificity = 0;
  };
  std::vector<Route> routes_;
};

}  // namespace verge::edge
