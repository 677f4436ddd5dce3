// The stores one server thread's isolates use, opened on first use. Each
// thread has its own SQLite connections (SQLite connections are not shared
// across threads); the KV read cache is shared by the whole node.
#pragma once

#include <filesystem>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace verge::storage {
class KvReadCache;
class KvStore;
class D1Database;
class ObjectStore;
class R2PutWriter;
}  // namespace verge::storage

namespace verge::runtime {

struct StorageConfig {
  std::filesystem::path data_dir;
  std::shared_ptr<storage::KvReadCache> kv_cache;  // may be null
};

class ThreadStorage {
 public:
  explicit ThreadStorage(StorageConfig config);
  ~ThreadStorage();

  // Each throws (SqliteError, R2Error) when the store cannot be opened.
  storage::KvStore& kv();
  storage::D1Database& d1(const std::string& id);
  storage::ObjectStore& r2();

  // R2 puts and part uploads in progress, by id (JS holds the id while it
  // streams the body in). Owned here so they never outlive the store.
  uint32_t addWriter(std::unique_ptr<storage::R2PutWriter> writer);
  storage::R2PutWriter* writer(uint32_t id);  // null when unknown
  void removeWriter(uint32_t id);             // aborts it if not committed

 private:
  StorageConfig config_;
  std::unique_ptr<storage::KvStore> kv_;
  std::map<std::string, std::unique_ptr<storage::D1Database>> d1_;
  std::unique_ptr<storage::ObjectStore> r2_;
  // Declared after r2_: destroyed (and aborted) before the store.
  std::map<uint32_t, std::unique_ptr<storage::R2PutWriter>> writers_;
  uint32_t next_writer_ = 1;
};

}  // namespace verge::runtime
