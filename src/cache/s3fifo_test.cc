// Tests of the byte-weighted eviction policies (S3Fifo, Lru).
#include "cache/s3fifo.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace verge::cache {
namespace {

std::vector<uint64_t> evictedBy(S3Fifo& p, uint64_t key, uint64_t size) {
  std::vector<uint64_t> out;
  EXPECT_TRUE(p.insert(key, size, out));
  return out;
}

TEST(S3Fifo, StaysWithinItsByteBudget) {
  S3Fifo p(1000);
  std::vector<uint64_t> evicted;
  for (uint64_t k = 0; k < 100; ++k) {
    ASSERT_TRUE(p.insert(k, 10 + k % 7, evicted));
    EXPECT_LE(p.bytes(), 1000u);
  }
  EXPECT_FALSE(evicted.empty());
  for (uint64_t k : evicted) EXPECT_FALSE(p.contains(k));
}

TEST(S3Fifo, RefusesAKeyLargerThanTheCapacity) {
  S3Fifo p(100);
  std::vector<uint64_t> evicted;
  EXPECT_FALSE(p.insert(1, 101, evicted));
  EXPECT_FALSE(p.contains(1));
  EXPECT_EQ(p.bytes(), 0u);
}

TEST(S3Fifo, AHitOnlyCountsAndReportsResidency) {
  S3Fifo p(100);
  EXPECT_FALSE(p.access(7));
  evictedBy(p, 7, 10);
  EXPECT_TRUE(p.access(7));
  EXPECT_TRUE(p.access(7));
  EXPECT_FALSE(p.inMain(7));  // hits do not move anything
}

TEST(S3Fifo, OneHitWondersLeaveThroughSmallWhileHitKeysMoveToMain) {
  S3Fifo p(1000);  // small FIFO: 100 bytes
  evictedBy(p, 1, 10);
  p.access(1);
  // Fill well past the capacity with keys nobody asks for again.
  std::vector<uint64_t> evicted;
  for (uint64_t k = 100; k < 300; ++k) p.insert(k, 10, evicted);
  EXPECT_TRUE(p.contains(1));
  EXPECT_TRUE(p.inMain(1));
  // The first never-hit key left first (FIFO), straight from small.
  ASSERT_FALSE(evicted.empty());
  EXPECT_EQ(evicted.front(), 100u);
}

TEST(S3Fifo, AGhostHitGoesStraightToMain) {
  S3Fifo p(1000);
  std::vector<uint64_t> evicted;
  p.insert(1, 10, evicted, /*fingerprint=*/77);
  for (uint64_t k = 100; k < 200 && p.contains(1); ++k) p.insert(k, 10, evicted);
  ASSERT_FALSE(p.contains(1));
  // A different key with the same fingerprint (the same URL fetched again
  // under a new id) is recognised.
  p.insert(2, 10, evicted, 77);
  EXPECT_TRUE(p.inMain(2));
  // A fingerprint the ghost never saw starts in small.
  p.insert(3, 10, evicted, 78);
  EXPECT_FALSE(p.inMain(3));
}

TEST(S3Fifo, EraseLeavesNoGhost) {
  S3Fifo p(1000);
  std::vector<uint64_t> evicted;
  p.insert(1, 10, evicted);
  EXPECT_TRUE(p.erase(1));
  EXPECT_FALSE(p.erase(1));
  EXPECT_EQ(p.bytes(), 0u);
  p.insert(1, 10, evicted);
  EXPECT_FALSE(p.inMain(1));
}

TEST(S3Fifo, MainReinsertsHitKeysAndSpendsTheirCounter) {
  S3Fifo p(1000);
  std::vector<uint64_t> evicted;
  // Two hot keys reach main.
  for (uint64_t k : {1, 2}) {
    p.insert(k, 100, evicted);
    p.access(k);
  }
  for (uint64_t k = 10; k < 60; ++k) p.insert(k, 100, evicted);
  ASSERT_TRUE(p.inMain(1));
  ASSERT_TRUE(p.inMain(2));
  // Keep 1 hot; 2 goes cold and must eventually leave once main is under
  // pressure (new keys hit once each, so they move on to main too; keys
  // never hit again would leave through small and never touch main).
  for (uint64_t k = 60; k < 400; ++k) {
    p.access(1);
    p.insert(k, 100, evicted);
    p.access(k);
  }
  EXPECT_TRUE(p.contains(1));
  EXPECT_FALSE(p.contains(2));
}

TEST(S3Fifo, ResizeKeepsTheBudget) {
  S3Fifo p(1000);
  std::vector<uint64_t> evicted;
  for (uint64_t k = 0; k < 10; ++k) p.insert(k, 100, evicted);
  EXPECT_EQ(p.bytes(), 1000u);
  EXPECT_TRUE(p.resize(9, 300, evicted));
  EXPECT_LE(p.bytes(), 1000u);
  EXPECT_FALSE(evicted.empty());
  evicted.clear();
  EXPECT_FALSE(p.resize(9, 2000, evicted));  // too big: removed
  EXPECT_FALSE(p.contains(9));
  EXPECT_EQ(evicted, std::vector<uint64_t>{9});
  EXPECT_FALSE(p.resize(12345, 1, evicted));  // not resident
}

// A hot set that fits comfortably survives a long scan of keys seen once;
// under LRU the same scan flushes it.
TEST(S3Fifo, AHotSetSurvivesAScanThatFlushesLru) {
  constexpr uint64_t kCapacity = 100000;
  constexpr uint64_t kSize = 1000;
  constexpr uint64_t kHot = 40;  // 40% of the capacity
  S3Fifo s3(kCapacity);
  Lru lru(kCapacity);
  std::vector<uint64_t> evicted;
  auto request = [&](auto& policy, uint64_t key) {
    if (!policy.access(key)) policy.insert(key, kSize, evicted);
  };
  // Warm up: the hot set, requested a few times, among some other traffic.
  for (int round = 0; round < 4; ++round) {
    for (uint64_t k = 0; k < kHot; ++k) {
      request(s3, k);
      request(lru, k);
      request(s3, 1000000 + round * 1000 + k);
      request(lru, 1000000 + round * 1000 + k);
    }
  }
  // A scan of 5x the cache in never-repeated keys.
  for (uint64_t k = 0; k < 5 * kCapacity / kSize; ++k) {
    request(s3, 2000000 + k);
    request(lru, 2000000 + k);
  }
  size_t s3_kept = 0, lru_kept = 0;
  for (uint64_t k = 0; k < kHot; ++k) {
    s3_kept += s3.contains(k);
    lru_kept += lru.contains(k);
  }
  EXPECT_EQ(s3_kept, kHot);
  EXPECT_EQ(lru_kept, 0u);
}

// Random operations against a shadow model: byte counts, residency and
// reported evictions always agree.
TEST(S3Fifo, RandomOperationsKeepExactAccounting) {
  std::mt19937_64 rng(1234);
  S3Fifo p(50000);
  std::map<uint64_t, uint64_t> shadow;  // key -> size
  std::vector<uint64_t> evicted;
  for (int i = 0; i < 200000; ++i) {
    uint64_t key = rng() % 2000;
    uint64_t size = 1 + rng() % 2000;
    evicted.clear();
    switch (rng() % 4) {
      case 0:
      case 1:
        if (!p.access(key)) {
          ASSERT_EQ(shadow.count(key), 0u);
          ASSERT_TRUE(p.insert(key, size, evicted, key % 500));
          shadow[key] = size;
        }
        break;
      case 2:
        ASSERT_EQ(p.erase(key), shadow.erase(key) == 1);
        break;
      case 3:
        if (shadow.count(key)) {
          p.resize(key, size, evicted);
          shadow[key] = size;
        }
        break;
    }
    for (uint64_t e : evicted) ASSERT_EQ(shadow.erase(e), 1u);
    uint64_t bytes = 0;
    for (const auto& [k, s] : shadow) bytes += s;
    ASSERT_EQ(p.bytes(), bytes);
    ASSERT_EQ(p.size(), shadow.size());
    ASSERT_LE(p.bytes(), p.capacity());
  }
}

TEST(Lru, EvictsTheLeastRecentlyUsed) {
  Lru p(300);
  std::vector<uint64_t> evicted;
  p.insert(1, 100, evicted);
  p.insert(2, 100, evicted);
  p.insert(3, 100, evicted);
  EXPECT_TRUE(p.access(1));
  p.insert(4, 100, evicted);
  EXPECT_EQ(evicted, std::vector<uint64_t>{2});
  EXPECT_TRUE(p.contains(1));
  EXPECT_EQ(p.bytes(), 300u);
  EXPECT_TRUE(p.erase(1));
  EXPECT_EQ(p.bytes(), 200u);
  EXPECT_FALSE(p.insert(9, 301, evicted));
}

}  // namespace
}  // namespace verge::cache
