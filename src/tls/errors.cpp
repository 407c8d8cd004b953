#include "tls/errors.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "crypto/openssl_handles.h"

namespace paygate::tls {

std::string drain_errors(const char* fallback) {
  std::string text = crypto::drain_openssl_errors();
  return text.empty() ? std::string(fallback) : text;
}

std::string describe_failure(const SSL* ssl) {
  const long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) {
    crypto::clear_openssl_errors();
    return std::string("TLS: certificate verify failed: ") +
           X509_verify_cert_error_string(verify);
  }
  return "TLS: " + drain_errors("handshake failed");
}

}  // namespace paygate::tls
