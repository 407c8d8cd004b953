#include "crypto/sm2_encryption.h"

#include <openssl/core_names.h>

#include <utility>

namespace paygate::crypto {

namespace {

// SM3 is OpenSSL's default, but the wire format depends on it, so it is set rather than assumed.
PkeyCtxHandle sm2_context(EVP_PKEY* pkey, bool encrypt) {
  PkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (ctx == nullptr) return nullptr;
  char digest[] = "SM3";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  int ok = encrypt ? EVP_PKEY_encrypt_init_ex(ctx.get(), params)
                   : EVP_PKEY_decrypt_init_ex(ctx.get(), params);
  return ok == 1 ? std::move(ctx) : nullptr;
}

bool sm2_transform(EVP_PKEY* pkey, bool encrypt, std::string_view in, std::string& out) {
  PkeyCtxHandle ctx = sm2_context(pkey, encrypt);
  bool ok = ctx != nullptr &&
            pkey_transform(ctx.get(), encrypt ? EVP_PKEY_encrypt : EVP_PKEY_decrypt, in, out);
  if (!ok) {
    clear_openssl_errors();
    out.clear();
  }
  return ok;
}

}  // namespace

bool sm2_encrypt(const PublicKey& key, std::string_view plaintext, std::string& out) {
  out.clear();
  if (key.empty() || key.algorithm() != KeyAlgorithm::kSm2 || plaintext.empty()) return false;
  return sm2_transform(key.native(), true, plaintext, out);
}

bool sm2_decrypt(const PrivateKey& key, std::string_view ciphertext, std::string& out) {
  out.clear();
  if (key.empty() || key.algorithm() != KeyAlgorithm::kSm2) return false;
  return sm2_transform(key.native(), false, ciphertext, out);
}

}  // namespace paygate::crypto
