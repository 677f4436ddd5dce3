// Natives about error objects that V8 10.2 does not expose to JS. They back
// Error.isError (src/js/es_builtins.js). Internal to the runtime layer.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds to `native`:
//   isError(value) -> true when `value` is an object with an [[ErrorData]]
//     internal slot: made by an Error constructor (any of the native ones,
//     or a class extending them), whatever its prototype or @@toStringTag
//     says. False for a Proxy of an error and for plain objects that inherit
//     from Error.prototype.
void installErrorNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         v8::Local<v8::Object> native);

}  // namespace verge::runtime
