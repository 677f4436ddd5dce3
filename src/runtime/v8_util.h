// Small helpers for V8 handles used across the runtime layer.
#pragma once

#include <v8.h>

#include <string>
#include <string_view>

namespace verge::runtime {

// UTF-8 → JS string.
v8::Local<v8::String> v8str(v8::Isolate* isolate, std::string_view s);
// Bytes → JS string one char per byte (Fetch's ByteString for header values).
v8::Local<v8::String> byteString(v8::Isolate* isolate, std::string_view s);
// JS value → UTF-8.
std::string toStdString(v8::Isolate* isolate, v8::Local<v8::Value> value);
// JS string → bytes: one byte per char when every char fits in Latin-1 (the
// ByteString that header values are), UTF-8 otherwise.
std::string toByteString(v8::Isolate* isolate, v8::Local<v8::Value> value);
// A one-line description of any value for logs: an Error's stack, else String(v).
std::string describeValue(v8::Isolate* isolate, v8::Local<v8::Value> value);
// The bytes of an ArrayBuffer or a view, without copying; valid until the
// next JS allocation. Empty for anything else.
std::string_view bytesOf(v8::Local<v8::Value> value);
// Throws a new `type` ("TypeError", "RangeError", "Error") with `message`.
void throwError(v8::Isolate* isolate, std::string_view type, std::string_view message);

}  // namespace verge::runtime
