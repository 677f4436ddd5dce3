// Workers KV on SQLite: every namespace of a node in one database file
// (`kv.sqlite` in the data directory), keyed by (namespace, key). Semantics
// follow Cloudflare's documentation for the KV binding: validation limits,
// expirations, metadata, and list() with prefix, limit and cursor in UTF-8
// byte order.
//
// A KvStore is one SQLite connection: use one per thread. They may share one
// KvReadCache (per node, thread-safe) so hot keys do not hit SQLite.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace verge::storage {

class Database;

// A request KV refuses (too long a key, a too-near expiration, ...). what()
// is the message the Workers binding throws, naming the limit, e.g.
// "KV PUT failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512."
class KvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KvLimits {
  static constexpr size_t kMaxKeyBytes = 512;
  static constexpr size_t kMaxValueBytes = 25 * 1024 * 1024;
  static constexpr size_t kMaxMetadataBytes = 1024;
  static constexpr int64_t kMinExpirationTtlSeconds = 60;
  static constexpr size_t kMaxListLimit = 1000;
  static constexpr size_t kMaxBulkGetKeys = 100;
};

struct KvValue {
  std::string value;                       // raw bytes
  std::optional<int64_t> expiration;       // seconds since the epoch
  std::optional<std::string> metadata;     // JSON text, as stored
};

struct KvListedKey {
  std::string name;
  std::optional<int64_t> expiration;
  std::optional<std::string> metadata;  // JSON text
};

struct KvListResult {
  std::vector<KvListedKey> keys;
  bool list_complete = true;
  std::string cursor;  // opaque; empty when list_complete
};

// Per-node read cache shared by every thread's KvStore. Entries live for the
// reader's cacheTtl (at least 60 s, as on Cloudflare) and are dropped when
// this node writes or deletes the key. Thread-safe (lock-striped).
class KvReadCache {
 public:
  explicit KvReadCache(size_t max_bytes = 64u << 20);
  ~KvReadCache();
  // nullopt: not cached. A cached "absent" is a KvValue-less hit, so the
  // outer optional says hit/miss and the inner one present/absent.
  std::optional<std::optional<KvValue>> get(std::string_view ns, std::string_view key, int64_t now_ms);
  void put(std::string_view ns, std::string_view key, const std::optional<KvValue>& value,
           int64_t expires_at_ms);
  void invalidate(std::string_view ns, std::string_view key);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class KvStore {
 public:
  // Opens (creating) the database at `file`. `cache` may be null; it must
  // outlive the store. Throws SqliteError.
  KvStore(const std::filesystem::path& file, KvReadCache* cache);
  ~KvStore();

  // Validates the key (KvError). Absent or expired → nullopt. `cache_ttl_s`
  // is the reader's cacheTtl (minimum 60; nullopt means the default 60).
  std::optional<KvValue> get(std::string_view ns, std::string_view key, int64_t now_ms,
                             std::optional<int64_t> cache_ttl_s = std::nullopt);

  // Validates key, value size, metadata size and expiration (absolute
  // seconds; must be at least 60 s after now) and stores. Throws KvError.
  void put(std::string_view ns, std::string_view key, std::string_view value,
           std::optional<int64_t> expiration, std::optional<std::string> metadata, int64_t now_ms);

  // Idempotent. Validates the key.
  void remove(std::string_view ns, std::string_view key);

  // Keys with `prefix` in UTF-8 byte order, at most `limit` (1..1000, else
  // KvError), starting after `cursor` (from a previous result; a bad cursor
  // is a KvError). Expired keys are skipped. Paging is stable under
  // concurrent writes: the cursor names the last key returned.
  KvListResult list(std::string_view ns, std::string_view prefix, size_t limit,
                    std::string_view cursor, int64_t now_ms);

  // Deletes expired rows; returns how many. Called now and then.
  size_t purgeExpired(int64_t now_ms);

 private:
  std::unique_ptr<Database> db_;
  KvReadCache* cache_;
};

}  // namespace verge::storage
