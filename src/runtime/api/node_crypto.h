// The natives behind node:crypto's ciphers, key objects, signatures, RSA
// encryption, ECDH and X509Certificate (src/node/crypto*.js), on OpenSSL 3.
// Internal to the runtime layer.
//
// They are synchronous, as Node's APIs are. Asymmetric keys are the key
// handles of WebCrypto (crypto.h: pkeyOfHandle / newPkeyHandle), so that a
// KeyObject and a CryptoKey share their material. A failure is thrown as
// the Error Node throws: its type (Error, TypeError, RangeError), its
// message and its `code` (ERR_CRYPTO_…, or ERR_OSSL_… from OpenSSL's error
// queue, as Node derives them).
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds the nodeCrypto* natives to `native` (they are listed in node_crypto.cc).
void installNodeCryptoNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                              v8::Local<v8::Object> native);

}  // namespace verge::runtime
