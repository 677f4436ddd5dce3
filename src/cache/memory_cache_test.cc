#include "cache/memory_cache.h"

#include <gtest/gtest.h>

namespace verge::cache {
namespace {

std::shared_ptr<const CachedResponse> response(size_t body_bytes, int status = 200) {
  auto r = std::make_shared<CachedResponse>();
  r->status = status;
  r->body.assign(body_bytes, 'x');
  return r;
}

TEST(MemoryCache, StoresReplacesAndRemoves) {
  MemoryCache cache(16 << 20);
  EXPECT_EQ(cache.get("a"), nullptr);
  cache.put("a", response(10, 200));
  ASSERT_NE(cache.get("a"), nullptr);
  EXPECT_EQ(cache.get("a")->status, 200);
  cache.put("a", response(10, 404));
  EXPECT_EQ(cache.get("a")->status, 404);
  cache.remove("a");
  EXPECT_EQ(cache.get("a"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryCache, StaysWithinItsBudgetAndEvictsLeastRecentlyUsed) {
  // One shard's share is 1/16 of the budget; use keys that land anywhere.
  MemoryCache cache(16 * 100 * 1024);
  for (int i = 0; i < 2000; ++i) cache.put("k" + std::to_string(i), response(10 * 1024));
  EXPECT_LE(cache.bytes(), 16u * 100 * 1024);
  EXPECT_NE(cache.get("k1999"), nullptr);  // the newest survive
  EXPECT_EQ(cache.get("k0"), nullptr);     // the oldest went
}

TEST(MemoryCache, RefusesObjectsLargerThanAShard) {
  MemoryCache cache(16 * 1024);
  cache.put("big", response(4096));
  EXPECT_EQ(cache.get("big"), nullptr);
}

TEST(MemoryCache, AHitKeepsItsBodyAliveAfterEviction) {
  MemoryCache cache(16 << 20);
  cache.put("a", response(100));
  auto held = cache.get("a");
  cache.remove("a");
  EXPECT_EQ(held->body.size(), 100u);
}

}  // namespace
}  // namespace verge::cache
