#include "crypto/oaep.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "support/test_keys.h"

namespace paygate::crypto {
namespace {

using test::data_path;
using test::read_data;

class OaepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = PrivateKey::from_file(data_path("platform_rsa_key.pem"));
    auto pub = PublicKey::from_file(data_path("platform_rsa_pub.pem"));
    ASSERT_TRUE(key && pub);
    key_ = *key;
    pub_ = *pub;
  }
  PrivateKey key_;
  PublicKey pub_;
};

TEST_F(OaepTest, DecryptsOpensslCliVector) {
  std::string ciphertext, plaintext;
  ASSERT_TRUE(base64_decode(read_data("oaep_ciphertext.b64"), ciphertext));
  ASSERT_TRUE(rsa_oaep_decrypt(key_, ciphertext, plaintext));
  EXPECT_EQ(plaintext, read_data("oaep_plaintext.txt"));
}

TEST_F(OaepTest, RoundTripUpToTheLimit) {
  std::string ciphertext, plaintext;
  std::string longest(214, 'x');
  ASSERT_TRUE(rsa_oaep_encrypt(pub_, longest, ciphertext));
  EXPECT_EQ(ciphertext.size(), 256u);
  ASSERT_TRUE(rsa_oaep_decrypt(key_, ciphertext, plaintext));
  EXPECT_EQ(plaintext, longest);
  EXPECT_FALSE(rsa_oaep_encrypt(pub_, longest + "x", ciphertext));
}

TEST_F(OaepTest, WrongKeyOrTamperFails) {
  std::string ciphertext, plaintext;
  ASSERT_TRUE(rsa_oaep_encrypt(pub_, "张三", ciphertext));
  auto other = PrivateKey::from_file(data_path("other_rsa_key.pem"));
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(rsa_oaep_decrypt(*other, ciphertext, plaintext));
  ciphertext[5] ^= 1;
  EXPECT_FALSE(rsa_oaep_decrypt(key_, ciphertext, plaintext));
  EXPECT_FALSE(rsa_oaep_decrypt(key_, "short", plaintext));
  EXPECT_TRUE(plaintext.empty());
}

TEST_F(OaepTest, Sm2KeysAreRefused) {
  auto sm2 = PrivateKey::from_file(data_path("sm2_key.pem"));
  ASSERT_TRUE(sm2.has_value());
  std::string out;
  EXPECT_FALSE(rsa_oaep_decrypt(*sm2, "x", out));
}

}  // namespace
}  // namespace paygate::crypto
