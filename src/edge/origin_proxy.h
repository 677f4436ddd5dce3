// The origin phase of the edge pipeline: forwards a request to a zone's
// origin and streams the answer back to the client, as a CDN edge does for
// traffic no worker takes. The cache phase sits in front of this.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_types.h"

namespace verge::net {
class Exchange;
}

namespace verge::edge {

struct Zone {
  std::string name;
  std::string origin;  // base URL without a trailing slash, e.g. "http://10.0.0.5:8080"
};

// Watches a proxied response on its way to the client (the cache phase uses
// it to label and store responses). Called on the exchange's thread.
class OriginTap {
 public:
  virtual ~OriginTap() = default;
  // The origin's status and end-to-end headers (without Content-Length,
  // which is `length` when the origin sent one), before they are sent; may
  // edit them. `request_time`/`response_time` are seconds on our clock.
  // Returns whether to see the body.
  virtual bool onHead(int status, net::HeaderList& headers, std::optional<uint64_t> length,
                      int64_t request_time, int64_t response_time) = 0;
  virtual void onBody(std::string_view chunk) = 0;
  // The whole body reached the client (not called when the transfer failed).
  virtual void onComplete() = 0;
};

// Sends the exchange's request to `zone.origin` + its path and query, and
// the response back. The Host header is the client's (the origin serves the
// site); hop-by-hop headers are dropped both ways; X-Forwarded-For/-Proto
// and CF-Connecting-IP are added. An unreachable origin gets a Cloudflare-
// style error page: 521 (refused), 522 (timed out), 523 (unresolvable) or
// 502. `zone` must outlive the exchange.
// Without a tap the response is labelled `cf-cache-status: DYNAMIC`.
void proxyToOrigin(std::shared_ptr<net::Exchange> exchange, const Zone& zone,
                   std::shared_ptr<OriginTap> tap = nullptr);

}  // namespace verge::edge
