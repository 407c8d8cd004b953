#include "crypto/openssl_handles.h"

#include <openssl/err.h>

namespace paygate::crypto {

std::string drain_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    if (!text.empty()) text += "; ";
    const char* reason = ERR_reason_error_string(code);
    text += reason != nullptr ? reason : "unknown OpenSSL error";
  }
  return text;
}

void clear_openssl_errors() { ERR_clear_error(); }

bool pkey_transform(EVP_PKEY_CTX* ctx, PkeyOperation operation, std::string_view in,
                    std::string& out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t length = 0;
  if (operation(ctx, nullptr, &length, bytes, in.size()) != 1) return false;
  out.resize(length);
  if (operation(ctx, reinterpret_cast<unsigned char*>(out.data()), &length, bytes, in.size()) !=
      1) {
    return false;
  }
  out.resize(length);  // the first call gave an upper bound
  return true;
}

}  // namespace paygate::crypto
