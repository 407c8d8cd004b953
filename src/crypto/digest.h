#pragma once
// Digest: a message digest computed piece by piece, for content that streams (a bill file's
// hash_value: SHA-1, or SM3 for the SM suite). One object per stream; reusable after hex_final().

#include <optional>
#include <string>
#include <string_view>

#include "crypto/openssl_handles.h"

namespace paygate::crypto {

enum class DigestAlgorithm { kSha1, kSm3 };

// "SHA1" or "SM3" (any case), as WeChat Pay names them in hash_type.
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view name);
std::string_view name_of(DigestAlgorithm algorithm);
// Hex digits of the digest: 40 for SHA-1, 64 for SM3.
std::size_t hex_length(DigestAlgorithm algorithm);

class Digest {
 public:
  explicit Digest(DigestAlgorithm algorithm);

  void update(std::string_view bytes);
  // Lowercase hex of the digest of everything updated so far; starts a new digest.
  std::string hex_final();

 private:
  DigestAlgorithm algorithm_;
  MdCtxHandle context_;
};

}  // namespace paygate::crypto
