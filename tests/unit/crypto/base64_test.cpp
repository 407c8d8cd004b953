#include "crypto/base64.h"

#include <gtest/gtest.h>

namespace paygate::crypto {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  std::string decoded;
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    ASSERT_TRUE(base64_decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64, BinaryRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  std::string encoded = base64_encode(bytes), decoded;
  ASSERT_TRUE(base64_decode(encoded, decoded));
  EXPECT_EQ(decoded, bytes);
}

TEST(Base64, StrictDecodeRejects) {
  std::string out;
  for (const char* bad : {"Zg", "Zg=", "Zm9v\n", " Zm9v", "Zm9v ", "Zm 9v", "Zm9-", "Zm9_",
                          "Zg==Zg==", "=Zg=", "Z===", "====", "Zm=v", "Zh==", "Zm9="}) {
    EXPECT_FALSE(base64_decode(bad, out)) << bad;
  }
  EXPECT_FALSE(base64_decode(std::string_view("Zm8=\0\0\0\0", 8), out));
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4), out));
}

TEST(Base64, ReusesOutputBuffer) {
  std::string out;
  out.reserve(64);
  const char* before = out.data();
  base64_encode("hello", out);
  EXPECT_EQ(out, "aGVsbG8=");
  EXPECT_EQ(out.data(), before);
}

}  // namespace
}  // namespace paygate::crypto
