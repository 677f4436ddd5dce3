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

namespace verge::runtime {

// Adds the crypto* natives to `native` (they are listed in crypto.cc).
void installCryptoNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Object> native);

}  // namespace verge::runtime
