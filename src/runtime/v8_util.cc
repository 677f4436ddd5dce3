#include "runtime/v8_util.h"

#include <cstring>

namespace verge::runtime {

v8::Local<v8::String> v8str(v8::Isolate* isolate, std::string_view s) {
  // ASCII (URLs, methods, names: nearly every string handed over) is the
  // same in UTF-8 and Latin-1, and the one-byte constructor skips V8's
  // UTF-8 decoder.
  bool ascii = true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return byteString(isolate, s);
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(s.size()))
      .ToLocalChecked();
}

v8::Local<v8::String> byteString(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t*>(s.data()),
                                    v8::NewStringType::kNormal, static_cast<int>(s.size()))
      .ToLocalChecked();
}

std::string toStdString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return {};
  v8::String::Utf8Value utf8(isolate, value);
  return *utf8 ? std::string(*utf8, static_cast<size_t>(utf8.length())) : std::string();
}

std::string toByteString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::Local<v8::String> s;
  if (value->IsString()) {
    s = value.As<v8::String>();
  } else if (!value->ToString(isolate->GetCurrentContext()).ToLocal(&s)) {
    return {};
  }
  if (s->ContainsOnlyOneByte()) {
    std::string out(static_cast<size_t>(s->Length()), '\0');
    s->WriteOneByte(isolate, reinterpret_cast<uint8_t*>(out.data()), 0, s->Length(),
                    v8::String::NO_NULL_TERMINATION);
    return out;
  }
  return toStdString(isolate, s);
}

std::string describeValue(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return "(empty)";
  if (value->IsObject()) {
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::Local<v8::Value> stack;
    v8::TryCatch try_catch(isolate);
    if (value.As<v8::Object>()->Get(context, v8str(isolate, "stack")).ToLocal(&stack) &&
        stack->IsString()) {
      return toStdString(isolate, stack);
    }
  }
  return toStdString(isolate, value);
}

std::string_view bytesOf(v8::Local<v8::Value> value) {
  if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    auto store = view->Buffer()->GetBackingStore();
    return {static_cast<const char*>(store->Data()) + view->ByteOffset(), view->ByteLength()};
  }
  if (value->IsArrayBuffer()) {
    auto store = value.As<v8::ArrayBuffer>()->GetBackingStore();
    return {static_cast<const char*>(store->Data()), store->ByteLength()};
  }
  return {};
}


void throwError(v8::Isolate* isolate, std::string_view type, std::string_view message) {
  v8::Local<v8::String> msg = v8str(isolate, message);
  v8::Local<v8::Value> error;
  if (type == "TypeError") error = v8::Exception::TypeError(msg);
  else if (type == "RangeError") error = v8::Exception::RangeError(msg);
  else error = v8::Exception::Error(msg);
  isolate->ThrowException(error);
}

}  // namespace verge::runtime
