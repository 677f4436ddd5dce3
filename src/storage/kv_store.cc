#include "storage/kv_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/log.h"
#include "storage/sqlite.h"

namespace verge::storage {

namespace {

// Cloudflare's floor for a reader's cacheTtl (seconds); also the default.
constexpr int64_t kMinCacheTtlSeconds = 60;
// Every this many puts (counted across the process) one of them also purges
// expired rows, so a node that only writes does not grow without bound.
constexpr uint64_t kPurgeEveryWrites = 1000;
// Rows deleted per purge transaction: short transactions keep other
// threads' writers from waiting on one long delete.
constexpr int kPurgeBatchRows = 1000;
constexpr size_t kCacheShards = 16;
// Bookkeeping charged per cache entry on top of its bytes (list node, map
// slot, std::string headers): rough, but keeps a flood of tiny or absent
// keys from being free.
constexpr size_t kEntryOverheadBytes = 128;
// First byte of every decoded cursor; lets us tell a cursor we issued from
// arbitrary base64 and leaves room for a future format.
constexpr char kCursorVersion = '\x01';

std::atomic<uint64_t> g_puts{0};

// Every refusal reads like the Workers binding's:
// "KV <METHOD> failed: <status> <message>".
[[noreturn]] void fail(std::string_view method, int status, std::string_view message) {
  std::string text = "KV ";
  text += method;
  text += " failed: ";
  text += std::to_string(status);
  text += ' ';
  text += message;
  throw KvError(text);
}

// The binding throws TypeError (not Error) for the first three: their
// messages, unlike the others, do not start with "KV ".
void validateKey(std::string_view method, std::string_view key) {
  if (key.empty()) throw KvError("Key name cannot be empty.");
  if (key == ".") throw KvError("\".\" is not allowed as a key name.");
  if (key == "..") throw KvError("\"..\" is not allowed as a key name.");
  if (key.size() > KvLimits::kMaxKeyBytes) {
    fail(method, 414,
         "UTF-8 encoded length of " + std::to_string(key.size()) + " exceeds key length limit of " +
             std::to_string(KvLimits::kMaxKeyBytes) + ".");
  }
}

// Whole seconds at or before `ms` (floor, also for times before 1970).
int64_t floorSeconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

// Seconds to milliseconds for user-given times (cacheTtl, expiration), which
// may be absurdly large: saturate far in the future instead of overflowing.
int64_t secondsToMs(int64_t s) {
  constexpr int64_t kFarFuture = std::numeric_limits<int64_t>::max() / 4;
  return s > kFarFuture / 1000 ? kFarFuture : s * 1000;
}

// ---- cursor: base64url (no padding) of kCursorVersion + last key returned ----

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                 uint8_t(bytes[i + 2]);
    out += kBase64Url[(n >> 18) & 63];
    out += kBase64Url[(n >> 12) & 63];
    out += kBase64Url[(n >> 6) & 63];
    out += kBase64Url[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kBase64Url[(n >> 18) & 63];
    out += kBase64Url[(n >> 12) & 63];
    if (rest == 2) out += kBase64Url[(n >> 6) & 63];
  }
  return out;
}

// nullopt for anything that is not canonical unpadded base64url.
std::optional<std::string> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, or two cursors would decode alike.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string encodeCursor(std::string_view last_key) {
  std::string raw(1, kCursorVersion);
  raw += last_key;
  return base64UrlEncode(raw);
}

std::string decodeCursor(std::string_view cursor) {
  std::optional<std::string> raw = base64UrlDecode(cursor);
  if (!raw || raw->size() < 2 || (*raw)[0] != kCursorVersion ||
      raw->size() - 1 > KvLimits::kMaxKeyBytes) {
    fail("GET", 400, "Invalid cursor. Pass the cursor of a previous list() result unchanged.");
  }
  return raw->substr(1);
}

// The smallest byte string greater than every string starting with
// `prefix`; nullopt when there is none (empty or all-0xff prefix).
std::optional<std::string> prefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && uint8_t(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::nullopt;
  end.back() = char(uint8_t(end.back()) + 1);
  return end;
}

// ---- read cache ----

// Cache keys join namespace and key unambiguously (the namespace may hold
// any byte): "<ns length>:<ns><key>".
std::string cacheKey(std::string_view ns, std::string_view key) {
  std::string out = std::to_string(ns.size());
  out += ':';
  out += ns;
  out += key;
  return out;
}

size_t valueBytes(const std::optional<KvValue>& value) {
  if (!value) return 0;
  return value->value.size() + (value->metadata ? value->metadata->size() : 0);
}

// A miss leaves a "pending" entry carrying a ticket; only the reader that
// got that ticket may fill it. An invalidate() between a reader's SQLite
// read and its put() removes the pending entry, so the put is dropped
// instead of caching the value the write just replaced.
struct CacheEntry {
  std::string key;  // cacheKey(); the index's string_views point here
  std::optional<KvValue> value;
  int64_t expires_at_ms = 0;
  uint64_t ticket = 0;
  bool pending = false;
  size_t bytes = 0;  // charged against the shard's budget
};

// The last miss this thread saw: KvStore::get calls cache get(), reads
// SQLite and calls put() on the same thread, so one slot is enough.
struct MissTicket {
  const void* cache = nullptr;
  std::string key;
  uint64_t ticket = 0;
};
thread_local MissTicket t_last_miss;

}  // namespace

struct KvReadCache::Impl {
  struct Shard {
    std::mutex mu;
    std::list<CacheEntry> lru;  // front: most recently used
    std::unordered_map<std::string_view, std::list<CacheEntry>::iterator> index;
    size_t bytes = 0;
    uint64_t next_ticket = 0;
  };

  explicit Impl(size_t max_bytes) : shard_budget(max_bytes / kCacheShards) {}

  Shard& shardFor(const std::string& key) {
    return shards[std::hash<std::string>{}(key) % kCacheShards];
  }

  // Caller holds shard.mu.
  void erase(Shard& shard, std::list<CacheEntry>::iterator it) {
    shard.bytes -= it->bytes;
    shard.index.erase(std::string_view(it->key));
    shard.lru.erase(it);
  }

  // Drops least recently used entries until the shard fits its budget, never
  // the entry at the front (the one just touched). Caller holds shard.mu.
  void evict(Shard& shard) {
    while (shard.bytes > shard_budget && shard.lru.size() > 1)
      erase(shard, std::prev(shard.lru.end()));
  }

  std::array<Shard, kCacheShards> shards;
  const size_t shard_budget;
};

KvReadCache::KvReadCache(size_t max_bytes) : impl_(std::make_unique<Impl>(max_bytes)) {}
KvReadCache::~KvReadCache() = default;

std::optional<std::optional<KvValue>> KvReadCache::get(std::string_view ns, std::string_view key,
                                                       int64_t now_ms) {
  std::string k = cacheKey(ns, key);
  Impl::Shard& shard = impl_->shardFor(k);
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(k);
  std::list<CacheEntry>::iterator it;
  if (found != shard.index.end()) {
    it = found->second;
    shard.lru.splice(shard.lru.begin(), shard.lru, it);
    if (!it->pending && it->expires_at_ms > now_ms) return it->value;
    if (!it->pending) {
      // Expired: reopen the slot for the reader about to go to SQLite.
      shard.bytes -= valueBytes(it->value);
      it->bytes -= valueBytes(it->value);
      it->value.reset();
      it->pending = true;
      it->ticket = ++shard.next_ticket;
    }
    // A pending slot another reader opened is shared: both read SQLite
    // after it was opened, so either may fill it.
  } else {
    shard.lru.push_front(CacheEntry{.key = k,
                                    .value = std::nullopt,
                                    .expires_at_ms = 0,
                                    .ticket = ++shard.next_ticket,
                                    .pending = true,
                                    .bytes = kEntryOverheadBytes + k.size()});
    it = shard.lru.begin();
    shard.index.emplace(std::string_view(it->key), it);
    shard.bytes += it->bytes;
    impl_->evict(shard);
  }
  t_last_miss = MissTicket{impl_.get(), std::move(k), it->ticket};
  return std::nullopt;
}

void KvReadCache::put(std::string_view ns, std::string_view key,
                      const std::optional<KvValue>& value, int64_t expires_at_ms) {
  std::string k = cacheKey(ns, key);
  size_t bytes = kEntryOverheadBytes + k.size() + valueBytes(value);
  Impl::Shard& shard = impl_->shardFor(k);
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(k);

  bool after_miss = t_last_miss.cache == impl_.get() && t_last_miss.key == k;
  if (after_miss) {
    uint64_t ticket = t_last_miss.ticket;
    t_last_miss = MissTicket{};
    // Gone or re-opened since our miss: a write (or eviction) came between
    // our SQLite read and now, so what we read may be stale.
    if (found == shard.index.end() || !found->second->pending || found->second->ticket != ticket) {
      return;
    }
  }

  if (bytes > impl_->shard_budget) {
    // Too big to cache at all; a pending slot for it would only take room.
    if (found != shard.index.end()) impl_->erase(shard, found->second);
    return;
  }
  std::list<CacheEntry>::iterator it;
  if (found != shard.index.end()) {
    it = found->second;
    shard.lru.splice(shard.lru.begin(), shard.lru, it);
    shard.bytes -= it->bytes;
  } else {
    shard.lru.emplace_front();
    shard.lru.front().key = k;
    it = shard.lru.begin();
    shard.index.emplace(std::string_view(it->key), it);
  }
  it->value = value;
  it->expires_at_ms = expires_at_ms;
  it->pending = false;
  it->bytes = bytes;
  shard.bytes += bytes;
  impl_->evict(shard);
}

void KvReadCache::invalidate(std::string_view ns, std::string_view key) {
  std::string k = cacheKey(ns, key);
  Impl::Shard& shard = impl_->shardFor(k);
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(k);
  if (found != shard.index.end()) impl_->erase(shard, found->second);
}

// ---- KvStore ----

KvStore::KvStore(const std::filesystem::path& file, KvReadCache* cache)
    : db_(Database::open(file)), cache_(cache) {
  // BLOB columns: SQLite orders BLOBs with memcmp, which is UTF-8 byte
  // order, the order list() promises. Every key is bound as a BLOB too
  // (a TEXT value would sort before all BLOBs). A rowid table rather than
  // WITHOUT ROWID because values run to 25 MiB.
  db_->exec(
      "CREATE TABLE IF NOT EXISTS kv ("
      "  namespace BLOB NOT NULL,"
      "  key BLOB NOT NULL,"
      "  value BLOB NOT NULL,"
      "  expiration INTEGER,"  // seconds since the epoch; NULL: never
      "  metadata TEXT,"       // JSON text as the binding serialised it
      "  PRIMARY KEY (namespace, key));"
      "CREATE INDEX IF NOT EXISTS kv_by_expiration ON kv (expiration)"
      "  WHERE expiration IS NOT NULL;");
}

KvStore::~KvStore() = default;

std::optional<KvValue> KvStore::get(std::string_view ns, std::string_view key, int64_t now_ms,
                                    std::optional<int64_t> cache_ttl_s) {
  validateKey("GET", key);
  int64_t ttl_s = cache_ttl_s.value_or(kMinCacheTtlSeconds);
  if (ttl_s < kMinCacheTtlSeconds) {
    fail("GET", 400,
         "Invalid cache_ttl of " + std::to_string(ttl_s) + ". Cache TTL must be at least " +
             std::to_string(kMinCacheTtlSeconds) + ".");
  }
  if (cache_) {
    if (auto hit = cache_->get(ns, key, now_ms)) return std::move(*hit);
  }

  // TODO(perf): keep the few statements KvStore uses prepared.
  Statement stmt = db_->prepare(
      "SELECT value, expiration, metadata FROM kv"
      " WHERE namespace = ?1 AND key = ?2 AND (expiration IS NULL OR expiration > ?3)");
  stmt.bindBlob(1, ns).bindBlob(2, key).bind(3, floorSeconds(now_ms));
  std::optional<KvValue> result;
  if (stmt.step()) {
    result = KvValue{};
    result->value = stmt.columnText(0);
    if (stmt.columnType(1) != SQLITE_NULL) result->expiration = stmt.columnInt(1);
    result->metadata = stmt.columnTextOrNull(2);
  }

  if (cache_) {
    // Never serve a cached value past its own expiration.
    int64_t expires_at_ms = now_ms + secondsToMs(ttl_s);
    if (result && result->expiration) {
      expires_at_ms = std::min(expires_at_ms, secondsToMs(*result->expiration));
    }
    cache_->put(ns, key, result, expires_at_ms);
  }
  return result;
}

void KvStore::put(std::string_view ns, std::string_view key, std::string_view value,
                  std::optional<int64_t> expiration, std::optional<std::string> metadata,
                  int64_t now_ms) {
  // Checked in the binding's order: key, expiration, value, metadata.
  validateKey("PUT", key);
  if (expiration) {
    // Whole seconds, as Cloudflare counts them, so an expirationTtl of
    // exactly 60 turned into now + 60 is always accepted.
    int64_t now_s = floorSeconds(now_ms);
    if (*expiration <= now_s) {
      fail("PUT", 400,
           "Invalid expiration of " + std::to_string(*expiration) +
               ". Please specify integer greater than the current number of seconds since the "
               "UNIX epoch.");
    }
    if (*expiration - now_s < KvLimits::kMinExpirationTtlSeconds) {
      fail("PUT", 400,
           "Invalid expiration of " + std::to_string(*expiration) +
               ". Expiration times must be at least " +
               std::to_string(KvLimits::kMinExpirationTtlSeconds) + " seconds in the future.");
    }
  }
  if (value.size() > KvLimits::kMaxValueBytes) {
    fail("PUT", 413,
         "Value length of " + std::to_string(value.size()) + " exceeds limit of " +
             std::to_string(KvLimits::kMaxValueBytes) + ".");
  }
  if (metadata && metadata->size() > KvLimits::kMaxMetadataBytes) {
    fail("PUT", 413,
         "Metadata length of " + std::to_string(metadata->size()) + " exceeds limit of " +
             std::to_string(KvLimits::kMaxMetadataBytes) + ".");
  }

  Statement stmt = db_->prepare(
      "INSERT INTO kv (namespace, key, value, expiration, metadata) VALUES (?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT (namespace, key) DO UPDATE SET"
      " value = excluded.value, expiration = excluded.expiration, metadata = excluded.metadata");
  stmt.bindBlob(1, ns).bindBlob(2, key).bindBlob(3, value);
  if (expiration) {
    stmt.bind(4, *expiration);
  } else {
    stmt.bindNull(4);
  }
  if (metadata) {
    stmt.bindText(5, *metadata);
  } else {
    stmt.bindNull(5);
  }
  stmt.step();
  // After the commit: a reader that missed before it and reads SQLite
  // before it has its pending cache slot removed here (see CacheEntry).
  if (cache_) cache_->invalidate(ns, key);

  if (g_puts.fetch_add(1, std::memory_order_relaxed) % kPurgeEveryWrites == kPurgeEveryWrites - 1) {
    try {
      purgeExpired(now_ms);
    } catch (const SqliteError& e) {
      // The put itself succeeded; the next purge will catch up.
      base::logLine(base::LogLevel::kWarn,
                    std::string("internal: KV purge of expired keys failed: ") + e.what());
    }
  }
}

void KvStore::remove(std::string_view ns, std::string_view key) {
  validateKey("DELETE", key);
  Statement stmt = db_->prepare("DELETE FROM kv WHERE namespace = ?1 AND key = ?2");
  stmt.bindBlob(1, ns).bindBlob(2, key);
  stmt.step();
  if (cache_) cache_->invalidate(ns, key);
}

KvListResult KvStore::list(std::string_view ns, std::string_view prefix, size_t limit,
                           std::string_view cursor, int64_t now_ms) {
  if (limit < 1) {
    fail("GET", 400,
         "Invalid key_count_limit of " + std::to_string(limit) +
             ". Please specify an integer greater than 0.");
  }
  if (limit > KvLimits::kMaxListLimit) {
    fail("GET", 400,
         "Invalid key_count_limit of " + std::to_string(limit) +
             ". Please specify an integer less than " + std::to_string(KvLimits::kMaxListLimit) +
             ".");
  }
  std::optional<std::string> after;
  if (!cursor.empty()) after = decodeCursor(cursor);
  std::optional<std::string> end = prefixEnd(prefix);

  // The prefix becomes a key range so the (namespace, key) index serves
  // both the filter and the order; the cursor is the last key already
  // returned, so writes between pages never repeat or skip a key that
  // existed throughout.
  std::string sql =
      "SELECT key, expiration, metadata FROM kv"
      " WHERE namespace = ?1 AND key >= ?2 AND (expiration IS NULL OR expiration > ?5)";
  if (end) sql += " AND key < ?3";
  if (after) sql += " AND key > ?4";
  sql += " ORDER BY key LIMIT ?6";
  Statement stmt = db_->prepare(sql);
  stmt.bindBlob(1, ns).bindBlob(2, prefix);
  if (end) stmt.bindBlob(3, *end);
  if (after) stmt.bindBlob(4, *after);
  stmt.bind(5, floorSeconds(now_ms));
  // One more row than asked tells whether another page exists.
  stmt.bind(6, static_cast<int64_t>(limit) + 1);

  KvListResult result;
  while (stmt.step()) {
    if (result.keys.size() == limit) {
      result.list_complete = false;
      result.cursor = encodeCursor(result.keys.back().name);
      break;
    }
    KvListedKey listed;
    listed.name = stmt.columnText(0);
    if (stmt.columnType(1) != SQLITE_NULL) listed.expiration = stmt.columnInt(1);
    listed.metadata = stmt.columnTextOrNull(2);
    result.keys.push_back(std::move(listed));
  }
  return result;
}

size_t KvStore::purgeExpired(int64_t now_ms) {
  Statement stmt = db_->prepare(
      "DELETE FROM kv WHERE rowid IN (SELECT rowid FROM kv"
      " WHERE expiration IS NOT NULL AND expiration <= ?1 LIMIT ?2)");
  size_t total = 0;
  for (;;) {
    stmt.bind(1, floorSeconds(now_ms)).bind(2, int64_t{kPurgeBatchRows});
    stmt.step();
    int64_t deleted = db_->changes();
    stmt.reset();
    total += static_cast<size_t>(deleted);
    if (deleted < kPurgeBatchRows) break;
  }
  return total;
}

}  // namespace verge::storage
