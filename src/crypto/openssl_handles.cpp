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

}  // namespace paygate::crypto
