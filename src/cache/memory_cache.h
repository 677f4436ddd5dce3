// The memory tier of the edge cache: complete responses by cache key, bounded
// in bytes, shared by every server thread (16 lock-striped shards, so threads
// rarely meet on a lock; hits hand out a shared_ptr and copy nothing).
//
// Eviction is least-recently-used per shard for now.
// TODO(perf): a scan-resistant policy (S3-FIFO / W-TinyLFU) and a disk tier.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verge::cache {

// A stored response: what the policy needs (headers, times) and the body.
struct CachedResponse {
  int status = 200;
  // End-to-end headers as the origin sent them (incl. CDN-Cache-Control,
  // which the policy reads), without Content-Length.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t request_time = 0;   // seconds, our clock
  int64_t response_time = 0;  // seconds, our clock

  size_t bytes() const;
};

class MemoryCache {
 public:
  explicit MemoryCache(size_t max_bytes = 256u << 20);
  ~MemoryCache();
  MemoryCache(const MemoryCache&) = delete;
  MemoryCache& operator=(const MemoryCache&) = delete;

  std::shared_ptr<const CachedResponse> get(std::string_view key);
  // Replaces any entry for `key`. An entry larger than a shard's share of
  // the budget is not stored.
  void put(std::string_view key, std::shared_ptr<const CachedResponse> response);
  void remove(std::string_view key);
  size_t bytes() const;  // currently stored

 private:
  struct Shard;
  Shard& shardFor(std::string_view key) const;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace verge::cache
