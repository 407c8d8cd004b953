#include "core/fast_random.h"

#include <bit>
#include <cstring>
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

namespace {

// The eight nibbles of `half` one per byte, the most significant in the lowest byte (the first
// in memory), as lowercase hex digits: a few shifts and masks instead of a loop and a table.
static_assert(std::endian::native == std::endian::little,
              "the digits are laid out for little endian");

std::uint64_t hex8(std::uint32_t half) {
  std::uint64_t x = half;
  x = ((x & 0xFFFF0000ULL) << 16) | (x & 0x0000FFFFULL);
  x = ((x & 0x0000FF000000FF00ULL) << 8) | (x & 0x000000FF000000FFULL);
  x = ((x & 0x00F000F000F000F0ULL) << 4) | (x & 0x000F000F000F000FULL);
  // Bytes holding 10..15 get 'a' - '0' - 10 more than those holding 0..9.
  const std::uint64_t letters = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
  x += 0x3030303030303030ULL + letters * ('a' - '0' - 10);
  return __builtin_bswap64(x);
}

}  // namespace

void write_hex16(std::uint64_t bits, char* out) {
  const std::uint64_t high = hex8(static_cast<std::uint32_t>(bits >> 32));
  const std::uint64_t low = hex8(static_cast<std::uint32_t>(bits));
  std::memcpy(out, &high, 8);
  std::memcpy(out + 8, &low, 8);
}

}  // namespace paygate::core
