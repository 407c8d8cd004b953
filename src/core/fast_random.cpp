#include "core/fast_random.h"

#include <random>

namespace paygate::core {

std::uint64_t fast_random() {
  thread_local std::uint64_t state =
      std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void write_hex16(std::uint64_t bits, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, bits >>= 4) out[i] = kHex[bits & 0xF];
}

}  // namespace paygate::core
