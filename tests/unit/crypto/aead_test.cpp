#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "support/test_keys.h"

namespace paygate::crypto {
namespace {

class AeadTest : public ::testing::TestWithParam<AeadAlgorithm> {
 protected:
  static ApiV3Key key(std::string_view text) {
    auto key = ApiV3Key::from_text(text, "test");
    EXPECT_TRUE(key.has_value());
    return *key;
  }
  ApiV3Key key_ = key("0123456789abcdefghijABCDEFGHIJ_+");
  Aead aead_;
};

TEST(AeadNames, RoundTrip) {
  EXPECT_EQ(to_string(AeadAlgorithm::kAes256Gcm), "AEAD_AES_256_GCM");
  EXPECT_EQ(aead_algorithm_from("AEAD_SM4_GCM"), AeadAlgorithm::kSm4Gcm);
  EXPECT_EQ(aead_algorithm_from("AEAD_AES_128_GCM"), std::nullopt);
}

TEST(ApiV3KeyTest, MustBeThirtyTwoBytes) {
  auto key = ApiV3Key::from_text("short", "merchant 1230000109");
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().detail.find("merchant 1230000109"), std::string::npos);
  EXPECT_EQ(key.error().detail.find("short"), std::string::npos);
}

TEST_P(AeadTest, DecryptsFixedVector) {
  auto vector = test::read_vector(GetParam() == AeadAlgorithm::kAes256Gcm ? "aes_gcm_vector.txt"
                                                                          : "sm4_gcm_vector.txt");
  std::string sealed, plaintext;
  ASSERT_TRUE(base64_decode(vector["ciphertext_b64"], sealed));
  auto vector_key = key(vector["key"]);
  ASSERT_TRUE(aead_.open(vector_key, GetParam(), vector["nonce"], vector["associated_data"], sealed,
                         plaintext));
  EXPECT_EQ(plaintext, vector["plaintext"]);
  std::string again;
  ASSERT_TRUE(aead_.seal(vector_key, GetParam(), vector["nonce"], vector["associated_data"],
                         plaintext, again));
  EXPECT_EQ(again, sealed);
}

TEST_P(AeadTest, RoundTripsAllSizes) {
  std::string sealed, opened;
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 1024u, 4099u}) {
    std::string plaintext(size, 'p');
    ASSERT_TRUE(aead_.seal(key_, GetParam(), "0123456789ab", "certificate", plaintext, sealed));
    EXPECT_EQ(sealed.size(), size + kAeadTagSize);
    ASSERT_TRUE(aead_.open(key_, GetParam(), "0123456789ab", "certificate", sealed, opened));
    EXPECT_EQ(opened, plaintext);
  }
}

TEST_P(AeadTest, EveryTamperingFails) {
  std::string sealed, opened;
  ASSERT_TRUE(aead_.seal(key_, GetParam(), "0123456789ab", "transaction", "{\"a\":1}", sealed));
  for (std::size_t i = 0; i < sealed.size(); ++i) {  // body and tag bytes alike
    std::string bad = sealed;
    bad[i] ^= 0x40;
    EXPECT_FALSE(aead_.open(key_, GetParam(), "0123456789ab", "transaction", bad, opened)) << i;
    EXPECT_TRUE(opened.empty());
  }
  auto wrong_key = key("0123456789abcdefghijABCDEFGHIJ_-");
  EXPECT_FALSE(aead_.open(wrong_key, GetParam(), "0123456789ab", "transaction", sealed, opened));
  EXPECT_FALSE(aead_.open(key_, GetParam(), "0123456789ac", "transaction", sealed, opened));
  EXPECT_FALSE(aead_.open(key_, GetParam(), "0123456789ab", "refund", sealed, opened));
  EXPECT_FALSE(aead_.open(key_, GetParam(), "0123456789ab", "transaction",
                          sealed.substr(0, kAeadTagSize - 1), opened));
  EXPECT_TRUE(aead_.open(key_, GetParam(), "0123456789ab", "transaction", sealed, opened));
}

TEST_P(AeadTest, NonceMustBeTwelveBytes) {
  std::string out;
  EXPECT_FALSE(aead_.seal(key_, GetParam(), "short", "", "x", out));
  EXPECT_FALSE(aead_.seal(key_, GetParam(), "0123456789abc", "", "x", out));
}

TEST(AeadCross, AlgorithmsAreNotInterchangeable) {
  auto key = ApiV3Key::from_text("0123456789abcdefghijABCDEFGHIJ_+", "test");
  ASSERT_TRUE(key.has_value());
  Aead aead;
  std::string sealed, opened;
  ASSERT_TRUE(aead.seal(*key, AeadAlgorithm::kAes256Gcm, "0123456789ab", "", "x", sealed));
  EXPECT_FALSE(aead.open(*key, AeadAlgorithm::kSm4Gcm, "0123456789ab", "", sealed, opened));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AeadTest,
                         ::testing::Values(AeadAlgorithm::kAes256Gcm, AeadAlgorithm::kSm4Gcm),
                         [](const auto& info) {
                           return info.param == AeadAlgorithm::kAes256Gcm ? "Aes" : "Sm4";
                         });

}  // namespace
}  // namespace paygate::crypto
