// The cache phase of the edge pipeline for zone traffic: turns the client's
// request into a cache engine request (cache/http_cache.h) with the zone's
// rules, and sends the answer, or an error page when the origin fails.
#pragma once

#include <memory>

#include "edge/origin_proxy.h"
#include "net/http_client.h"

namespace verge::edge {

// `zone` and `cache` must outlive the exchange.
void serveZone(std::shared_ptr<net::Exchange> exchange, const Zone& zone, cache::HttpCache& cache);

// A worker's fetch() to `zone`'s host: through the zone's cache to its
// origin, with the request's `cf` options (JSON: cacheTtl, cacheTtlByStatus,
// cacheEverything, cacheKey, cacheTags) on top of the zone's rules.
void fetchThroughZone(boost::asio::io_context& ioc, const Zone& zone, cache::HttpCache& cache,
                      net::ClientRequest request, std::string_view cf_json, net::FetchCallback callback);

// Splits an absolute http(s) URL into its lowercase host (no port) and its
// origin-form path and query ("/" when empty); false when it is not one.
bool splitUrl(std::string_view url, std::string& host, std::string& target);

// The host of a Host header value: lowercase, without the port and a
// trailing dot ("" when it is not a valid authority). Routing, the cache key
// and the Host sent to the origin all use edge/host.h's normalizeAuthority.
std::string hostOf(std::string_view host_header);

// The path of an origin-form target, without the query.
std::string_view pathOf(std::string_view target);

}  // namespace verge::edge
