// zlib and brotli behind CompressionStream and DecompressionStream.
#include "runtime/api/compression.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <cstring>
#include <memory>
#include <utility>
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
  // node:zlib's options (zlibCreateWith): kept so that reset() can start over.
  std::string format;
  int level = Z_DEFAULT_COMPRESSION, window_bits = 15, mem_level = 8, strategy = Z_DEFAULT_STRATEGY;
  std::string dictionary;
  std::vector<std::pair<int, uint32_t>> brotli_params;
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

// Returns a new handle that owns `s` (freed with it).
void returnHandle(Args info, ZStream* s) {
  auto* isolate = info.GetIsolate();
  auto tmpl = v8::ObjectTemplate::New(isolate);
  tmpl->SetInternalFieldCount(1);
  v8::Local<v8::Object> handle;
  if (!tmpl->NewInstance(isolate->GetCurrentContext()).ToLocal(&handle)) {
    delete s;
    return;
  }
  handle->SetAlignedPointerInInternalField(0, s);
  s->handle.Reset(isolate, handle);
  s->handle.SetWeak(s, freeStream, v8::WeakCallbackType::kParameter);
  info.GetReturnValue().Set(handle);
}

void zlibCreate(Args info) {
  auto* isolate = info.GetIsolate();
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
  returnHandle(info, s);
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
      if (rc == Z_NEED_DICT && !s->format.empty()) {  // node:zlib (zlibCreateWith)
        if (!s->dictionary.empty() &&
            inflateSetDictionary(&s->z, reinterpret_cast<const Bytef*>(s->dictionary.data()),
                                 static_cast<uInt>(s->dictionary.size())) == Z_OK)
          continue;
        s->failed = true;
        throwError(isolate, "Error", s->dictionary.empty() ? "Missing dictionary" : "Bad dictionary");
        return;
      }
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

// ---- node:zlib's options and operations ----

// (Re)starts `s` from its stored options; false if zlib or brotli refuse them.
bool startStream(ZStream* s) {
  if (s->format == "brotli") {
    if (s->decompress) {
      s->brotli_decoder = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
      if (!s->brotli_decoder) return false;
      for (auto [k, v] : s->brotli_params)
        if (!BrotliDecoderSetParameter(s->brotli_decoder, static_cast<BrotliDecoderParameter>(k), v)) return false;
    } else {
      s->brotli_encoder = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
      if (!s->brotli_encoder) return false;
      for (auto [k, v] : s->brotli_params)
        if (!BrotliEncoderSetParameter(s->brotli_encoder, static_cast<BrotliEncoderParameter>(k), v)) return false;
    }
    return true;
  }
  bool raw = s->format == "deflate-raw";
  int bits = s->format == "gzip" ? s->window_bits + 16 : raw ? -s->window_bits : s->window_bits;
  int rc = s->decompress ? inflateInit2(&s->z, bits)
                         : deflateInit2(&s->z, s->level, Z_DEFLATED, bits, s->mem_level, s->strategy);
  if (rc != Z_OK) return false;
  return true;
}

// Gives a fresh (or reset) zlib stream its dictionary: a compressor always,
// a raw decompressor now (zlib's asks for it through Z_NEED_DICT).
bool applyDictionary(ZStream* s) {
  if (s->dictionary.empty() || s->brotli()) return true;
  const auto* d = reinterpret_cast<const Bytef*>(s->dictionary.data());
  auto n = static_cast<uInt>(s->dictionary.size());
  if (!s->decompress) return deflateSetDictionary(&s->z, d, n) == Z_OK;
  if (s->format == "deflate-raw") return inflateSetDictionary(&s->z, d, n) == Z_OK;
  return true;
}

int intOf(v8::Isolate* isolate, v8::Local<v8::Value> v, int fallback) {
  if (v->IsUndefined()) return fallback;
  return static_cast<int>(v->Int32Value(isolate->GetCurrentContext()).FromMaybe(fallback));
}

// zlibCreateWith(format, decompress, level, windowBits, memLevel, strategy,
//   dictionary | undefined, brotliParams [key, value, …] | undefined) → handle
// node:zlib's constructor; the arguments are validated by zlib.js.
void zlibCreateWith(Args info) {
  auto* isolate = info.GetIsolate();
  auto s = std::make_unique<ZStream>();
  s->format = toStdString(isolate, info[0]);
  s->decompress = info[1]->BooleanValue(isolate);
  if (s->format != "gzip" && s->format != "deflate" && s->format != "deflate-raw" && s->format != "brotli") {
    throwError(isolate, "TypeError", "Unsupported compression format: '" + s->format + "'");
    return;
  }
  s->level = intOf(isolate, info[2], Z_DEFAULT_COMPRESSION);
  s->window_bits = intOf(isolate, info[3], 15);
  s->mem_level = intOf(isolate, info[4], 8);
  s->strategy = intOf(isolate, info[5], Z_DEFAULT_STRATEGY);
  if (!info[6]->IsUndefined()) s->dictionary = std::string(bytesOf(info[6]));
  if (info[7]->IsArray()) {
    auto params = info[7].As<v8::Array>();
    for (uint32_t i = 0; i + 1 < params->Length(); i += 2) {
      v8::Local<v8::Value> k, v;
      if (!params->Get(isolate->GetCurrentContext(), i).ToLocal(&k) ||
          !params->Get(isolate->GetCurrentContext(), i + 1).ToLocal(&v))
        return;
      s->brotli_params.emplace_back(intOf(isolate, k, 0),
                                    static_cast<uint32_t>(v->Uint32Value(isolate->GetCurrentContext()).FromMaybe(0)));
    }
  }
  if (!startStream(s.get()) || !applyDictionary(s.get())) {
    throwError(isolate, "Error", "Initialization failed");
    return;
  }
  returnHandle(info, s.release());
}

ZStream* nodeStreamOf(Args info) {
  ZStream* s = streamOf(info[0]);
  if (!s || s->format.empty()) {
    throwError(info.GetIsolate(), "TypeError", "not a node:zlib stream");
    return nullptr;
  }
  return s;
}

// zlibFlush(handle, kind) → array of Uint8Array chunks: what a compressor
// holds, ended with zlib's flush `kind` (Z_SYNC_FLUSH, Z_FULL_FLUSH …) or
// brotli's BROTLI_OPERATION_FLUSH. Nothing for a decompressor, which
// never holds output back.
void zlibFlush(Args info) {
  auto* isolate = info.GetIsolate();
  ZStream* s = nodeStreamOf(info);
  if (!s) return;
  int kind = intOf(isolate, info[1], Z_FULL_FLUSH);
  std::vector<v8::Local<v8::Value>> chunks;
  if (!s->decompress && !s->failed) {
    uint8_t out[kChunk];
    if (s->brotli_encoder) {
      size_t avail_in = 0;
      const uint8_t* next_in = nullptr;
      do {
        uint8_t* next_out = out;
        size_t avail_out = sizeof out;
        if (!BrotliEncoderCompressStream(s->brotli_encoder, BROTLI_OPERATION_FLUSH, &avail_in, &next_in, &avail_out,
                                         &next_out, nullptr)) {
          throwError(isolate, "Error", "brotli flush failed");
          return;
        }
        if (!emit(isolate, out, sizeof out - avail_out, chunks)) return;
      } while (BrotliEncoderHasMoreOutput(s->brotli_encoder));
    } else {
      s->z.next_in = nullptr;
      s->z.avail_in = 0;
      do {
        s->z.next_out = out;
        s->z.avail_out = sizeof out;
        int rc = deflate(&s->z, kind);
        if (rc == Z_STREAM_ERROR) {
          throwError(isolate, "Error", "zlib flush failed");
          return;
        }
        if (!emit(isolate, out, sizeof out - s->z.avail_out, chunks)) return;
      } while (s->z.avail_out == 0);
    }
  }
  info.GetReturnValue().Set(v8::Array::New(isolate, chunks.data(), chunks.size()));
}

// zlibParams(handle, level, strategy) → array of chunks (what deflateParams
// had to compress at the old settings)
void zlibParams(Args info) {
  auto* isolate = info.GetIsolate();
  ZStream* s = nodeStreamOf(info);
  if (!s) return;
  std::vector<v8::Local<v8::Value>> chunks;
  if (!s->decompress && !s->brotli()) {
    int level = intOf(isolate, info[1], s->level), strategy = intOf(isolate, info[2], s->strategy);
    uint8_t out[kChunk];
    s->z.next_in = nullptr;
    s->z.avail_in = 0;
    for (;;) {
      s->z.next_out = out;
      s->z.avail_out = sizeof out;
      int rc = deflateParams(&s->z, level, strategy);
      if (!emit(isolate, out, sizeof out - s->z.avail_out, chunks)) return;
      if (rc == Z_BUF_ERROR && s->z.avail_out == 0) continue;
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throwError(isolate, "Error", "zlib params failed");
        return;
      }
      break;
    }
    s->level = level;
    s->strategy = strategy;
  }
  info.GetReturnValue().Set(v8::Array::New(isolate, chunks.data(), chunks.size()));
}

// zlibReset(handle): back to the state just after creation, same options.
void zlibReset(Args info) {
  auto* isolate = info.GetIsolate();
  ZStream* s = nodeStreamOf(info);
  if (!s) return;
  s->ended = false;
  s->failed = false;
  bool ok;
  if (s->brotli()) {
    if (s->brotli_encoder) BrotliEncoderDestroyInstance(s->brotli_encoder);
    if (s->brotli_decoder) BrotliDecoderDestroyInstance(s->brotli_decoder);
    s->brotli_encoder = nullptr;
    s->brotli_decoder = nullptr;
    ok = startStream(s);
    s->failed = !ok;  // zlibPush then refuses the stream
  } else {
    ok = (s->decompress ? inflateReset(&s->z) : deflateReset(&s->z)) == Z_OK && applyDictionary(s);
  }
  if (!ok) throwError(isolate, "Error", "zlib reset failed");
}

}  // namespace

void installCompressionNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native) {
  native->Set(context, v8str(isolate, "zlibCreate"), v8::Function::New(context, zlibCreate).ToLocalChecked()).Check();
  native->Set(context, v8str(isolate, "zlibPush"), v8::Function::New(context, zlibPush).ToLocalChecked()).Check();
  native->Set(context, v8str(isolate, "zlibCreateWith"), v8::Function::New(context, zlibCreateWith).ToLocalChecked())
      .Check();
  native->Set(context, v8str(isolate, "zlibFlush"), v8::Function::New(context, zlibFlush).ToLocalChecked()).Check();
  native->Set(context, v8str(isolate, "zlibParams"), v8::Function::New(context, zlibParams).ToLocalChecked()).Check();
  native->Set(context, v8str(isolate, "zlibReset"), v8::Function::New(context, zlibReset).ToLocalChecked()).Check();
}

}  // namespace verge::runtime
