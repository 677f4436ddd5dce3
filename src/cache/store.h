// The edge cache's storage: stored responses by cache key in a memory tier
// and a disk tier under the data directory, with the indexes purge needs.
//
// Keys. The cache engine (cache/http_cache.h) computes a primary key per URL
// (`url_key`, after the zone's cache-key rules) and, for responses with
// Vary, a secondary key (`variant`: the normalised values of the request
// headers the response varies on). One url_key may hold several variants;
// (url_key, variant) names one object. The store does not interpret keys:
// purge works on the separate zone / host / path fields of ObjectMeta.
//
// Tiers. Every object is written to the disk tier (when the store has a
// directory) by a background writer thread, so nothing on the request path
// waits for the disk. Objects up to `max_memory_object` also live in the
// memory tier. Each tier has its own byte budget and S3-FIFO eviction
// (cache/s3fifo.h): scan-resistant, and a hit only bumps a counter. A hit in
// the disk tier is promoted to memory when small enough.
//
// Durability. A disk object is written to a temporary file and renamed into
// place, so kill -9 at any moment leaves either the whole object or none;
// temporaries and files that fail validation are deleted when the store
// opens. Purge and invalidation unlink the files before they return, and an
// insert that a purge overtook is never renamed into place, so purged
// objects do not come back after a restart.
//
// Threads. Every method is thread-safe. Lookups take one shard lock (of 16)
// and never the index lock; inserts and purges take the index lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/freshness.h"

namespace verge::cache {

struct ObjectMeta {
  std::string url_key;  // primary key
  std::string variant;  // secondary key ("" when the response has no Vary)
  // For purge: the zone the object belongs to, the lowercase host, and the
  // path with query as keyed (e.g. "/a/b?x=1").
  std::string zone;
  std::string host;
  std::string path;
  std::vector<std::string> tags;  // Cache-Tag values, lowercase
  // The response as stored: status and end-to-end headers (no
  // Content-Length or hop-by-hop headers; CDN-Cache-Control kept).
  int status = 200;
  http::HeaderList headers;
  int64_t request_time = 0;   // seconds, our clock (RFC 9111 §4.2.3)
  int64_t response_time = 0;  // seconds, our clock
  // An edge TTL set by a zone rule or a worker's cf.cacheTtl, replacing the
  // response's own freshness lifetime; -1 when none.
  int64_t ttl_override = -1;
};

// A stored object as a lookup returns it: immutable; the body stays readable
// for as long as the caller holds the pointer, even if the object is purged
// or evicted meanwhile.
class Object {
 public:
  virtual ~Object() = default;
  const ObjectMeta& meta() const { return meta_; }
  uint64_t bodySize() const { return body_size_; }
  // The whole body when it is in memory, else nullptr.
  virtual const std::string* memoryBody() const = 0;
  // Appends body bytes [offset, offset + length) to `out` (clamped to the
  // body's end). False on an I/O error.
  virtual bool read(uint64_t offset, uint64_t length, std::string& out) const = 0;
  // Unique per insert; updateHeaders() keeps it.
  uint64_t id() const { return id_; }

 protected:
  Object(ObjectMeta meta, uint64_t body_size, uint64_t id)
      : meta_(std::move(meta)), body_size_(body_size), id_(id) {}
  ObjectMeta meta_;
  uint64_t body_size_;
  uint64_t id_;
};

struct StoreOptions {
  std::filesystem::path dir;  // disk tier root; empty: memory only
  uint64_t memory_bytes = 256ull << 20;
  uint64_t disk_bytes = 4ull << 30;
  uint64_t max_memory_object = 8ull << 20;  // larger objects live on disk only
  // Per url_key. Over it, a variant never served since it was stored goes
  // first, else the least recently served (see markUsed).
  size_t max_variants = 32;
};

struct StoreStats {
  uint64_t memory_objects = 0, memory_bytes = 0;
  uint64_t disk_objects = 0, disk_bytes = 0;
};

class Store {
 public:
  // Opens (creating) `options.dir`, deletes temporaries and invalid files,
  // and indexes the objects found there. Throws std::runtime_error when the
  // directory cannot be used.
  explicit Store(StoreOptions options);
  // Finishes pending disk writes.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every variant stored for `url_key`, newest first; empty on a miss.
  std::vector<std::shared_ptr<const Object>> lookup(std::string_view url_key);

  // Stores a complete response, replacing the object with the same
  // (url_key, variant). Visible to lookup() when this returns, whatever its
  // size and before the disk write completes. Objects larger than the disk
  // budget (or the memory budget without a disk tier) are not stored.
  void insert(ObjectMeta meta, std::string body);

  // Notes that `object` was chosen to answer a request, for the per-URL
  // variant cap (StoreOptions::max_variants). No-op if it is gone.
  void markUsed(const Object& object);

  // Replaces the headers and times of the object `previous` (after a 304
  // revalidation, RFC 9111 §4.3.4), keeping its body. No-op (false) if that
  // object is no longer stored.
  bool updateHeaders(const Object& previous, http::HeaderList headers, int64_t request_time,
                     int64_t response_time);

  // Removes every variant of `url_key`; returns how many objects went.
  size_t remove(std::string_view url_key);

  // Purges in `zone`; each returns the number of objects removed, and takes
  // effect (lookup() no longer finds them, their files are gone) before it
  // returns. None scans the whole cache.
  size_t purgeUrl(std::string_view zone, std::string_view host, std::string_view path);
  size_t purgePrefix(std::string_view zone, std::string_view host, std::string_view path_prefix);
  size_t purgeTag(std::string_view zone, std::string_view tag);  // tag compared lowercase
  size_t purgeHost(std::string_view zone, std::string_view host);
  size_t purgeZone(std::string_view zone);

  StoreStats stats() const;
  // Waits until queued disk writes are done (tests, shutdown).
  void flush();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verge::cache
