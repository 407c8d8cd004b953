#include "crypto/sensitive.h"

#include <gtest/gtest.h>

#include "crypto/certificate.h"
#include "crypto/generate.h"
#include "support/test_keys.h"

namespace paygate::crypto {
namespace {

using test::data_path;
using test::read_data;

struct KeyPair {
  PrivateKey key;
  PublicKey pub;
};

KeyPair load_pair(const std::string& key_file, const std::string& cert_file) {
  auto key = PrivateKey::from_file(data_path(key_file));
  auto cert = Certificate::from_file(data_path(cert_file));
  EXPECT_TRUE(key && cert);
  if (!key || !cert) return {};
  return {*key, cert->public_key()};
}

class SensitiveTest : public ::testing::TestWithParam<KeyAlgorithm> {
 protected:
  void SetUp() override {
    pair_ = GetParam() == KeyAlgorithm::kRsa
                ? load_pair("platform_rsa_key.pem", "platform_rsa_cert.pem")
                : load_pair("sm2_key.pem", "sm2_cert.pem");
  }
  KeyPair pair_;
};

TEST_P(SensitiveTest, RoundTripPicksTheAlgorithmByKey) {
  auto ciphertext = encrypt_sensitive(pair_.pub, "张三");
  ASSERT_TRUE(ciphertext.has_value());
  auto plaintext = decrypt_sensitive(pair_.key, *ciphertext);
  ASSERT_TRUE(plaintext.has_value());
  EXPECT_EQ(*plaintext, "张三");
}

TEST_P(SensitiveTest, TamperedCiphertextIsABadRequest) {
  auto ciphertext = encrypt_sensitive(pair_.pub, "13800138000");
  ASSERT_TRUE(ciphertext.has_value());
  std::string tampered = *ciphertext;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  auto plaintext = decrypt_sensitive(pair_.key, tampered);
  ASSERT_FALSE(plaintext.has_value());
  EXPECT_EQ(plaintext.error().kind, core::ErrorKind::kBadRequest);
  EXPECT_NE(plaintext.error().detail.find("does not decrypt"), std::string::npos);
  auto garbage = decrypt_sensitive(pair_.key, "not base64!");
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().detail, "ciphertext is not base64");
}

TEST_P(SensitiveTest, WrongKeyFailsWithoutLeakingAnything) {
  auto ciphertext = encrypt_sensitive(pair_.pub, "13800138000");
  ASSERT_TRUE(ciphertext.has_value());
  auto other = generate_private_key(GetParam());
  ASSERT_TRUE(other.has_value());
  auto plaintext = decrypt_sensitive(*other, *ciphertext);
  ASSERT_FALSE(plaintext.has_value());
  EXPECT_EQ(plaintext.error().detail.find("13800138000"), std::string::npos);
  EXPECT_EQ(plaintext.error().detail.find(*ciphertext), std::string::npos);
}

TEST_P(SensitiveTest, DecryptsTheOpensslCliVector) {
  const char* vector =
      GetParam() == KeyAlgorithm::kRsa ? "oaep_ciphertext.b64" : "sm2_ciphertext.b64";
  auto plaintext = decrypt_sensitive(pair_.key, read_data(vector));
  ASSERT_TRUE(plaintext.has_value());
  EXPECT_EQ(*plaintext, read_data("oaep_plaintext.txt"));
}

INSTANTIATE_TEST_SUITE_P(ByKey, SensitiveTest,
                         ::testing::Values(KeyAlgorithm::kRsa, KeyAlgorithm::kSm2),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(SensitiveLimitsTest, Rsa2048TakesAtMost214Bytes) {
  KeyPair rsa = load_pair("platform_rsa_key.pem", "platform_rsa_cert.pem");
  auto longest = encrypt_sensitive(rsa.pub, std::string(214, 'x'));
  ASSERT_TRUE(longest.has_value());
  EXPECT_EQ(longest->size(), 344u);  // base64 of 256 bytes
  auto too_long = encrypt_sensitive(rsa.pub, std::string(215, 'x'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().kind, core::ErrorKind::kBadRequest);
  EXPECT_EQ(too_long.error().detail,
            "plaintext is 215 bytes; RSA-OAEP with this 2048-bit key takes at most 214");
}

TEST(SensitiveLimitsTest, Sm2RefusesOnlyAnEmptyPlaintext) {
  KeyPair sm2 = load_pair("sm2_key.pem", "sm2_cert.pem");
  EXPECT_TRUE(encrypt_sensitive(sm2.pub, std::string(1000, 'x')).has_value());
  auto empty = encrypt_sensitive(sm2.pub, "");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().detail, "SM2 cannot encrypt an empty plaintext");
  EXPECT_FALSE(encrypt_sensitive(PublicKey(), "x").has_value());
}

}  // namespace
}  // namespace paygate::crypto
