#include "crypto/compare.h"

#include <openssl/crypto.h>

namespace paygate::crypto {

bool constant_time_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace paygate::crypto
