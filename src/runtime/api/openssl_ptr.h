// Owning pointers for OpenSSL objects, shared by the crypto natives
// (crypto.cc, node_crypto.cc): std::unique_ptr with the object's free
// function. Internal to the runtime layer.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <string_view>

namespace verge::runtime {

template <class T, void (*Free)(T*)>
struct OpensslDeleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<T, Free>>;

using PkeyPtr = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OpensslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = OpensslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using CipherCtxPtr = OpensslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using BnPtr = OpensslPtr<BIGNUM, BN_clear_free>;  // cleared: BIGNUMs hold key parts
using BnCtxPtr = OpensslPtr<BN_CTX, BN_CTX_free>;
using BldPtr = OpensslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OpensslPtr<OSSL_PARAM, OSSL_PARAM_free>;
using KdfCtxPtr = OpensslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using SigPtr = OpensslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using P8Ptr = OpensslPtr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;
using BioPtr = OpensslPtr<BIO, BIO_free_all>;
using GroupPtr = OpensslPtr<EC_GROUP, EC_GROUP_free>;
using PointPtr = OpensslPtr<EC_POINT, EC_POINT_free>;
using X509Ptr = OpensslPtr<X509, X509_free>;
using CipherPtr = OpensslPtr<EVP_CIPHER, EVP_CIPHER_free>;
using EncoderCtxPtr = OpensslPtr<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;
using DecoderCtxPtr = OpensslPtr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;

// Bytes as OpenSSL takes them.
inline const unsigned char* u8(std::string_view b) { return reinterpret_cast<const unsigned char*>(b.data()); }

}  // namespace verge::runtime
