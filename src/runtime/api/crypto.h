// The natives behind WebCrypto (src/js/crypto.js): crypto.subtle, CryptoKey
// material and crypto.DigestStream, on OpenSSL 3. Internal to the runtime
// layer.
//
// The JS half does everything the specs say about arguments (WebIDL
// conversion, algorithm normalization, usages, JWK members) and holds each
// key's material as an opaque handle; this half only does cryptography on
// bytes and handles. A failure is thrown as a two-element array
// [DOMException name, message] that crypto.js turns into the DOMException.
#pragma once

#include <v8.h>

// OpenSSL's own typedef, repeated so that this header includes no OpenSSL
// header (crypto.cc defines OPENSSL_SUPPRESS_DEPRECATED before its first).
typedef struct evp_pkey_st EVP_PKEY;

namespace verge::runtime {

// Adds the crypto* natives to `native` (they are listed in crypto.cc).
void installCryptoNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Object> native);

// For node:crypto's natives (node_crypto.cc), which share the key handles
// of WebCrypto so that a KeyObject and a CryptoKey hold the same material:
// the EVP_PKEY of an asymmetric key handle, borrowed for as long as the
// handle's ArrayBuffer lives (nullptr if `value` is not one), with
// *is_private set; and a new handle that takes over one reference to `pkey`.
EVP_PKEY* pkeyOfHandle(v8::Local<v8::Value> value, bool* is_private);
v8::Local<v8::ArrayBuffer> newPkeyHandle(v8::Isolate* isolate, EVP_PKEY* pkey, bool is_private);

}  // namespace verge::runtime
