#include "crypto/signature.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "crypto/certificate.h"
#include "support/test_keys.h"

namespace paygate::crypto {
namespace {

using test::data_path;
using test::read_data;

class SignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto merchant = PrivateKey::from_file(data_path("merchant_rsa_key.pem"));
    auto merchant_cert = Certificate::from_file(data_path("merchant_rsa_cert.pem"));
    auto sm2 = PrivateKey::from_file(data_path("sm2_key.pem"));
    auto sm2_cert = Certificate::from_file(data_path("sm2_cert.pem"));
    auto platform_pub = PublicKey::from_file(data_path("platform_rsa_pub.pem"));
    ASSERT_TRUE(merchant && merchant_cert && sm2 && sm2_cert && platform_pub);
    rsa_key_ = *merchant;
    rsa_pub_ = merchant_cert->public_key();
    sm2_key_ = *sm2;
    sm2_pub_ = sm2_cert->public_key();
    other_pub_ = *platform_pub;
    message_ = read_data("request_message.txt");
  }

  PrivateKey rsa_key_, sm2_key_;
  PublicKey rsa_pub_, sm2_pub_, other_pub_;
  std::string message_;
  Signer signer_;
  Verifier verifier_;
};

TEST_F(SignatureTest, RsaSignatureMatchesOpensslCliVector) {
  std::string signature;
  ASSERT_TRUE(signer_.sign_base64(rsa_key_, message_, signature));
  EXPECT_EQ(signature.size(), 344u);
  EXPECT_EQ(signature, read_data("request_message.rsa.sig.b64"));
}

TEST_F(SignatureTest, VerifiesOpensslCliVectors) {
  EXPECT_TRUE(
      verifier_.verify_base64(rsa_pub_, message_, read_data("request_message.rsa.sig.b64")));
  EXPECT_TRUE(
      verifier_.verify_base64(sm2_pub_, message_, read_data("request_message.sm2.sig.b64")));
}

TEST_F(SignatureTest, RsaRoundTripReusingContexts) {
  std::string signature;
  for (int i = 0; i < 3; ++i) {
    std::string message = message_ + std::to_string(i);
    ASSERT_TRUE(signer_.sign_base64(rsa_key_, message, signature));
    EXPECT_TRUE(verifier_.verify_base64(rsa_pub_, message, signature));
    EXPECT_FALSE(verifier_.verify_base64(rsa_pub_, message + "x", signature));
  }
}

TEST_F(SignatureTest, Sm2RoundTripReusingContexts) {
  std::string signature;
  for (int i = 0; i < 3; ++i) {
    std::string message = message_ + std::to_string(i);
    ASSERT_TRUE(signer_.sign_base64(sm2_key_, message, signature));
    EXPECT_TRUE(verifier_.verify_base64(sm2_pub_, message, signature));
    EXPECT_FALSE(verifier_.verify_base64(sm2_pub_, message + "x", signature));
  }
}

TEST_F(SignatureTest, SwitchingKeysBetweenAlgorithms) {
  std::string rsa_sig, sm2_sig;
  ASSERT_TRUE(signer_.sign_base64(rsa_key_, message_, rsa_sig));
  ASSERT_TRUE(signer_.sign_base64(sm2_key_, message_, sm2_sig));
  ASSERT_TRUE(signer_.sign_base64(rsa_key_, message_, rsa_sig));
  EXPECT_TRUE(verifier_.verify_base64(sm2_pub_, message_, sm2_sig));
  EXPECT_TRUE(verifier_.verify_base64(rsa_pub_, message_, rsa_sig));
  EXPECT_FALSE(verifier_.verify_base64(sm2_pub_, message_, rsa_sig));
  EXPECT_FALSE(verifier_.verify_base64(other_pub_, message_, rsa_sig));
  EXPECT_TRUE(verifier_.verify_base64(rsa_pub_, message_, rsa_sig));
}

TEST_F(SignatureTest, TamperedSignatureFailsAndVerifierRecovers) {
  std::string raw;
  ASSERT_TRUE(signer_.sign(rsa_key_, message_, raw));
  std::string bad = raw;
  bad[10] ^= 0x01;
  EXPECT_FALSE(verifier_.verify(rsa_pub_, message_, bad));
  EXPECT_FALSE(verifier_.verify(rsa_pub_, message_, raw.substr(1)));
  EXPECT_FALSE(verifier_.verify(rsa_pub_, message_, ""));
  EXPECT_TRUE(verifier_.verify(rsa_pub_, message_, raw));
}

TEST_F(SignatureTest, Sm2TamperedAndGarbageDerFail) {
  std::string raw;
  ASSERT_TRUE(signer_.sign(sm2_key_, message_, raw));
  std::string bad = raw;
  bad[bad.size() - 1] ^= 0x01;
  EXPECT_FALSE(verifier_.verify(sm2_pub_, message_, bad));
  EXPECT_FALSE(verifier_.verify(sm2_pub_, message_, "\x30\x02\x02\x00"));
  EXPECT_TRUE(verifier_.verify(sm2_pub_, message_, raw));
}

TEST_F(SignatureTest, MalformedBase64IsAFailedVerification) {
  std::string signature = read_data("request_message.rsa.sig.b64");
  EXPECT_FALSE(verifier_.verify_base64(rsa_pub_, message_, signature + "\n"));
  EXPECT_FALSE(verifier_.verify_base64(rsa_pub_, message_, "WECHATPAY/SIGNTEST/abc"));
}

TEST_F(SignatureTest, EmptyKeysFail) {
  std::string out = "stale";
  EXPECT_FALSE(signer_.sign(PrivateKey{}, message_, out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(verifier_.verify(PublicKey{}, message_, "x"));
}

}  // namespace
}  // namespace paygate::crypto
