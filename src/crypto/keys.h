#pragma once
// PrivateKey, PublicKey: RSA (>= 2048 bits) or SM2 keys parsed from PEM once per configuration
// snapshot. Both are immutable and cheap to copy (they share one reference-counted EVP_PKEY), so
// any number of threads may use the same key at the same time.
// Loading errors name the origin (file path or caller-given label) and what was wrong; they never
// contain key material.

#include <openssl/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "crypto/openssl_handles.h"
#include "crypto/result.h"
#include "crypto/secret_buffer.h"

namespace paygate::crypto {

enum class KeyAlgorithm { kRsa, kSm2 };

std::string_view to_string(KeyAlgorithm algorithm);

namespace detail {
// The shared EVP_PKEY behind both key types.
class KeyHolder {
 public:
  KeyHolder() = default;
  KeyHolder(PkeyHandle pkey, KeyAlgorithm algorithm);
  KeyHolder(const KeyHolder& other);
  KeyHolder& operator=(const KeyHolder& other);
  KeyHolder(KeyHolder&&) noexcept = default;
  KeyHolder& operator=(KeyHolder&&) noexcept = default;
  ~KeyHolder() = default;

  KeyAlgorithm algorithm() const { return algorithm_; }
  EVP_PKEY* native() const { return pkey_.get(); }  // owned by this object; never null once loaded
  bool empty() const { return pkey_ == nullptr; }

 private:
  PkeyHandle pkey_;
  KeyAlgorithm algorithm_ = KeyAlgorithm::kRsa;
};
}  // namespace detail

class PrivateKey : public detail::KeyHolder {
 public:
  PrivateKey() = default;
  explicit PrivateKey(detail::KeyHolder held) : KeyHolder(std::move(held)) {}
  // Unencrypted PKCS#8 or traditional PEM. origin names the source in errors ("merchant 123 key").
  static Result<PrivateKey> from_pem(std::string_view pem, std::string_view origin);
  static Result<PrivateKey> from_file(const std::string& path);
};

class PublicKey : public detail::KeyHolder {
 public:
  PublicKey() = default;
  explicit PublicKey(detail::KeyHolder held) : KeyHolder(std::move(held)) {}
  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), as WeChat Pay's public-key mode ships.
  static Result<PublicKey> from_pem(std::string_view pem, std::string_view origin);
  static Result<PublicKey> from_file(const std::string& path);
  // True when key is the private half of this public key.
  bool matches(const PrivateKey& key) const;
};

namespace detail {
// Checks a freshly parsed key (RSA >= 2048 bits or SM2) and wraps it; what names it in errors.
Result<KeyHolder> adopt_key(PkeyHandle pkey, std::string_view origin, std::string_view what);
// Reads a whole PEM file (bounded size) into a buffer wiped when it is freed (a private key's
// PEM is as secret as the key); errors name the path.
Result<SecretBuffer> read_pem_file(const std::string& path);
core::Error load_error(std::string_view origin, std::string_view what);
}  // namespace detail

}  // namespace paygate::crypto
