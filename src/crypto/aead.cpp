#include "crypto/aead.h"

#include <openssl/crypto.h>

#include <climits>
#include <cstring>

#include "crypto/keys.h"
#include "crypto/sm4_gcm.h"

namespace paygate::crypto {

namespace {

constexpr std::string_view kAesName = "AEAD_AES_256_GCM";
constexpr std::string_view kSm4Name = "AEAD_SM4_GCM";

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

bool sizes_fit(std::string_view nonce, std::string_view aad, std::string_view text) {
  return nonce.size() == kAeadNonceSize && aad.size() < INT_MAX / 2 && text.size() < INT_MAX / 2;
}

bool add_associated_data(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  int ignored = 0;
  return EVP_CipherUpdate(ctx, nullptr, &ignored, as_bytes(aad), static_cast<int>(aad.size())) == 1;
}

}  // namespace

std::string_view to_string(AeadAlgorithm algorithm) {
  return algorithm == AeadAlgorithm::kAes256Gcm ? kAesName : kSm4Name;
}

std::optional<AeadAlgorithm> aead_algorithm_from(std::string_view name) {
  if (name == kAesName) return AeadAlgorithm::kAes256Gcm;
  if (name == kSm4Name) return AeadAlgorithm::kSm4Gcm;
  return std::nullopt;
}

Result<ApiV3Key> ApiV3Key::from_text(std::string_view key, std::string_view origin) {
  if (key.size() != kSize) {
    core::Error error{core::ErrorKind::kInternal, {}};
    error.detail.append(origin).append(": the APIv3 key must be exactly 32 bytes, got ");
    error.detail.append(std::to_string(key.size()));
    return error;
  }
  ApiV3Key result;
  std::memcpy(result.aes_.data(), key.data(), kSize);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sm3(), nullptr) != 1) {
    return detail::load_error(origin, "SM3 of the APIv3 key failed");
  }
  std::memcpy(result.sm4_.data(), digest.data(), result.sm4_.size());
  OPENSSL_cleanse(digest.data(), digest.size());
  return result;
}

ApiV3Key::~ApiV3Key() {
  OPENSSL_cleanse(aes_.data(), aes_.size());
  OPENSSL_cleanse(sm4_.data(), sm4_.size());
}

Aead::Aead()
    : ctx_(EVP_CIPHER_CTX_new()),
      aes_gcm_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)),
      sm4_gcm_(EVP_CIPHER_fetch(nullptr, "SM4-GCM", nullptr)) {
  clear_openssl_errors();  // a missing SM4-GCM is expected on OpenSSL 3.0
}

bool Aead::start(const ApiV3Key& key, AeadAlgorithm algorithm, std::string_view nonce,
                 bool encrypt) {
  bool aes = algorithm == AeadAlgorithm::kAes256Gcm;
  const EVP_CIPHER* cipher = aes ? aes_gcm_.get() : sm4_gcm_.get();
  if (ctx_ == nullptr || cipher == nullptr) return false;
  const unsigned char* key_bytes = aes ? key.aes_key() : key.sm4_key();
  // The default GCM IV length is 12 bytes, which is what WeChat Pay uses.
  return EVP_CipherInit_ex2(ctx_.get(), cipher, key_bytes, as_bytes(nonce), encrypt ? 1 : 0,
                            nullptr) == 1;
}

bool Aead::seal(const ApiV3Key& key, AeadAlgorithm algorithm, std::string_view nonce,
                std::string_view associated_data, std::string_view plaintext, std::string& out) {
  out.clear();
  if (!sizes_fit(nonce, associated_data, plaintext)) return false;
  if (algorithm == AeadAlgorithm::kSm4Gcm && sm4_gcm_ == nullptr) {
    return detail::sm4_gcm_seal(ctx_.get(), key.sm4_key(), nonce, associated_data, plaintext, out);
  }
  out.resize(plaintext.size() + kAeadTagSize);
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  int written = 0;
  int final_written = 0;
  bool ok = start(key, algorithm, nonce, true) &&
            add_associated_data(ctx_.get(), associated_data) &&
            EVP_EncryptUpdate(ctx_.get(), bytes, &written, as_bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx_.get(), bytes + written, &final_written) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagSize,
                                bytes + plaintext.size()) == 1;
  if (!ok) {
    clear_openssl_errors();
    out.clear();
  }
  return ok;
}

bool Aead::open(const ApiV3Key& key, AeadAlgorithm algorithm, std::string_view nonce,
                std::string_view associated_data, std::string_view sealed, std::string& out) {
  out.clear();
  if (!sizes_fit(nonce, associated_data, sealed) || sealed.size() < kAeadTagSize) return false;
  if (algorithm == AeadAlgorithm::kSm4Gcm && sm4_gcm_ == nullptr) {
    return detail::sm4_gcm_open(ctx_.get(), key.sm4_key(), nonce, associated_data, sealed, out);
  }
  std::string_view ciphertext = sealed.substr(0, sealed.size() - kAeadTagSize);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer but only reads the tag.
  auto* tag = const_cast<char*>(sealed.data() + ciphertext.size());
  out.resize(ciphertext.size());
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  int written = 0;
  int final_written = 0;
  bool ok = start(key, algorithm, nonce, false) &&
            add_associated_data(ctx_.get(), associated_data) &&
            EVP_DecryptUpdate(ctx_.get(), bytes, &written, as_bytes(ciphertext),
                              static_cast<int>(ciphertext.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagSize, tag) == 1 &&
            EVP_DecryptFinal_ex(ctx_.get(), bytes + written, &final_written) == 1;
  if (!ok) {
    clear_openssl_errors();
    out.clear();
  }
  return ok;
}

}  // namespace paygate::crypto
