// The ArrayBuffer allocator of one isolate: it counts the bytes of every
// backing store (ArrayBuffers, typed arrays, bytes natives hand to JS) and
// refuses an allocation that would take the isolate's heap plus its backing
// stores over the isolate's memory limit. JS then gets V8's RangeError
// ("Array buffer allocation failed") instead of the process growing until
// the kernel kills it.
#pragma once

#include <v8.h>

#include <atomic>
#include <cstddef>
#include <string_view>

namespace verge::runtime {

class LimitedAllocator : public v8::ArrayBuffer::Allocator {
 public:
  explicit LimitedAllocator(size_t limit_bytes) : limit_(limit_bytes) {}

  void* Allocate(size_t length) override;
  void* AllocateUninitialized(size_t length) override;
  void Free(void* data, size_t length) override;

  // Reserves `length` bytes of the budget for memory allocated elsewhere;
  // false (nothing reserved) when it does not fit.
  bool reserve(size_t length);
  void unreserve(size_t length);

  // The isolate's heap size, as of its last garbage collection.
  void setHeapUsed(size_t bytes) { heap_used_.store(bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  // Backing stores are freed by V8's sweeper threads too, hence atomics.
  std::atomic<size_t> used_{0};
  std::atomic<size_t> heap_used_{0};
};

// A new Uint8Array holding a copy of `data`, its memory counted by the
// isolate's LimitedAllocator. When it does not fit, a RangeError is thrown
// and the result is empty. (v8::ArrayBuffer::New would abort the whole
// process when the allocator refuses.)
v8::MaybeLocal<v8::Uint8Array> newBytes(v8::Isolate* isolate, std::string_view data);
// A new ArrayBuffer of `length` zero bytes, counted the same way.
v8::MaybeLocal<v8::ArrayBuffer> newBuffer(v8::Isolate* isolate, size_t length);

}  // namespace verge::runtime
