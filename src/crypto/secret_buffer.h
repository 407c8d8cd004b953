#pragma once
// SecretBuffer: a string that holds secret bytes (a PEM private key, an APIv3 key, a bearer
// token) and wipes them with OPENSSL_cleanse before its memory is freed or reused: when
// destroyed, assigned over, moved from or cleared. Whoever fills text() reserves the room first
// (reserve()), so that a growing buffer never leaves an unwiped copy behind in freed memory.
// A value type like std::string; not thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace paygate::crypto {

// Overwrites `bytes` with zeros in a way the compiler may not optimise away.
void wipe(std::string& bytes);

class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(std::string_view text) : text_(text) {}
  ~SecretBuffer() { wipe(text_); }
  SecretBuffer(const SecretBuffer& other) : text_(other.text_) {}
  // Copies, then wipes the source: moving a short std::string copies its bytes and leaves them
  // in the source's inline buffer.
  SecretBuffer(SecretBuffer&& other) noexcept : text_(other.text_) { wipe(other.text_); }
  SecretBuffer& operator=(const SecretBuffer& other);
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(std::string_view text);

  void reserve(std::size_t bytes);  // wipes and drops what was held when it must reallocate
  void clear() { wipe(text_); }

  std::string& text() { return text_; }  // to fill, after reserve()
  std::string_view view() const { return text_; }
  bool empty() const { return text_.empty(); }
  std::size_t size() const { return text_.size(); }

 private:
  std::string text_;
};

}  // namespace paygate::crypto
