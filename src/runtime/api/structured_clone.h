// structuredClone() (globals.js) over V8's serializer, with the runtime's
// host objects (Blob, File) and transferred ArrayBuffers.
#pragma once

#include <v8.h>

namespace verge::runtime {

// native.structuredClone(value, transferList, hostParts, hostFromParts, marker).
void structuredCloneNative(const v8::FunctionCallbackInfo<v8::Value>& info);

// The two halves apart, for messages between isolates (RPC, rpc.js):
// native.serialize(value, hostParts, marker) → Uint8Array, where each host
// object is written as hostParts(object) (plain values), and
// native.deserialize(bytes, hostFromParts) → value, each host object made
// by hostFromParts(parts). Refusals are thrown as serialize's marker says.
void serializeNative(const v8::FunctionCallbackInfo<v8::Value>& info);
void deserializeNative(const v8::FunctionCallbackInfo<v8::Value>& info);

}  // namespace verge::runtime
