#include "crypto/oaep.h"

#include <openssl/rsa.h>

namespace paygate::crypto {

namespace {

PkeyCtxHandle oaep_context(EVP_PKEY* pkey, bool encrypt) {
  PkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (ctx == nullptr) return nullptr;
  int ok = encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (ok != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), "SHA1", nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), "SHA1", nullptr) != 1) {
    return nullptr;
  }
  return ctx;
}

}  // namespace

std::size_t rsa_oaep_max_plaintext(const PublicKey& key) {
  if (key.empty() || key.algorithm() != KeyAlgorithm::kRsa) return 0;
  return static_cast<std::size_t>(EVP_PKEY_get_size(key.native())) - kOaepSha1Overhead;
}

bool rsa_oaep_encrypt(const PublicKey& key, std::string_view plaintext, std::string& out) {
  out.clear();
  if (key.empty() || key.algorithm() != KeyAlgorithm::kRsa) return false;
  if (plaintext.size() > rsa_oaep_max_plaintext(key)) return false;
  PkeyCtxHandle ctx = oaep_context(key.native(), true);
  bool ok = ctx != nullptr && pkey_transform(ctx.get(), EVP_PKEY_encrypt, plaintext, out);
  if (!ok) {
    clear_openssl_errors();
    out.clear();
  }
  return ok;
}

bool rsa_oaep_decrypt(const PrivateKey& key, std::string_view ciphertext, std::string& out) {
  out.clear();
  if (key.empty() || key.algorithm() != KeyAlgorithm::kRsa) return false;
  PkeyCtxHandle ctx = oaep_context(key.native(), false);
  bool ok = ctx != nullptr && pkey_transform(ctx.get(), EVP_PKEY_decrypt, ciphertext, out);
  if (!ok) {
    clear_openssl_errors();
    out.clear();
  }
  return ok;
}

}  // namespace paygate::crypto
