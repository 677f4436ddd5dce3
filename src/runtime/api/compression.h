// Natives of CompressionStream / DecompressionStream (src/js/compression.js):
// gzip, deflate (zlib) and deflate-raw over zlib, and brotli (as workerd
// accepts) over libbrotli; one stream per handle.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds to `native`:
//   zlibCreate(format, decompress) → a handle ("gzip", "deflate",
//     "deflate-raw" or "brotli"); its zlib stream is freed when the handle is collected.
//   zlibPush(handle, bytes | null, finish) → array of Uint8Array chunks of
//     output. With `finish` the input is complete: compression writes its
//     trailer; decompression throws TypeError if the data ended early.
//     Corrupt input, or input after the end of the compressed data, throws
//     TypeError.
// and, for node:zlib (src/node/zlib.js), which validates the arguments:
//   zlibCreateWith(format, decompress, level, windowBits, memLevel, strategy,
//     dictionary | undefined, [brotliParam, value, …] | undefined) → a handle
//     zlibPush takes; Error "Initialization failed" if zlib or brotli refuse
//     the settings. Its decompression throws Error "Missing dictionary" /
//     "Bad dictionary" where zlib asks for one.
//   zlibFlush(handle, kind) → chunks: a compressor's pending output, ended
//     with zlib's flush `kind` (brotli: BROTLI_OPERATION_FLUSH).
//   zlibParams(handle, level, strategy) → chunks (deflateParams).
//   zlibReset(handle): the stream starts over with the same settings.
// zlibCreate's streams (CompressionStream's) keep their path: nothing above
// runs for them.
void installCompressionNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                               v8::Local<v8::Object> native);

}  // namespace verge::runtime
