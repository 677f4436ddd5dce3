// The cache phase of the edge pipeline for zone traffic: answer from the
// cache when RFC 9111 (and CDN-Cache-Control, RFC 9213) allow it, else go to
// the origin and store what may be stored. Every response carries
// `cf-cache-status` with Cloudflare's meaning:
//   HIT      served from the cache, fresh
//   STALE    served from the cache past its freshness, as the request's
//            max-stale allowed
//   MISS     not in the cache; fetched from the origin (and stored if allowed)
//   EXPIRED  in the cache but stale; fetched again from the origin
//   BYPASS   the origin or the request forbade storing (no-store, private,
//            Authorization without public/s-maxage), or the response sets a
//            cookie
//   DYNAMIC  not eligible: a method other than GET/HEAD, a Range request, a
//            response without freshness information, or Vary
//
// First version, deliberately conservative; not yet here (see issue 3):
// Vary (such responses are not stored), conditional revalidation and 304s,
// stale-while-revalidate / stale-if-error serving, ranges from the cache,
// coalescing of concurrent misses, a disk tier, purge, and cache rules.
#pragma once

#include <memory>

#include "edge/origin_proxy.h"

namespace verge::cache {
class MemoryCache;
}

namespace verge::edge {

// `zone` and `cache` must outlive the exchange.
void serveZone(std::shared_ptr<net::Exchange> exchange, const Zone& zone, cache::MemoryCache& cache);

}  // namespace verge::edge
