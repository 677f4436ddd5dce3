#include "runtime/isolate_lock.h"

#include <v8.h>

#include <algorithm>
#include <vector>

namespace verge::runtime {

namespace {
// The locks the calling thread holds.
thread_local std::vector<IsolateLock*> tls_held;
}  // namespace

IsolateLock::IsolateLock(v8::Isolate* isolate) : isolate_(isolate) {}

IsolateLock::~IsolateLock() {
  if (heldHere()) release();
}

void IsolateLock::acquire() {
  if (heldHere()) return;
  locker_ = std::make_unique<v8::Locker>(isolate_);
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  tls_held.push_back(this);
}

void IsolateLock::release() {
  if (!heldHere()) return;
  owner_.store(std::thread::id(), std::memory_order_relaxed);
  locker_.reset();
  std::erase(tls_held, this);
}

void IsolateLock::releaseAllHere(const IsolateLock* keep) {
  std::vector<IsolateLock*> held = tls_held;
  for (IsolateLock* lock : held) {
    if (lock == keep) continue;
    lock->release();
    // This thread is about to stop carrying the loop (and ends soon after):
    // drop V8's per-thread record of it, which would otherwise stay until
    // the isolate is disposed, one per thread that ever ran it.
    lock->isolate_->DiscardThreadSpecificMetadata();
  }
}

}  // namespace verge::runtime
