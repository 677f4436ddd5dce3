#include "runtime/limited_allocator.h"

#include <cstdlib>
#include <cstring>

#include "runtime/v8_util.h"

namespace verge::runtime {

bool LimitedAllocator::reserve(size_t length) {
  const size_t heap = heap_used_.load(std::memory_order_relaxed);
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (length > limit_ || used + length + heap > limit_) return false;
  } while (!used_.compare_exchange_weak(used, used + length, std::memory_order_relaxed));
  return true;
}

void LimitedAllocator::unreserve(size_t length) { used_.fetch_sub(length, std::memory_order_relaxed); }

void* LimitedAllocator::Allocate(size_t length) {
  if (!reserve(length)) return nullptr;
  void* p = std::calloc(length ? length : 1, 1);
  if (!p) unreserve(length);
  return p;
}

void* LimitedAllocator::AllocateUninitialized(size_t length) {
  if (!reserve(length)) return nullptr;
  void* p = std::malloc(length ? length : 1);
  if (!p) unreserve(length);
  return p;
}

void LimitedAllocator::Free(void* data, size_t length) {
  std::free(data);
  unreserve(length);
}

namespace {
LimitedAllocator* allocatorOf(v8::Isolate* isolate) {
  return static_cast<LimitedAllocator*>(isolate->GetArrayBufferAllocator());
}

// Memory for one backing store, given back to the allocator's budget when
// V8 frees the store.
struct CountedMemory {
  LimitedAllocator* allocator;
  size_t length;
};
}  // namespace

v8::MaybeLocal<v8::ArrayBuffer> newBuffer(v8::Isolate* isolate, size_t length) {
  LimitedAllocator* allocator = allocatorOf(isolate);
  void* data = allocator->Allocate(length);
  if (!data) {
    throwError(isolate, "RangeError",
               "Array buffer allocation failed: the worker's memory limit (" +
                   std::to_string(allocator->limit() >> 20) + " MB) would be exceeded");
    return {};
  }
  auto* counted = new CountedMemory{allocator, length};
  auto store = v8::ArrayBuffer::NewBackingStore(
      data, length,
      [](void* p, size_t, void* deleter_data) {
        auto* c = static_cast<CountedMemory*>(deleter_data);
        c->allocator->Free(p, c->length);
        delete c;
      },
      counted);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

v8::MaybeLocal<v8::Uint8Array> newBytes(v8::Isolate* isolate, std::string_view data) {
  v8::Local<v8::ArrayBuffer> buffer;
  if (!newBuffer(isolate, data.size()).ToLocal(&buffer)) return {};
  if (!data.empty()) std::memcpy(buffer->GetBackingStore()->Data(), data.data(), data.size());
  return v8::Uint8Array::New(buffer, 0, data.size());
}

}  // namespace verge::runtime
