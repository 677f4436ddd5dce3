// The stores one server thread's isolates use, opened on first use. Each
// thread has its own SQLite connections (SQLite connections are not shared
// across threads); the KV read cache is shared by the whole node.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace verge::storage {
class KvReadCache;
class KvStore;
class D1Database;
class ObjectStore;
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

 private:
  StorageConfig config_;
  std::unique_ptr<storage::KvStore> kv_;
  std::map<std::string, std::unique_ptr<storage::D1Database>> d1_;
  std::unique_ptr<storage::ObjectStore> r2_;
};

}  // namespace verge::runtime
