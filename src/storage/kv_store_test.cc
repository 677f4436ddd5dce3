#include "storage/kv_store.h"
#include "storage/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite.h"

namespace verge::storage {
namespace {

using test::TempDir;

// A fake clock: half a second past a whole second, so that code counting in
// whole seconds and code counting in milliseconds disagree if mixed up.
constexpr int64_t kNowMs = 1'700'000'000'500;
constexpr int64_t kNowS = 1'700'000'000;
constexpr std::string_view kNs = "ns1";

// Runs `fn`, expects a KvError and returns its message.
template <typename Fn>
std::string kvErrorOf(Fn&& fn) {
  try {
    fn();
  } catch (const KvError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a KvError";
  return "";
}

class KvStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_.path() / "kv.sqlite"; }
  TempDir dir_;
};

TEST_F(KvStoreTest, PutThenGetReturnsValueMetadataAndExpiration) {
  KvStore kv(file(), nullptr);
  std::string binary("a\0b\xff\x01", 5);
  kv.put(kNs, "k", binary, kNowS + 3600, std::string(R"({"a":1})"), kNowMs);
  std::optional<KvValue> got = kv.get(kNs, "k", kNowMs);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, binary);
  EXPECT_EQ(got->expiration, kNowS + 3600);
  EXPECT_EQ(got->metadata, R"({"a":1})");

  kv.put(kNs, "plain", "v", std::nullopt, std::nullopt, kNowMs);
  got = kv.get(kNs, "plain", kNowMs);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "v");
  EXPECT_FALSE(got->expiration);
  EXPECT_FALSE(got->metadata);
}

TEST_F(KvStoreTest, EmptyValueIsStoredNotAbsent) {
  KvStore kv(file(), nullptr);
  kv.put(kNs, "empty", std::string_view(), std::nullopt, std::nullopt, kNowMs);
  std::optional<KvValue> got = kv.get(kNs, "empty", kNowMs);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "");
}

TEST_F(KvStoreTest, AbsentKeyIsNullopt) {
  KvStore kv(file(), nullptr);
  EXPECT_FALSE(kv.get(kNs, "missing", kNowMs));
}

TEST_F(KvStoreTest, OverwriteReplacesValueMetadataAndExpiration) {
  KvStore kv(file(), nullptr);
  kv.put(kNs, "k", "one", kNowS + 100, std::string("{}"), kNowMs);
  kv.put(kNs, "k", "two", std::nullopt, std::nullopt, kNowMs);
  std::optional<KvValue> got = kv.get(kNs, "k", kNowMs);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "two");
  EXPECT_FALSE(got->expiration);
  EXPECT_FALSE(got->metadata);
}

TEST_F(KvStoreTest, RemoveIsIdempotent) {
  KvStore kv(file(), nullptr);
  kv.put(kNs, "k", "v", std::nullopt, std::nullopt, kNowMs);
  kv.remove(kNs, "k");
  EXPECT_FALSE(kv.get(kNs, "k", kNowMs));
  EXPECT_NO_THROW(kv.remove(kNs, "k"));
  EXPECT_NO_THROW(kv.remove(kNs, "never-existed"));
}

TEST_F(KvStoreTest, NamespacesAreSeparate) {
  KvStore kv(file(), nullptr);
  kv.put("a", "k", "in-a", std::nullopt, std::nullopt, kNowMs);
  kv.put("b", "k", "in-b", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(kv.get("a", "k", kNowMs)->value, "in-a");
  EXPECT_EQ(kv.get("b", "k", kNowMs)->value, "in-b");
  kv.remove("a", "k");
  EXPECT_FALSE(kv.get("a", "k", kNowMs));
  EXPECT_TRUE(kv.get("b", "k", kNowMs));
  EXPECT_EQ(kv.list("b", "", 1000, "", kNowMs).keys.size(), 1u);
  EXPECT_TRUE(kv.list("a", "", 1000, "", kNowMs).keys.empty());
}

TEST_F(KvStoreTest, KeyNamesEmptyDotAndDotDotAreRefused) {
  KvStore kv(file(), nullptr);
  EXPECT_EQ(kvErrorOf([&] { kv.get(kNs, "", kNowMs); }), "Key name cannot be empty.");
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, ".", "v", std::nullopt, std::nullopt, kNowMs); }),
            "\".\" is not allowed as a key name.");
  EXPECT_EQ(kvErrorOf([&] { kv.remove(kNs, ".."); }), "\"..\" is not allowed as a key name.");
  // Only exactly "." and ".." are special.
  EXPECT_NO_THROW(kv.put(kNs, "...", "v", std::nullopt, std::nullopt, kNowMs));
  EXPECT_NO_THROW(kv.put(kNs, "./a", "v", std::nullopt, std::nullopt, kNowMs));
}

TEST_F(KvStoreTest, KeyLengthIsCountedInUtf8BytesAndNamesTheLimit) {
  KvStore kv(file(), nullptr);
  std::string e_acute = "\xc3\xa9";  // "é", two bytes
  std::string key300;                // 300 characters, 600 bytes
  for (int i = 0; i < 300; ++i) key300 += e_acute;
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, key300, "v", std::nullopt, std::nullopt, kNowMs); }),
            "KV PUT failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.");
  EXPECT_EQ(kvErrorOf([&] { kv.get(kNs, key300, kNowMs); }),
            "KV GET failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.");
  EXPECT_EQ(kvErrorOf([&] { kv.remove(kNs, std::string(513, 'x')); }),
            "KV DELETE failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.");

  std::string key512(512, 'x');
  kv.put(kNs, key512, "v", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(kv.get(kNs, key512, kNowMs)->value, "v");
}

TEST_F(KvStoreTest, ValueLimitIs25MiB) {
  KvStore kv(file(), nullptr);
  std::string big(KvLimits::kMaxValueBytes, 'v');
  big[12345] = '\0';
  kv.put(kNs, "big", big, std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(kv.get(kNs, "big", kNowMs)->value, big);

  big.push_back('!');
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, "bigger", big, std::nullopt, std::nullopt, kNowMs); }),
            "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.");
  EXPECT_FALSE(kv.get(kNs, "bigger", kNowMs));
}

TEST_F(KvStoreTest, MetadataLimitIs1024SerializedBytes) {
  KvStore kv(file(), nullptr);
  // {"m":"xxx..."} is 8 bytes of JSON around the string.
  std::string fits = "{\"m\":\"" + std::string(1024 - 8, 'x') + "\"}";
  ASSERT_EQ(fits.size(), 1024u);
  kv.put(kNs, "k", "v", std::nullopt, fits, kNowMs);
  EXPECT_EQ(kv.get(kNs, "k", kNowMs)->metadata, fits);

  std::string too_big = "{\"m\":\"" + std::string(1025 - 8, 'x') + "\"}";
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, "k2", "v", std::nullopt, too_big, kNowMs); }),
            "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.");
}

TEST_F(KvStoreTest, ExpirationMustBeAtLeast60SecondsAhead) {
  KvStore kv(file(), nullptr);
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, "k", "v", kNowS, std::nullopt, kNowMs); }),
            "KV PUT failed: 400 Invalid expiration of 1700000000. Please specify integer greater "
            "than the current number of seconds since the UNIX epoch.");
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, "k", "v", kNowS - 10, std::nullopt, kNowMs); }),
            "KV PUT failed: 400 Invalid expiration of 1699999990. Please specify integer greater "
            "than the current number of seconds since the UNIX epoch.");
  EXPECT_EQ(kvErrorOf([&] { kv.put(kNs, "k", "v", kNowS + 59, std::nullopt, kNowMs); }),
            "KV PUT failed: 400 Invalid expiration of 1700000059. Expiration times must be at "
            "least 60 seconds in the future.");
  // now + 60 in whole seconds is fine even though now is 500 ms into its second.
  EXPECT_NO_THROW(kv.put(kNs, "k", "v", kNowS + 60, std::nullopt, kNowMs));
  EXPECT_FALSE(kv.get(kNs, "never-written", kNowMs));
}

TEST_F(KvStoreTest, ExpiredKeysReadAsAbsentAndArePurged) {
  KvStore kv(file(), nullptr);
  kv.put(kNs, "short", "v", kNowS + 60, std::nullopt, kNowMs);
  kv.put(kNs, "long", "v", kNowS + 3600, std::nullopt, kNowMs);
  kv.put(kNs, "forever", "v", std::nullopt, std::nullopt, kNowMs);

  int64_t expiry_ms = (kNowS + 60) * 1000;
  EXPECT_TRUE(kv.get(kNs, "short", expiry_ms - 1));
  EXPECT_FALSE(kv.get(kNs, "short", expiry_ms));
  KvListResult listed = kv.list(kNs, "", 1000, "", expiry_ms);
  ASSERT_EQ(listed.keys.size(), 2u);
  EXPECT_EQ(listed.keys[0].name, "forever");
  EXPECT_EQ(listed.keys[1].name, "long");

  EXPECT_EQ(kv.purgeExpired(expiry_ms - 1), 0u);
  EXPECT_EQ(kv.purgeExpired(expiry_ms), 1u);
  // Gone from the file, not just hidden: even an earlier clock misses it.
  EXPECT_FALSE(kv.get(kNs, "short", kNowMs));
  EXPECT_TRUE(kv.get(kNs, "long", kNowMs));
  EXPECT_EQ(kv.purgeExpired(expiry_ms), 0u);
}

TEST_F(KvStoreTest, PurgeHandlesMoreRowsThanOneBatch) {
  KvStore kv(file(), nullptr);
  for (int i = 0; i < 2500; ++i) {
    kv.put(kNs, "e" + std::to_string(i), "v", kNowS + 60, std::nullopt, kNowMs);
  }
  EXPECT_EQ(kv.purgeExpired(kNowMs + 3'600'000), 2500u);
}

TEST_F(KvStoreTest, PutsPurgeExpiredRowsNowAndThen) {
  KvStore kv(file(), nullptr);
  for (int i = 0; i < 5; ++i) {
    kv.put(kNs, "old" + std::to_string(i), "v", kNowS + 60, std::nullopt, kNowMs);
  }
  // One put in every thousand (counted process-wide) also purges.
  int64_t later = kNowMs + 3'600'000;
  for (int i = 0; i < 1000; ++i) kv.put(kNs, "new", "v", std::nullopt, std::nullopt, later);

  auto db = Database::open(file());
  Statement count =
      db->prepare("SELECT count(*) FROM kv WHERE key >= x'6f6c64' AND key < x'6f6c65'");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.columnInt(0), 0);
}

TEST_F(KvStoreTest, ListIsInUtf8ByteOrder) {
  KvStore kv(file(), nullptr);
  std::vector<std::string> keys = {"b",
                                   "a",
                                   "B",
                                   "\xc3\xa9",
                                   "\x7f",
                                   "z",
                                   "ab",
                                   "a\x01",
                                   "A b",
                                   "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80",
                                   "0"};
  for (const std::string& k : keys) kv.put(kNs, k, "v", std::nullopt, std::nullopt, kNowMs);
  // std::string compares as unsigned bytes, i.e. UTF-8 byte order.
  std::sort(keys.begin(), keys.end());
  KvListResult listed = kv.list(kNs, "", 1000, "", kNowMs);
  ASSERT_EQ(listed.keys.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(listed.keys[i].name, keys[i]) << i;
  EXPECT_TRUE(listed.list_complete);
  EXPECT_EQ(listed.cursor, "");
}

TEST_F(KvStoreTest, ListFiltersByPrefix) {
  KvStore kv(file(), nullptr);
  for (const char* k : {"user:1", "user:2", "user;", "users", "use", "admin", "user:\xff\xff"}) {
    kv.put(kNs, k, "v", std::nullopt, std::nullopt, kNowMs);
  }
  kv.put(kNs,
         "\xff\xff"
         "a",
         "v", std::nullopt, std::nullopt, kNowMs);
  kv.put(kNs, "\xff\xff", "v", std::nullopt, std::nullopt, kNowMs);

  auto names = [&](std::string_view prefix) {
    std::vector<std::string> out;
    for (const KvListedKey& k : kv.list(kNs, prefix, 1000, "", kNowMs).keys) out.push_back(k.name);
    return out;
  };
  EXPECT_EQ(names("user:"), (std::vector<std::string>{"user:1", "user:2", "user:\xff\xff"}));
  EXPECT_EQ(names("user"),
            (std::vector<std::string>{"user:1", "user:2", "user:\xff\xff", "user;", "users"}));
  EXPECT_EQ(names("user:\xff"), (std::vector<std::string>{"user:\xff\xff"}));
  // A prefix of only 0xff bytes has no upper bound to compute.
  EXPECT_EQ(names("\xff\xff"), (std::vector<std::string>{"\xff\xff",
                                                         "\xff\xff"
                                                         "a"}));
  EXPECT_TRUE(names("nope").empty());
}

TEST_F(KvStoreTest, ListReturnsMetadataAndExpiration) {
  KvStore kv(file(), nullptr);
  kv.put(kNs, "a", "v", kNowS + 600, std::string(R"({"x":true})"), kNowMs);
  kv.put(kNs, "b", "v", std::nullopt, std::nullopt, kNowMs);
  KvListResult listed = kv.list(kNs, "", 10, "", kNowMs);
  ASSERT_EQ(listed.keys.size(), 2u);
  EXPECT_EQ(listed.keys[0].expiration, kNowS + 600);
  EXPECT_EQ(listed.keys[0].metadata, R"({"x":true})");
  EXPECT_FALSE(listed.keys[1].expiration);
  EXPECT_FALSE(listed.keys[1].metadata);
}

TEST_F(KvStoreTest, ListLimitMustBe1To1000) {
  KvStore kv(file(), nullptr);
  EXPECT_EQ(kvErrorOf([&] { kv.list(kNs, "", 0, "", kNowMs); }),
            "KV GET failed: 400 Invalid key_count_limit of 0. Please specify an integer greater "
            "than 0.");
  EXPECT_EQ(kvErrorOf([&] { kv.list(kNs, "", 1001, "", kNowMs); }),
            "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less "
            "than 1000.");
  EXPECT_NO_THROW(kv.list(kNs, "", 1, "", kNowMs));
  EXPECT_NO_THROW(kv.list(kNs, "", 1000, "", kNowMs));
}

TEST_F(KvStoreTest, ListExactlyLimitKeysIsComplete) {
  KvStore kv(file(), nullptr);
  for (int i = 0; i < 3; ++i)
    kv.put(kNs, "k" + std::to_string(i), "v", std::nullopt, std::nullopt, kNowMs);
  KvListResult listed = kv.list(kNs, "", 3, "", kNowMs);
  EXPECT_EQ(listed.keys.size(), 3u);
  EXPECT_TRUE(listed.list_complete);
  EXPECT_EQ(listed.cursor, "");
}

TEST_F(KvStoreTest, PagingOver2500KeysIsStableUnderWritesBetweenPages) {
  KvStore kv(file(), nullptr);
  auto name = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "key-%05d", i);
    return std::string(buf);
  };
  for (int i = 0; i < 2500; ++i) kv.put(kNs, name(i), "v", std::nullopt, std::nullopt, kNowMs);

  std::vector<std::string> seen;
  KvListResult page = kv.list(kNs, "key-", 1000, "", kNowMs);
  ASSERT_EQ(page.keys.size(), 1000u);
  EXPECT_FALSE(page.list_complete);
  EXPECT_FALSE(page.cursor.empty());
  for (const KvListedKey& k : page.keys) seen.push_back(k.name);
  EXPECT_EQ(seen.back(), name(999));

  // Writes between pages: one before the cursor (must not show up), one
  // after (must), the next key to be returned deleted (must not show up).
  kv.put(kNs, "key-00500x", "v", std::nullopt, std::nullopt, kNowMs);
  kv.put(kNs, "key-99999", "v", std::nullopt, std::nullopt, kNowMs);
  kv.remove(kNs, name(1000));
  // The last key returned is deleted too: the cursor still marks the spot.
  kv.remove(kNs, name(999));

  int pages = 1;
  while (!page.list_complete) {
    page = kv.list(kNs, "key-", 1000, page.cursor, kNowMs);
    ++pages;
    for (const KvListedKey& k : page.keys) seen.push_back(k.name);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(page.cursor, "");

  std::vector<std::string> expected;
  for (int i = 0; i < 2500; ++i) {
    if (i != 1000) expected.push_back(name(i));
  }
  expected.push_back("key-99999");
  EXPECT_EQ(seen, expected);
}

TEST_F(KvStoreTest, BadCursorIsAKvError) {
  KvStore kv(file(), nullptr);
  for (int i = 0; i < 5; ++i)
    kv.put(kNs, "k" + std::to_string(i), "v", std::nullopt, std::nullopt, kNowMs);
  for (std::string_view bad :
       {"!!!!", "a", "AAAA" /* wrong version byte */, "AQ" /* no key */, "key-0001", "AWs="}) {
    std::string message = kvErrorOf([&] { kv.list(kNs, "", 10, bad, kNowMs); });
    EXPECT_NE(message.find("KV GET failed: 400 Invalid cursor"), std::string::npos) << bad;
  }
  // A real cursor works, again and again (it is not consumed).
  KvListResult first = kv.list(kNs, "", 2, "", kNowMs);
  EXPECT_EQ(kv.list(kNs, "", 2, first.cursor, kNowMs).keys[0].name, "k2");
  EXPECT_EQ(kv.list(kNs, "", 2, first.cursor, kNowMs).keys[0].name, "k2");
}

TEST_F(KvStoreTest, CommittedWritesSurviveReopening) {
  {
    KvStore kv(file(), nullptr);
    kv.put(kNs, "k", "durable", kNowS + 600, std::string("{}"), kNowMs);
    kv.put(kNs, "gone", "v", std::nullopt, std::nullopt, kNowMs);
    kv.remove(kNs, "gone");
  }
  KvStore kv(file(), nullptr);
  std::optional<KvValue> got = kv.get(kNs, "k", kNowMs);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "durable");
  EXPECT_EQ(got->expiration, kNowS + 600);
  EXPECT_FALSE(kv.get(kNs, "gone", kNowMs));
}

TEST_F(KvStoreTest, StoresOnSeveralThreadsShareOneFile) {
  constexpr int kThreads = 4;
  constexpr int kKeys = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        KvStore kv(file(), nullptr);
        for (int i = 0; i < kKeys; ++i) {
          kv.put(kNs, "t" + std::to_string(t) + "-" + std::to_string(i), "v", std::nullopt,
                 std::nullopt, kNowMs);
        }
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  KvStore kv(file(), nullptr);
  EXPECT_EQ(kv.list(kNs, "t", 1000, "", kNowMs).keys.size(), size_t{kThreads * kKeys});
}

// ---- the read cache ----

TEST_F(KvStoreTest, CacheTtlBelow60IsRefused) {
  KvReadCache cache;
  KvStore kv(file(), &cache);
  EXPECT_EQ(kvErrorOf([&] { kv.get(kNs, "k", kNowMs, 59); }),
            "KV GET failed: 400 Invalid cache_ttl of 59. Cache TTL must be at least 60.");
  EXPECT_EQ(kvErrorOf([&] { kv.get(kNs, "k", kNowMs, 0); }),
            "KV GET failed: 400 Invalid cache_ttl of 0. Cache TTL must be at least 60.");
  // Refused without a cache too: it is the caller's mistake either way.
  KvStore uncached(file(), nullptr);
  EXPECT_THROW(uncached.get(kNs, "k", kNowMs, 30), KvError);
  EXPECT_NO_THROW(kv.get(kNs, "k", kNowMs, 60));
}

// Readers A and B share a node cache; C is another node with its own.
class KvCacheTest : public KvStoreTest {
 protected:
  KvReadCache node_cache_;
  KvReadCache other_node_cache_;
  KvStore a_{file(), &node_cache_};
  KvStore b_{file(), &node_cache_};
  KvStore c_{file(), &other_node_cache_};
};

TEST_F(KvCacheTest, HitServesCachedValueUntilTtlWhenAnotherNodeWrites) {
  a_.put(kNs, "k", "old", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(a_.get(kNs, "k", kNowMs)->value, "old");  // miss, now cached for 60 s

  c_.put(kNs, "k", "new", std::nullopt, std::nullopt, kNowMs);  // does not touch node_cache_
  EXPECT_EQ(a_.get(kNs, "k", kNowMs + 1000)->value, "old");
  EXPECT_EQ(b_.get(kNs, "k", kNowMs + 59'999)->value, "old");  // B reads the same node cache
  EXPECT_EQ(a_.get(kNs, "k", kNowMs + 60'000)->value, "new");  // TTL over: back to SQLite
  EXPECT_EQ(c_.get(kNs, "k", kNowMs + 1)->value, "new");
}

TEST_F(KvCacheTest, WriteThroughAStoreSharingTheCacheInvalidatesAtOnce) {
  a_.put(kNs, "k", "old", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(a_.get(kNs, "k", kNowMs)->value, "old");
  b_.put(kNs, "k", "new", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(a_.get(kNs, "k", kNowMs + 1)->value, "new");

  b_.remove(kNs, "k");
  EXPECT_FALSE(a_.get(kNs, "k", kNowMs + 2));
}

TEST_F(KvCacheTest, MissesAreCachedToo) {
  EXPECT_FALSE(a_.get(kNs, "k", kNowMs));  // absent, cached as absent
  c_.put(kNs, "k", "v", std::nullopt, std::nullopt, kNowMs);
  EXPECT_FALSE(a_.get(kNs, "k", kNowMs + 30'000));
  EXPECT_FALSE(b_.get(kNs, "k", kNowMs + 30'000));
  EXPECT_TRUE(a_.get(kNs, "k", kNowMs + 60'000));

  EXPECT_FALSE(a_.get(kNs, "other", kNowMs));
  b_.put(kNs, "other", "v", std::nullopt, std::nullopt, kNowMs);
  EXPECT_TRUE(a_.get(kNs, "other", kNowMs + 1));
}

TEST_F(KvCacheTest, LongerCacheTtlKeepsEntriesLonger) {
  a_.put(kNs, "k", "old", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(a_.get(kNs, "k", kNowMs, 300)->value, "old");
  c_.put(kNs, "k", "new", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(a_.get(kNs, "k", kNowMs + 299'999)->value, "old");
  EXPECT_EQ(a_.get(kNs, "k", kNowMs + 300'000)->value, "new");
}

TEST_F(KvCacheTest, CachedValueNeverOutlivesItsExpiration) {
  a_.put(kNs, "k", "v", kNowS + 120, std::nullopt, kNowMs);
  EXPECT_TRUE(a_.get(kNs, "k", kNowMs, 3600));
  EXPECT_TRUE(a_.get(kNs, "k", (kNowS + 120) * 1000 - 1));
  EXPECT_FALSE(a_.get(kNs, "k", (kNowS + 120) * 1000));
}

TEST_F(KvCacheTest, HugeTtlAndExpirationDoNotOverflow) {
  const int64_t huge = std::numeric_limits<int64_t>::max();
  a_.put(kNs, "k", "v", huge, std::nullopt, kNowMs);
  std::optional<KvValue> got = a_.get(kNs, "k", kNowMs, huge);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->expiration, huge);
  EXPECT_TRUE(a_.get(kNs, "k", kNowMs + 1));  // served from the cache
}

TEST_F(KvCacheTest, NamespacesDoNotShareCacheEntries) {
  a_.put("n1", "k", "one", std::nullopt, std::nullopt, kNowMs);
  a_.put("n2", "k", "two", std::nullopt, std::nullopt, kNowMs);
  EXPECT_EQ(a_.get("n1", "k", kNowMs)->value, "one");
  EXPECT_EQ(a_.get("n2", "k", kNowMs)->value, "two");
  // "n1" + "1k" must not collide with "n11" + "k".
  a_.put("n11", "k", "eleven", std::nullopt, std::nullopt, kNowMs);
  EXPECT_FALSE(a_.get("n1", "1k", kNowMs));
  EXPECT_EQ(a_.get("n11", "k", kNowMs)->value, "eleven");
}

TEST(KvReadCacheTest, MissThenPutThenHit) {
  KvReadCache cache;
  EXPECT_FALSE(cache.get("ns", "k", 0));
  cache.put("ns", "k", KvValue{"v", std::nullopt, std::nullopt}, 1000);
  auto hit = cache.get("ns", "k", 999);
  ASSERT_TRUE(hit);
  ASSERT_TRUE(*hit);
  EXPECT_EQ((*hit)->value, "v");
  EXPECT_FALSE(cache.get("ns", "k", 1000));  // expired
}

TEST(KvReadCacheTest, CachedAbsenceIsAHit) {
  KvReadCache cache;
  EXPECT_FALSE(cache.get("ns", "k", 0));
  cache.put("ns", "k", std::nullopt, 1000);
  auto hit = cache.get("ns", "k", 1);
  ASSERT_TRUE(hit);    // a hit...
  EXPECT_FALSE(*hit);  // ...saying "absent"
}

TEST(KvReadCacheTest, InvalidateBetweenMissAndPutDropsThePut) {
  // The race a reader loses against a writer: it misses, reads the old
  // value from SQLite, the writer commits and invalidates, then the reader
  // caches what it read. That value is stale and must not be cached.
  KvReadCache cache;
  EXPECT_FALSE(cache.get("ns", "k", 0));
  cache.invalidate("ns", "k");
  cache.put("ns", "k", KvValue{"stale", std::nullopt, std::nullopt}, 100'000);
  EXPECT_FALSE(cache.get("ns", "k", 1));

  // Same when another reader has opened a new slot in the meantime.
  EXPECT_FALSE(cache.get("ns", "j", 0));
  std::thread other([&] { EXPECT_FALSE(cache.get("ns", "j", 0)); });
  other.join();
  cache.invalidate("ns", "j");
  std::thread third([&] { EXPECT_FALSE(cache.get("ns", "j", 0)); });
  third.join();
  cache.put("ns", "j", KvValue{"stale", std::nullopt, std::nullopt}, 100'000);
  EXPECT_FALSE(cache.get("ns", "j", 1));
}

TEST(KvReadCacheTest, EvictsLeastRecentlyUsedWhenOverBudget) {
  auto fill = [](KvReadCache& cache) {
    std::string value(1000, 'v');
    for (int i = 0; i < 1000; ++i) {
      std::string key = "k" + std::to_string(i);
      cache.get("ns", key, 0);
      cache.put("ns", key, KvValue{value, std::nullopt, std::nullopt}, 1'000'000);
    }
  };
  auto hit = [](KvReadCache& cache, int i) {
    auto found = cache.get("ns", "k" + std::to_string(i), 1);
    return found && *found;
  };

  // 16 shards of 4 KiB: about three 1000-byte values each.
  KvReadCache small(64 * 1024);
  fill(small);
  EXPECT_TRUE(hit(small, 999));  // the newest survive...
  EXPECT_FALSE(hit(small, 0));   // ...the oldest were evicted
  EXPECT_FALSE(hit(small, 1));

  KvReadCache big(64 << 20);
  fill(big);
  int cached = 0;
  for (int i = 0; i < 1000; ++i) cached += hit(big, i) ? 1 : 0;
  EXPECT_EQ(cached, 1000);

  // A value bigger than a shard is never cached.
  std::string huge(8 * 1024, 'h');
  small.get("ns", "huge", 0);
  small.put("ns", "huge", KvValue{huge, std::nullopt, std::nullopt}, 1'000'000);
  EXPECT_FALSE(small.get("ns", "huge", 1));
}

TEST(KvReadCacheTest, ConcurrentUseIsSafe) {
  KvReadCache cache(1 << 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        std::string key = "k" + std::to_string((i * 7 + t) % 300);
        if (!cache.get("ns", key, i)) {
          cache.put("ns", key, KvValue{std::string(100, 'x'), std::nullopt, std::nullopt}, i + 50);
        }
        if (i % 13 == 0) cache.invalidate("ns", key);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  SUCCEED();
}

}  // namespace
}  // namespace verge::storage
