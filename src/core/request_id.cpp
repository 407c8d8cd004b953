#include "core/request_id.h"

#include <cstdint>
#include <random>

namespace paygate::core {

namespace {
// splitmix64: fast, and a fresh random seed per thread keeps threads apart.
std::uint64_t next_random() {
  thread_local std::uint64_t state = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool allowed_in_id(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_' || c == '.';
}
}  // namespace

void RequestId::generate() {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = next_random();
    for (std::size_t i = 0; i < 16; ++i, bits >>= 4) chars_[half * 16 + i] = kHex[bits & 0xF];
  }
  size_ = kLength;
}

void RequestId::assign(std::string_view supplied) {
  size_ = 0;
  for (char c : supplied) {
    if (size_ == kLength) break;
    if (allowed_in_id(c)) chars_[size_++] = c;
  }
  if (size_ == 0) generate();
}

}  // namespace paygate::core
