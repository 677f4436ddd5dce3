#include "runtime/thread_storage.h"

#include "storage/d1_database.h"
#include "storage/data_dir.h"
#include "storage/kv_store.h"
#include "storage/object_store.h"

namespace verge::runtime {

ThreadStorage::ThreadStorage(StorageConfig config) : config_(std::move(config)) {}
ThreadStorage::~ThreadStorage() = default;

storage::KvStore& ThreadStorage::kv() {
  if (!kv_) {
    kv_ = std::make_unique<storage::KvStore>(storage::kvFile(config_.data_dir), config_.kv_cache.get());
  }
  return *kv_;
}

storage::D1Database& ThreadStorage::d1(const std::string& id) {
  auto& slot = d1_[id];
  if (!slot) slot = std::make_unique<storage::D1Database>(storage::d1File(config_.data_dir, id));
  return *slot;
}

storage::ObjectStore& ThreadStorage::r2() {
  if (!r2_) r2_ = std::make_unique<storage::ObjectStore>(storage::r2Root(config_.data_dir));
  return *r2_;
}

uint32_t ThreadStorage::addWriter(std::unique_ptr<storage::R2PutWriter> writer) {
  uint32_t id = next_writer_++;
  if (next_writer_ == 0) next_writer_ = 1;
  writers_[id] = std::move(writer);
  return id;
}

storage::R2PutWriter* ThreadStorage::writer(uint32_t id) {
  auto it = writers_.find(id);
  return it == writers_.end() ? nullptr : it->second.get();
}

void ThreadStorage::removeWriter(uint32_t id) { writers_.erase(id); }

}  // namespace verge::runtime
