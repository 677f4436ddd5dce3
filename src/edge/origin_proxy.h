// The origin phase of the edge pipeline: forwards a request to a zone's
// origin and streams the answer back to the client, as a CDN edge does for
// traffic no worker takes. The cache phase sits in front of this.
#pragma once

#include <memory>
#include <string>

namespace verge::net {
class Exchange;
}

namespace verge::edge {

struct Zone {
  std::string name;
  std::string origin;  // base URL without a trailing slash, e.g. "http://10.0.0.5:8080"
};

// Sends the exchange's request to `zone.origin` + its path and query, and
// the response back. The Host header is the client's (the origin serves the
// site); hop-by-hop headers are dropped both ways; X-Forwarded-For/-Proto
// and CF-Connecting-IP are added. An unreachable origin gets a Cloudflare-
// style error page: 521 (refused), 522 (timed out), 523 (unresolvable) or
// 502. `zone` must outlive the exchange.
void proxyToOrigin(std::shared_ptr<net::Exchange> exchange, const Zone& zone);

}  // namespace verge::edge
