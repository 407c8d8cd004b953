#include "crypto/sensitive.h"

#include <utility>

#include "crypto/base64.h"
#include "crypto/oaep.h"
#include "crypto/sm2_encryption.h"

namespace paygate::crypto {

namespace {

core::Error sensitive_error(core::ErrorKind kind, std::string detail) {
  return core::Error{kind, std::move(detail)};
}

// Why key cannot take plaintext, or empty when it can.
std::string refusal(const PublicKey& key, std::string_view plaintext) {
  if (key.algorithm() == KeyAlgorithm::kSm2) {
    return plaintext.empty() ? "SM2 cannot encrypt an empty plaintext" : "";
  }
  std::size_t limit = rsa_oaep_max_plaintext(key);
  if (plaintext.size() <= limit) return "";
  return "plaintext is " + std::to_string(plaintext.size()) + " bytes; RSA-OAEP with this " +
         std::to_string(EVP_PKEY_get_bits(key.native())) + "-bit key takes at most " +
         std::to_string(limit);
}

}  // namespace

Result<std::string> encrypt_sensitive(const PublicKey& key, std::string_view plaintext) {
  if (key.empty()) return sensitive_error(core::ErrorKind::kInternal, "no public key");
  std::string problem = refusal(key, plaintext);
  if (!problem.empty()) return sensitive_error(core::ErrorKind::kBadRequest, std::move(problem));
  std::string raw;
  bool ok = key.algorithm() == KeyAlgorithm::kSm2 ? sm2_encrypt(key, plaintext, raw)
                                                  : rsa_oaep_encrypt(key, plaintext, raw);
  if (!ok) {
    return sensitive_error(core::ErrorKind::kInternal,
                           std::string(to_string(key.algorithm())) + " encryption failed");
  }
  return base64_encode(raw);
}

Result<std::string> decrypt_sensitive(const PrivateKey& key, std::string_view ciphertext_base64) {
  if (key.empty()) return sensitive_error(core::ErrorKind::kInternal, "no private key");
  std::string raw, plaintext;
  if (!base64_decode(ciphertext_base64, raw)) {
    return sensitive_error(core::ErrorKind::kBadRequest, "ciphertext is not base64");
  }
  bool ok = key.algorithm() == KeyAlgorithm::kSm2 ? sm2_decrypt(key, raw, plaintext)
                                                  : rsa_oaep_decrypt(key, raw, plaintext);
  if (!ok) {
    return sensitive_error(core::ErrorKind::kBadRequest,
                           std::string("ciphertext does not decrypt with this ") +
                               std::string(to_string(key.algorithm())) + " key");
  }
  return plaintext;
}

}  // namespace paygate::crypto
