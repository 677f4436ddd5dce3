// Natives of node:crypto (src/node/crypto*.js) on OpenSSL 3 EVP: ciphers,
// key parsing and encoding, key generation, signatures, RSA encryption,
// ECDH and key agreement, classic Diffie-Hellman, X509Certificate, primes.
//
// Handles. A cipher's EVP_CIPHER_CTX lives in a `CipherState`, the backing
// store of a small ArrayBuffer that crypto_cipher.js keeps in a private
// field of the Cipheriv; V8 frees it (wiping the key schedule) when that
// buffer is collected. An X509Certificate's X509 lives in a `CertState` the
// same way. Asymmetric keys are WebCrypto's key handles (crypto.h), so a
// KeyObject, the CryptoKey made from it and back share one EVP_PKEY.
// Secret keys stay bytes in JS: nothing here needs them parsed.
//
// Errors. Every native runs under `guarded`: a NodeError becomes the JS
// Error of its type with Node's `code`; an OpenSSL failure becomes Node's
// form of it (message "error:1C800064:Provider routines::bad decrypt",
// code ERR_OSSL_BAD_DECRYPT). The error queue is cleared after every
// failure. Untrusted input (PEM, DER, signatures, ciphertext) never
// crashes: OpenSSL parses it and reports.
#include "runtime/api/node_crypto.h"

// Classic Diffie-Hellman (createDiffieHellman) uses the DH API, deprecated
// in OpenSSL 3 but the one whose DH_check flags are Node's verifyError and
// whose key lengths (by group) are Node's; EVP has no equivalent of either.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/crypto.h"
#include "runtime/api/openssl_ptr.h"
#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;
using Bytes = std::string_view;

// ---- errors ----

enum class ErrorType { kError, kTypeError, kRangeError };

struct NodeError {
  ErrorType type;
  std::string code;  // empty: none
  std::string message;
};

[[noreturn]] void fail(ErrorType type, std::string code, std::string message) {
  throw NodeError{type, std::move(code), std::move(message)};
}

// The newest error in OpenSSL's queue as Node reports it, or `fallback`
// (an Error without code) when the queue is empty.
[[noreturn]] void opensslFail(std::string fallback) {
  unsigned long e = 0, last = 0;
  while ((e = ERR_get_error()) != 0) last = e;
  if (last == 0) fail(ErrorType::kError, "", std::move(fallback));
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  // Node's code: ERR_OSSL_, the library for the ones Node names, the reason.
  struct Lib {
    int lib;
    const char* name;
  };
  static constexpr Lib kLibs[] = {
      {ERR_LIB_SYS, "SYS_"},     {ERR_LIB_BN, "BN_"},         {ERR_LIB_RSA, "RSA_"},       {ERR_LIB_DH, "DH_"},
      {ERR_LIB_EVP, "EVP_"},     {ERR_LIB_BUF, "BUF_"},       {ERR_LIB_OBJ, "OBJ_"},       {ERR_LIB_PEM, "PEM_"},
      {ERR_LIB_DSA, "DSA_"},     {ERR_LIB_X509, "X509_"},     {ERR_LIB_ASN1, "ASN1_"},     {ERR_LIB_CONF, "CONF_"},
      {ERR_LIB_CRYPTO, "CRYPTO_"}, {ERR_LIB_EC, "EC_"},       {ERR_LIB_BIO, "BIO_"},       {ERR_LIB_PKCS7, "PKCS7_"},
      {ERR_LIB_X509V3, "X509V3_"}, {ERR_LIB_PKCS12, "PKCS12_"}, {ERR_LIB_RAND, "RAND_"},   {ERR_LIB_DSO, "DSO_"},
      {ERR_LIB_ENGINE, "ENGINE_"}, {ERR_LIB_OCSP, "OCSP_"},   {ERR_LIB_UI, "UI_"},         {ERR_LIB_COMP, "COMP_"},
      {ERR_LIB_ECDSA, "ECDSA_"}, {ERR_LIB_ECDH, "ECDH_"},     {ERR_LIB_OSSL_STORE, "OSSL_STORE_"},
      {ERR_LIB_FIPS, "FIPS_"},   {ERR_LIB_CMS, "CMS_"},       {ERR_LIB_TS, "TS_"},         {ERR_LIB_HMAC, "HMAC_"},
      {ERR_LIB_CT, "CT_"},       {ERR_LIB_ASYNC, "ASYNC_"},   {ERR_LIB_KDF, "KDF_"},       {ERR_LIB_SM2, "SM2_"},
      {ERR_LIB_USER, "USER_"},
  };
  std::string code;
  if (const char* reason = ERR_reason_error_string(last)) {
    code = "ERR_OSSL_";
    for (const auto& l : kLibs) {
      if (l.lib == ERR_GET_LIB(last)) code += l.name;
    }
    for (const char* p = reason; *p; ++p)
      code += *p == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  fail(ErrorType::kError, std::move(code), buf);
}

struct JsException {};  // a JS exception is already pending

template <class F>
void guarded(Args info, F&& fn) {
  v8::Isolate* isolate = info.GetIsolate();
  NodeError err;
  try {
    fn();
    return;
  } catch (const JsException&) {
    ERR_clear_error();
    return;
  } catch (NodeError& e) {
    err = std::move(e);
  } catch (const std::bad_alloc&) {
    err = {ErrorType::kRangeError, "", "out of memory"};
  }
  ERR_clear_error();
  v8::Local<v8::String> message = v8str(isolate, err.message);
  v8::Local<v8::Value> exception = err.type == ErrorType::kTypeError    ? v8::Exception::TypeError(message)
                                   : err.type == ErrorType::kRangeError ? v8::Exception::RangeError(message)
                                                                        : v8::Exception::Error(message);
  if (!err.code.empty()) {
    exception.As<v8::Object>()
        ->Set(isolate->GetCurrentContext(), v8str(isolate, "code"), v8str(isolate, err.code))
        .Check();
  }
  isolate->ThrowException(exception);
}

// A copy of input bytes: an argument's view is valid only until the next
// JS allocation, and secrets are wiped when done.
struct Input {
  std::vector<unsigned char> data;
  explicit Input(Bytes b) : data(b.begin(), b.end()) {}
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() {
    if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
  }
  const unsigned char* ptr() const { return data.data(); }
  size_t size() const { return data.size(); }
};

// ---- arguments and results ----

std::string strArg(Args info, int i) { return toStdString(info.GetIsolate(), info[i]); }
bool has(Args info, int i) { return info.Length() > i && !info[i]->IsNullOrUndefined(); }
int64_t intArg(Args info, int i, int64_t fallback) {
  if (!has(info, i)) return fallback;
  return static_cast<int64_t>(info[i]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0));
}

v8::Local<v8::ArrayBuffer> toBuffer(v8::Isolate* isolate, const unsigned char* p, size_t n) {
  v8::Local<v8::ArrayBuffer> out;
  if (!newBuffer(isolate, n).ToLocal(&out)) throw JsException{};
  if (n) std::memcpy(out->Data(), p, n);
  return out;
}
v8::Local<v8::ArrayBuffer> toBuffer(v8::Isolate* isolate, const std::vector<unsigned char>& v) {
  return toBuffer(isolate, v.data(), v.size());
}

// The asymmetric key of a handle argument.
EVP_PKEY* keyArg(Args info, int i, bool* is_private) {
  EVP_PKEY* pkey = pkeyOfHandle(info[i], is_private);
  if (!pkey) fail(ErrorType::kTypeError, "ERR_INVALID_ARG_TYPE", "internal: not a key handle");
  return pkey;
}

// node digest name ("sha256", "SHA256", "RSA-SHA256", "sha3-256" …) → EVP_MD
const EVP_MD* digestOf(const std::string& name) {
  const EVP_MD* md = EVP_get_digestbyname(name.c_str());
  if (!md) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    md = EVP_get_digestbyname(lower.c_str());
  }
  return md;
}

// ---- ciphers ----

constexpr uint64_t kCipherMagic = 0x76657267652d6331;  // "verge-c1"

struct CipherState {
  uint64_t magic = kCipherMagic;
  EVP_CIPHER_CTX* ctx = nullptr;
  EVP_CIPHER* cipher = nullptr;
  bool encrypt = true;
  bool aead = false;
  int mode = 0;
  bool chacha_poly = false;
  size_t tag_len = 16;
  bool tag_len_given = false;  // authTagLength was passed
  bool tag_set = false;        // setAuthTag was called
  bool done = false;           // final was called
  bool auth_failed = false;    // a CCM update failed to authenticate
  unsigned char tag[16] = {};  // the longest AEAD tag
  ~CipherState() {
    magic = 0;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
  }
};

// A new ArrayBuffer whose backing store is `state` (freed with it).
template <class T>
v8::Local<v8::ArrayBuffer> wrapState(v8::Isolate* isolate, std::unique_ptr<T> state) {
  T* raw = state.release();
  auto store = v8::ArrayBuffer::NewBackingStore(
      raw, sizeof(T), [](void* p, size_t, void*) { delete static_cast<T*>(p); }, nullptr);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

// The T that wrapState put in `v` (checked by its magic number).
template <class T>
T* stateOf(v8::Local<v8::Value> v, uint64_t magic, const char* what) {
  T* s = nullptr;
  if (!v.IsEmpty() && v->IsArrayBuffer() && v.As<v8::ArrayBuffer>()->ByteLength() == sizeof(T))
    s = static_cast<T*>(v.As<v8::ArrayBuffer>()->Data());
  if (!s || s->magic != magic) fail(ErrorType::kTypeError, "", std::string("internal: not a ") + what);
  return s;
}

CipherState* cipherOf(v8::Local<v8::Value> v) { return stateOf<CipherState>(v, kCipherMagic, "cipher"); }

// An OpenSSL object owned by a JS handle (wrapState), tagged with `Magic`.
template <class T, void (*Free)(T*), uint64_t Magic>
struct OwnedState {
  uint64_t magic = Magic;
  T* ptr = nullptr;
  OwnedState() = default;
  OwnedState(const OwnedState&) = delete;
  OwnedState& operator=(const OwnedState&) = delete;
  ~OwnedState() {
    magic = 0;
    Free(ptr);
  }
};

[[noreturn]] void invalidState(const char* op) {
  fail(ErrorType::kError, "ERR_CRYPTO_INVALID_STATE", std::string("Invalid state for operation ") + op);
}
[[noreturn]] void invalidTagLength(size_t n) {
  fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_AUTH_TAG", "Invalid authentication tag length: " + std::to_string(n));
}

bool validTagLength(const CipherState* s, size_t n) {
  if (s->mode == EVP_CIPH_GCM_MODE) return n == 4 || n == 8 || (n >= 12 && n <= 16);
  if (s->mode == EVP_CIPH_CCM_MODE) return n >= 4 && n <= 16 && n % 2 == 0;
  return n >= 1 && n <= 16;  // OCB, ChaCha20-Poly1305
}

EVP_CIPHER* fetchCipher(const std::string& name) {
  ERR_set_mark();
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
  ERR_pop_to_mark();
  return cipher;
}

// nodeCipherCreate(name, key, iv | null, encrypt, authTagLength | undefined) → handle
void nodeCipherCreate(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    std::string name = strArg(info, 0);
    Input key(bytesOf(info[1]));
    bool has_iv = has(info, 2);
    Input iv(has_iv ? bytesOf(info[2]) : Bytes());
    bool encrypt = info[3]->BooleanValue(isolate);
    auto s = std::make_unique<CipherState>();
    s->cipher = fetchCipher(name);
    if (!s->cipher) fail(ErrorType::kError, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher");
    s->encrypt = encrypt;
    s->mode = EVP_CIPHER_get_mode(s->cipher);
    s->aead = (EVP_CIPHER_get_flags(s->cipher) & EVP_CIPH_FLAG_AEAD_CIPHER) != 0;
    s->chacha_poly = s->aead && s->mode == EVP_CIPH_STREAM_CIPHER;
    if (s->mode == EVP_CIPH_WRAP_MODE) fail(ErrorType::kError, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher");
    if (static_cast<size_t>(EVP_CIPHER_get_key_length(s->cipher)) != key.size())
      fail(ErrorType::kRangeError, "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length");
    size_t want_iv = static_cast<size_t>(EVP_CIPHER_get_iv_length(s->cipher));
    bool iv_ok;
    if (s->aead) {
      size_t n = iv.size();
      iv_ok = has_iv && (s->mode == EVP_CIPH_GCM_MODE   ? n > 0
                         : s->mode == EVP_CIPH_CCM_MODE ? n >= 7 && n <= 13
                         : s->mode == EVP_CIPH_OCB_MODE ? n >= 1 && n <= 15
                                                        : n >= 1 && n <= 12);
    } else {
      iv_ok = has_iv ? iv.size() == want_iv : want_iv == 0;
    }
    if (!iv_ok) fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector");
    if (s->aead) {
      if (has(info, 4)) {
        int64_t n = intArg(info, 4, 16);
        if (n < 1 || n > 16 || !validTagLength(s.get(), static_cast<size_t>(n)))
          invalidTagLength(static_cast<size_t>(n < 0 ? 0 : n));
        s->tag_len = static_cast<size_t>(n);
        s->tag_len_given = true;
      } else if (s->mode == EVP_CIPH_CCM_MODE || s->mode == EVP_CIPH_OCB_MODE) {
        fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_AUTH_TAG", "authTagLength required for " + name);
      }
    }
    s->ctx = EVP_CIPHER_CTX_new();
    if (!s->ctx || !EVP_CipherInit_ex2(s->ctx, s->cipher, nullptr, nullptr, encrypt ? 1 : 0, nullptr))
      opensslFail("cipher initialization failed");
    if (s->aead) {
      // Always: a CCM context starts with a 7-byte nonce, whatever the cipher's IV length says.
      if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(iv.size()), nullptr) <= 0)
        fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector");
      if ((s->mode == EVP_CIPH_CCM_MODE || s->mode == EVP_CIPH_OCB_MODE) &&
          EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(s->tag_len), nullptr) <= 0)
        invalidTagLength(s->tag_len);
    }
    if (!EVP_CipherInit_ex2(s->ctx, nullptr, key.ptr(), has_iv && iv.size() ? iv.ptr() : nullptr,
                            encrypt ? 1 : 0, nullptr))
      opensslFail("cipher initialization failed");
    info.GetReturnValue().Set(wrapState(isolate, std::move(s)));
  });
}

// nodeCipherUpdate(handle, data) → ArrayBuffer
void nodeCipherUpdate(Args info) {
  guarded(info, [&] {
    CipherState* s = cipherOf(info[0]);
    if (s->done) fail(ErrorType::kError, "", "Trying to add data in unsupported state");
    Input in(bytesOf(info[1]));
    if (in.size() > INT_MAX - 64) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "data is too long");
    std::vector<unsigned char> out(in.size() + static_cast<size_t>(EVP_CIPHER_CTX_get_block_size(s->ctx)) + 16);
    int len = 0;
    if (!EVP_CipherUpdate(s->ctx, out.data(), &len, in.size() ? in.ptr() : out.data(), static_cast<int>(in.size()))) {
      if (!s->encrypt && s->mode == EVP_CIPH_CCM_MODE) {
        // OpenSSL checks a CCM tag during the update; Node reports it at final().
        ERR_clear_error();
        s->auth_failed = true;
        len = 0;
      } else {
        opensslFail("Trying to add data in unsupported state");
      }
    }
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out.data(), static_cast<size_t>(len)));
  });
}

// nodeCipherFinal(handle) → ArrayBuffer
void nodeCipherFinal(Args info) {
  guarded(info, [&] {
    CipherState* s = cipherOf(info[0]);
    if (s->done) fail(ErrorType::kError, "ERR_CRYPTO_INVALID_STATE", "Invalid state");
    s->done = true;
    unsigned char out[EVP_MAX_BLOCK_LENGTH * 2];
    int len = 0;
    bool ok;
    if (!s->encrypt && s->mode == EVP_CIPH_CCM_MODE) {
      ok = !s->auth_failed;  // CCM authenticated in the update
    } else {
      ok = EVP_CipherFinal_ex(s->ctx, out, &len) == 1;
    }
    if (!ok) {
      if (s->aead && !s->encrypt)
        fail(ErrorType::kError, "", "Unsupported state or unable to authenticate data");
      opensslFail("final failed");
    }
    if (s->aead && s->encrypt &&
        EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(s->tag_len), s->tag) <= 0)
      opensslFail("could not get the authentication tag");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out, static_cast<size_t>(len)));
  });
}

// nodeCipherSetAutoPadding(handle, on)
void nodeCipherSetAutoPadding(Args info) {
  guarded(info, [&] {
    CipherState* s = cipherOf(info[0]);
    if (s->done) invalidState("setAutoPadding");
    EVP_CIPHER_CTX_set_padding(s->ctx, info[1]->BooleanValue(info.GetIsolate()) ? 1 : 0);
  });
}

// nodeCipherSetAAD(handle, aad, plaintextLength | undefined)
void nodeCipherSetAAD(Args info) {
  guarded(info, [&] {
    CipherState* s = cipherOf(info[0]);
    if (s->done || !s->aead) invalidState("setAAD");
    Input aad(bytesOf(info[1]));
    int len = 0;
    if (s->mode == EVP_CIPH_CCM_MODE) {
      if (!has(info, 2))
        fail(ErrorType::kError, "ERR_CRYPTO_INVALID_MESSAGELEN", "options.plaintextLength required for CCM mode with AAD");
      int64_t plain = intArg(info, 2, 0);
      if (plain < 0 || plain > INT_MAX) fail(ErrorType::kRangeError, "ERR_CRYPTO_INVALID_MESSAGELEN", "Invalid message length");
      if (!EVP_CipherUpdate(s->ctx, nullptr, &len, nullptr, static_cast<int>(plain))) invalidState("setAAD");
    }
    if (!EVP_CipherUpdate(s->ctx, nullptr, &len, aad.ptr(), static_cast<int>(aad.size()))) invalidState("setAAD");
  });
}

// nodeCipherSetAuthTag(handle, tag)
void nodeCipherSetAuthTag(Args info) {
  guarded(info, [&] {
    CipherState* s = cipherOf(info[0]);
    if (s->done || s->encrypt || !s->aead || s->tag_set) invalidState("setAuthTag");
    Input tag(bytesOf(info[1]));
    size_t n = tag.size();
    if (s->tag_len_given ? n != s->tag_len : !validTagLength(s, n)) invalidTagLength(n);
    s->tag_len = n;
    std::memcpy(s->tag, tag.ptr(), n);
    if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(n), s->tag) <= 0) invalidTagLength(n);
    s->tag_set = true;
  });
}

// nodeCipherGetAuthTag(handle) → ArrayBuffer
void nodeCipherGetAuthTag(Args info) {
  guarded(info, [&] {
    CipherState* s = cipherOf(info[0]);
    if (!s->done || !s->encrypt || !s->aead) invalidState("getAuthTag");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), s->tag, s->tag_len));
  });
}

// nodeCipherList() → the lower-case names of the ciphers createCipheriv
// takes (those the default provider implements, key wrapping excepted).
void nodeCipherList(Args info) {
  guarded(info, [&] {
    std::vector<std::string> names;
    OBJ_NAME_do_all_sorted(
        OBJ_NAME_TYPE_CIPHER_METH,
        [](const OBJ_NAME* obj, void* arg) {
          std::string name = obj->name;
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          EVP_CIPHER* cipher = fetchCipher(name);
          if (cipher) {
            if (EVP_CIPHER_get_mode(cipher) != EVP_CIPH_WRAP_MODE)
              static_cast<std::vector<std::string>*>(arg)->push_back(name);
            EVP_CIPHER_free(cipher);
          }
        },
        &names);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    v8::Isolate* isolate = info.GetIsolate();
    std::vector<v8::Local<v8::Value>> items;
    for (const auto& n : names) items.push_back(v8str(isolate, n));
    info.GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
  });
}

// nodeCipherInfo(name) → [name, nid, blockSize, ivLength, keyLength, mode] or undefined
void nodeCipherInfo(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    CipherPtr cipher(fetchCipher(strArg(info, 0)));
    if (!cipher || EVP_CIPHER_get_mode(cipher.get()) == EVP_CIPH_WRAP_MODE) return;
    int nid = EVP_CIPHER_get_nid(cipher.get());
    const char* sn = OBJ_nid2sn(nid);
    std::string name = sn ? sn : EVP_CIPHER_get0_name(cipher.get());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const char* mode = "";
    switch (EVP_CIPHER_get_mode(cipher.get())) {
      case EVP_CIPH_ECB_MODE: mode = "ecb"; break;
      case EVP_CIPH_CBC_MODE: mode = "cbc"; break;
      case EVP_CIPH_CFB_MODE: mode = "cfb"; break;
      case EVP_CIPH_OFB_MODE: mode = "ofb"; break;
      case EVP_CIPH_CTR_MODE: mode = "ctr"; break;
      case EVP_CIPH_GCM_MODE: mode = "gcm"; break;
      case EVP_CIPH_CCM_MODE: mode = "ccm"; break;
      case EVP_CIPH_XTS_MODE: mode = "xts"; break;
      case EVP_CIPH_OCB_MODE: mode = "ocb"; break;
      case EVP_CIPH_STREAM_CIPHER: mode = "stream"; break;
      default: break;
    }
    v8::Local<v8::Value> items[] = {v8str(isolate, name), v8::Integer::New(isolate, nid),
                                    v8::Integer::New(isolate, EVP_CIPHER_get_block_size(cipher.get())),
                                    v8::Integer::New(isolate, EVP_CIPHER_get_iv_length(cipher.get())),
                                    v8::Integer::New(isolate, EVP_CIPHER_get_key_length(cipher.get())),
                                    v8str(isolate, mode)};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 6));
  });
}

// ---- key parsing and encoding ----

struct Passphrase {
  Input bytes;
  bool given;
  bool asked = false;
};

int passphraseCallback(char* buf, int size, int, void* u) {
  auto* p = static_cast<Passphrase*>(u);
  p->asked = true;
  if (!p->given || p->bytes.size() > static_cast<size_t>(size)) return -1;
  if (p->bytes.size()) std::memcpy(buf, p->bytes.ptr(), p->bytes.size());
  return static_cast<int>(p->bytes.size());
}

[[noreturn]] void parseFail(const Passphrase& pass) {
  if (pass.asked && !pass.given)
    fail(ErrorType::kTypeError, "ERR_MISSING_PASSPHRASE", "Passphrase required for encrypted key");
  if (ERR_peek_error() == 0)
    fail(ErrorType::kError, "ERR_OSSL_UNSUPPORTED", "error:1E08010C:DECODER routines::unsupported");
  opensslFail("");
}

// A PKCS#1 RSAPublicKey (DER), all of `len` bytes, as a provider key (which
// the encoders can export; d2i_PublicKey would give a legacy one).
PkeyPtr rsaPublicPkcs1(const unsigned char* der, size_t len) {
  EVP_PKEY* pkey = nullptr;
  DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "type-specific", "RSA", EVP_PKEY_PUBLIC_KEY,
                                                  nullptr, nullptr));
  if (!ctx) throw std::bad_alloc();
  const unsigned char* p = der;
  size_t left = len;
  if (!OSSL_DECODER_from_data(ctx.get(), &p, &left) || left != 0) {
    EVP_PKEY_free(pkey);
    return nullptr;
  }
  return PkeyPtr(pkey);
}

// The label of the first PEM block ("PUBLIC KEY", "RSA PRIVATE KEY" …).
std::string pemLabel(Bytes pem) {
  size_t begin = pem.find("-----BEGIN ");
  if (begin == Bytes::npos) return {};
  begin += 11;
  size_t end = pem.find("-----", begin);
  if (end == Bytes::npos || end - begin > 64) return {};
  return std::string(pem.substr(begin, end - begin));
}

PkeyPtr parsePem(const Input& in, Passphrase& pass, bool* is_private) {
  BioPtr bio(BIO_new_mem_buf(in.size() ? in.ptr() : u8(" "), static_cast<int>(in.size())));
  if (!bio) throw std::bad_alloc();
  std::string label = pemLabel(Bytes(reinterpret_cast<const char*>(in.ptr()), in.size()));
  *is_private = false;
  if (label == "PUBLIC KEY") return PkeyPtr(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (label == "RSA PUBLIC KEY") {
    unsigned char* der = nullptr;
    long len = 0;
    char* name = nullptr;
    if (!PEM_bytes_read_bio(&der, &len, &name, "RSA PUBLIC KEY", bio.get(), nullptr, nullptr)) return nullptr;
    PkeyPtr pkey = rsaPublicPkcs1(der, static_cast<size_t>(len));
    OPENSSL_free(der);
    OPENSSL_free(name);
    return pkey;
  }
  if (label == "CERTIFICATE") {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    return PkeyPtr(cert ? X509_get_pubkey(cert.get()) : nullptr);
  }
  if (label.size() >= 11 && label.compare(label.size() - 11, 11, "PRIVATE KEY") == 0) {
    *is_private = true;
    return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphraseCallback, &pass));
  }
  return nullptr;
}

PkeyPtr parseDer(const Input& in, const std::string& type, bool want_private, Passphrase& pass, bool* is_private) {
  const unsigned char* p = in.ptr();
  long len = static_cast<long>(in.size());
  PkeyPtr pkey;
  *is_private = want_private;
  if (type == "spki") {
    *is_private = false;
    pkey.reset(d2i_PUBKEY(nullptr, &p, len));
  } else if (type == "pkcs1") {
    if (!want_private) return rsaPublicPkcs1(in.ptr(), in.size());
    pkey.reset(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, len));
  } else if (type == "sec1") {
    pkey.reset(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, len));
  } else if (type == "pkcs8") {
    P8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, len));
    if (p8) {
      pkey.reset(EVP_PKCS82PKEY(p8.get()));
    } else {
      ERR_clear_error();
      p = in.ptr();
      BioPtr bio(BIO_new_mem_buf(in.size() ? in.ptr() : u8(" "), static_cast<int>(in.size())));
      if (!bio) throw std::bad_alloc();
      pkey.reset(d2i_PKCS8PrivateKey_bio(bio.get(), nullptr, passphraseCallback, &pass));
      return pkey;  // the BIO reader checks the structure's own length
    }
  }
  if (pkey && p != in.ptr() + in.size()) pkey.reset();  // trailing bytes
  return pkey;
}

// nodeKeyParse(data, isPem, type, wantPrivate, passphrase | undefined)
//   → [handle, isPrivate]. A PEM private key given where a public one is
//   wanted is returned as is: crypto.js takes its public half.
void nodeKeyParse(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    Input in(bytesOf(info[0]));
    bool pem = info[1]->BooleanValue(isolate);
    std::string type = strArg(info, 2);
    bool want_private = info[3]->BooleanValue(isolate);
    Passphrase pass{Input(has(info, 4) ? bytesOf(info[4]) : Bytes()), has(info, 4)};
    if (in.size() > INT_MAX) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "key is too long");
    bool is_private = false;
    ERR_clear_error();
    PkeyPtr pkey = pem ? parsePem(in, pass, &is_private) : parseDer(in, type, want_private, pass, &is_private);
    if (!pkey) parseFail(pass);
    ERR_clear_error();
    v8::Local<v8::Value> items[] = {newPkeyHandle(isolate, pkey.release(), is_private),
                                    v8::Boolean::New(isolate, is_private)};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
  });
}

// nodeKeyExport(handle, isPem, type, cipher | undefined, passphrase | undefined)
//   → string (PEM) or ArrayBuffer (DER)
void nodeKeyExport(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    bool is_private = false;
    EVP_PKEY* pkey = keyArg(info, 0, &is_private);
    bool pem = info[1]->BooleanValue(isolate);
    std::string type = strArg(info, 2);
    const char* structure = type == "spki"    ? "SubjectPublicKeyInfo"
                            : type == "pkcs8" ? "PrivateKeyInfo"
                                              : "type-specific";
    bool want_private = type != "spki" && (type != "pkcs1" || is_private);
    int selection = want_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
    EncoderCtxPtr ctx(
        OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, pem ? "PEM" : "DER", structure, nullptr));
    if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0) opensslFail("key encoding failed");
    if (has(info, 3)) {
      std::string cipher = strArg(info, 3);
      Input pass(has(info, 4) ? bytesOf(info[4]) : Bytes());
      if (!OSSL_ENCODER_CTX_set_cipher(ctx.get(), cipher.c_str(), nullptr))
        fail(ErrorType::kError, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher");
      if (!OSSL_ENCODER_CTX_set_passphrase(ctx.get(), pass.size() ? pass.ptr() : u8("x"), pass.size()))
        opensslFail("key encoding failed");
    }
    unsigned char* data = nullptr;
    size_t len = 0;
    if (!OSSL_ENCODER_to_data(ctx.get(), &data, &len)) opensslFail("key encoding failed");
    auto free_data = [len](unsigned char* p) {
      OPENSSL_cleanse(p, len);
      OPENSSL_free(p);
    };
    std::unique_ptr<unsigned char, decltype(free_data)> owned(data, free_data);
    if (pem) {
      v8::Local<v8::String> s;
      if (!v8::String::NewFromUtf8(isolate, reinterpret_cast<const char*>(data), v8::NewStringType::kNormal,
                                   static_cast<int>(len))
               .ToLocal(&s))
        throw JsException{};
      info.GetReturnValue().Set(s);
    } else {
      info.GetReturnValue().Set(toBuffer(isolate, data, len));
    }
  });
}

// An RSA-PSS key's restrictions, from the RSASSA-PSS-params of its SPKI
// (OpenSSL 3.0 does not report them all as key parameters): whether it has
// any, and Node's names of the hash and MGF1 hash (RFC 8017's defaults,
// SHA-1 and a 20-byte salt, for members left out).
struct PssParams {
  std::string hash, mgf1;
  int64_t salt = 20;
};
bool pssParamsOf(EVP_PKEY* pkey, PssParams* out) {
  X509_PUBKEY* xpk = nullptr;
  if (!X509_PUBKEY_set(&xpk, pkey)) return false;
  OpensslPtr<X509_PUBKEY, X509_PUBKEY_free> owned(xpk);
  X509_ALGOR* alg = nullptr;
  const void* pval = nullptr;
  int ptype = 0;
  if (!X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &alg, xpk) || !alg) return false;
  X509_ALGOR_get0(nullptr, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE || !pval) return false;
  const auto* seq = static_cast<const ASN1_STRING*>(pval);
  const unsigned char* p = ASN1_STRING_get0_data(seq);
  OpensslPtr<RSA_PSS_PARAMS, RSA_PSS_PARAMS_free> params(d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq)));
  if (!params) return false;
  auto name = [](const X509_ALGOR* a) {
    const char* ln = OBJ_nid2ln(a ? OBJ_obj2nid(a->algorithm) : NID_sha1);
    return std::string(ln ? ln : "");
  };
  out->hash = name(params->hashAlgorithm);
  // MGF1's hash is the AlgorithmIdentifier inside maskGenAlgorithm's parameter.
  OpensslPtr<X509_ALGOR, X509_ALGOR_free> mask_hash(
      params->maskGenAlgorithm && params->maskGenAlgorithm->parameter
          ? static_cast<X509_ALGOR*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
                                                               params->maskGenAlgorithm->parameter))
          : nullptr);
  out->mgf1 = name(mask_hash.get());
  if (params->saltLength) out->salt = ASN1_INTEGER_get(params->saltLength);
  return true;
}

// nodeKeyDetails(handle) → [type, bits, publicExponent bytes | undefined, curve | undefined,
//   and for an RSA-PSS key with parameters: hash, mgf1 hash, salt length]
//   type: "rsa", "rsa-pss", "dsa", "dh", "ec", "ed25519", "ed448", "x25519", "x448" or "".
void nodeKeyDetails(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    bool is_private = false;
    EVP_PKEY* pkey = keyArg(info, 0, &is_private);
    const char* type = "";
    switch (EVP_PKEY_get_base_id(pkey)) {
      case EVP_PKEY_RSA: type = "rsa"; break;
      case EVP_PKEY_RSA_PSS: type = "rsa-pss"; break;
      case EVP_PKEY_DSA: type = "dsa"; break;
      case EVP_PKEY_DH: type = "dh"; break;
      case EVP_PKEY_EC: type = "ec"; break;
      case EVP_PKEY_ED25519: type = "ed25519"; break;
      case EVP_PKEY_ED448: type = "ed448"; break;
      case EVP_PKEY_X25519: type = "x25519"; break;
      case EVP_PKEY_X448: type = "x448"; break;
      default: break;
    }
    v8::Local<v8::Value> exponent = v8::Undefined(isolate), curve = v8::Undefined(isolate);
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
      BnPtr owned(e);
      std::vector<unsigned char> eb(static_cast<size_t>(BN_num_bytes(e)));
      BN_bn2bin(e, eb.data());
      exponent = toBuffer(isolate, eb);
    }
    char group[80] = {0};
    size_t glen = 0;
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen))
      curve = v8str(isolate, std::string_view(group, glen));
    std::vector<v8::Local<v8::Value>> items = {v8str(isolate, type), v8::Integer::New(isolate, EVP_PKEY_get_bits(pkey)),
                                               exponent, curve};
    PssParams pss;
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA_PSS && pssParamsOf(pkey, &pss)) {
      items.push_back(v8str(isolate, pss.hash));
      items.push_back(v8str(isolate, pss.mgf1));
      items.push_back(v8::Number::New(isolate, static_cast<double>(pss.salt)));
    }
    ERR_clear_error();
    info.GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
  });
}

// nodeKeyEquals(a, b) → boolean
void nodeKeyEquals(Args info) {
  guarded(info, [&] {
    bool pa = false, pb = false;
    EVP_PKEY* a = keyArg(info, 0, &pa);
    EVP_PKEY* b = keyArg(info, 1, &pb);
    bool eq = pa == pb && EVP_PKEY_eq(a, b) == 1;
    ERR_clear_error();
    info.GetReturnValue().Set(eq);
  });
}

// A curve name as Node takes it ("P-256", "prime256v1", "secp256k1" …) → NID
int curveNid(const std::string& name) {
  int nid = EC_curve_nist2nid(name.c_str());
  if (nid == NID_undef) nid = OBJ_sn2nid(name.c_str());
  if (nid == NID_undef) nid = OBJ_ln2nid(name.c_str());
  GroupPtr group(nid == NID_undef ? nullptr : EC_GROUP_new_by_curve_name(nid));
  ERR_clear_error();
  if (!group) fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_CURVE", "Invalid EC curve name");
  return nid;
}

// An RSA-PSS key restricted to a hash, an MGF1 hash (the hash's unless
// given) and a minimum salt length (the hash's size unless given), as
// Node's generateKeyPair('rsa-pss') options make it.
void restrictPss(EVP_PKEY_CTX* ctx, Args info) {
  auto md = [&](int i) -> const EVP_MD* {
    if (!has(info, i)) return nullptr;
    std::string name = strArg(info, i);
    const EVP_MD* m = digestOf(name);
    if (!m) fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: " + name);
    return m;
  };
  const EVP_MD* hash = md(4);
  const EVP_MD* mgf1 = md(5);
  if (!mgf1) mgf1 = hash;
  int64_t salt = intArg(info, 6, hash ? EVP_MD_get_size(hash) : -1);
  if ((hash && EVP_PKEY_CTX_set_rsa_pss_keygen_md(ctx, hash) <= 0) ||
      (mgf1 && EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md(ctx, mgf1) <= 0) ||
      (salt >= 0 && (salt > INT_MAX || EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(ctx, static_cast<int>(salt)) <= 0)))
    opensslFail("key generation failed");
}

// nodeKeyGenerate(type, modulusLength, publicExponent, namedCurve,
//   hash, mgf1Hash, saltLength (rsa-pss; each may be undefined),
//   paramEncoding ("named" | "explicit", ec)) → [public, private]
//   type: "rsa", "rsa-pss", "ec", "ed25519", "ed448", "x25519", "x448"
void nodeKeyGenerate(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    std::string type = strArg(info, 0);
    PkeyCtxPtr ctx;
    if (type == "rsa" || type == "rsa-pss") {
      int64_t bits = intArg(info, 1, 0);
      int64_t exponent = intArg(info, 2, 65537);
      if (bits < 512 || bits > 16384)
        fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "The value of \"options.modulusLength\" is out of range.");
      if (exponent < 3 || exponent % 2 == 0 || exponent > UINT32_MAX)
        fail(ErrorType::kError, "ERR_OSSL_RSA_BAD_E_VALUE", "error:1C800066:Provider routines::bad e value");
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, type == "rsa" ? "RSA" : "RSA-PSS", nullptr));
      BnPtr e(BN_new());
      if (!ctx || !e || !BN_set_word(e.get(), static_cast<BN_ULONG>(exponent)) || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) <= 0 ||
          EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) <= 0)
        opensslFail("key generation failed");
      if (type == "rsa-pss") restrictPss(ctx.get(), info);
    } else if (type == "ec") {
      int nid = curveNid(strArg(info, 3));
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
      bool explicit_params = has(info, 7) && strArg(info, 7) == "explicit";
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_group_name(ctx.get(), OBJ_nid2sn(nid)) <= 0 ||
          (explicit_params && EVP_PKEY_CTX_set_ec_param_enc(ctx.get(), OPENSSL_EC_EXPLICIT_CURVE) <= 0))
        opensslFail("key generation failed");
    } else {
      const char* name = type == "ed25519"  ? "ED25519"
                         : type == "ed448"  ? "ED448"
                         : type == "x25519" ? "X25519"
                         : type == "x448"   ? "X448"
                                            : nullptr;
      if (!name)
        fail(ErrorType::kTypeError, "ERR_INVALID_ARG_VALUE", "The argument 'type' must be a supported key type. Received '" + type + "'");
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, name, nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) opensslFail("key generation failed");
    }
    EVP_PKEY* pkey = nullptr;
    if (EVP_PKEY_keygen(ctx.get(), &pkey) <= 0) opensslFail("key generation failed");
    PkeyPtr owned(pkey);
    EVP_PKEY_up_ref(pkey);  // one reference for each handle
    EVP_PKEY_up_ref(pkey);
    v8::Local<v8::Value> items[] = {newPkeyHandle(isolate, pkey, false), newPkeyHandle(isolate, pkey, true)};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
  });
}

// ---- signatures ----

size_t ecOrderBytes(EVP_PKEY* pkey) { return static_cast<size_t>((EVP_PKEY_get_bits(pkey) + 7) / 8); }

// Sets RSA padding and PSS salt length on a sign/verify context.
void setRsaOptions(EVP_PKEY* pkey, EVP_PKEY_CTX* pctx, int64_t padding, int64_t salt) {
  int base = EVP_PKEY_get_base_id(pkey);
  if (base != EVP_PKEY_RSA && base != EVP_PKEY_RSA_PSS) return;
  if (padding < 0) padding = base == EVP_PKEY_RSA_PSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, static_cast<int>(padding)) <= 0) opensslFail("illegal or unsupported padding mode");
  // Without saltLength, OpenSSL's defaults (as in Node): the longest salt
  // when signing, any when verifying, within a restricted key's minimum.
  if (padding == RSA_PKCS1_PSS_PADDING && salt != INT64_MIN) {
    if (salt < INT_MIN || salt > INT_MAX || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(salt)) <= 0)
      opensslFail("invalid salt length");
  }
}

MdCtxPtr signContext(EVP_PKEY* pkey, Args info, bool sign) {
  const EVP_MD* md = nullptr;
  if (has(info, 1)) {
    std::string name = strArg(info, 1);
    md = digestOf(name);
    if (!md) fail(ErrorType::kTypeError, "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: " + name);
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx) throw std::bad_alloc();
  int ok = sign ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey)
                : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey);
  if (ok <= 0) opensslFail("the key cannot sign with this digest");
  setRsaOptions(pkey, pctx, intArg(info, 3, -1), has(info, 4) ? intArg(info, 4, 0) : INT64_MIN);
  return ctx;
}

bool isEcdsa(EVP_PKEY* pkey) { return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC; }

// nodeSign(handle, digest | undefined, data, padding, saltLength, p1363) → ArrayBuffer
void nodeSign(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    bool is_private = false;
    EVP_PKEY* pkey = keyArg(info, 0, &is_private);
    MdCtxPtr ctx = signContext(pkey, info, true);
    Input data(bytesOf(info[2]));
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, data.ptr(), data.size()) <= 0) opensslFail("signing failed");
    std::vector<unsigned char> sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.ptr(), data.size()) <= 0) opensslFail("signing failed");
    sig.resize(len);
    if (isEcdsa(pkey) && info[5]->BooleanValue(isolate)) {
      const unsigned char* p = sig.data();
      SigPtr ecsig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
      if (!ecsig) opensslFail("signing failed");
      size_t n = ecOrderBytes(pkey);
      std::vector<unsigned char> out(2 * n);
      if (BN_bn2binpad(ECDSA_SIG_get0_r(ecsig.get()), out.data(), static_cast<int>(n)) < 0 ||
          BN_bn2binpad(ECDSA_SIG_get0_s(ecsig.get()), out.data() + n, static_cast<int>(n)) < 0)
        opensslFail("signing failed");
      sig = std::move(out);
    }
    info.GetReturnValue().Set(toBuffer(isolate, sig));
  });
}

// nodeVerify(handle, digest | undefined, data, padding, saltLength, p1363, signature) → boolean
void nodeVerify(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    bool is_private = false;
    EVP_PKEY* pkey = keyArg(info, 0, &is_private);
    MdCtxPtr ctx = signContext(pkey, info, false);
    Input data(bytesOf(info[2]));
    Input sig_in(bytesOf(info[6]));
    std::vector<unsigned char> sig(sig_in.data);
    if (isEcdsa(pkey) && info[5]->BooleanValue(isolate)) {
      size_t n = ecOrderBytes(pkey);
      if (sig.size() != 2 * n) {
        info.GetReturnValue().Set(false);
        return;
      }
      SigPtr ecsig(ECDSA_SIG_new());
      BIGNUM* r = BN_bin2bn(sig.data(), static_cast<int>(n), nullptr);
      BIGNUM* s = BN_bin2bn(sig.data() + n, static_cast<int>(n), nullptr);
      if (!ecsig || !r || !s || !ECDSA_SIG_set0(ecsig.get(), r, s)) {
        BN_free(r);
        BN_free(s);
        throw std::bad_alloc();
      }
      unsigned char* der = nullptr;
      int dlen = i2d_ECDSA_SIG(ecsig.get(), &der);
      if (dlen <= 0) throw std::bad_alloc();
      sig.assign(der, der + dlen);
      OPENSSL_free(der);
    }
    int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.ptr(), data.size());
    ERR_clear_error();
    info.GetReturnValue().Set(rc == 1);
  });
}

// ---- RSA encryption ----

// nodeRsaCrypt(handle, op, data, padding, oaepHash | undefined, oaepLabel | undefined) → ArrayBuffer
//   op: 0 publicEncrypt, 1 privateDecrypt, 2 privateEncrypt, 3 publicDecrypt
void nodeRsaCrypt(Args info) {
  guarded(info, [&] {
    bool is_private = false;
    EVP_PKEY* pkey = keyArg(info, 0, &is_private);
    int64_t op = intArg(info, 1, 0);
    Input data(bytesOf(info[2]));
    int64_t padding = intArg(info, 3, RSA_PKCS1_OAEP_PADDING);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!ctx) throw std::bad_alloc();
    int init = op == 0 ? EVP_PKEY_encrypt_init(ctx.get())
               : op == 1 ? EVP_PKEY_decrypt_init(ctx.get())
               : op == 2 ? EVP_PKEY_sign_init(ctx.get())
                         : EVP_PKEY_verify_recover_init(ctx.get());
    if (init <= 0) opensslFail("operation not supported for this keytype");
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), static_cast<int>(padding)) <= 0)
      opensslFail("illegal or unsupported padding mode");
    if (padding == RSA_PKCS1_OAEP_PADDING) {
      if (has(info, 4)) {
        std::string name = strArg(info, 4);
        const EVP_MD* md = digestOf(name);
        if (!md) fail(ErrorType::kTypeError, "ERR_OSSL_EVP_INVALID_DIGEST", "Invalid digest used");
        if (EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) <= 0) opensslFail("invalid OAEP digest");
      }
      if (has(info, 5)) {
        Input label(bytesOf(info[5]));
        unsigned char* copy = static_cast<unsigned char*>(OPENSSL_malloc(label.size() ? label.size() : 1));
        if (!copy) throw std::bad_alloc();
        if (label.size()) std::memcpy(copy, label.ptr(), label.size());
        if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size())) <= 0) {
          OPENSSL_free(copy);
          opensslFail("invalid OAEP label");
        }
      }
    }
    auto run = [&](unsigned char* out, size_t* len) {
      switch (op) {
        case 0: return EVP_PKEY_encrypt(ctx.get(), out, len, data.ptr(), data.size());
        case 1: return EVP_PKEY_decrypt(ctx.get(), out, len, data.ptr(), data.size());
        case 2: return EVP_PKEY_sign(ctx.get(), out, len, data.ptr(), data.size());
        default: return EVP_PKEY_verify_recover(ctx.get(), out, len, data.ptr(), data.size());
      }
    };
    size_t len = 0;
    if (run(nullptr, &len) <= 0) opensslFail("RSA operation failed");
    std::vector<unsigned char> out(len);
    if (run(out.data(), &len) <= 0) opensslFail("RSA operation failed");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out.data(), len));
    OPENSSL_cleanse(out.data(), out.size());
  });
}

// ---- key agreement ----

// nodeDerive(privateHandle, publicHandle) → ArrayBuffer (the shared secret)
void nodeDerive(Args info) {
  guarded(info, [&] {
    bool pa = false, pb = false;
    EVP_PKEY* priv = keyArg(info, 0, &pa);
    EVP_PKEY* pub = keyArg(info, 1, &pb);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv, nullptr));
    size_t len = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_derive_set_peer(ctx.get(), pub) <= 0 ||
        EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0)
      opensslFail("key agreement failed");
    std::vector<unsigned char> out(len);
    if (EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0) opensslFail("key agreement failed");
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out.data(), len));
    OPENSSL_cleanse(out.data(), out.size());
  });
}

// ECDH on raw key bytes, as crypto.createECDH works.

struct Curve {
  GroupPtr group;
  BnCtxPtr bn;
};

Curve curveOf(const std::string& name) {
  Curve c{GroupPtr(EC_GROUP_new_by_curve_name(curveNid(name))), BnCtxPtr(BN_CTX_new())};
  if (!c.group || !c.bn) throw std::bad_alloc();
  return c;
}

std::vector<unsigned char> pointBytes(const Curve& c, const EC_POINT* point, point_conversion_form_t form) {
  size_t n = EC_POINT_point2oct(c.group.get(), point, form, nullptr, 0, c.bn.get());
  std::vector<unsigned char> out(n);
  if (n == 0 || EC_POINT_point2oct(c.group.get(), point, form, out.data(), n, c.bn.get()) != n)
    opensslFail("point encoding failed");
  return out;
}

PointPtr parsePoint(const Curve& c, Bytes bytes) {
  PointPtr point(EC_POINT_new(c.group.get()));
  if (!point) throw std::bad_alloc();
  if (bytes.empty() || !EC_POINT_oct2point(c.group.get(), point.get(), u8(bytes), bytes.size(), c.bn.get()) ||
      EC_POINT_is_at_infinity(c.group.get(), point.get()) ||
      EC_POINT_is_on_curve(c.group.get(), point.get(), c.bn.get()) != 1)
    fail(ErrorType::kError, "ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY", "Public key is not valid for specified curve");
  return point;
}

point_conversion_form_t formOf(const std::string& format) {
  if (format == "compressed") return POINT_CONVERSION_COMPRESSED;
  if (format == "hybrid") return POINT_CONVERSION_HYBRID;
  return POINT_CONVERSION_UNCOMPRESSED;
}

// nodeEcdhKeys(curve, privateKey | undefined) → [privateKey, publicPoint (uncompressed)]
//   Generates a private key when none is given.
void nodeEcdhKeys(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    Curve c = curveOf(strArg(info, 0));
    const BIGNUM* order = EC_GROUP_get0_order(c.group.get());
    BnPtr d(BN_new());
    if (!d) throw std::bad_alloc();
    if (has(info, 1)) {
      Input priv(bytesOf(info[1]));
      if (!BN_bin2bn(priv.ptr(), static_cast<int>(priv.size()), d.get())) throw std::bad_alloc();
      if (BN_is_zero(d.get()) || BN_cmp(d.get(), order) >= 0)
        fail(ErrorType::kError, "ERR_CRYPTO_INVALID_KEYTYPE", "Private key is not valid for specified curve.");
    } else {
      do {
        if (!BN_priv_rand_range(d.get(), order)) opensslFail("key generation failed");
      } while (BN_is_zero(d.get()));
    }
    PointPtr pub(EC_POINT_new(c.group.get()));
    if (!pub || !EC_POINT_mul(c.group.get(), pub.get(), d.get(), nullptr, nullptr, c.bn.get()))
      opensslFail("key generation failed");
    size_t n = static_cast<size_t>(BN_num_bytes(order));
    std::vector<unsigned char> priv(n);
    BN_bn2binpad(d.get(), priv.data(), static_cast<int>(n));
    v8::Local<v8::Value> items[] = {toBuffer(isolate, priv),
                                    toBuffer(isolate, pointBytes(c, pub.get(), POINT_CONVERSION_UNCOMPRESSED))};
    OPENSSL_cleanse(priv.data(), priv.size());
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
  });
}

// nodeEcdhCompute(curve, privateKey, peerPoint) → ArrayBuffer (x of d·P)
void nodeEcdhCompute(Args info) {
  guarded(info, [&] {
    Curve c = curveOf(strArg(info, 0));
    Input priv(bytesOf(info[1]));
    Input peer_in(bytesOf(info[2]));
    PointPtr peer = parsePoint(c, Bytes(reinterpret_cast<const char*>(peer_in.ptr()), peer_in.size()));
    BnPtr d(BN_bin2bn(priv.ptr(), static_cast<int>(priv.size()), nullptr));
    PointPtr shared(EC_POINT_new(c.group.get()));
    BnPtr x(BN_new());
    if (!d || !shared || !x) throw std::bad_alloc();
    if (!EC_POINT_mul(c.group.get(), shared.get(), nullptr, peer.get(), d.get(), c.bn.get()) ||
        !EC_POINT_get_affine_coordinates(c.group.get(), shared.get(), x.get(), nullptr, c.bn.get()))
      fail(ErrorType::kError, "ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY", "Public key is not valid for specified curve");
    size_t n = static_cast<size_t>((EC_GROUP_get_degree(c.group.get()) + 7) / 8);
    std::vector<unsigned char> out(n);
    BN_bn2binpad(x.get(), out.data(), static_cast<int>(n));
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out));
    OPENSSL_cleanse(out.data(), out.size());
  });
}

// nodeEcdhConvert(curve, point, format) → ArrayBuffer: the point in
//   "compressed", "uncompressed" or "hybrid" form.
void nodeEcdhConvert(Args info) {
  guarded(info, [&] {
    Curve c = curveOf(strArg(info, 0));
    Input in(bytesOf(info[1]));
    PointPtr point = parsePoint(c, Bytes(reinterpret_cast<const char*>(in.ptr()), in.size()));
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), pointBytes(c, point.get(), formOf(strArg(info, 2)))));
  });
}

// nodeCurves() → the short names of OpenSSL's built-in curves
void nodeCurves(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    size_t n = EC_get_builtin_curves(nullptr, 0);
    std::vector<EC_builtin_curve> curves(n);
    EC_get_builtin_curves(curves.data(), n);
    std::vector<v8::Local<v8::Value>> items;
    for (const auto& c : curves) {
      if (const char* sn = OBJ_nid2sn(c.nid)) items.push_back(v8str(isolate, sn));
    }
    info.GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
  });
}

// ---- X509Certificate ----

constexpr uint64_t kCertMagic = 0x76657267652d7831;  // "verge-x1"
using CertState = OwnedState<X509, X509_free, kCertMagic>;

X509* certOf(v8::Local<v8::Value> v) { return stateOf<CertState>(v, kCertMagic, "certificate")->ptr; }

// nodeX509Parse(bytes) → handle: PEM, else DER; a failure reports PEM's
// error, as Node does.
void nodeX509Parse(Args info) {
  guarded(info, [&] {
    Input in(bytesOf(info[0]));
    if (in.size() > INT_MAX) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "certificate is too long");
    BioPtr bio(BIO_new_mem_buf(in.size() ? in.ptr() : u8(" "), static_cast<int>(in.size())));
    if (!bio) throw std::bad_alloc();
    ERR_clear_error();
    X509* cert = PEM_read_bio_X509_AUX(bio.get(), nullptr, [](char*, int, int, void*) { return -1; }, nullptr);
    if (!cert) {
      unsigned long pem_error = ERR_peek_last_error();
      ERR_set_mark();
      const unsigned char* p = in.ptr();
      cert = d2i_X509(nullptr, &p, static_cast<long>(in.size()));
      if (cert && p != in.ptr() + in.size()) {
        X509_free(cert);
        cert = nullptr;
      }
      ERR_pop_to_mark();
      if (!cert) {
        if (pem_error == 0) fail(ErrorType::kError, "ERR_OSSL_PEM_NO_START_LINE", "error:0480006C:PEM routines::no start line");
        opensslFail("");
      }
    }
    auto s = std::make_unique<CertState>();
    s->ptr = cert;
    info.GetReturnValue().Set(wrapState(info.GetIsolate(), std::move(s)));
  });
}

// What `fn` prints into a memory BIO.
template <class F>
std::string printed(F&& fn) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  if (fn(bio.get()) <= 0) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

// A name as Node prints it: one RDN a line, RFC 2253 escapes, short names.
std::string nameString(const X509_NAME* name) {
  constexpr unsigned long kFlags = ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_UTF8_CONVERT |
                                   XN_FLAG_SEP_MULTILINE | XN_FLAG_FN_SN;
  return printed([&](BIO* b) { return X509_NAME_print_ex(b, name, 0, kFlags) >= 0 ? 1 : 0; });
}

v8::Local<v8::Value> extensionString(v8::Isolate* isolate, X509* cert, int nid) {
  int at = X509_get_ext_by_NID(cert, nid, -1);
  if (at < 0) return v8::Undefined(isolate);
  X509_EXTENSION* ext = X509_get_ext(cert, at);
  std::string text = printed([&](BIO* b) { return X509V3_EXT_print(b, ext, 0, 0); });
  if (text.empty()) return v8::Undefined(isolate);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return v8str(isolate, text);
}

std::string fingerprint(X509* cert, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(cert, md, buf, &n)) opensslFail("fingerprint failed");
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[buf[i] >> 4];
    out += kHex[buf[i] & 15];
  }
  return out;
}

// nodeX509Info(handle) → [subject, issuer, subjectAltName, infoAccess,
//   validFrom, validTo, fingerprint, fingerprint256, fingerprint512,
//   serialNumber, ca, der, pem, publicKeyHandle]
void nodeX509Info(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    X509* cert = certOf(info[0]);
    auto time = [&](const ASN1_TIME* t) {
      return v8str(isolate, printed([&](BIO* b) { return ASN1_TIME_print(b, t); }));
    };
    BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
    if (!serial) throw std::bad_alloc();
    char* hex = BN_bn2hex(serial.get());
    if (!hex) throw std::bad_alloc();
    std::string serial_hex(hex);
    OPENSSL_free(hex);
    unsigned char* der = nullptr;
    int der_len = i2d_X509(cert, &der);
    if (der_len <= 0) opensslFail("certificate encoding failed");
    std::vector<unsigned char> der_bytes(der, der + der_len);
    OPENSSL_free(der);
    std::string pem = printed([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
    EVP_PKEY* pkey = X509_get_pubkey(cert);  // a new reference, for the handle
    v8::Local<v8::Value> key = v8::Undefined(isolate);
    if (pkey) key = newPkeyHandle(isolate, pkey, false);
    ERR_clear_error();
    v8::Local<v8::Value> items[] = {
        v8str(isolate, nameString(X509_get_subject_name(cert))),
        v8str(isolate, nameString(X509_get_issuer_name(cert))),
        extensionString(isolate, cert, NID_subject_alt_name),
        extensionString(isolate, cert, NID_info_access),
        time(X509_get0_notBefore(cert)),
        time(X509_get0_notAfter(cert)),
        v8str(isolate, fingerprint(cert, EVP_sha1())),
        v8str(isolate, fingerprint(cert, EVP_sha256())),
        v8str(isolate, fingerprint(cert, EVP_sha512())),
        v8str(isolate, serial_hex),
        v8::Boolean::New(isolate, X509_check_ca(cert) == 1),
        toBuffer(isolate, der_bytes),
        v8str(isolate, pem),
        key,
    };
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 14));
  });
}

// nodeX509Check(handle, "host" | "email" | "ip", name, flags) → the name
// that matched, or undefined
void nodeX509Check(Args info) {
  guarded(info, [&] {
    v8::Isolate* isolate = info.GetIsolate();
    X509* cert = certOf(info[0]);
    std::string kind = strArg(info, 1), name = strArg(info, 2);
    auto flags = static_cast<unsigned int>(intArg(info, 3, 0));
    int rc;
    char* peer = nullptr;
    if (kind == "host") rc = X509_check_host(cert, name.data(), name.size(), flags, &peer);
    else if (kind == "email") rc = X509_check_email(cert, name.data(), name.size(), flags);
    else rc = X509_check_ip_asc(cert, name.c_str(), flags);
    ERR_clear_error();
    if (rc == 1) info.GetReturnValue().Set(v8str(isolate, peer ? std::string(peer) : name));
    OPENSSL_free(peer);
  });
}

// nodeX509Verify(handle, publicKeyHandle) → whether the key signed it
void nodeX509Verify(Args info) {
  guarded(info, [&] {
    bool is_private = false;
    EVP_PKEY* pkey = keyArg(info, 1, &is_private);
    bool ok = X509_verify(certOf(info[0]), pkey) > 0;
    ERR_clear_error();
    info.GetReturnValue().Set(ok);
  });
}

// nodeX509Issued(handle, issuerHandle) → whether issuerHandle's certificate issued this one
void nodeX509Issued(Args info) {
  guarded(info, [&] {
    bool ok = X509_check_issued(certOf(info[1]), certOf(info[0])) == X509_V_OK;
    ERR_clear_error();
    info.GetReturnValue().Set(ok);
  });
}

// ---- primes ----

// nodeCheckPrime(bigEndianBytes, checks) → boolean (checks 0: OpenSSL's
// default number of Miller-Rabin rounds for the size)
void nodeCheckPrime(Args info) {
  guarded(info, [&] {
    Input in(bytesOf(info[0]));
    if (in.size() > 1 << 20) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "candidate is too large");
    BnPtr n(BN_bin2bn(in.size() ? in.ptr() : u8(" "), static_cast<int>(in.size()), nullptr));
    BnCtxPtr ctx(BN_CTX_new());
    if (!n || !ctx) throw std::bad_alloc();
    int64_t checks = intArg(info, 1, 0);
    int rc = checks > 0 ? BN_is_prime_ex(n.get(), static_cast<int>(std::min<int64_t>(checks, INT_MAX)), ctx.get(), nullptr)
                        : BN_check_prime(n.get(), ctx.get(), nullptr);
    if (rc < 0) opensslFail("prime check failed");
    info.GetReturnValue().Set(rc == 1);
  });
}

// nodeGeneratePrime(bits, safe, add | undefined, rem | undefined) → ArrayBuffer (big endian)
void nodeGeneratePrime(Args info) {
  guarded(info, [&] {
    int64_t bits = intArg(info, 0, 0);
    if (bits < 1 || bits > INT_MAX) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "invalid size");
    bool safe = info[1]->BooleanValue(info.GetIsolate());
    BnPtr add, rem;
    if (has(info, 2)) {
      Input a(bytesOf(info[2]));
      add.reset(BN_bin2bn(a.size() ? a.ptr() : u8(" "), static_cast<int>(a.size()), nullptr));
      if (!add) throw std::bad_alloc();
      // OpenSSL needs add to fit in the prime and (without rem) be above 2.
      if (BN_num_bits(add.get()) > bits || BN_is_zero(add.get()))
        fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "invalid options.add");
      if (has(info, 3)) {
        Input r(bytesOf(info[3]));
        rem.reset(BN_bin2bn(r.size() ? r.ptr() : u8(" "), static_cast<int>(r.size()), nullptr));
        if (!rem) throw std::bad_alloc();
        if (BN_cmp(add.get(), rem.get()) <= 0) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "invalid options.rem");
      }
    }
    BnPtr prime(BN_new());
    BnCtxPtr ctx(BN_CTX_new());
    if (!prime || !ctx) throw std::bad_alloc();
    if (!BN_generate_prime_ex2(prime.get(), static_cast<int>(bits), safe ? 1 : 0, add.get(), rem.get(), nullptr,
                               ctx.get()))
      opensslFail("prime generation failed");
    std::vector<unsigned char> out(static_cast<size_t>(BN_num_bytes(prime.get())));
    BN_bn2bin(prime.get(), out.data());
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out));
  });
}

// ---- classic Diffie-Hellman ----

constexpr uint64_t kDhMagic = 0x76657267652d6431;  // "verge-d1"
using DhState = OwnedState<DH, DH_free, kDhMagic>;

DH* dhOf(v8::Local<v8::Value> v) { return stateOf<DhState>(v, kDhMagic, "DiffieHellman")->ptr; }

BnPtr bnArg(Args info, int i) {
  Input in(bytesOf(info[i]));
  BnPtr bn(BN_bin2bn(in.size() ? in.ptr() : u8(" "), static_cast<int>(in.size()), nullptr));
  if (!bn) throw std::bad_alloc();
  return bn;
}

void returnDh(Args info, DH* dh) {
  auto s = std::make_unique<DhState>();
  s->ptr = dh;
  info.GetReturnValue().Set(wrapState(info.GetIsolate(), std::move(s)));
}

// nodeDhCreate(prime bytes | primeLength, generator bytes | number) → handle
void nodeDhCreate(Args info) {
  guarded(info, [&] {
    OpensslPtr<DH, DH_free> dh(DH_new());
    if (!dh) throw std::bad_alloc();
    if (info[0]->IsNumber()) {
      int64_t bits = intArg(info, 0, 0);
      int64_t g = info[1]->IsNumber() ? intArg(info, 1, 2) : 2;
      if (bits < 2 || bits > INT_MAX) fail(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "invalid prime length");
      if (g < 2 || g > INT_MAX)
        fail(ErrorType::kError, "ERR_OSSL_DH_BAD_GENERATOR", "error:02800065:Diffie-Hellman routines::bad generator");
      if (!DH_generate_parameters_ex(dh.get(), static_cast<int>(bits), static_cast<int>(g), nullptr))
        opensslFail("DH parameter generation failed");
    } else {
      BnPtr p = bnArg(info, 0);
      BnPtr g(BN_new());
      if (!g) throw std::bad_alloc();
      if (info[1]->IsNumber()) {
        int64_t word = intArg(info, 1, 2);
        if (word < 0 || !BN_set_word(g.get(), static_cast<BN_ULONG>(word))) throw std::bad_alloc();
      } else {
        g = bnArg(info, 1);
      }
      if (BN_is_zero(g.get()) || BN_is_one(g.get()))
        fail(ErrorType::kError, "ERR_OSSL_DH_BAD_GENERATOR", "error:02800065:Diffie-Hellman routines::bad generator");
      if (!DH_set0_pqg(dh.get(), p.get(), nullptr, g.get())) throw std::bad_alloc();
      p.release();
      g.release();
    }
    returnDh(info, dh.release());
  });
}

// nodeDhGroup(name) → handle of a MODP group (RFC 2409, RFC 3526), or undefined
void nodeDhGroup(Args info) {
  guarded(info, [&] {
    std::string name = strArg(info, 0);
    struct Group {
      const char* name;
      BIGNUM* (*prime)(BIGNUM*);
    };
    static constexpr Group kGroups[] = {
        {"modp1", BN_get_rfc2409_prime_768},   {"modp2", BN_get_rfc2409_prime_1024},
        {"modp5", BN_get_rfc3526_prime_1536},  {"modp14", BN_get_rfc3526_prime_2048},
        {"modp15", BN_get_rfc3526_prime_3072}, {"modp16", BN_get_rfc3526_prime_4096},
        {"modp17", BN_get_rfc3526_prime_6144}, {"modp18", BN_get_rfc3526_prime_8192},
    };
    for (const auto& g : kGroups) {
      if (name != g.name) continue;
      OpensslPtr<DH, DH_free> dh(DH_new());
      BnPtr p(g.prime(nullptr)), gen(BN_new());
      if (!dh || !p || !gen || !BN_set_word(gen.get(), 2) || !DH_set0_pqg(dh.get(), p.get(), nullptr, gen.get()))
        throw std::bad_alloc();
      p.release();
      gen.release();
      returnDh(info, dh.release());
      return;
    }
  });
}

// nodeDhVerifyError(handle) → DH_check's flags
void nodeDhVerifyError(Args info) {
  guarded(info, [&] {
    int codes = 0;
    if (!DH_check(dhOf(info[0]), &codes)) opensslFail("DH check failed");
    ERR_clear_error();
    info.GetReturnValue().Set(codes);
  });
}

// nodeDhGenerateKeys(handle): a key pair (the public key of the private one set, if any)
void nodeDhGenerateKeys(Args info) {
  guarded(info, [&] {
    if (!DH_generate_key(dhOf(info[0]))) opensslFail("DH key generation failed");
  });
}

// nodeDhGet(handle, "p" | "g" | "pub" | "priv") → ArrayBuffer, or undefined when unset
void nodeDhGet(Args info) {
  guarded(info, [&] {
    DH* dh = dhOf(info[0]);
    std::string which = strArg(info, 1);
    const BIGNUM* bn = which == "p" ? DH_get0_p(dh) : which == "g" ? DH_get0_g(dh)
                       : which == "pub" ? DH_get0_pub_key(dh) : DH_get0_priv_key(dh);
    if (!bn) return;
    std::vector<unsigned char> out(static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out));
    OPENSSL_cleanse(out.data(), out.size());
  });
}

// nodeDhSet(handle, "pub" | "priv", bytes)
void nodeDhSet(Args info) {
  guarded(info, [&] {
    DH* dh = dhOf(info[0]);
    bool pub = strArg(info, 1) == "pub";
    BnPtr bn = bnArg(info, 2);
    if (!DH_set0_key(dh, pub ? bn.get() : nullptr, pub ? nullptr : bn.get())) throw std::bad_alloc();
    bn.release();
  });
}

// nodeDhCompute(handle, peerPublicKey) → the shared secret, as long as the prime
void nodeDhCompute(Args info) {
  guarded(info, [&] {
    DH* dh = dhOf(info[0]);
    BnPtr peer = bnArg(info, 1);
    int codes = 0;
    if (!DH_check_pub_key(dh, peer.get(), &codes)) opensslFail("DH check failed");
    if (codes & DH_CHECK_PUBKEY_TOO_SMALL)
      fail(ErrorType::kRangeError, "ERR_CRYPTO_INVALID_KEYLEN", "Supplied key is too small");
    if (codes & DH_CHECK_PUBKEY_TOO_LARGE)
      fail(ErrorType::kRangeError, "ERR_CRYPTO_INVALID_KEYLEN", "Supplied key is too large");
    if (!DH_get0_priv_key(dh))
      fail(ErrorType::kError, "ERR_CRYPTO_INVALID_STATE", "No private key - did you forget to generate one?");
    std::vector<unsigned char> out(static_cast<size_t>(DH_size(dh)));
    int n = DH_compute_key(out.data(), peer.get(), dh);
    if (n < 0) opensslFail("DH computation failed");
    // Left-pad to the prime's length, as Node does.
    auto len = static_cast<size_t>(n);
    if (len < out.size()) {
      std::memmove(out.data() + (out.size() - len), out.data(), len);
      std::memset(out.data(), 0, out.size() - len);
    }
    info.GetReturnValue().Set(toBuffer(info.GetIsolate(), out));
    OPENSSL_cleanse(out.data(), out.size());
  });
}

// nodeHasDigest(name) → boolean
void nodeHasDigest(Args info) {
  guarded(info, [&] { info.GetReturnValue().Set(digestOf(strArg(info, 0)) != nullptr); });
}

}  // namespace

void installNodeCryptoNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                              v8::Local<v8::Object> native) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"nodeCipherCreate", nodeCipherCreate},
      {"nodeCipherUpdate", nodeCipherUpdate},
      {"nodeCipherFinal", nodeCipherFinal},
      {"nodeCipherSetAutoPadding", nodeCipherSetAutoPadding},
      {"nodeCipherSetAAD", nodeCipherSetAAD},
      {"nodeCipherSetAuthTag", nodeCipherSetAuthTag},
      {"nodeCipherGetAuthTag", nodeCipherGetAuthTag},
      {"nodeCipherList", nodeCipherList},
      {"nodeCipherInfo", nodeCipherInfo},
      {"nodeKeyParse", nodeKeyParse},
      {"nodeKeyExport", nodeKeyExport},
      {"nodeKeyDetails", nodeKeyDetails},
      {"nodeKeyEquals", nodeKeyEquals},
      {"nodeKeyGenerate", nodeKeyGenerate},
      {"nodeSign", nodeSign},
      {"nodeVerify", nodeVerify},
      {"nodeRsaCrypt", nodeRsaCrypt},
      {"nodeDerive", nodeDerive},
      {"nodeEcdhKeys", nodeEcdhKeys},
      {"nodeEcdhCompute", nodeEcdhCompute},
      {"nodeEcdhConvert", nodeEcdhConvert},
      {"nodeCurves", nodeCurves},
      {"nodeHasDigest", nodeHasDigest},
      {"nodeDhCreate", nodeDhCreate},
      {"nodeDhGroup", nodeDhGroup},
      {"nodeDhVerifyError", nodeDhVerifyError},
      {"nodeDhGenerateKeys", nodeDhGenerateKeys},
      {"nodeDhGet", nodeDhGet},
      {"nodeDhSet", nodeDhSet},
      {"nodeDhCompute", nodeDhCompute},
      {"nodeCheckPrime", nodeCheckPrime},
      {"nodeGeneratePrime", nodeGeneratePrime},
      {"nodeX509Parse", nodeX509Parse},
      {"nodeX509Info", nodeX509Info},
      {"nodeX509Check", nodeX509Check},
      {"nodeX509Verify", nodeX509Verify},
      {"nodeX509Issued", nodeX509Issued},
  };
  for (const auto& e : kNatives) {
    auto fn = v8::Function::New(context, e.fn).ToLocalChecked();
    native->Set(context, v8str(isolate, e.name), fn).Check();
  }
}

}  // namespace verge::runtime
