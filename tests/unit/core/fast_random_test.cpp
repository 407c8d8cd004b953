#include "core/fast_random.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace paygate::core {
namespace {

std::string hex16(std::uint64_t bits) {
  std::string out(16, '?');
  write_hex16(bits, out.data());
  return out;
}

TEST(WriteHex16, WritesSixteenLowercaseDigitsMostSignificantFirst) {
  EXPECT_EQ(hex16(0), "0000000000000000");
  EXPECT_EQ(hex16(0x0123456789abcdefULL), "0123456789abcdef");
  EXPECT_EQ(hex16(0xfedcba9876543210ULL), "fedcba9876543210");
  EXPECT_EQ(hex16(~0ULL), "ffffffffffffffff");
  EXPECT_EQ(hex16(0x0a00000000000009ULL), "0a00000000000009");
}

TEST(WriteHex16, AgreesWithPrintfOnRandomBits) {
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t bits = fast_random();
    char expected[17];
    std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(bits));
    ASSERT_EQ(hex16(bits), expected);
  }
}

}  // namespace
}  // namespace paygate::core
