#include "crypto/digest.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "core/header_field.h"

namespace paygate::crypto {
namespace {

const EVP_MD* md_of(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSm3 ? EVP_sm3() : EVP_sha1();
}

}  // namespace

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view name) {
  if (core::iequals(name, "SHA1")) return DigestAlgorithm::kSha1;
  if (core::iequals(name, "SM3")) return DigestAlgorithm::kSm3;
  return std::nullopt;
}

std::string_view name_of(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSm3 ? "SM3" : "SHA1";
}

std::size_t hex_length(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSm3 ? 64 : 40;
}

Digest::Digest(DigestAlgorithm algorithm) : algorithm_(algorithm), context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), md_of(algorithm_), nullptr) != 1) {
    throw std::runtime_error("cannot start a message digest");
  }
}

void Digest::update(std::string_view bytes) {
  EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size());
}

std::string Digest::hex_final() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_.get(), md.data(), &size);
  EVP_DigestInit_ex(context_.get(), md_of(algorithm_), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xf]);
  }
  return hex;
}

}  // namespace paygate::crypto
