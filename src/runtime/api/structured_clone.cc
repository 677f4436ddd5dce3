// Built with -fno-rtti: the delegates derive from V8 classes, and libnode's
// V8 has no RTTI to link against.
#include "runtime/api/structured_clone.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

// structuredClone(value, transferList, hostParts, hostFromParts): V8's
// serializer and deserializer in one go. Host objects (the runtime's Blob and
// File, which derive from native.HostObject) are turned into their parts by
// hostParts and rebuilt by hostFromParts between the two halves; both run
// here, so the copies are handed over by index. transferList holds distinct
// ArrayBuffers (checked by the caller): the copies take over their memory
// and the originals are detached. V8's own refusals (a function, a symbol…)
// are thrown as Errors carrying the `marker` symbol, so that the caller can
// tell them from what user code (a getter) threw.
class CloneDelegate : public v8::ValueSerializer::Delegate, public v8::ValueDeserializer::Delegate {
 public:
  CloneDelegate(v8::Isolate* isolate, v8::Local<v8::Value> marker) : isolate_(isolate), marker_(marker) {}
  v8::ValueSerializer* serializer = nullptr;
  v8::ValueDeserializer* deserializer = nullptr;
  // Host objects met while serializing, and their copies, made in between
  // (V8 allows no JavaScript while it serializes or deserializes).
  // Globals: V8 serializes nested values in handle scopes of its own.
  std::vector<v8::Global<v8::Object>> originals;
  std::vector<v8::Local<v8::Object>> copies;

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    v8::Local<v8::Value> error = v8::Exception::Error(message);
    if (marker_->IsSymbol()) {
      error.As<v8::Object>()->Set(isolate_->GetCurrentContext(), marker_, v8::True(isolate_)).Check();
    }
    isolate_->ThrowException(error);
  }
  v8::Maybe<bool> WriteHostObject(v8::Isolate*, v8::Local<v8::Object> object) override {
    serializer->WriteUint32(static_cast<uint32_t>(originals.size()));
    originals.emplace_back(isolate_, object);
    return v8::Just(true);
  }
  v8::MaybeLocal<v8::Object> ReadHostObject(v8::Isolate* isolate) override {
    uint32_t index = 0;
    if (!deserializer->ReadUint32(&index) || index >= copies.size()) {
      isolate->ThrowException(v8::Exception::Error(v8str(isolate, "structuredClone: bad host object")));
      return {};
    }
    return copies[index];
  }

 private:
  v8::Isolate* isolate_;
  v8::Local<v8::Value> marker_;
};

// V8's serializer over `value`; the bytes are released into `out`. False
// with an exception pending.
bool writeValue(v8::Isolate* isolate, CloneDelegate& delegate, v8::Local<v8::Value> value, std::string& out) {
  v8::ValueSerializer serializer(isolate, &delegate);
  delegate.serializer = &serializer;
  serializer.WriteHeader();
  bool ok = serializer.WriteValue(isolate->GetCurrentContext(), value).FromMaybe(false);
  delegate.serializer = nullptr;
  if (!ok) return false;
  std::pair<uint8_t*, size_t> data = serializer.Release();
  out.assign(reinterpret_cast<const char*>(data.first), data.second);
  std::free(data.first);
  return true;
}

v8::MaybeLocal<v8::Value> readValue(v8::Isolate* isolate, CloneDelegate& delegate, const uint8_t* data, size_t size) {
  v8::ValueDeserializer deserializer(isolate, data, size, &delegate);
  delegate.deserializer = &deserializer;
  auto context = isolate->GetCurrentContext();
  v8::MaybeLocal<v8::Value> out;
  if (deserializer.ReadHeader(context).FromMaybe(false)) out = deserializer.ReadValue(context);
  delegate.deserializer = nullptr;
  return out;
}

}  // namespace

void serializeNative(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[1]->IsFunction()) {
    throwError(isolate, "TypeError", "serialize: bad arguments");
    return;
  }
  CloneDelegate delegate(isolate, info[2]);
  std::string value_bytes;
  if (!writeValue(isolate, delegate, info[0], value_bytes)) return;
  // The host objects' parts, as plain values, serialized ahead of the value.
  std::vector<v8::Local<v8::Value>> parts;
  for (auto& original : delegate.originals) {
    v8::Local<v8::Value> args[] = {original.Get(isolate)};
    v8::Local<v8::Value> p;
    if (!info[1].As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, args).ToLocal(&p)) return;
    parts.push_back(p);
  }
  CloneDelegate plain(isolate, info[2]);
  std::string parts_bytes;
  if (!writeValue(isolate, plain, v8::Array::New(isolate, parts.data(), parts.size()), parts_bytes)) return;
  if (!plain.originals.empty()) {
    throwError(isolate, "TypeError", "serialize: host object parts must be plain values");
    return;
  }
  uint32_t n = static_cast<uint32_t>(parts_bytes.size());
  auto store = v8::ArrayBuffer::NewBackingStore(isolate, 4 + parts_bytes.size() + value_bytes.size());
  auto* out = static_cast<uint8_t*>(store->Data());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::memcpy(out + 4, parts_bytes.data(), parts_bytes.size());
  std::memcpy(out + 4 + parts_bytes.size(), value_bytes.data(), value_bytes.size());
  auto buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  info.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, buffer->ByteLength()));
}

void deserializeNative(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsArrayBufferView() || !info[1]->IsFunction()) {
    throwError(isolate, "TypeError", "deserialize: bad arguments");
    return;
  }
  auto view = info[0].As<v8::ArrayBufferView>();
  std::string bytes(view->ByteLength(), '\0');
  view->CopyContents(bytes.data(), bytes.size());
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  uint32_t n = 0;
  if (bytes.size() >= 4) n = data[0] | data[1] << 8 | data[2] << 16 | static_cast<uint32_t>(data[3]) << 24;
  if (bytes.size() < 4 || n > bytes.size() - 4) {
    throwError(isolate, "TypeError", "deserialize: truncated message");
    return;
  }
  CloneDelegate plain(isolate, v8::Undefined(isolate));
  v8::Local<v8::Value> parts;
  if (!readValue(isolate, plain, data + 4, n).ToLocal(&parts)) return;
  if (!parts->IsArray()) {
    throwError(isolate, "TypeError", "deserialize: bad message");
    return;
  }
  CloneDelegate delegate(isolate, v8::Undefined(isolate));
  auto list = parts.As<v8::Array>();
  for (uint32_t i = 0; i < list->Length(); ++i) {
    v8::Local<v8::Value> p, object;
    if (!list->Get(context, i).ToLocal(&p)) return;
    v8::Local<v8::Value> args[] = {p};
    if (!info[1].As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, args).ToLocal(&object)) return;
    if (!object->IsObject()) {
      throwError(isolate, "TypeError", "deserialize: a host object's parts did not make an object");
      return;
    }
    delegate.copies.push_back(object.As<v8::Object>());
  }
  v8::Local<v8::Value> out;
  if (readValue(isolate, delegate, data + 4 + n, bytes.size() - 4 - n).ToLocal(&out)) info.GetReturnValue().Set(out);
}

void structuredCloneNative(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[2]->IsFunction() || !info[3]->IsFunction()) {
    throwError(isolate, "TypeError", "structuredClone: bad arguments");
    return;
  }
  auto to_parts = info[2].As<v8::Function>();
  auto from_parts = info[3].As<v8::Function>();
  CloneDelegate delegate(isolate, info[4]);
  std::vector<v8::Local<v8::ArrayBuffer>> transfer;
  if (info[1]->IsArray()) {
    auto list = info[1].As<v8::Array>();
    for (uint32_t i = 0; i < list->Length(); ++i) {
      v8::Local<v8::Value> v;
      if (!list->Get(context, i).ToLocal(&v)) return;
      if (!v->IsArrayBuffer()) continue;
      auto ab = v.As<v8::ArrayBuffer>();
      if (ab->WasDetached() || !ab->IsDetachable()) {
        v8::Local<v8::Value> error = v8::Exception::Error(v8str(isolate, "An ArrayBuffer is detached and could not be cloned."));
        if (info[4]->IsSymbol()) error.As<v8::Object>()->Set(context, info[4], v8::True(isolate)).Check();
        isolate->ThrowException(error);
        return;
      }
      transfer.push_back(ab);
    }
  }
  v8::ValueSerializer serializer(isolate, &delegate);
  delegate.serializer = &serializer;
  for (size_t i = 0; i < transfer.size(); ++i) serializer.TransferArrayBuffer(static_cast<uint32_t>(i), transfer[i]);
  serializer.WriteHeader();
  if (!serializer.WriteValue(context, info[0]).FromMaybe(false)) return;  // exception pending
  std::pair<uint8_t*, size_t> data = serializer.Release();
  struct Freed {
    uint8_t* p;
    ~Freed() { std::free(p); }
  } freed{data.first};
  // The host objects' copies: their parts (a DataCloneError for one that
  // cannot be cloned), then new objects from them.
  for (auto& original : delegate.originals) {
    v8::Local<v8::Value> args[] = {original.Get(isolate)};
    v8::Local<v8::Value> parts, copy;
    if (!to_parts->Call(context, v8::Undefined(isolate), 1, args).ToLocal(&parts)) return;
    v8::Local<v8::Value> args2[] = {parts};
    if (!from_parts->Call(context, v8::Undefined(isolate), 1, args2).ToLocal(&copy) || !copy->IsObject()) return;
    delegate.copies.push_back(copy.As<v8::Object>());
  }
  // The copies take over the transferred buffers' memory; the originals are
  // detached.
  std::vector<v8::Local<v8::ArrayBuffer>> moved;
  for (auto& ab : transfer) {
    moved.push_back(v8::ArrayBuffer::New(isolate, ab->GetBackingStore()));
    ab->Detach();
  }
  v8::ValueDeserializer deserializer(isolate, data.first, data.second, &delegate);
  delegate.deserializer = &deserializer;
  for (size_t i = 0; i < moved.size(); ++i) deserializer.TransferArrayBuffer(static_cast<uint32_t>(i), moved[i]);
  v8::Local<v8::Value> out;
  if (deserializer.ReadHeader(context).FromMaybe(false) && deserializer.ReadValue(context).ToLocal(&out)) {
    info.GetReturnValue().Set(out);
  }
}

}  // namespace verge::runtime
