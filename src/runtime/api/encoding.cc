// The natives of TextDecoder beyond UTF-8: label lookup and decoding (the
// decoders themselves are in text_decoder.cc). A decoder's state lives in a
// caller-owned Int32Array, so a streaming TextDecoder needs no native object.
#include "runtime/api/encoding.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/api/encoding_tables.h"
#include "runtime/api/text_decoder.h"
#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

using namespace encoding;
using Args = const v8::FunctionCallbackInfo<v8::Value>&;

std::string lowerName(int enc) {
  std::string name = kEncodingNames[enc];
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void encodingForLabel(Args info) {
  auto* isolate = info.GetIsolate();
  int enc = encoding::encodingForLabel(toStdString(isolate, info[0]));
  if (enc < 0) {
    info.GetReturnValue().SetNull();
    return;
  }
  v8::Local<v8::Value> parts[] = {v8::Integer::New(isolate, enc), v8str(isolate, lowerName(enc))};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 2));
}

void textDecode(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  int enc = info[0]->Int32Value(context).FromMaybe(-1);
  if (enc < 0 || enc >= kEncodingCount || enc == kUtf8 || !info[4]->IsInt32Array() ||
      info[4].As<v8::Int32Array>()->Length() < 8) {
    throwError(isolate, "TypeError", "textDecode: bad arguments");
    return;
  }
  bool fatal = info[2]->BooleanValue(isolate);
  bool flush = info[3]->BooleanValue(isolate);
  auto state_array = info[4].As<v8::Int32Array>();
  int32_t state[8];
  state_array->CopyContents(state, sizeof(state));
  std::u16string text;
  bool failed = !decode(enc, bytesOf(info[1]), fatal, flush, state, text);
  // Write the state back (the view may not be detached by anything above:
  // no JS ran).
  auto store = state_array->Buffer()->GetBackingStore();
  std::memcpy(static_cast<char*>(store->Data()) + state_array->ByteOffset(), state, sizeof(state));
  if (failed) {
    throwError(isolate, "TypeError", "The encoded data was not valid for encoding " + lowerName(enc));
    return;
  }
  v8::Local<v8::String> s;
  if (!v8::String::NewFromTwoByte(isolate, reinterpret_cast<const uint16_t*>(text.data()),
                                  v8::NewStringType::kNormal, static_cast<int>(text.size()))
           .ToLocal(&s)) {
    throwError(isolate, "RangeError", "string too long");
    return;
  }
  info.GetReturnValue().Set(s);
}

}  // namespace

void installEncodingNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native) {
  native->Set(context, v8str(isolate, "encodingForLabel"), v8::Function::New(context, encodingForLabel).ToLocalChecked())
      .Check();
  native->Set(context, v8str(isolate, "textDecode"), v8::Function::New(context, textDecode).ToLocalChecked()).Check();
}

}  // namespace verge::runtime
