#include "crypto/oaep.h"

#include <openssl/rsa.h>

namespace paygate::crypto {

namespace {

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

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

// encrypt or decrypt with a prepared context into out.
template <class Operation>
bool transform(EVP_PKEY_CTX* ctx, Operation operation, std::string_view in, std::string& out) {
  std::size_t length = 0;
  if (operation(ctx, nullptr, &length, as_bytes(in), in.size()) != 1) return false;
  out.resize(length);
  if (operation(ctx, reinterpret_cast<unsigned char*>(out.data()), &length, as_bytes(in),
                in.size()) != 1) {
    return false;
  }
  out.resize(length);
  return true;
}

}  // namespace

bool rsa_oaep_encrypt(const PublicKey& key, std::string_view plaintext, std::string& out) {
  out.clear();
  if (key.empty() || key.algorithm() != KeyAlgorithm::kRsa) return false;
  auto limit = static_cast<std::size_t>(EVP_PKEY_get_size(key.native())) - kOaepSha1Overhead;
  if (plaintext.size() > limit) return false;
  PkeyCtxHandle ctx = oaep_context(key.native(), true);
  bool ok = ctx != nullptr && transform(ctx.get(), EVP_PKEY_encrypt, plaintext, out);
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
  bool ok = ctx != nullptr && transform(ctx.get(), EVP_PKEY_decrypt, ciphertext, out);
  if (!ok) {
    clear_openssl_errors();
    out.clear();
  }
  return ok;
}

}  // namespace paygate::crypto
