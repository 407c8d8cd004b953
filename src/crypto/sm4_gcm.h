#pragma once
// GCM (NIST SP 800-38D) over SM4, for OpenSSL builds without a native SM4-GCM (3.0 and 3.1):
// the keystream comes from OpenSSL's SM4-ECB/SM4-CTR, GHASH is computed here with a
// branch-free multiply. 12-byte nonces only; sealed = ciphertext || 16-byte tag.
// Internal to crypto/. ctx is the caller's per-thread EVP_CIPHER_CTX.

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace paygate::crypto::detail {

bool sm4_gcm_seal(EVP_CIPHER_CTX* ctx, const unsigned char* key16, std::string_view nonce,
                  std::string_view associated_data, std::string_view plaintext, std::string& out);
bool sm4_gcm_open(EVP_CIPHER_CTX* ctx, const unsigned char* key16, std::string_view nonce,
                  std::string_view associated_data, std::string_view sealed, std::string& out);

}  // namespace paygate::crypto::detail
