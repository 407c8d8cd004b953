#include "crypto/random.h"

#include <openssl/rand.h>

#include <array>
#include <string_view>

namespace paygate::crypto {

namespace {
constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// Bytes at or above this are discarded so every character is equally likely (248 = 4 * 62).
constexpr unsigned kUnbiasedLimit = 256 - 256 % kAlphabet.size();
}  // namespace

bool random_bytes(std::span<unsigned char> bytes) {
  return bytes.empty() || RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1;
}

bool random_alphanumeric(std::span<char> chars) {
  std::array<unsigned char, 64> pool{};
  std::size_t filled = 0;
  while (filled < chars.size()) {
    if (!random_bytes(pool)) return false;
    for (unsigned char byte : pool) {
      if (byte >= kUnbiasedLimit) continue;
      chars[filled++] = kAlphabet[byte % kAlphabet.size()];
      if (filled == chars.size()) break;
    }
  }
  return true;
}

bool random_nonce(std::string& out) {
  out.resize(kNonceStringLength);
  return random_alphanumeric(out);
}

}  // namespace paygate::crypto
