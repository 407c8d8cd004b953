#include "crypto/secret_buffer.h"

#include <openssl/crypto.h>

namespace paygate::crypto {

void wipe(std::string& bytes) {
  OPENSSL_cleanse(bytes.data(), bytes.size());
  bytes.clear();
}

SecretBuffer& SecretBuffer::operator=(const SecretBuffer& other) {
  if (this != &other) *this = other.view();
  return *this;
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    *this = other.view();
    wipe(other.text_);
  }
  return *this;
}

// Wiped first: assign() may reuse the buffer, leaving the tail of a longer old secret behind.
SecretBuffer& SecretBuffer::operator=(std::string_view text) {
  wipe(text_);
  text_.assign(text);
  return *this;
}

void SecretBuffer::reserve(std::size_t bytes) {
  if (bytes <= text_.capacity()) return;
  wipe(text_);
  text_.reserve(bytes);
}

}  // namespace paygate::crypto
