#pragma once
// WeChat Pay's authenticated encryption of certificates and notification resources
// (docs/protocol.md §§3, 4, 7):
//   AEAD_AES_256_GCM: key = the 32 ASCII bytes of the merchant's APIv3 key;
//   AEAD_SM4_GCM:     key = the first 16 bytes of SM3(APIv3 key).
// Both take a 12-byte nonce (12 ASCII characters on the wire) and associated data, and append
// the 16-byte tag to the ciphertext.
// ApiV3Key is immutable (built once per snapshot, shared by threads). Aead is a per-thread object
// holding a reusable EVP_CIPHER_CTX; it is not thread-safe.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/openssl_handles.h"
#include "crypto/result.h"

namespace paygate::crypto {

enum class AeadAlgorithm { kAes256Gcm, kSm4Gcm };

inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

std::string_view to_string(AeadAlgorithm algorithm);  // "AEAD_AES_256_GCM", "AEAD_SM4_GCM"
std::optional<AeadAlgorithm> aead_algorithm_from(std::string_view name);

class ApiV3Key {
 public:
  static constexpr std::size_t kSize = 32;
  // The key exactly as configured: 32 bytes. origin names the source in errors.
  static Result<ApiV3Key> from_text(std::string_view key, std::string_view origin);
  ~ApiV3Key();
  ApiV3Key(const ApiV3Key&) = default;
  ApiV3Key& operator=(const ApiV3Key&) = default;

  const unsigned char* aes_key() const { return aes_.data(); }
  const unsigned char* sm4_key() const { return sm4_.data(); }

 private:
  ApiV3Key() = default;
  std::array<unsigned char, kSize> aes_{};
  std::array<unsigned char, 16> sm4_{};
};

class Aead {
 public:
  Aead();
  // Replaces out with ciphertext || tag. False if the nonce is not 12 bytes or OpenSSL fails.
  bool seal(const ApiV3Key& key, AeadAlgorithm algorithm, std::string_view nonce,
            std::string_view associated_data, std::string_view plaintext, std::string& out);
  // Replaces out with the plaintext. False (out cleared) on a wrong key, nonce, associated data,
  // a tampered ciphertext or tag, or input shorter than the tag.
  bool open(const ApiV3Key& key, AeadAlgorithm algorithm, std::string_view nonce,
            std::string_view associated_data, std::string_view sealed, std::string& out);

 private:
  bool start(const ApiV3Key& key, AeadAlgorithm algorithm, std::string_view nonce, bool encrypt);
  CipherCtxHandle ctx_;
  CipherHandle aes_gcm_;
  CipherHandle sm4_gcm_;  // null before OpenSSL 3.2: SM4-GCM then comes from detail::Sm4Gcm
};

}  // namespace paygate::crypto
