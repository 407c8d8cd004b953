#include "crypto/random.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "crypto/compare.h"

namespace paygate::crypto {
namespace {

TEST(Random, NonceIsThirtyTwoAlphanumerics) {
  std::string nonce;
  ASSERT_TRUE(random_nonce(nonce));
  ASSERT_EQ(nonce.size(), kNonceStringLength);
  for (char c : nonce) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
}

TEST(Random, NoncesDoNotRepeatAndUseTheWholeAlphabet) {
  std::set<std::string> seen;
  std::set<char> characters;
  std::string nonce;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(random_nonce(nonce));
    EXPECT_TRUE(seen.insert(nonce).second);
    characters.insert(nonce.begin(), nonce.end());
  }
  EXPECT_EQ(characters.size(), 62u);
}

TEST(Random, FillsAnyLength) {
  std::string chars(1000, '\0');
  ASSERT_TRUE(random_alphanumeric(chars));
  EXPECT_EQ(chars.find('\0'), std::string::npos);
  ASSERT_TRUE(random_bytes({}));
}

TEST(ConstantTime, Equals) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
}

}  // namespace
}  // namespace paygate::crypto
