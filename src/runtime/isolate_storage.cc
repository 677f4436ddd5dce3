#include "runtime/isolate_storage.h"

#include "storage/d1_database.h"
#include "storage/data_dir.h"
#include "storage/kv_store.h"
#include "storage/object_store.h"
#include "runtime/watchdog.h"

namespace verge::runtime {

IsolateStorage::IsolateStorage(const StorageConfig& config, EntryControl& control)
    : config_(config), control_(control) {}
IsolateStorage::~IsolateStorage() = default;

storage::KvStore& IsolateStorage::kv() {
  if (!kv_) {
    kv_ = std::make_unique<storage::KvStore>(storage::kvFile(config_.data_dir), config_.kv_cache.get());
  }
  return *kv_;
}

storage::D1Database& IsolateStorage::d1(const std::string& id) {
  auto& slot = d1_[id];
  if (!slot) {
    slot = std::make_unique<storage::D1Database>(storage::d1File(config_.data_dir, id));
    // Polled by SQLite every few thousand VM steps: a query that runs into
    // the CPU limit (or shutdown) is interrupted, and one that runs long
    // lets its loop go on without it.
    EntryControl* control = &control_;
    slot->setProgressCheck([control] {
      uint32_t flags = control->flags.load(std::memory_order_relaxed);
      if (flags & EntryControl::kHandOff) Watchdog::handOffNow(*control);
      return (flags & EntryControl::kTerminate) != 0;
    });
  }
  return *slot;
}

storage::ObjectStore& IsolateStorage::r2() {
  if (!r2_) r2_ = std::make_unique<storage::ObjectStore>(storage::r2Root(config_.data_dir));
  return *r2_;
}

uint32_t IsolateStorage::addWriter(std::unique_ptr<storage::R2PutWriter> writer) {
  uint32_t id = next_writer_++;
  if (next_writer_ == 0) next_writer_ = 1;
  writers_[id] = std::move(writer);
  return id;
}

storage::R2PutWriter* IsolateStorage::writer(uint32_t id) {
  auto it = writers_.find(id);
  return it == writers_.end() ? nullptr : it->second.get();
}

void IsolateStorage::removeWriter(uint32_t id) { writers_.erase(id); }

}  // namespace verge::runtime
