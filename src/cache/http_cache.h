// The cache engine: answers an HTTP request from the store when RFC 9111
// (with CDN-Cache-Control, RFC 9213, and RFC 5861) and the zone's cache rules
// allow it, else asks the origin and stores what may be stored. Proxied zone
// traffic and workers' subrequests both come through here.
//
// Every response carries `cf-cache-status`, with Cloudflare's meanings:
//   HIT          from the cache, fresh
//   MISS         not in the cache; fetched from the origin (stored if allowed)
//   EXPIRED      in the cache but stale; fetched from the origin again
//   REVALIDATED  in the cache but stale; the origin said 304 Not Modified,
//                so the stored body was served with refreshed headers
//   UPDATING     stale, within stale-while-revalidate: served from the cache
//                while one background request refreshes it
//   STALE        stale, served because the origin failed and stale-if-error
//                allowed it (or the request's max-stale accepted it)
//   BYPASS       the origin or the request forbade storing (no-store,
//                private, Authorization without public, Set-Cookie)
//   DYNAMIC      not eligible: a method other than GET/HEAD, a response
//                without freshness information, Vary: *, or a bypass rule
//
// Misses for one key are coalesced: the first starts one origin request (a
// "fill"); requests arriving meanwhile wait for its head and then read the
// body as it arrives (read-while-write), while the fill stores it. A fill is
// independent of any client: it completes and stores even if the client that
// caused it goes away. HEAD misses fill with GET. Range and conditional
// requests are answered from the stored (or arriving) complete response.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/rules.h"
#include "net/http_types.h"

namespace boost::asio {
class io_context;
}

namespace verge::cache {

class Object;
class Store;

// The stored variant of `url_key` that a request with `request_headers`
// selects (RFC 9111 §4.1: its values of the response's Vary fields match
// the stored ones; Vary: * never matches), or null.
std::shared_ptr<const Object> selectVariant(Store& store, std::string_view url_key,
                                            const std::vector<std::pair<std::string, std::string>>& request_headers);

// A request the engine asks the origin transport to make. The transport adds
// the URL, the forwarding headers and whatever else it needs.
struct OriginRequest {
  std::string method;
  net::HeaderList headers;  // end-to-end
  std::string body;
};

struct OriginResponse {
  int status = 0;
  net::HeaderList headers;  // end-to-end, without Content-Length
  std::optional<uint64_t> length;
  std::shared_ptr<net::BodySource> body;  // never null
  int64_t request_time = 0;   // seconds, our clock
  int64_t response_time = 0;  // seconds, our clock
};

using OriginCallback = std::function<void(std::string_view error, std::shared_ptr<OriginResponse>)>;
// Called on the thread of the io_context given to HttpCache::fetch; must
// call back on it. May be kept after the client request ends (a fill or a
// background revalidation outlives it), so it must own what it captures.
using Origin = std::function<void(OriginRequest, OriginCallback)>;

struct CacheRequest {
  std::string method;
  std::string zone;  // purge scope
  std::string host;  // lowercase, without port (purge finds objects by it)
  // The normalised Host (edge/host.h): `host`, plus the port when it is not
  // the default. The key holds it, so an answer the origin gave for
  // "site:6666" is never served for "site". Empty: `host` is used.
  std::string authority;
  std::string path;  // path and query, origin-form ("/a?b"), as the origin gets it
  net::HeaderList headers;  // the client's end-to-end request headers
  std::string body;         // for methods that carry one; never sent with GET or HEAD
  CacheSettings settings;   // resolved zone rules (+ a worker's cf options)
};

struct CacheResponse {
  int status = 200;
  net::HeaderList headers;  // to send; without Content-Length
  std::optional<uint64_t> length;
  std::string cache_status;  // also in headers as cf-cache-status
  // When the whole body is in memory: views of it (held alive by `owner`),
  // written as they are. Otherwise `body`, read chunk by chunk (callbacks
  // run on the request's thread). bodySource() gives a source either way.
  bool has_parts = false;
  std::vector<std::string_view> parts;
  std::shared_ptr<const void> owner;
  std::shared_ptr<net::BodySource> body;

  std::shared_ptr<net::BodySource> bodySource(boost::asio::io_context& ioc) const;
};

// `error` is non-empty (and `response` null) when the origin could not be
// reached or its answer could not be read; the text is the transport's.
using CacheCallback = std::function<void(std::string_view error, std::shared_ptr<CacheResponse>)>;

struct HttpCacheOptions {
  // Responses larger than this are passed through, not stored.
  // A fill holds the body in memory until it is stored (TODO(perf): stream
  // large fills to the disk tier), which bounds this.
  uint64_t max_object_bytes = 64ull << 20;
};

class HttpCache {
 public:
  explicit HttpCache(Store& store, HttpCacheOptions options = {});
  ~HttpCache();
  HttpCache(const HttpCache&) = delete;
  HttpCache& operator=(const HttpCache&) = delete;

  // Serves `request` on `ioc` (the caller's thread); `callback` runs there.
  void fetch(boost::asio::io_context& ioc, CacheRequest request, Origin origin, CacheCallback callback);

  // The primary cache key of a request (zone, authority, keyed path, and
  // the values of the headers and cookies the cache key options include).
  static std::string urlKey(const CacheRequest& request);

  Store& store() { return store_; }

  struct Impl;  // defined in http_cache.cc, used by its helpers

 private:
  Store& store_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verge::cache
