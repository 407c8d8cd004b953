#pragma once
// Owning handles for OpenSSL objects (unique_ptr with the matching free function), a helper
// that drains the calling thread's OpenSSL error queue into text, and the two-call
// encrypt/decrypt pattern shared by the public-key ciphers. Internal to crypto/ and its tests;
// any thread may use them.

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace paygate::crypto {

template <auto FreeFn>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};

using PkeyHandle = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using PkeyCtxHandle = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using MdCtxHandle = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using MdHandle = std::unique_ptr<EVP_MD, OpenSslDeleter<EVP_MD_free>>;
using CipherHandle = std::unique_ptr<EVP_CIPHER, OpenSslDeleter<EVP_CIPHER_free>>;
using CipherCtxHandle = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;
using X509Handle = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using BioHandle = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using BnHandle = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
// For BIGNUMs holding secrets (private scalars, nonces): wiped before they are freed.
using SecretBnHandle = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_clear_free>>;
using BnCtxHandle = std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX_free>>;
using EcGroupHandle = std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>>;
using EcPointHandle = std::unique_ptr<EC_POINT, OpenSslDeleter<EC_POINT_free>>;
using EcdsaSigHandle = std::unique_ptr<ECDSA_SIG, OpenSslDeleter<ECDSA_SIG_free>>;

// The reasons queued by failed OpenSSL calls on this thread, "; "-joined, and clears the queue.
// Reason strings only: OpenSSL never puts key material in them.
std::string drain_openssl_errors();

// Clears the queue without reading it (after an expected failure such as a bad signature).
void clear_openssl_errors();

// EVP_PKEY_encrypt or EVP_PKEY_decrypt.
using PkeyOperation = int (*)(EVP_PKEY_CTX*, unsigned char*, std::size_t*, const unsigned char*,
                              std::size_t);

// Runs operation on an initialised ctx: asks for the output size, then fills out (replaced).
// False when either call fails; out is then unspecified and the error queue not cleared.
bool pkey_transform(EVP_PKEY_CTX* ctx, PkeyOperation operation, std::string_view in,
                    std::string& out);

}  // namespace paygate::crypto
