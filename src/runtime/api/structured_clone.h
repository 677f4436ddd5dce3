// structuredClone() (globals.js) over V8's serializer, with the runtime's
// host objects (Blob, File) and transferred ArrayBuffers.
#pragma once

#include <v8.h>

namespace verge::runtime {

// native.structuredClone(value, transferList, hostParts, hostFromParts, marker).
void structuredCloneNative(const v8::FunctionCallbackInfo<v8::Value>& info);

}  // namespace verge::runtime
