// See buffers.h. A transfer to the same length moves the backing store into
// the new buffer (no copy, as engines that have ArrayBuffer.prototype.transfer
// do); any other length copies into a new store counted by the isolate's
// LimitedAllocator, so a transfer cannot grow a worker past its memory limit.
#include "runtime/api/buffers.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

// The non-shared ArrayBuffer in info[0], or an empty handle after throwing a
// TypeError.
v8::Local<v8::ArrayBuffer> bufferArg(Args info) {
  if (info.Length() < 1 || !info[0]->IsArrayBuffer()) {
    throwError(info.GetIsolate(), "TypeError", "Receiver is not an ArrayBuffer");
    return {};
  }
  return info[0].As<v8::ArrayBuffer>();
}

void transferArrayBuffer(Args info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::ArrayBuffer> buffer = bufferArg(info);
  if (buffer.IsEmpty()) return;
  if (buffer->WasDetached()) {
    throwError(isolate, "TypeError", "Cannot transfer a detached ArrayBuffer");
    return;
  }
  if (!buffer->IsDetachable()) {
    throwError(isolate, "TypeError", "This ArrayBuffer cannot be detached");
    return;
  }
  const size_t old_length = buffer->ByteLength();
  size_t new_length = old_length;
  if (info.Length() > 1 && !info[1]->IsUndefined()) {
    // The JS half did ToIndex, so this is an integer in [0, 2^53 - 1];
    // anything else is a caller bug, refused rather than truncated.
    if (!info[1]->IsNumber()) {
      throwError(isolate, "TypeError", "transferArrayBuffer: the new length must be a number");
      return;
    }
    const double n = info[1].As<v8::Number>()->Value();
    if (!(n >= 0) || n != std::floor(n) || n > 9007199254740991.0) {
      throwError(isolate, "RangeError", "Invalid array buffer length");
      return;
    }
    // Beyond size_t the allocation would fail anyway; saturate so that the
    // allocator refuses it with its RangeError.
    new_length = n >= 18446744073709551615.0 ? SIZE_MAX : static_cast<size_t>(n);
  }

  v8::Local<v8::ArrayBuffer> result;
  if (new_length == old_length) {
    // Same length: the new buffer takes over the backing store, whose
    // deleter still returns the bytes to whichever allocator made them.
    std::shared_ptr<v8::BackingStore> store = buffer->GetBackingStore();
    buffer->Detach();
    result = v8::ArrayBuffer::New(isolate, std::move(store));
  } else {
    if (!newBuffer(isolate, new_length).ToLocal(&result)) return;  // RangeError thrown
    const size_t copy = std::min(old_length, new_length);
    if (copy > 0) std::memcpy(result->Data(), buffer->Data(), copy);
    buffer->Detach();
  }
  info.GetReturnValue().Set(result);
}

void isDetached(Args info) {
  // undefined (not an exception) for anything else: the JS half decides
  // whether that is an error, and streams ask about SharedArrayBuffers too.
  if (info.Length() < 1 || !info[0]->IsArrayBuffer()) return;
  info.GetReturnValue().Set(info[0].As<v8::ArrayBuffer>()->WasDetached());
}

}  // namespace

void installBufferNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Object> native) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"transferArrayBuffer", transferArrayBuffer},
      {"isDetached", isDetached},
  };
  for (const auto& e : kNatives) {
    auto fn = v8::Function::New(context, e.fn).ToLocalChecked();
    native->Set(context, v8str(isolate, e.name), fn).Check();
  }
}

}  // namespace verge::runtime
