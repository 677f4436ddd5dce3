// The origin phase of the edge pipeline: the transport the cache engine
// (cache/http_cache.h) uses to reach a zone's origin, and the pieces that
// send its answers (or Cloudflare-style error pages) to the client.
#pragma once

#include <chrono>
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
  // Limits on the origin; Cloudflare's by default (see net::ClientRequest).
  // Past connect_timeout clients get 522, past response_timeout 524; a body
  // that stalls for body_timeout is cut.
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds response_timeout{100'000};
  std::chrono::milliseconds body_timeout{100'000};
};

// `headers` without hop-by-hop fields, including those named in Connection
// (RFC 9110 §7.6.1).
net::HeaderList endToEnd(const net::HeaderList& headers);

// Whether a request header is one that clients use to rewrite what an
// origin thinks the request is (its host, URL, scheme, method or client
// address) and that the cache key does not contain: X-Forwarded-* (but
// X-Forwarded-For), Forwarded, X-Host, X-Original-URL, X-Rewrite-URL,
// X-HTTP-Method-Override, CF-* and the like (the full list is in
// origin_proxy.cc and docs/caching.md). Such headers from a client could
// make the origin answer differently for one URL, and the cache would
// store that answer for everyone (web cache poisoning), so they are never
// forwarded.
bool isUnkeyedRewriteHeader(std::string_view name);

// The headers an origin gets for a request with end-to-end `headers` to
// `authority` (normalised, see edge/host.h) from a client at `remote_addr`:
// the unkeyed rewrite headers and every Host removed; Host set to
// `authority` (the origin serves the site under the name the cache keys it
// by); X-Forwarded-For gains `remote_addr`; X-Forwarded-Proto and
// CF-Connecting-IP are verge's.
net::HeaderList originRequestHeaders(net::HeaderList headers, std::string_view authority,
                                     std::string_view remote_addr);

// The transport to `zone.origin` for requests to `target` (origin-form path
// and query, as the cache keys it) for the host `authority`, from a client
// at `remote_addr`, with the headers originRequestHeaders() makes.
// Responses lose hop-by-hop fields and Content-Length (reported as
// `length`). `zone` must outlive the transport.
cache::Origin zoneOrigin(boost::asio::io_context& ioc, const Zone& zone, std::string target,
                         std::string authority, std::string remote_addr);

// The status verge answers for an origin failure (a net::httpFetch error):
// Cloudflare's 521 (connection refused), 522 (TCP connect timed out), 523
// (unresolvable or unreachable), 524 (connected, but no response head in
// time), else 502.
int originErrorStatus(std::string_view error);

// Ends the exchange with Cloudflare's page for an origin failure (see
// originErrorStatus); if the response already started, the connection is cut.
void sendOriginError(net::Exchange& exchange, const Zone& zone, std::string_view error);

// Writes a cache engine response to the client and streams its body.
void sendResponse(std::shared_ptr<net::Exchange> exchange, std::shared_ptr<cache::CacheResponse> response);

}  // namespace verge::edge
