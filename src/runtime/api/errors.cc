// See errors.h.
#include "runtime/api/errors.h"

#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

void isError(const v8::FunctionCallbackInfo<v8::Value>& info) {
  // V8's JSError is exactly the objects that have [[ErrorData]].
  info.GetReturnValue().Set(info.Length() > 0 && info[0]->IsNativeError());
}

}  // namespace

void installErrorNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         v8::Local<v8::Object> native) {
  auto fn = v8::Function::New(context, isError).ToLocalChecked();
  native->Set(context, v8str(isolate, "isError"), fn).Check();
}

}  // namespace verge::runtime
