#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crypto/base64.h"
#include "support/test_keys.h"
#include "wechatpay/certificates.h"
#include "wechatpay/notification.h"

namespace paygate::wechatpay {
namespace {

using crypto::AeadAlgorithm;
using test::data_path;
using test::read_vector;

crypto::ApiV3Key api_key(std::string_view text = "0123456789abcdefghijABCDEFGHIJ_+") {
  auto key = crypto::ApiV3Key::from_text(text, "test");
  EXPECT_TRUE(key.has_value());
  return *key;
}

class CertificatesTest : public ::testing::TestWithParam<AeadAlgorithm> {
 protected:
  void SetUp() override {
    for (const char* name : {"platform_rsa_cert.pem", "sm2_cert.pem"}) {
      auto cert = crypto::Certificate::from_file(data_path(name));
      ASSERT_TRUE(cert.has_value());
      certificates_.push_back(*cert);
    }
  }
  std::vector<crypto::Certificate> certificates_;
  crypto::ApiV3Key key_ = api_key();
  crypto::Aead aead_;
};

TEST_P(CertificatesTest, BuildThenParseRoundTrips) {
  std::string document;
  ASSERT_TRUE(build_certificates_document(certificates_, key_, GetParam(), aead_, document));
  auto json = boost::json::parse(document);
  const auto& entry = json.at("data").at(0);
  EXPECT_EQ(entry.at("serial_no"), "0DEA10EF12345678901234567890ABCDEF0127EC");
  EXPECT_TRUE(entry.at("effective_time").as_string().ends_with("+08:00"));
  EXPECT_EQ(entry.at("encrypt_certificate").at("associated_data"), "certificate");
  EXPECT_EQ(entry.at("encrypt_certificate").at("algorithm").as_string(),
            crypto::to_string(GetParam()));
  EXPECT_EQ(entry.at("encrypt_certificate").at("nonce").as_string().size(), 12u);

  auto parsed = parse_certificates_document(document, key_, aead_);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].serial_hex(), certificates_[0].serial_hex());
  EXPECT_EQ((*parsed)[1].public_key().algorithm(), crypto::KeyAlgorithm::kSm2);
}

TEST_P(CertificatesTest, WrongKeyAndTamperingAreErrors) {
  std::string document;
  ASSERT_TRUE(build_certificates_document(certificates_, key_, GetParam(), aead_, document));
  EXPECT_FALSE(
      parse_certificates_document(document, api_key("0123456789abcdefghijABCDEFGHIJ_-"), aead_)
          .has_value());
  auto json = boost::json::parse(document);
  json.at("data").at(0).as_object()["serial_no"] = "0DEA10EF12345678901234567890ABCDEF0127ED";
  auto mislabelled = parse_certificates_document(boost::json::serialize(json), key_, aead_);
  ASSERT_FALSE(mislabelled.has_value());
  EXPECT_NE(mislabelled.error().detail.find("serial"), std::string::npos);
  json = boost::json::parse(document);
  json.at("data").at(0).at("encrypt_certificate").as_object()["associated_data"] = "cert";
  EXPECT_FALSE(parse_certificates_document(boost::json::serialize(json), key_, aead_).has_value());
}

TEST(CertificatesParse, RejectsMalformedDocuments) {
  crypto::Aead aead;
  auto key = api_key();
  for (const char* bad :
       {"", "[]", "{}", R"({"data":{}})", R"({"data":[1]})", R"({"data":[{"serial_no":"1"}]})",
        R"({"data":[{"encrypt_certificate":{"algorithm":"AEAD_AES_256_GCM",)"
        R"("nonce":"0123456789ab","ciphertext":"!!"}}]})"}) {
    EXPECT_FALSE(parse_certificates_document(bad, key, aead).has_value()) << bad;
  }
  auto empty = parse_certificates_document(R"({"data":[]})", key, aead);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CertificatesTest,
                         ::testing::Values(AeadAlgorithm::kAes256Gcm, AeadAlgorithm::kSm4Gcm));

class NotificationTest : public ::testing::TestWithParam<AeadAlgorithm> {
 protected:
  NotificationEvent event_{"EV-2018022511223320873",
                           std::chrono::sys_seconds{},
                           "TRANSACTION.SUCCESS",
                           "支付成功",
                           "transaction",
                           R"({"trade_state":"SUCCESS"})",
                           GetParam()};
  crypto::ApiV3Key key_ = api_key();
  crypto::Aead aead_;
};

TEST_P(NotificationTest, BuildParseOpenRoundTrips) {
  std::string body, plaintext;
  ASSERT_TRUE(build_notification(event_, key_, aead_, body));
  Notification parsed;
  ASSERT_EQ(parse_notification(body, parsed), NotificationError::kNone);
  EXPECT_EQ(parsed.id, "EV-2018022511223320873");
  EXPECT_EQ(parsed.create_time, "1970-01-01T08:00:00+08:00");
  EXPECT_EQ(parsed.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(parsed.resource_type, "encrypt-resource");
  EXPECT_EQ(parsed.summary, "支付成功");
  EXPECT_EQ(parsed.resource.original_type, "transaction");
  EXPECT_EQ(parsed.resource.associated_data, "transaction");
  EXPECT_EQ(parsed.resource.algorithm, crypto::to_string(GetParam()));
  ASSERT_EQ(open_resource(parsed.resource, key_, aead_, plaintext), NotificationError::kNone);
  EXPECT_EQ(plaintext, event_.plaintext);
}

TEST_P(NotificationTest, DecryptsTheFixedVector) {
  auto vector = read_vector(GetParam() == AeadAlgorithm::kAes256Gcm ? "aes_gcm_vector.txt"
                                                                    : "sm4_gcm_vector.txt");
  NotificationResource resource{std::string(crypto::to_string(GetParam())),
                                vector["ciphertext_b64"], vector["associated_data"], "transaction",
                                vector["nonce"]};
  std::string plaintext;
  ASSERT_EQ(open_resource(resource, api_key(vector["key"]), aead_, plaintext),
            NotificationError::kNone);
  EXPECT_EQ(plaintext, vector["plaintext"]);
}

TEST_P(NotificationTest, ResourceProblemsAreNamed) {
  std::string body, plaintext;
  ASSERT_TRUE(build_notification(event_, key_, aead_, body));
  Notification parsed;
  ASSERT_EQ(parse_notification(body, parsed), NotificationError::kNone);
  auto resource = parsed.resource;
  EXPECT_EQ(open_resource(resource, api_key("0123456789abcdefghijABCDEFGHIJ_-"), aead_, plaintext),
            NotificationError::kDecryptionFailed);
  resource.associated_data = "refund";
  EXPECT_EQ(open_resource(resource, key_, aead_, plaintext), NotificationError::kDecryptionFailed);
  resource = parsed.resource;
  resource.ciphertext[3] = resource.ciphertext[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_resource(resource, key_, aead_, plaintext), NotificationError::kDecryptionFailed);
  resource.ciphertext += "=";
  EXPECT_EQ(open_resource(resource, key_, aead_, plaintext), NotificationError::kBadCiphertext);
  resource.algorithm = "AEAD_AES_128_GCM";
  EXPECT_EQ(open_resource(resource, key_, aead_, plaintext), NotificationError::kUnknownAlgorithm);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, NotificationTest,
                         ::testing::Values(AeadAlgorithm::kAes256Gcm, AeadAlgorithm::kSm4Gcm));

TEST(NotificationParse, RejectsBadEnvelopes) {
  Notification out;
  EXPECT_EQ(parse_notification("", out), NotificationError::kNotJson);
  EXPECT_EQ(parse_notification("[1]", out), NotificationError::kNotJson);
  EXPECT_EQ(parse_notification("{\"id\":", out), NotificationError::kNotJson);
  EXPECT_EQ(parse_notification(R"({"id":"x","event_type":"E"})", out),
            NotificationError::kMissingField);
  EXPECT_EQ(parse_notification(R"({"id":"x","event_type":"E","resource_type":"plain",)"
                               R"("resource":{}})",
                               out),
            NotificationError::kNotEncrypted);
  EXPECT_EQ(parse_notification(R"({"id":"x","event_type":"E","resource_type":"encrypt-resource",)"
                               R"("resource":{"algorithm":"AEAD_AES_256_GCM"}})",
                               out),
            NotificationError::kMissingField);
  EXPECT_NE(describe(NotificationError::kNotJson), "ok");
}

}  // namespace
}  // namespace paygate::wechatpay
