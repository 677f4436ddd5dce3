// The origin phase of the edge pipeline: the transport the cache engine
// (cache/http_cache.h) uses to reach a zone's origin, and the pieces that
// send its answers (or Cloudflare-style error pages) to the client.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/http_cache.h"
#include "cache/rules.h"
#include "net/http_types.h"

namespace boost::asio {
class io_context;
}

namespace verge::net {
class Exchange;
}

namespace verge::edge {

struct Zone {
  std::string name;
  std::string origin;  // base URL without a trailing slash, e.g. "http://10.0.0.5:8080"
  std::vector<std::string> hosts;             // route patterns, as in the config
  std::vector<cache::CacheRule> cache_rules;  // in order; later rules override earlier
};

// `headers` without hop-by-hop fields, including those named in Connection
// (RFC 9110 §7.6.1).
net::HeaderList endToEnd(const net::HeaderList& headers);

// The transport to `zone.origin` for requests to `target` (origin-form path
// and query) from a client at `remote_addr`. The Host header is the
// client's (the origin serves the site); X-Forwarded-For gains the client,
// X-Forwarded-Proto and CF-Connecting-IP are set (a client's own values of
// the last two are dropped). Responses lose hop-by-hop fields and
// Content-Length (reported as `length`). `zone` must outlive the transport.
cache::Origin zoneOrigin(boost::asio::io_context& ioc, const Zone& zone, std::string target,
                         std::string remote_addr);

// Ends the exchange with Cloudflare's page for an origin failure: 521
// (refused), 522 (timed out), 523 (unresolvable) or 502.
void sendOriginError(net::Exchange& exchange, const Zone& zone, std::string_view error);

// Writes a cache engine response to the client and streams its body.
void sendResponse(std::shared_ptr<net::Exchange> exchange, std::shared_ptr<cache::CacheResponse> response);

}  // namespace verge::edge
