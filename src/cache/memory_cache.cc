#include "cache/memory_cache.h"

#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>

namespace verge::cache {

namespace {
constexpr size_t kShards = 16;
}

size_t CachedResponse::bytes() const {
  size_t n = sizeof(*this) + body.size();
  for (const auto& [k, v] : headers) n += k.size() + v.size() + 32;
  return n;
}

struct MemoryCache::Shard {
  struct Entry {
    std::shared_ptr<const CachedResponse> response;
    std::list<std::string>::iterator lru;  // position in `order`
    size_t bytes;
  };
  mutable std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> order;  // most recently used first
  size_t bytes = 0;
  size_t max_bytes = 0;

  void erase(std::unordered_map<std::string, Entry>::iterator it) {
    bytes -= it->second.bytes;
    order.erase(it->second.lru);
    entries.erase(it);
  }
};

MemoryCache::MemoryCache(size_t max_bytes) {
  for (size_t i = 0; i < kShards; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->max_bytes = max_bytes / kShards;
    shards_.push_back(std::move(shard));
  }
}

MemoryCache::~MemoryCache() = default;

MemoryCache::Shard& MemoryCache::shardFor(std::string_view key) const {
  return *shards_[std::hash<std::string_view>{}(key) % kShards];
}

std::shared_ptr<const CachedResponse> MemoryCache::get(std::string_view key) {
  Shard& s = shardFor(key);
  std::lock_guard lock(s.mutex);
  auto it = s.entries.find(std::string(key));
  if (it == s.entries.end()) return nullptr;
  s.order.splice(s.order.begin(), s.order, it->second.lru);
  return it->second.response;
}

void MemoryCache::put(std::string_view key, std::shared_ptr<const CachedResponse> response) {
  Shard& s = shardFor(key);
  size_t size = response->bytes() + key.size();
  std::lock_guard lock(s.mutex);
  if (auto it = s.entries.find(std::string(key)); it != s.entries.end()) s.erase(it);
  if (size > s.max_bytes) return;
  while (s.bytes + size > s.max_bytes && !s.order.empty()) s.erase(s.entries.find(s.order.back()));
  s.order.emplace_front(key);
  s.entries.emplace(std::string(key), Shard::Entry{std::move(response), s.order.begin(), size});
  s.bytes += size;
}

void MemoryCache::remove(std::string_view key) {
  Shard& s = shardFor(key);
  std::lock_guard lock(s.mutex);
  if (auto it = s.entries.find(std::string(key)); it != s.entries.end()) s.erase(it);
}

size_t MemoryCache::bytes() const {
  size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    total += s->bytes;
  }
  return total;
}

}  // namespace verge::cache
