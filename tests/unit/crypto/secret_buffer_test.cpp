// SecretBuffer and wipe(): the bytes a secret occupied are zero once it is wiped, cleared,
// assigned over or moved from, in the inline buffer of a short string and in a heap one alike
// (each check reads memory the string still owns).
#include "crypto/secret_buffer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace paygate::crypto {
namespace {

bool all_zero(const char* bytes, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

TEST(Wipe, ZeroesAShortAndALongString) {
  std::string short_secret = "k3y";
  const char* inline_bytes = short_secret.data();
  wipe(short_secret);
  EXPECT_TRUE(short_secret.empty());
  EXPECT_TRUE(all_zero(inline_bytes, 3));

  std::string long_secret(200, 'p');
  const char* heap_bytes = long_secret.data();
  wipe(long_secret);
  EXPECT_TRUE(long_secret.empty());
  EXPECT_EQ(long_secret.data(), heap_bytes);  // clear() keeps the buffer it zeroed
  EXPECT_TRUE(all_zero(heap_bytes, 200));
}

TEST(SecretBuffer, AMoveLeavesNoCopyInTheSource) {
  SecretBuffer source("token");
  const char* inline_bytes = source.view().data();
  SecretBuffer target(std::move(source));
  EXPECT_EQ(target.view(), "token");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_TRUE(all_zero(inline_bytes, 5));

  SecretBuffer assigned;
  assigned = std::move(target);
  EXPECT_EQ(assigned.view(), "token");
  EXPECT_TRUE(target.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBuffer, AShorterSecretAssignedOverALongerOneLeavesNoTail) {
  SecretBuffer buffer(std::string(64, 's'));
  const char* bytes = buffer.view().data();
  buffer = std::string_view("ab");
  ASSERT_EQ(buffer.view().data(), bytes);  // the buffer was reused
  EXPECT_EQ(buffer.view(), "ab");
  EXPECT_TRUE(all_zero(bytes + 2, 62));
}

TEST(SecretBuffer, ReserveAndClearWipe) {
  SecretBuffer buffer;
  buffer.reserve(1024);
  buffer.text().assign(100, 'x');
  const char* bytes = buffer.view().data();
  buffer.reserve(512);  // within capacity: nothing moves, nothing is dropped
  EXPECT_EQ(buffer.size(), 100u);
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_TRUE(all_zero(bytes, 100));
  SecretBuffer copy = SecretBuffer("abc");
  SecretBuffer other(copy);
  EXPECT_EQ(other.view(), "abc");
}

}  // namespace
}  // namespace paygate::crypto
