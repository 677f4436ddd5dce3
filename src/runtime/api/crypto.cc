// Natives behind WebCrypto (src/js/crypto.js) on OpenSSL 3.
//
// Handles. A key's material (secret bytes or an EVP_PKEY) and a
// DigestStream's hashing state live in a `Handle`, which is the backing
// store of a small JS ArrayBuffer that crypto.js keeps in a private field
// of the CryptoKey. V8 calls the store's deleter when the ArrayBuffer is
// collected or the isolate is disposed, so material is freed (and secrets
// wiped with OPENSSL_cleanse) without a weak-callback list to maintain, and
// it is parsed once, at import or generation, never per operation. The
// deleter may run on one of V8's background threads; by then nothing can
// reach the handle, so that is safe. Otherwise a handle is used only on its
// isolate's thread. User code never sees a handle: they pass only between
// crypto.js and here.
//
// Errors. Every native runs its body under `guarded`: a CryptoError
// becomes a thrown [name, message] array, which crypto.js turns into the
// DOMException of that name; OpenSSL's error queue is cleared so that one
// failure never leaks into the next operation. Malformed input (DER, JWK
// members, signatures) is a DataError or OperationError, never a crash.
//
// Speed. Digests, ciphers and MACs are fetched from the default provider
// once per process (a fetch takes a lock and a lookup), and a key keeps
// what its operations would otherwise rebuild every time: an HMAC key its
// keyed EVP_MAC_CTX, an AES-GCM key its key schedule, an RSA public key its
// verify context. Results written in full are allocated without zeroing.
#include "runtime/api/crypto.h"

// ECDSA verification uses the EC_KEY API, deprecated in OpenSSL 3 but the
// only one that verifies (r, s) without DER round trips through the
// provider (54.0 against 56.9 us per P-256 verify, measured on its own).
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/node_crypto.h"
#include "runtime/api/openssl_ptr.h"
#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;
using Bytes = std::string_view;

// ---- errors ----

// A failure to report as the DOMException `name`.
struct CryptoError {
  const char* name;
  std::string message;
};

[[noreturn]] void fail(const char* name, std::string message) {
  throw CryptoError{name, std::move(message)};
}
[[noreturn]] void operationError(std::string message) { fail("OperationError", std::move(message)); }
[[noreturn]] void dataError(std::string message) { fail("DataError", std::move(message)); }

// Runs a native's body; C++ failures become a thrown [name, message].
template <class F>
void guarded(Args info, F&& fn) {
  v8::Isolate* isolate = info.GetIsolate();
  const char* name = nullptr;
  std::string message;
  try {
    fn();
    return;
  } catch (const CryptoError& e) {
    name = e.name;
    message = e.message;
  } catch (const std::bad_alloc&) {
    name = "OperationError";
    message = "out of memory";
  }
  ERR_clear_error();
  v8::Local<v8::Value> items[] = {v8str(isolate, name), v8str(isolate, message)};
  isolate->ThrowException(v8::Array::New(isolate, items, 2));
}

// (Owning pointers for OpenSSL objects: openssl_ptr.h.)

// A vector whose contents are wiped when it goes away (key bytes, secrets).
struct SecretBytes {
  std::vector<unsigned char> data;
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data(n) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() {
    if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
  }
};

// ---- algorithms fetched once ----

// The message digests WebCrypto names (and MD5, which Workers allow for
// digest()); nullptr for any other name.
const EVP_MD* digestByName(std::string_view name) {
  struct Entry {
    const char* webcrypto;
    const EVP_MD* md;
  };
  static const Entry kTable[] = {
      {"SHA-1", EVP_MD_fetch(nullptr, "SHA1", nullptr)},
      {"SHA-256", EVP_MD_fetch(nullptr, "SHA256", nullptr)},
      {"SHA-384", EVP_MD_fetch(nullptr, "SHA384", nullptr)},
      {"SHA-512", EVP_MD_fetch(nullptr, "SHA512", nullptr)},
      {"MD5", EVP_MD_fetch(nullptr, "MD5", nullptr)},
  };
  for (const auto& e : kTable) {
    if (name == e.webcrypto) return e.md;
  }
  return nullptr;
}

const EVP_MD* requireDigest(std::string_view name) {
  const EVP_MD* md = digestByName(name);
  if (!md) fail("NotSupportedError", "Unrecognized hash algorithm: " + std::string(name));
  return md;
}

enum class AesMode { kCbc, kCtr, kGcm, kKw };

const EVP_CIPHER* aesCipher(AesMode mode, size_t key_bytes) {
  static const EVP_CIPHER* kTable[4][3] = {
      {EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr), EVP_CIPHER_fetch(nullptr, "AES-192-CBC", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)},
      {EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr), EVP_CIPHER_fetch(nullptr, "AES-192-CTR", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr)},
      {EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr), EVP_CIPHER_fetch(nullptr, "AES-192-GCM", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)},
      {EVP_CIPHER_fetch(nullptr, "AES-128-WRAP", nullptr), EVP_CIPHER_fetch(nullptr, "AES-192-WRAP", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-256-WRAP", nullptr)},
  };
  int size = key_bytes == 16 ? 0 : key_bytes == 24 ? 1 : key_bytes == 32 ? 2 : -1;
  if (size < 0) operationError("AES keys are 128, 192 or 256 bits long");
  const EVP_CIPHER* cipher = kTable[static_cast<int>(mode)][size];
  if (!cipher) operationError("this AES mode is not available");
  return cipher;
}

EVP_MAC* hmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

EVP_KDF* hkdfAlgorithm() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

// ---- handles ----

constexpr uint64_t kHandleMagic = 0x76657267652d6b31;  // "verge-k1"

struct Handle {
  enum class Kind : uint8_t { kSecret, kPublic, kPrivate, kDigest };

  explicit Handle(Kind k) : kind(k) {}
  ~Handle() {
    magic = 0;
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    EVP_MAC_CTX_free(mac);
    EVP_PKEY_free(pkey);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(verify_ctx);
    EVP_CIPHER_CTX_free(gcm);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  uint64_t magic = kHandleMagic;
  Kind kind;
  std::vector<unsigned char> secret;  // kSecret
  EVP_PKEY* pkey = nullptr;           // kPublic, kPrivate
  EVP_MAC_CTX* mac = nullptr;         // kSecret used for HMAC: keyed once
  const EVP_MD* mac_md = nullptr;     // the digest `mac` was keyed with
  EVP_MD_CTX* md = nullptr;           // kDigest
  // kPublic RSA: a RSASSA-PKCS1-v1_5 verify context, initialized once for
  // `verify_md` and reused, so that a verification is a digest and the
  // arithmetic, without a provider fetch each time.
  EVP_PKEY_CTX* verify_ctx = nullptr;
  const EVP_MD* verify_md = nullptr;
  // kPublic EC: the legacy EC_KEY view of `pkey` (owned by pkey).
  const EC_KEY* ec_key = nullptr;
  // kSecret used for AES-GCM: keyed once (the key schedule), then given a
  // new IV per operation.
  EVP_CIPHER_CTX* gcm = nullptr;
};

// Wraps `handle` in a new ArrayBuffer that owns it.
v8::Local<v8::ArrayBuffer> wrapHandle(v8::Isolate* isolate, std::unique_ptr<Handle> handle) {
  Handle* raw = handle.release();
  auto store = v8::ArrayBuffer::NewBackingStore(
      raw, sizeof(Handle), [](void* p, size_t, void*) { delete static_cast<Handle*>(p); }, nullptr);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

// The handle in `value`, which must be one wrapHandle made.
Handle* handleOf(v8::Local<v8::Value> value, Handle::Kind a, Handle::Kind b = Handle::Kind::kDigest,
                 Handle::Kind c = Handle::Kind::kDigest) {
  if (value.IsEmpty() || !value->IsArrayBuffer()) operationError("internal: not a key handle");
  auto buffer = value.As<v8::ArrayBuffer>();
  auto* h = static_cast<Handle*>(buffer->Data());
  if (buffer->ByteLength() != sizeof(Handle) || !h || h->magic != kHandleMagic)
    operationError("internal: not a key handle");
  if (h->kind != a && h->kind != b && h->kind != c) fail("InvalidAccessError", "wrong key type");
  return h;
}

Handle* secretOf(v8::Local<v8::Value> v) { return handleOf(v, Handle::Kind::kSecret); }
Handle* asymOf(v8::Local<v8::Value> v) {
  return handleOf(v, Handle::Kind::kPublic, Handle::Kind::kPrivate);
}
Handle* privateOf(v8::Local<v8::Value> v) { return handleOf(v, Handle::Kind::kPrivate); }

std::unique_ptr<Handle> pkeyHandle(EVP_PKEY* pkey, bool is_private) {
  auto h = std::make_unique<Handle>(is_private ? Handle::Kind::kPrivate : Handle::Kind::kPublic);
  h->pkey = pkey;
  return h;
}

// ---- argument helpers ----

std::string strArg(Args info, int i) { return toStdString(info.GetIsolate(), info[i]); }

Bytes bytesArg(Args info, int i) { return bytesOf(info[i]); }

int64_t intArg(Args info, int i) {
  return static_cast<int64_t>(
      info[i]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0));
}

// A new ArrayBuffer of `n` bytes for a result; throws (RangeError pending)
// when the isolate's memory limit refuses it.
struct JsOut {
  v8::Local<v8::ArrayBuffer> buffer;
  unsigned char* data = nullptr;
};
struct JsException {};  // a JS exception is already pending

JsOut newOut(v8::Isolate* isolate, size_t n) {
  JsOut out;
  if (!newBuffer(isolate, n).ToLocal(&out.buffer)) throw JsException{};
  out.data = static_cast<unsigned char*>(out.buffer->Data());
  return out;
}

// newOut for a result that will be written in full: the memory is counted
// by the isolate's LimitedAllocator as newBuffer's is, but not zeroed
// first (for a 16 KiB AES-GCM result, zeroing is a measurable share).
JsOut newFilledOut(v8::Isolate* isolate, size_t n) {
  auto* allocator = static_cast<LimitedAllocator*>(isolate->GetArrayBufferAllocator());
  void* data = allocator->AllocateUninitialized(n);
  if (!data) return newOut(isolate, n);  // newBuffer throws the RangeError
  auto store = v8::ArrayBuffer::NewBackingStore(
      data, n, [](void* p, size_t len, void* a) { static_cast<LimitedAllocator*>(a)->Free(p, len); },
      allocator);
  JsOut out;
  out.buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  out.data = static_cast<unsigned char*>(data);
  return out;
}

v8::Local<v8::ArrayBuffer> toBuffer(v8::Isolate* isolate, const unsigned char* p, size_t n) {
  JsOut out = newFilledOut(isolate, n);
  if (n) std::memcpy(out.data, p, n);
  return out.buffer;
}
v8::Local<v8::ArrayBuffer> toBuffer(v8::Isolate* isolate, const std::vector<unsigned char>& v) {
  return toBuffer(isolate, v.data(), v.size());
}

// guarded() plus the pending-JS-exception case.
template <class F>
void native(Args info, F&& fn) {
  guarded(info, [&] {
    try {
      fn();
    } catch (const JsException&) {
    }
  });
}

// ---- digest ----

// One reusable context per thread: natives run on the isolate's thread.
EVP_MD_CTX* threadMdCtx() {
  thread_local MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx.get();
}

// cryptoDigest(name, data) → ArrayBuffer
void cryptoDigest(Args info) {
  native(info, [&] {
    const EVP_MD* md = requireDigest(strArg(info, 0));
    JsOut out = newFilledOut(info.GetIsolate(), static_cast<size_t>(EVP_MD_get_size(md)));
    Bytes data = bytesArg(info, 1);
    EVP_MD_CTX* ctx = threadMdCtx();
    unsigned int len = 0;
    if (!EVP_DigestInit_ex2(ctx, md, nullptr) || !EVP_DigestUpdate(ctx, data.data(), data.size()) ||
        !EVP_DigestFinal_ex(ctx, out.data, &len)) {
      operationError("digest failed");
    }
    info.GetReturnValue().Set(out.buffer);
  });
}

// cryptoDigestStart(name) → handle; cryptoDigestUpdate(handle, bytes);
// cryptoDigestFinish(handle) → ArrayBuffer. The state of a DigestStream.
void cryptoDigestStart(Args info) {
  native(info, [&] {
    const EVP_MD* md = requireDigest(strArg(info, 0));
    auto h = std::make_unique<Handle>(Handle::Kind::kDigest);
    h->md = EVP_MD_CTX_new();
    if (!h->md || !EVP_DigestInit_ex2(h->md, md, nullptr)) operationError("digest failed");
    info.GetReturnValue().Set(wrapHandle(info.GetIsolate(), std::move(h)));
  });
}

void cryptoDigestUpdate(Args info) {
  native(info, [&] {
    Handle* h = handleOf(info[0], Handle::Kind::kDigest);
    Bytes data = bytesArg(info, 1);
    if (!h->md || !EVP_DigestUpdate(h->md, data.data(), data.size())) operationError("digest failed");
  });
}

void cryptoDigestFinish(Args info) {
  native(info, [&] {
    Handle* h = handleOf(info[0], Handle::Kind::kDigest);
    if (!h->md) operationError("digest already finished");
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool ok = EVP_DigestFinal_ex(h->md, buf, &len);
    EVP_MD_CTX_free(h->md);
    h->md = nullptr;
    if (!ok) operationError("digest failed");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), buf, len));
  });
}

// ---- secret keys ----

// cryptoSecretImport(bytes) → handle
void cryptoSecretImport(Args info) {
  native(info, [&] {
    Bytes data = bytesArg(info, 0);
    auto h = std::make_unique<Handle>(Handle::Kind::kSecret);
    h->secret.assign(u8(data), u8(data) + data.size());
    info.GetReturnValue().Set(wrapHandle(info.GetIsolate(), std::move(h)));
  });
}

// cryptoSecretGenerate(byteLength) → handle of fresh random bytes
void cryptoSecretGenerate(Args info) {
  native(info, [&] {
    int64_t n = intArg(info, 0);
    if (n <= 0 || n > 1 << 16) operationError("invalid key length");
    auto h = std::make_unique<Handle>(Handle::Kind::kSecret);
    h->secret.resize(static_cast<size_t>(n));
    if (RAND_bytes(h->secret.data(), static_cast<int>(n)) != 1) operationError("random source failed");
    info.GetReturnValue().Set(wrapHandle(info.GetIsolate(), std::move(h)));
  });
}

// cryptoSecretExport(handle) → ArrayBuffer of the key bytes
void cryptoSecretExport(Args info) {
  native(info, [&] {
    Handle* h = secretOf(info[0]);
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), h->secret));
  });
}

// cryptoSecretLength(handle) → byte length
void cryptoSecretLength(Args info) {
  native(info, [&] {
    Handle* h = secretOf(info[0]);
    info.GetReturnValue().Set(static_cast<double>(h->secret.size()));
  });
}

// The HMAC context of `h` for `md`, keyed on first use and reset after.
EVP_MAC_CTX* hmacContext(Handle* h, const EVP_MD* md) {
  if (h->mac && h->mac_md == md) {
    if (!EVP_MAC_init(h->mac, nullptr, 0, nullptr)) operationError("HMAC failed");
    return h->mac;
  }
  EVP_MAC_CTX_free(h->mac);
  h->mac = EVP_MAC_CTX_new(hmacAlgorithm());
  if (!h->mac) operationError("HMAC is not available");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
      OSSL_PARAM_construct_end()};
  static const unsigned char kEmpty = 0;
  const unsigned char* key = h->secret.empty() ? &kEmpty : h->secret.data();
  if (!EVP_MAC_init(h->mac, key, h->secret.size(), params)) {
    EVP_MAC_CTX_free(h->mac);
    h->mac = nullptr;
    operationError("HMAC failed");
  }
  h->mac_md = md;
  return h->mac;
}

size_t hmacInto(Handle* h, const EVP_MD* md, Bytes data, unsigned char* out) {
  EVP_MAC_CTX* ctx = hmacContext(h, md);
  size_t len = 0;
  if (!EVP_MAC_update(ctx, u8(data), data.size()) || !EVP_MAC_final(ctx, out, &len, EVP_MAX_MD_SIZE))
    operationError("HMAC failed");
  return len;
}

// cryptoHmacSign(handle, hash, data) → ArrayBuffer
void cryptoHmacSign(Args info) {
  native(info, [&] {
    Handle* h = secretOf(info[0]);
    const EVP_MD* md = requireDigest(strArg(info, 1));
    JsOut out = newOut(info.GetIsolate(), static_cast<size_t>(EVP_MD_get_size(md)));
    hmacInto(h, md, bytesArg(info, 2), out.data);
    info.GetReturnValue().Set(out.buffer);
  });
}

// cryptoHmacVerify(handle, hash, signature, data) → boolean (constant time)
void cryptoHmacVerify(Args info) {
  native(info, [&] {
    Handle* h = secretOf(info[0]);
    const EVP_MD* md = requireDigest(strArg(info, 1));
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t len = hmacInto(h, md, bytesArg(info, 3), mac);
    Bytes sig = bytesArg(info, 2);
    bool ok = sig.size() == len && CRYPTO_memcmp(mac, sig.data(), len) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    info.GetReturnValue().Set(ok);
  });
}

// ---- asymmetric key generation, import, export ----

// "P-256" … for an EC key's group; "" for another group.
std::string curveOf(EVP_PKEY* pkey) {
  char name[80] = {0};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len))
    return {};
  std::string_view n(name, len);
  if (n == "prime256v1" || n == "P-256" || n == "secp256r1") return "P-256";
  if (n == "secp384r1" || n == "P-384") return "P-384";
  if (n == "secp521r1" || n == "P-521") return "P-521";
  return {};
}

const char* groupName(std::string_view curve) {
  if (curve == "P-256") return "prime256v1";
  if (curve == "P-384") return "secp384r1";
  if (curve == "P-521") return "secp521r1";
  fail("NotSupportedError", "Unrecognized namedCurve: " + std::string(curve));
}

// The key type crypto.js names: "RSA", "EC", "Ed25519", "X25519", or "".
const char* typeOf(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_X25519: return "X25519";
    default: return "";
  }
}

// [type, detail]: detail is the curve of an EC key, [modulusBits,
// publicExponent bytes] for an RSA key, undefined otherwise.
v8::Local<v8::Value> keyInfo(v8::Isolate* isolate, EVP_PKEY* pkey) {
  const char* type = typeOf(pkey);
  v8::Local<v8::Value> detail = v8::Undefined(isolate);
  if (std::strcmp(type, "EC") == 0) {
    detail = v8str(isolate, curveOf(pkey));
  } else if (std::strcmp(type, "RSA") == 0) {
    BIGNUM* e = nullptr;
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) operationError("bad RSA key");
    BnPtr owned(e);
    std::vector<unsigned char> eb(static_cast<size_t>(BN_num_bytes(e)));
    BN_bn2bin(e, eb.data());
    v8::Local<v8::Value> items[] = {v8::Number::New(isolate, EVP_PKEY_get_bits(pkey)),
                                    toBuffer(isolate, eb)};
    detail = v8::Array::New(isolate, items, 2);
  }
  v8::Local<v8::Value> out[] = {v8str(isolate, type), detail};
  return v8::Array::New(isolate, out, 2);
}

// Returns [publicHandle, privateHandle, info] for a generated key pair.
void returnPair(Args info, EVP_PKEY* pkey) {
  v8::Isolate* isolate = info.GetIsolate();
  // One reference for each handle; the caller keeps (and drops) its own.
  EVP_PKEY_up_ref(pkey);
  EVP_PKEY_up_ref(pkey);
  v8::Local<v8::Value> items[] = {wrapHandle(isolate, pkeyHandle(pkey, false)),
                                  wrapHandle(isolate, pkeyHandle(pkey, true)), keyInfo(isolate, pkey)};
  info.GetReturnValue().Set(v8::Array::New(isolate, items, 3));
}

// cryptoGenerateRsa(modulusBits, publicExponentBytes) → [pub, priv, info]
void cryptoGenerateRsa(Args info) {
  native(info, [&] {
    int64_t bits = intArg(info, 0);
    Bytes e = bytesArg(info, 1);
    if (bits < 256 || bits > 16384 || bits % 8 != 0)
      operationError("modulusLength must be a multiple of 8 from 256 to 16384");
    BnPtr exponent(BN_bin2bn(u8(e), static_cast<int>(e.size()), nullptr));
    // Only 3 and 65537 are in use, and a large exponent would make
    // verification slow: as workerd, refuse others.
    if (!exponent || (!BN_is_word(exponent.get(), 3) && !BN_is_word(exponent.get(), 65537)))
      operationError("publicExponent must be 3 or 65537");
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) <= 0 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) <= 0 ||
        EVP_PKEY_keygen(ctx.get(), &pkey) <= 0) {
      operationError("RSA key generation failed");
    }
    PkeyPtr owned(pkey);
    returnPair(info, pkey);
  });
}

// cryptoGenerateEc(curve) → [pub, priv, info]
void cryptoGenerateEc(Args info) {
  native(info, [&] {
    const char* group = groupName(strArg(info, 0));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_group_name(ctx.get(), group) <= 0 || EVP_PKEY_keygen(ctx.get(), &pkey) <= 0)
      operationError("EC key generation failed");
    PkeyPtr owned(pkey);
    returnPair(info, pkey);
  });
}

int okpId(std::string_view type) {
  if (type == "Ed25519") return EVP_PKEY_ED25519;
  if (type == "X25519") return EVP_PKEY_X25519;
  fail("NotSupportedError", "Unrecognized key type: " + std::string(type));
}

// cryptoGenerateOkp("Ed25519" | "X25519") → [pub, priv, info]
void cryptoGenerateOkp(Args info) {
  native(info, [&] {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(okpId(strArg(info, 0)), nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &pkey) <= 0)
      operationError("key generation failed");
    PkeyPtr owned(pkey);
    returnPair(info, pkey);
  });
}

// Returns [handle, info].
// RFC 8017 3.1: an RSA modulus is a product of odd primes, so odd, and the
// public exponent is odd with 3 <= e < n. OpenSSL takes other values and
// fails every operation later; WebCrypto rejects them at import.
void checkRsaPublic(const EVP_PKEY* pkey) {
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
  BnPtr n_owned(n), e_owned(e);
  if (!n || !e || !BN_is_odd(n) || !BN_is_odd(e) || BN_is_one(e) || BN_cmp(e, n) >= 0) {
    ERR_clear_error();
    dataError("Invalid RSA key: the modulus and the public exponent must be odd, with 1 < e < n");
  }
  if (BN_num_bits(n) < 256 || BN_num_bits(n) > 16384) dataError("Invalid RSA key: unsupported modulus length");
}

// A private RSA key's parts must agree (n = pq, the CRT exponents and
// coefficient match d, p and q), else signing and decryption fail or give
// wrong results later. The arithmetic checks BoringSSL makes on import,
// without OpenSSL's pairwise check's primality tests (milliseconds per
// import, and workers import a PKCS#8 key per request to sign a JWT).
void checkRsaPrivate(const EVP_PKEY* pkey) {
  const char* names[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
                         OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                         OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  BnPtr v[8];
  for (int i = 0; i < 8; ++i) {
    BIGNUM* b = nullptr;
    EVP_PKEY_get_bn_param(pkey, names[i], &b);
    v[i].reset(b);
    if (!b) {
      ERR_clear_error();
      dataError("Invalid RSA private key: it needs n, e, d, p, q, dp, dq and qi");
    }
  }
  const BIGNUM *n = v[0].get(), *e = v[1].get(), *d = v[2].get(), *p = v[3].get(), *q = v[4].get(),
               *dp = v[5].get(), *dq = v[6].get(), *qi = v[7].get();
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr t(BN_new()), pm1(BN_dup(p)), qm1(BN_dup(q));
  if (!ctx || !t || !pm1 || !qm1 || !BN_sub_word(pm1.get(), 1) || !BN_sub_word(qm1.get(), 1))
    operationError("out of memory");
  auto equalsMod = [&](const BIGNUM* a, const BIGNUM* b, const BIGNUM* m, const BIGNUM* want) {
    // (a * b) mod m == want
    return BN_mod_mul(t.get(), a, b, m, ctx.get()) && BN_cmp(t.get(), want) == 0;
  };
  auto reduces = [&](const BIGNUM* a, const BIGNUM* m, const BIGNUM* want) {
    return BN_nnmod(t.get(), a, m, ctx.get()) && BN_cmp(t.get(), want) == 0;
  };
  bool ok = !BN_is_zero(pm1.get()) && !BN_is_zero(qm1.get()) && BN_mul(t.get(), p, q, ctx.get()) &&
            BN_cmp(t.get(), n) == 0 && !BN_is_zero(d) && BN_cmp(d, n) < 0 && reduces(d, pm1.get(), dp) &&
            reduces(d, qm1.get(), dq) && equalsMod(e, dp, pm1.get(), BN_value_one()) &&
            equalsMod(e, dq, qm1.get(), BN_value_one()) && equalsMod(qi, q, p, BN_value_one());
  ERR_clear_error();
  if (!ok) dataError("Invalid RSA private key: its parts do not match");
}

void returnKey(Args info, PkeyPtr pkey, bool is_private) {
  v8::Isolate* isolate = info.GetIsolate();
  int base = EVP_PKEY_get_base_id(pkey.get());
  if (base == EVP_PKEY_RSA || base == EVP_PKEY_RSA_PSS) {
    checkRsaPublic(pkey.get());
    if (is_private) checkRsaPrivate(pkey.get());
  }
  // A key imported from a compressed point exports uncompressed, as
  // WebCrypto's spki and raw formats are.
  if (base == EVP_PKEY_EC &&
      !EVP_PKEY_set_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                      OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED))
    operationError("EC key import failed");
  v8::Local<v8::Value> detail = keyInfo(isolate, pkey.get());
  v8::Local<v8::Value> items[] = {wrapHandle(isolate, pkeyHandle(pkey.release(), is_private)), detail};
  info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
}

// cryptoImportSpki(der) → [handle, info]; DataError unless the whole input
// is one SubjectPublicKeyInfo of a supported type.
void cryptoImportSpki(Args info) {
  native(info, [&] {
    Bytes der = bytesArg(info, 0);
    const unsigned char* p = u8(der);
    PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
    if (!pkey || p != u8(der) + der.size()) dataError("Invalid SPKI input");
    if (!*typeOf(pkey.get())) dataError("Unsupported key type in SPKI input");
    returnKey(info, std::move(pkey), false);
  });
}

// cryptoImportPkcs8(der) → [handle, info]
void cryptoImportPkcs8(Args info) {
  native(info, [&] {
    Bytes der = bytesArg(info, 0);
    const unsigned char* p = u8(der);
    P8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
    if (!p8 || p != u8(der) + der.size()) dataError("Invalid PKCS8 input");
    PkeyPtr pkey(EVP_PKCS82PKEY(p8.get()));
    if (!pkey) dataError("Invalid PKCS8 input");
    if (!*typeOf(pkey.get())) dataError("Unsupported key type in PKCS8 input");
    if (EVP_PKEY_get_base_id(pkey.get()) == EVP_PKEY_RSA) {
      // Keys without the CRT factors cannot be exported as JWK: refuse them here.
      BIGNUM* p1 = nullptr;
      if (!EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, &p1))
        dataError("RSA private keys must have their CRT parameters");
      BN_clear_free(p1);
    }
    returnKey(info, std::move(pkey), true);
  });
}

PkeyPtr fromData(const char* type, OSSL_PARAM_BLD* bld, bool is_private) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) <= 0) {
    dataError("Invalid key data");
  }
  return PkeyPtr(pkey);
}

// cryptoImportEcPublic(curve, point) → [handle, info]: a raw public key,
// uncompressed or compressed.
void cryptoImportEcPublic(Args info) {
  native(info, [&] {
    const char* group = groupName(strArg(info, 0));
    Bytes point = bytesArg(info, 1);
    if (point.empty()) dataError("Invalid EC public key");
    BldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
      operationError("out of memory");
    PkeyPtr pkey = fromData("EC", bld.get(), false);
    returnKey(info, std::move(pkey), false);
  });
}

BnPtr bnOf(Bytes b) {
  BnPtr bn(BN_bin2bn(u8(b), static_cast<int>(b.size()), nullptr));
  if (!bn) operationError("out of memory");
  return bn;
}

// cryptoImportEcJwk(curve, x, y, d | undefined) → [handle, info]
void cryptoImportEcJwk(Args info) {
  native(info, [&] {
    std::string curve = strArg(info, 0);
    const char* group = groupName(curve);
    Bytes x = bytesArg(info, 1), y = bytesArg(info, 2);
    bool is_private = !info[3]->IsUndefined();
    size_t n = curve == "P-256" ? 32 : curve == "P-384" ? 48 : 66;
    if (x.size() != n || y.size() != n) dataError("Invalid EC JWK: x and y must be " + std::to_string(n) + " bytes");
    std::vector<unsigned char> point(1 + 2 * n);
    point[0] = 4;
    std::memcpy(point.data() + 1, x.data(), n);
    std::memcpy(point.data() + 1 + n, y.data(), n);
    BldPtr bld(OSSL_PARAM_BLD_new());
    BnPtr d;
    if (is_private) {
      Bytes db = bytesArg(info, 3);
      if (db.size() != n) dataError("Invalid EC JWK: d must be " + std::to_string(n) + " bytes");
      d = bnOf(db);
    }
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) ||
        (d && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get())))
      operationError("out of memory");
    PkeyPtr pkey = fromData("EC", bld.get(), is_private);
    if (is_private) {
      // d must be the private key of (x, y).
      PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
      if (!check || EVP_PKEY_pairwise_check(check.get()) <= 0) dataError("Invalid EC JWK: d does not match x, y");
    }
    returnKey(info, std::move(pkey), is_private);
  });
}

// The RSA key parameters in JWK order: n, e, d, p, q, dp, dq, qi.
const char* const kRsaParams[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                                  OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                                  OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                  OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};

// cryptoImportRsaJwk(n, e, d?, p?, q?, dp?, dq?, qi?) → [handle, info]
void cryptoImportRsaJwk(Args info) {
  native(info, [&] {
    bool is_private = !info[2]->IsUndefined();
    BldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld) operationError("out of memory");
    std::vector<BnPtr> bns;
    int count = is_private ? 8 : 2;
    for (int i = 0; i < count; ++i) {
      Bytes b = bytesArg(info, i);
      if (b.empty()) dataError("Invalid RSA JWK: empty member");
      bns.push_back(bnOf(b));
      if (!OSSL_PARAM_BLD_push_BN(bld.get(), kRsaParams[i], bns.back().get())) operationError("out of memory");
    }
    if (BN_num_bits(bns[0].get()) < 256 || BN_num_bits(bns[0].get()) > 16384)
      dataError("Invalid RSA JWK: unsupported modulus length");
    PkeyPtr pkey = fromData("RSA", bld.get(), is_private);
    returnKey(info, std::move(pkey), is_private);  // checks that the parts agree
  });
}

// cryptoImportOkp(type, publicBytes | undefined, privateBytes | undefined)
//   → [handle, info]. With both, the public key must match the private one.
void cryptoImportOkp(Args info) {
  native(info, [&] {
    int id = okpId(strArg(info, 0));
    bool has_public = !info[1]->IsUndefined(), is_private = !info[2]->IsUndefined();
    PkeyPtr pkey;
    if (is_private) {
      Bytes d = bytesArg(info, 2);
      if (d.size() != 32) dataError("Invalid private key length");
      pkey.reset(EVP_PKEY_new_raw_private_key(id, nullptr, u8(d), d.size()));
      if (!pkey) dataError("Invalid private key");
      if (has_public) {
        Bytes x = bytesArg(info, 1);
        unsigned char pub[32];
        size_t len = sizeof pub;
        if (!EVP_PKEY_get_raw_public_key(pkey.get(), pub, &len) || x.size() != len ||
            CRYPTO_memcmp(pub, x.data(), len) != 0)
          dataError("Invalid JWK: x does not match d");
      }
    } else {
      Bytes x = bytesArg(info, 1);
      if (x.size() != 32) dataError("Invalid public key length");
      pkey.reset(EVP_PKEY_new_raw_public_key(id, nullptr, u8(x), x.size()));
      if (!pkey) dataError("Invalid public key");
    }
    returnKey(info, std::move(pkey), is_private);
  });
}

// cryptoExportSpki(handle), cryptoExportPkcs8(handle) → ArrayBuffer (DER)
void cryptoExportSpki(Args info) {
  native(info, [&] {
    Handle* h = asymOf(info[0]);
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(h->pkey, &der);
    if (len <= 0) operationError("SPKI export failed");
    std::unique_ptr<unsigned char, void (*)(void*)> owned(der, [](void* p) { OPENSSL_free(p); });
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), der, static_cast<size_t>(len)));
  });
}

void cryptoExportPkcs8(Args info) {
  native(info, [&] {
    Handle* h = privateOf(info[0]);
    P8Ptr p8(EVP_PKEY2PKCS8(h->pkey));
    unsigned char* der = nullptr;
    int len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der) : 0;
    if (len <= 0) operationError("PKCS8 export failed");
    auto free_der = [len](unsigned char* p) {
      OPENSSL_cleanse(p, static_cast<size_t>(len));
      OPENSSL_free(p);
    };
    std::unique_ptr<unsigned char, decltype(free_der)> owned(der, free_der);
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), der, static_cast<size_t>(len)));
  });
}

// cryptoExportRawPublic(handle) → ArrayBuffer: an EC point (uncompressed)
// or the raw bytes of an Ed25519/X25519 public key.
void cryptoExportRawPublic(Args info) {
  native(info, [&] {
    Handle* h = asymOf(info[0]);
    unsigned char buf[160];
    size_t len = 0;
    if (EVP_PKEY_get_base_id(h->pkey) == EVP_PKEY_EC) {
      if (!EVP_PKEY_get_octet_string_param(h->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &len))
        operationError("export failed");
    } else {
      len = sizeof buf;
      if (!EVP_PKEY_get_raw_public_key(h->pkey, buf, &len)) operationError("export failed");
    }
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), buf, len));
  });
}

v8::Local<v8::Value> bnParam(v8::Isolate* isolate, EVP_PKEY* pkey, const char* name, size_t pad) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(pkey, name, &bn)) operationError("export failed: missing key parameter");
  BnPtr owned(bn);
  size_t n = pad ? pad : static_cast<size_t>(BN_num_bytes(bn));
  JsOut out = newOut(isolate, n);
  if (BN_bn2binpad(bn, out.data, static_cast<int>(n)) < 0) operationError("export failed");
  return out.buffer;
}

// cryptoExportJwk(handle) → the key's members as ArrayBuffers:
//   RSA [n, e] or [n, e, d, p, q, dp, dq, qi]; EC [x, y] or [x, y, d];
//   Ed25519/X25519 [x] or [x, d].
void cryptoExportJwk(Args info) {
  native(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    Handle* h = asymOf(info[0]);
    bool is_private = h->kind == Handle::Kind::kPrivate;
    std::vector<v8::Local<v8::Value>> items;
    switch (EVP_PKEY_get_base_id(h->pkey)) {
      case EVP_PKEY_RSA: {
        for (int i = 0; i < (is_private ? 8 : 2); ++i) items.push_back(bnParam(isolate, h->pkey, kRsaParams[i], 0));
        break;
      }
      case EVP_PKEY_EC: {
        size_t n = static_cast<size_t>((EVP_PKEY_get_bits(h->pkey) + 7) / 8);
        items.push_back(bnParam(isolate, h->pkey, OSSL_PKEY_PARAM_EC_PUB_X, n));
        items.push_back(bnParam(isolate, h->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, n));
        if (is_private) items.push_back(bnParam(isolate, h->pkey, OSSL_PKEY_PARAM_PRIV_KEY, n));
        break;
      }
      default: {
        unsigned char buf[64];
        size_t len = sizeof buf;
        if (!EVP_PKEY_get_raw_public_key(h->pkey, buf, &len)) operationError("export failed");
        items.push_back(toBuffer(isolate, buf, len));
        if (is_private) {
          len = sizeof buf;
          if (!EVP_PKEY_get_raw_private_key(h->pkey, buf, &len)) operationError("export failed");
          items.push_back(toBuffer(isolate, buf, len));
          OPENSSL_cleanse(buf, sizeof buf);
        }
      }
    }
    info.GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
  });
}

// cryptoPublicOf(privateHandle) → handle of its public key (same material)
void cryptoPublicOf(Args info) {
  native(info, [&] {
    Handle* h = privateOf(info[0]);
    EVP_PKEY_up_ref(h->pkey);
    info.GetReturnValue().Set(wrapHandle(info.GetIsolate(), pkeyHandle(h->pkey, false)));
  });
}

// ---- sign / verify ----

enum class SigAlg { kPkcs1, kPss, kEcdsa, kEdDsa };

SigAlg sigAlgOf(std::string_view name) {
  if (name == "RSASSA-PKCS1-v1_5") return SigAlg::kPkcs1;
  if (name == "RSA-PSS") return SigAlg::kPss;
  if (name == "ECDSA") return SigAlg::kEcdsa;
  if (name == "Ed25519") return SigAlg::kEdDsa;
  fail("NotSupportedError", "Unrecognized signature algorithm");
}

// A digest-sign/verify context for `h` with the algorithm's parameters.
MdCtxPtr signContext(Handle* h, SigAlg alg, const EVP_MD* md, int64_t salt_length, bool sign) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx) operationError("out of memory");
  const EVP_MD* use_md = alg == SigAlg::kEdDsa ? nullptr : md;
  int ok = sign ? EVP_DigestSignInit(ctx.get(), &pctx, use_md, nullptr, h->pkey)
                : EVP_DigestVerifyInit(ctx.get(), &pctx, use_md, nullptr, h->pkey);
  if (ok <= 0) operationError("the key cannot be used with this algorithm");
  if (alg == SigAlg::kPss) {
    if (salt_length < 0 || salt_length > 1 << 16) operationError("invalid saltLength");
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(salt_length)) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0)
      operationError("invalid RSA-PSS parameters");
  } else if (alg == SigAlg::kPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) operationError("invalid RSA parameters");
  }
  return ctx;
}

size_t ecFieldBytes(EVP_PKEY* pkey) { return static_cast<size_t>((EVP_PKEY_get_bits(pkey) + 7) / 8); }

// cryptoSign(handle, algorithm, hash, saltLength, data) → ArrayBuffer
// ECDSA signatures are r || s, each as long as the field (WebCrypto's form).
void cryptoSign(Args info) {
  native(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    Handle* h = privateOf(info[0]);
    SigAlg alg = sigAlgOf(strArg(info, 1));
    const EVP_MD* md = alg == SigAlg::kEdDsa ? nullptr : requireDigest(strArg(info, 2));
    MdCtxPtr ctx = signContext(h, alg, md, intArg(info, 3), true);
    Bytes data = bytesArg(info, 4);
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, u8(data), data.size()) <= 0) operationError("signing failed");
    std::vector<unsigned char> sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, u8(data), data.size()) <= 0)
      operationError("signing failed");
    sig.resize(len);
    if (alg != SigAlg::kEcdsa) {
      info.GetReturnValue().Set(toBuffer(isolate, sig));
      return;
    }
    const unsigned char* p = sig.data();
    SigPtr ecsig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
    if (!ecsig) operationError("signing failed");
    size_t n = ecFieldBytes(h->pkey);
    JsOut out = newOut(isolate, 2 * n);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(ecsig.get()), out.data, static_cast<int>(n)) < 0 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(ecsig.get()), out.data + n, static_cast<int>(n)) < 0)
      operationError("signing failed");
    info.GetReturnValue().Set(out.buffer);
  });
}

// Whether a 32-byte Ed25519 encoding is a point of small order (or a
// non-canonical encoding of one): libsodium's list, sign bit ignored. The
// Secure Curves spec rejects signatures whose public key or R is one.
bool ed25519SmallOrder(const unsigned char* p) {
  static const unsigned char kBlocklist[7][32] = {
      {0},
      {1},
      {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
       0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
      {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
       0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
      {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
      {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
      {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
  };
  for (const auto& bad : kBlocklist) {
    if (std::memcmp(p, bad, 31) == 0 && (p[31] & 0x7f) == bad[31]) return true;
  }
  return false;
}

// Verifies `sig` over the digest of `data` with the key's cached verify
// context (RSASSA-PKCS1-v1_5).
bool verifyDigest(Handle* h, SigAlg alg, const EVP_MD* md, Bytes sig, Bytes data) {
  const EVP_MD* ctx_md = alg == SigAlg::kPkcs1 ? md : nullptr;
  if (!h->verify_ctx || h->verify_md != ctx_md) {
    EVP_PKEY_CTX_free(h->verify_ctx);
    h->verify_ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, h->pkey, nullptr);
    h->verify_md = ctx_md;
    if (!h->verify_ctx || EVP_PKEY_verify_init(h->verify_ctx) <= 0 ||
        (alg == SigAlg::kPkcs1 && (EVP_PKEY_CTX_set_rsa_padding(h->verify_ctx, RSA_PKCS1_PADDING) <= 0 ||
                                   EVP_PKEY_CTX_set_signature_md(h->verify_ctx, md) <= 0))) {
      EVP_PKEY_CTX_free(h->verify_ctx);
      h->verify_ctx = nullptr;
      operationError("the key cannot be used with this algorithm");
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* mctx = threadMdCtx();
  if (!EVP_DigestInit_ex2(mctx, md, nullptr) || !EVP_DigestUpdate(mctx, data.data(), data.size()) ||
      !EVP_DigestFinal_ex(mctx, digest, &len))
    operationError("digest failed");
  int ok = EVP_PKEY_verify(h->verify_ctx, u8(sig), sig.size(), digest, len);
  if (ok != 1) ERR_clear_error();
  return ok == 1;
}

// ECDSA: the digest of `data` against sig = r || s, each as long as the
// field; a signature of another length is simply invalid.
bool ecdsaVerify(Handle* h, const EVP_MD* md, Bytes sig, Bytes data) {
  size_t n = ecFieldBytes(h->pkey);
  if (sig.size() != 2 * n) return false;
  if (!h->ec_key) {
    h->ec_key = EVP_PKEY_get0_EC_KEY(h->pkey);
    if (!h->ec_key) operationError("the key cannot be used with ECDSA");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* mctx = threadMdCtx();
  if (!EVP_DigestInit_ex2(mctx, md, nullptr) || !EVP_DigestUpdate(mctx, data.data(), data.size()) ||
      !EVP_DigestFinal_ex(mctx, digest, &len))
    operationError("digest failed");
  SigPtr ecsig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(u8(sig), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(u8(sig) + n, static_cast<int>(n), nullptr);
  if (!ecsig || !r || !s || !ECDSA_SIG_set0(ecsig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    operationError("out of memory");
  }
  int ok = ECDSA_do_verify(digest, static_cast<int>(len), ecsig.get(), const_cast<EC_KEY*>(h->ec_key));
  if (ok != 1) ERR_clear_error();
  return ok == 1;
}

// cryptoVerify(handle, algorithm, hash, saltLength, signature, data) → boolean
void cryptoVerify(Args info) {
  native(info, [&] {
    Handle* h = asymOf(info[0]);
    SigAlg alg = sigAlgOf(strArg(info, 1));
    const EVP_MD* md = alg == SigAlg::kEdDsa ? nullptr : requireDigest(strArg(info, 2));
    Bytes sig = bytesArg(info, 4);
    if (alg == SigAlg::kEcdsa) {
      info.GetReturnValue().Set(ecdsaVerify(h, md, sig, bytesArg(info, 5)));
      return;
    }
    if (alg == SigAlg::kEdDsa) {
      unsigned char pub[32];
      size_t len = sizeof pub;
      if (sig.size() != 64 || !EVP_PKEY_get_raw_public_key(h->pkey, pub, &len) || len != 32 ||
          ed25519SmallOrder(pub) || ed25519SmallOrder(u8(sig))) {
        info.GetReturnValue().Set(false);
        return;
      }
    }
    Bytes data = bytesArg(info, 5);
    if (alg == SigAlg::kPkcs1) {
      info.GetReturnValue().Set(verifyDigest(h, alg, md, sig, data));
      return;
    }
    MdCtxPtr ctx = signContext(h, alg, md, intArg(info, 3), false);
    int ok = EVP_DigestVerify(ctx.get(), u8(sig), sig.size(), u8(data), data.size());
    if (ok != 1) ERR_clear_error();
    info.GetReturnValue().Set(ok == 1);
  });
}

// ---- RSA-OAEP ----

// cryptoRsaOaep(handle, encrypt, hash, label, data) → ArrayBuffer
void cryptoRsaOaep(Args info) {
  native(info, [&] {
    bool encrypt = info[1]->BooleanValue(info.GetIsolate());
    Handle* h = encrypt ? asymOf(info[0]) : privateOf(info[0]);
    const EVP_MD* md = requireDigest(strArg(info, 2));
    Bytes label = bytesArg(info, 3);
    Bytes data = bytesArg(info, 4);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, h->pkey, nullptr));
    if (!ctx || (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) <= 0)
      operationError("the key cannot be used for RSA-OAEP");
    if (!label.empty()) {
      void* copy = OPENSSL_memdup(label.data(), label.size());
      if (!copy || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size())) <= 0) {
        OPENSSL_free(copy);
        operationError("invalid label");
      }
    }
    size_t len = 0;
    auto run = [&](unsigned char* out, size_t* outlen) {
      return encrypt ? EVP_PKEY_encrypt(ctx.get(), out, outlen, u8(data), data.size())
                     : EVP_PKEY_decrypt(ctx.get(), out, outlen, u8(data), data.size());
    };
    if (run(nullptr, &len) <= 0) operationError(encrypt ? "encryption failed" : "decryption failed");
    SecretBytes out(len);
    if (run(out.data.data(), &len) <= 0) operationError(encrypt ? "encryption failed" : "decryption failed");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out.data.data(), len));
  });
}

// ---- AES ----

// One EVP pass of `cipher` over `in`; appends to `out`.
void cipherPass(const EVP_CIPHER* cipher, const std::vector<unsigned char>& key, const unsigned char* iv,
                bool encrypt, bool padding, Bytes in, std::vector<unsigned char>& out) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) operationError("out of memory");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (!EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv, encrypt ? 1 : 0, nullptr))
    operationError("cipher initialization failed");
  EVP_CIPHER_CTX_set_padding(ctx.get(), padding ? 1 : 0);
  size_t start = out.size();
  out.resize(start + in.size() + 2 * EVP_MAX_BLOCK_LENGTH);
  int len1 = 0, len2 = 0;
  if (!EVP_CipherUpdate(ctx.get(), out.data() + start, &len1, u8(in), static_cast<int>(in.size())) ||
      !EVP_CipherFinal_ex(ctx.get(), out.data() + start + len1, &len2)) {
    out.resize(start);
    operationError(encrypt ? "encryption failed" : "decryption failed");
  }
  out.resize(start + static_cast<size_t>(len1 + len2));
}

// AES-CTR with WebCrypto's counter: only the rightmost `length_bits` bits
// count, and they wrap to zero without carrying into the nonce (OpenSSL
// carries through all 128 bits, so the input is split at the wrap).
void aesCtr(const EVP_CIPHER* cipher, const std::vector<unsigned char>& key, Bytes counter, int64_t length_bits,
            Bytes in, std::vector<unsigned char>& out) {
  if (counter.size() != 16) operationError("AES-CTR counter must be 16 bytes");
  if (length_bits < 1 || length_bits > 128) operationError("AES-CTR length must be from 1 to 128");
  unsigned __int128 ctr = 0;
  for (unsigned char c : counter) ctr = (ctr << 8) | static_cast<unsigned char>(c);
  unsigned __int128 mask = length_bits == 128 ? ~static_cast<unsigned __int128>(0)
                                              : ((static_cast<unsigned __int128>(1) << length_bits) - 1);
  unsigned __int128 low = ctr & mask;
  unsigned __int128 blocks = (in.size() + 15) / 16;
  // Blocks left before the counter's bits wrap, and in total.
  unsigned __int128 space = length_bits == 128 ? 0 : (static_cast<unsigned __int128>(1) << length_bits);
  if (length_bits < 128 && blocks > space) operationError("AES-CTR counter would repeat");
  unsigned __int128 before_wrap = mask - low + 1;  // 0 when length is 128 and low is 0: no wrap
  out.reserve(in.size());
  if (before_wrap == 0 || blocks <= before_wrap) {
    cipherPass(cipher, key, u8(counter), true, false, in, out);
    return;
  }
  size_t first = static_cast<size_t>(before_wrap) * 16;
  cipherPass(cipher, key, u8(counter), true, false, in.substr(0, first), out);
  unsigned char wrapped[16];
  unsigned __int128 next = ctr & ~mask;
  for (int i = 15; i >= 0; --i) {
    wrapped[i] = static_cast<unsigned char>(next & 0xff);
    next >>= 8;
  }
  cipherPass(cipher, key, wrapped, true, false, in.substr(first), out);
}

// The AES-GCM context of `h`, keyed on first use, set up for `iv`.
EVP_CIPHER_CTX* gcmContext(Handle* h, Bytes iv, bool encrypt) {
  if (!h->gcm) {
    h->gcm = EVP_CIPHER_CTX_new();
    if (!h->gcm || !EVP_CipherInit_ex2(h->gcm, aesCipher(AesMode::kGcm, h->secret.size()), h->secret.data(),
                                       nullptr, 1, nullptr)) {
      EVP_CIPHER_CTX_free(h->gcm);
      h->gcm = nullptr;
      operationError("AES-GCM initialization failed");
    }
  }
  // The IV length first: the IV is read with the length in force.
  if (EVP_CIPHER_CTX_ctrl(h->gcm, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(iv.size()), nullptr) <= 0 ||
      !EVP_CipherInit_ex2(h->gcm, nullptr, nullptr, u8(iv), encrypt ? 1 : 0, nullptr))
    operationError("AES-GCM: unsupported iv length");
  return h->gcm;
}

void aesGcm(Handle* h, Bytes iv, Bytes aad, int64_t tag_bits, bool encrypt, Bytes in, v8::Isolate* isolate,
            Args info) {
  if (iv.empty()) operationError("AES-GCM iv must not be empty");
  if (tag_bits != 32 && tag_bits != 64 && tag_bits != 96 && tag_bits != 104 && tag_bits != 112 &&
      tag_bits != 120 && tag_bits != 128)
    operationError("invalid AES-GCM tagLength");
  size_t tag_len = static_cast<size_t>(tag_bits / 8);
  if (!encrypt && in.size() < tag_len) operationError("the data is shorter than the tag");
  if (in.size() > INT32_MAX - 64 || aad.size() > INT32_MAX || iv.size() > INT32_MAX)
    operationError("the data is too large");
  EVP_CIPHER_CTX* ctx = gcmContext(h, iv, encrypt);
  int len = 0;
  if (!aad.empty() && !EVP_CipherUpdate(ctx, nullptr, &len, u8(aad), static_cast<int>(aad.size())))
    operationError("AES-GCM failed");
  size_t body = encrypt ? in.size() : in.size() - tag_len;
  JsOut out = newFilledOut(isolate, encrypt ? body + tag_len : body);
  // newFilledOut may have run JS allocation; the input's backing store is stable.
  int out1 = 0, out2 = 0;
  if (!encrypt) {
    unsigned char tag[16];
    std::memcpy(tag, in.data() + body, tag_len);
    if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_len), tag))
      operationError("AES-GCM failed");
  }
  if (body && !EVP_CipherUpdate(ctx, out.data, &out1, u8(in), static_cast<int>(body)))
    operationError("AES-GCM failed");
  // EVP_CipherFinal writes nothing for GCM; a scratch buffer keeps it in bounds.
  unsigned char scratch[EVP_MAX_BLOCK_LENGTH];
  if (!EVP_CipherFinal_ex(ctx, scratch, &out2)) {
    if (!encrypt && body) OPENSSL_cleanse(out.data, body);
    operationError(encrypt ? "encryption failed" : "The operation failed for an operation-specific reason");
  }
  if (encrypt && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_len), out.data + body))
    operationError("AES-GCM failed");
  info.GetReturnValue().Set(out.buffer);
}

// cryptoAes(handle, mode, encrypt, iv | counter, additionalData, tagLength |
//           counterLength, data) → ArrayBuffer. mode: "AES-CBC", "AES-CTR",
// "AES-GCM", "AES-KW".
void cryptoAes(Args info) {
  native(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    Handle* h = secretOf(info[0]);
    std::string mode = strArg(info, 1);
    bool encrypt = info[2]->BooleanValue(isolate);
    Bytes iv = bytesArg(info, 3);
    Bytes data = bytesArg(info, 6);
    std::vector<unsigned char> out;
    if (mode == "AES-GCM") {
      aesGcm(h, iv, bytesArg(info, 4), intArg(info, 5), encrypt, data, isolate, info);
      return;
    }
    if (mode == "AES-CBC") {
      if (iv.size() != 16) operationError("AES-CBC iv must be 16 bytes");
      cipherPass(aesCipher(AesMode::kCbc, h->secret.size()), h->secret, u8(iv), encrypt, true, data, out);
    } else if (mode == "AES-CTR") {
      aesCtr(aesCipher(AesMode::kCtr, h->secret.size()), h->secret, iv, intArg(info, 5), data, out);
    } else if (mode == "AES-KW") {
      if (data.size() % 8 != 0 || data.size() < (encrypt ? 16u : 24u))
        operationError("AES-KW data must be a multiple of 8 bytes, at least " + std::to_string(encrypt ? 16 : 24));
      cipherPass(aesCipher(AesMode::kKw, h->secret.size()), h->secret, nullptr, encrypt, false, data, out);
    } else {
      fail("NotSupportedError", "Unrecognized AES mode");
    }
    info.GetReturnValue().Set(toBuffer(isolate, out));
    if (!encrypt && !out.empty()) OPENSSL_cleanse(out.data(), out.size());
  });
}

// ---- key derivation ----

// cryptoDeriveShared(privateHandle, publicHandle) → ArrayBuffer: the ECDH
// or X25519 shared secret.
void cryptoDeriveShared(Args info) {
  native(info, [&] {
    Handle* priv = privateOf(info[0]);
    Handle* pub = asymOf(info[1]);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv->pkey, nullptr));
    size_t len = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_derive_set_peer(ctx.get(), pub->pkey) <= 0 ||
        EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0)
      operationError("key agreement failed");
    SecretBytes out(len);
    if (EVP_PKEY_derive(ctx.get(), out.data.data(), &len) <= 0) operationError("key agreement failed");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out.data.data(), len));
  });
}

// cryptoPbkdf2(handle, hash, salt, iterations, byteLength) → ArrayBuffer
void cryptoPbkdf2(Args info) {
  native(info, [&] {
    Handle* h = secretOf(info[0]);
    const EVP_MD* md = requireDigest(strArg(info, 1));
    int64_t iterations = intArg(info, 3), n = intArg(info, 4);
    if (iterations <= 0 || iterations > INT32_MAX) operationError("iterations must be greater than 0");
    if (n < 0 || n > 1 << 24) operationError("invalid length");
    JsOut out = newOut(info.GetIsolate(), static_cast<size_t>(n));
    Bytes salt = bytesArg(info, 2);
    if (n > 0 && !PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(h->secret.data()),
                                    static_cast<int>(h->secret.size()), u8(salt), static_cast<int>(salt.size()),
                                    static_cast<int>(iterations), md, static_cast<int>(n), out.data))
      operationError("PBKDF2 failed");
    info.GetReturnValue().Set(out.buffer);
  });
}

// cryptoHkdf(handle, hash, salt, info, byteLength) → ArrayBuffer
void cryptoHkdf(Args info) {
  native(info, [&] {
    Handle* h = secretOf(info[0]);
    const EVP_MD* md = requireDigest(strArg(info, 1));
    int64_t n = intArg(info, 4);
    if (n < 0 || n > 255 * EVP_MD_get_size(md)) operationError("HKDF output is too long");
    JsOut out = newOut(info.GetIsolate(), static_cast<size_t>(n));
    Bytes salt = bytesArg(info, 2), inf = bytesArg(info, 3);
    if (n > 0) {
      KdfCtxPtr ctx(EVP_KDF_CTX_new(hkdfAlgorithm()));
      static const unsigned char kEmpty = 0;
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
          OSSL_PARAM_construct_octet_string(
              OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(h->secret.empty() ? &kEmpty : h->secret.data()),
              h->secret.size()),
          OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                            const_cast<unsigned char*>(salt.empty() ? &kEmpty : u8(salt)),
                                            salt.size()),
          OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                            const_cast<unsigned char*>(inf.empty() ? &kEmpty : u8(inf)),
                                            inf.size()),
          OSSL_PARAM_construct_end()};
      if (!ctx || EVP_KDF_derive(ctx.get(), out.data, static_cast<size_t>(n), params) <= 0)
        operationError("HKDF failed");
    }
    info.GetReturnValue().Set(out.buffer);
  });
}

// cryptoTimingSafeEqual(a, b) → boolean; the lengths are equal (crypto.js checks).
void cryptoTimingSafeEqual(Args info) {
  native(info, [&] {
    Bytes a = bytesArg(info, 0), b = bytesArg(info, 1);
    info.GetReturnValue().Set(a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
  });
}

}  // namespace

EVP_PKEY* pkeyOfHandle(v8::Local<v8::Value> value, bool* is_private) {
  if (value.IsEmpty() || !value->IsArrayBuffer()) return nullptr;
  auto buffer = value.As<v8::ArrayBuffer>();
  auto* h = static_cast<Handle*>(buffer->Data());
  if (buffer->ByteLength() != sizeof(Handle) || !h || h->magic != kHandleMagic) return nullptr;
  if (h->kind != Handle::Kind::kPublic && h->kind != Handle::Kind::kPrivate) return nullptr;
  *is_private = h->kind == Handle::Kind::kPrivate;
  return h->pkey;
}

v8::Local<v8::ArrayBuffer> newPkeyHandle(v8::Isolate* isolate, EVP_PKEY* pkey, bool is_private) {
  return wrapHandle(isolate, pkeyHandle(pkey, is_private));
}

void installCryptoNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Object> native) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"cryptoDigest", cryptoDigest},
      {"cryptoDigestStart", cryptoDigestStart},
      {"cryptoDigestUpdate", cryptoDigestUpdate},
      {"cryptoDigestFinish", cryptoDigestFinish},
      {"cryptoSecretImport", cryptoSecretImport},
      {"cryptoSecretGenerate", cryptoSecretGenerate},
      {"cryptoSecretExport", cryptoSecretExport},
      {"cryptoSecretLength", cryptoSecretLength},
      {"cryptoHmacSign", cryptoHmacSign},
      {"cryptoHmacVerify", cryptoHmacVerify},
      {"cryptoGenerateRsa", cryptoGenerateRsa},
      {"cryptoGenerateEc", cryptoGenerateEc},
      {"cryptoGenerateOkp", cryptoGenerateOkp},
      {"cryptoImportSpki", cryptoImportSpki},
      {"cryptoImportPkcs8", cryptoImportPkcs8},
      {"cryptoImportEcPublic", cryptoImportEcPublic},
      {"cryptoImportEcJwk", cryptoImportEcJwk},
      {"cryptoImportRsaJwk", cryptoImportRsaJwk},
      {"cryptoImportOkp", cryptoImportOkp},
      {"cryptoExportSpki", cryptoExportSpki},
      {"cryptoExportPkcs8", cryptoExportPkcs8},
      {"cryptoExportRawPublic", cryptoExportRawPublic},
      {"cryptoExportJwk", cryptoExportJwk},
      {"cryptoPublicOf", cryptoPublicOf},
      {"cryptoSign", cryptoSign},
      {"cryptoVerify", cryptoVerify},
      {"cryptoRsaOaep", cryptoRsaOaep},
      {"cryptoAes", cryptoAes},
      {"cryptoDeriveShared", cryptoDeriveShared},
      {"cryptoPbkdf2", cryptoPbkdf2},
      {"cryptoHkdf", cryptoHkdf},
      {"cryptoTimingSafeEqual", cryptoTimingSafeEqual},
  };
  for (const auto& e : kNatives) {
    auto fn = v8::Function::New(context, e.fn).ToLocalChecked();
    native->Set(context, v8str(isolate, e.name), fn).Check();
  }
  installNodeCryptoNatives(isolate, context, native);  // node:crypto's, over the same key handles
}

}  // namespace verge::runtime
