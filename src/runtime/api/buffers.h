// Natives for ArrayBuffer ownership that V8 10.2 does not expose to JS:
// detaching a buffer and asking whether it was detached. They back
// ArrayBuffer.prototype.transfer / transferToFixedLength / detached
// (src/js/es_builtins.js) and the Streams Standard's TransferArrayBuffer
// (src/js/streams.js). Internal to the runtime layer.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds to `native`:
//   transferArrayBuffer(buffer[, newLength]) -> a new ArrayBuffer holding the
//     first min(newLength, byteLength) bytes of `buffer` (zero-filled past
//     them), `buffer` itself detached. newLength defaults to the byteLength;
//     the caller has done ToIndex on it. Throws TypeError when `buffer` is not
//     an ArrayBuffer (a SharedArrayBuffer is not), is detached, or cannot be
//     detached (WebAssembly memory); RangeError when the new length does not
//     fit the isolate's memory limit.
//   isDetached(value) -> whether the ArrayBuffer `value` is detached;
//     undefined when `value` is not an ArrayBuffer (a SharedArrayBuffer is
//     not one).
void installBufferNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Object> native);

}  // namespace verge::runtime
