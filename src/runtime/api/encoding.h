// Natives of the Encoding Standard beyond UTF-8 (src/js/encoding.js):
// label lookup and the decoders of every legacy encoding, UTF-16 and
// x-user-defined, per https://encoding.spec.whatwg.org/.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds encodingForLabel and textDecode to `native`:
//   encodingForLabel(label) → [id, name] for a label of the standard (after
//     trimming ASCII whitespace, case-insensitively), or null.
//   textDecode(id, bytes, fatal, flush, state) → string. `state` is an
//     Int32Array(8) that holds the decoder's state between calls (zeros for
//     a new decoder); with `flush` the end of the input is the end of the
//     stream. A decoding error throws TypeError when `fatal` (and resets
//     `state`), else becomes U+FFFD. BOM handling is the caller's.
void installEncodingNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                            v8::Local<v8::Object> native);

}  // namespace verge::runtime
