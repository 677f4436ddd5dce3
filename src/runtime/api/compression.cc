// zlib and brotli behind CompressionStream and DecompressionStream.
#include "runtime/api/compression.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

constexpr size_t kChunk = 16 * 1024;

struct ZStream {
  z_stream z{};
  BrotliEncoderState* brotli_encoder = nullptr;  // set for "brotli"
  BrotliDecoderState* brotli_decoder = nullptr;
  bool decompress = false;
  bool ended = false;  // decompression reached the end of the data
  bool failed = false;
  v8::Global<v8::Object> handle;
  bool brotli() const { return brotli_encoder || brotli_decoder; }
  ~ZStream() {
    if (brotli_encoder) BrotliEncoderDestroyInstance(brotli_encoder);
    else if (brotli_decoder) BrotliDecoderDestroyInstance(brotli_decoder);
    else if (decompress) inflateEnd(&z);
    else deflateEnd(&z);
  }
};

void freeStream(const v8::WeakCallbackInfo<ZStream>& info) {
  ZStream* s = info.GetParameter();
  s->handle.Reset();
  delete s;
}

ZStream* streamOf(v8::Local<v8::Value> v) {
  if (!v->IsObject()) return nullptr;
  auto o = v.As<v8::Object>();
  if (o->InternalFieldCount() != 1) return nullptr;
  return static_cast<ZStream*>(o->GetAlignedPointerFromInternalField(0));
}

void zlibCreate(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  std::string format = toStdString(isolate, info[0]);
  bool decompress = info[1]->BooleanValue(isolate);
  // zlib's windowBits: 15 with the zlib wrapper, +16 for gzip, negative raw.
  int bits = format == "gzip" ? 15 + 16 : format == "deflate" ? 15 : format == "deflate-raw" ? -15 : 0;
  if (bits == 0 && format != "brotli") {
    throwError(isolate, "TypeError", "Unsupported compression format: '" + format + "'");
    return;
  }
  auto* s = new ZStream;
  s->decompress = decompress;
  int rc = Z_OK;
  if (format == "brotli") {
    if (decompress) s->brotli_decoder = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    else s->brotli_encoder = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (!s->brotli()) rc = Z_MEM_ERROR;
  } else {
    rc = decompress ? inflateInit2(&s->z, bits)
                    : deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY);
  }
  if (rc != Z_OK) {
    delete s;
    throwError(isolate, "Error", "zlib could not start");
    return;
  }
  auto tmpl = v8::ObjectTemplate::New(isolate);
  tmpl->SetInternalFieldCount(1);
  v8::Local<v8::Object> handle;
  if (!tmpl->NewInstance(context).ToLocal(&handle)) {
    delete s;
    return;
  }
  handle->SetAlignedPointerInInternalField(0, s);
  s->handle.Reset(isolate, handle);
  s->handle.SetWeak(s, freeStream, v8::WeakCallbackType::kParameter);
  info.GetReturnValue().Set(handle);
}

// Appends `n` bytes of output as a Uint8Array; false (RangeError thrown)
// over the isolate's memory limit.
bool emit(v8::Isolate* isolate, const uint8_t* data, size_t n, std::vector<v8::Local<v8::Value>>& chunks) {
  if (n == 0) return true;
  v8::Local<v8::ArrayBuffer> buffer;
  if (!newBuffer(isolate, n).ToLocal(&buffer)) return false;
  std::memcpy(buffer->GetBackingStore()->Data(), data, n);
  chunks.push_back(v8::Uint8Array::New(buffer, 0, n));
  return true;
}

bool brotliPush(v8::Isolate* isolate, ZStream* s, const std::string& in, bool finish,
                std::vector<v8::Local<v8::Value>>& chunks) {
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  size_t avail_in = in.size();
  uint8_t out[kChunk];
  if (s->brotli_encoder) {
    for (;;) {
      uint8_t* next_out = out;
      size_t avail_out = sizeof(out);
      if (!BrotliEncoderCompressStream(s->brotli_encoder, finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS,
                                       &avail_in, &next_in, &avail_out, &next_out, nullptr)) {
        s->failed = true;
        throwError(isolate, "TypeError", "brotli compression failed.");
        return false;
      }
      if (!emit(isolate, out, sizeof(out) - avail_out, chunks)) return false;
      if (finish ? BrotliEncoderIsFinished(s->brotli_encoder)
                 : avail_in == 0 && !BrotliEncoderHasMoreOutput(s->brotli_encoder)) {
        return true;
      }
    }
  }
  for (;;) {
    uint8_t* next_out = out;
    size_t avail_out = sizeof(out);
    BrotliDecoderResult r = BrotliDecoderDecompressStream(s->brotli_decoder, &avail_in, &next_in, &avail_out,
                                                          &next_out, nullptr);
    if (r == BROTLI_DECODER_RESULT_ERROR) {
      s->failed = true;
      throwError(isolate, "TypeError", "The compressed data is invalid.");
      return false;
    }
    if (!emit(isolate, out, sizeof(out) - avail_out, chunks)) return false;
    if (r == BROTLI_DECODER_RESULT_SUCCESS) {
      s->ended = true;
      if (avail_in > 0) {
        s->failed = true;
        throwError(isolate, "TypeError", "Junk found after the end of the compressed data.");
        return false;
      }
      break;
    }
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) break;
  }
  if (finish && !s->ended) {
    s->failed = true;
    throwError(isolate, "TypeError", "The compressed data ended before its end.");
    return false;
  }
  return true;
}

void zlibPush(Args info) {
  auto* isolate = info.GetIsolate();
  ZStream* s = streamOf(info[0]);
  if (!s) {
    throwError(isolate, "TypeError", "zlibPush: not a compression stream");
    return;
  }
  bool finish = info[2]->BooleanValue(isolate);
  std::string_view input = info[1]->IsNullOrUndefined() ? std::string_view() : bytesOf(info[1]);
  // The input is copied: producing output allocates, which may move nothing
  // but may run GC finalizers; the view is only valid until then.
  std::string in(input);
  std::vector<v8::Local<v8::Value>> chunks;
  if (s->failed) {
    throwError(isolate, "TypeError", "The compressed data is invalid.");
    return;
  }
  if (s->decompress && s->ended && !in.empty()) {
    s->failed = true;
    throwError(isolate, "TypeError", "Junk found after the end of the compressed data.");
    return;
  }
  if (s->brotli()) {
    if (!brotliPush(isolate, s, in, finish, chunks)) return;
    info.GetReturnValue().Set(v8::Array::New(isolate, chunks.data(), chunks.size()));
    return;
  }
  s->z.next_in = reinterpret_cast<Bytef*>(in.data());
  s->z.avail_in = static_cast<uInt>(in.size());
  std::string out(kChunk, '\0');
  for (;;) {
    s->z.next_out = reinterpret_cast<Bytef*>(out.data());
    s->z.avail_out = static_cast<uInt>(out.size());
    int rc;
    if (s->decompress) {
      rc = s->ended ? Z_STREAM_END : inflate(&s->z, Z_NO_FLUSH);
      if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR) {
        s->failed = true;
        throwError(isolate, "TypeError", "The compressed data is invalid.");
        return;
      }
    } else {
      rc = deflate(&s->z, finish ? Z_FINISH : Z_NO_FLUSH);
    }
    if (!emit(isolate, reinterpret_cast<const uint8_t*>(out.data()), out.size() - s->z.avail_out, chunks)) return;
    if (s->decompress && rc == Z_STREAM_END) {
      s->ended = true;
      if (s->z.avail_in > 0) {
        s->failed = true;
        throwError(isolate, "TypeError", "Junk found after the end of the compressed data.");
        return;
      }
      break;
    }
    if (!s->decompress && rc == Z_STREAM_END) break;
    // More output may come while zlib filled the whole buffer.
    if (s->z.avail_out == 0) continue;
    if (s->z.avail_in == 0) break;
    if (rc == Z_BUF_ERROR) break;
  }
  if (finish && s->decompress && !s->ended) {
    s->failed = true;
    throwError(isolate, "TypeError", "The compressed data ended before its end.");
    return;
  }
  info.GetReturnValue().Set(v8::Array::New(isolate, chunks.data(), chunks.size()));
}

}  // namespace

void installCompressionNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native) {
  native->Set(context, v8str(isolate, "zlibCreate"), v8::Function::New(context, zlibCreate).ToLocalChecked()).Check();
  native->Set(context, v8str(isolate, "zlibPush"), v8::Function::New(context, zlibPush).ToLocalChecked()).Check();
}

}  // namespace verge::runtime
