// EnvelopeBuilder as a merchant sees its output: the body parses as a v3 notification, the
// resource opens with the merchant's APIv3 key to exactly the stored plaintext, and the
// Wechatpay-* signature verifies with the platform certificate. Keys from tests/data/crypto.
#include "notify/envelope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/signature.h"
#include "support/test_keys.h"
#include "wechatpay/client.h"
#include "wechatpay/notification.h"
#include "wechatpay/platform_keys.h"
#include "wechatpay/rfc3339.h"

namespace paygate::notify {
namespace {

using ::testing::HasSubstr;
using test::data_path;

constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr std::string_view kMchid = "1230000109";
constexpr std::string_view kPlatformSerial = "0DEA10EF12345678901234567890ABCDEF0127EC";
// Certificates in tests/data/crypto are valid from 2026-11-23 to 2036-11-20.
const std::chrono::sys_seconds kNow = std::chrono::sys_days{std::chrono::year{2030} / 1 / 2};

credentials::MerchantCredentials merchant() {
  auto key = crypto::ApiV3Key::from_text(kApiV3Key, "test APIv3 key");
  EXPECT_TRUE(key.has_value());
  return credentials::MerchantCredentials{std::string(kMchid), *key, {}, {}, {}};
}

credentials::PlatformIdentity platform() {
  auto key = crypto::PrivateKey::from_file(data_path("platform_rsa_key.pem"));
  auto certificate = crypto::Certificate::from_file(data_path("platform_rsa_cert.pem"));
  EXPECT_TRUE(key.has_value() && certificate.has_value());
  return {certificate->serial_hex(), *key, *certificate};
}

credentials::Credentials credentials(bool with_platform = true) {
  std::vector<credentials::PlatformIdentity> identities;
  if (with_platform) identities.push_back(platform());
  return credentials::Credentials({merchant()}, std::move(identities), std::chrono::seconds{300},
                                  1024);
}

EventRecord record() {
  EventRecord r;
  r.id = "EV-0123456789abcdef0123456789abcdef";
  r.event.mchid = std::string(kMchid);
  r.event.notify_url = "https://merchant.example.com/notify";
  r.event.event_type = "TRANSACTION.SUCCESS";
  r.event.resource_type = "transaction";
  r.event.summary = "支付成功";
  r.event.resource = R"({"out_trade_no":"T20300101","amount":{"total":100,"currency":"CNY"}})";
  r.event.idempotency_key = "k1";
  r.created_at = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1} + std::chrono::hours{8} +
                 std::chrono::milliseconds{250};
  return r;
}

class EnvelopeTest : public ::testing::Test {
 protected:
  SignedEnvelope build(const EventRecord& r) {
    SignedEnvelope out;
    std::string reason;
    EXPECT_TRUE(builder_.build(r, credentials_, kNow, out, reason)) << reason;
    return out;
  }

  credentials::Credentials credentials_ = credentials();
  EnvelopeBuilder builder_;
  crypto::Aead aead_;
};

TEST_F(EnvelopeTest, BodyIsAV3Notification) {
  const auto r = record();
  const auto envelope = build(r);
  wechatpay::Notification notification;
  ASSERT_EQ(wechatpay::parse_notification(envelope.body, notification),
            wechatpay::NotificationError::kNone)
      << envelope.body;
  EXPECT_EQ(notification.id, r.id);
  EXPECT_EQ(notification.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(notification.summary, "支付成功");
  EXPECT_EQ(notification.resource_type, wechatpay::kEncryptResourceType);
  EXPECT_EQ(notification.resource.algorithm, "AEAD_AES_256_GCM");
  EXPECT_EQ(notification.resource.original_type, "transaction");
  EXPECT_EQ(notification.resource.associated_data, "transaction");
  EXPECT_EQ(notification.resource.nonce.size(), crypto::kAeadNonceSize);
  EXPECT_EQ(notification.create_time, "2030-01-01T16:00:00+08:00");  // Beijing time, whole seconds
  EXPECT_EQ(wechatpay::parse_rfc3339(notification.create_time),
            std::chrono::floor<std::chrono::seconds>(r.created_at));
  // The plaintext travels only sealed.
  EXPECT_THAT(envelope.body, ::testing::Not(HasSubstr("T20300101")));
}

TEST_F(EnvelopeTest, ResourceOpensToTheStoredPlaintext) {
  const auto r = record();
  const auto envelope = build(r);
  wechatpay::Notification notification;
  ASSERT_EQ(wechatpay::parse_notification(envelope.body, notification),
            wechatpay::NotificationError::kNone);
  std::string plaintext;
  ASSERT_EQ(wechatpay::open_resource(notification.resource, merchant().apiv3_key, aead_, plaintext),
            wechatpay::NotificationError::kNone);
  EXPECT_EQ(plaintext, r.event.resource);
}

TEST_F(EnvelopeTest, ResourceDoesNotOpenWithAnotherKey) {
  const auto envelope = build(record());
  wechatpay::Notification notification;
  ASSERT_EQ(wechatpay::parse_notification(envelope.body, notification),
            wechatpay::NotificationError::kNone);
  auto other = crypto::ApiV3Key::from_text("ZYXWVUTSRQPONMLKJIHGFEDCBA987654", "other key");
  ASSERT_TRUE(other.has_value());
  std::string plaintext;
  EXPECT_EQ(wechatpay::open_resource(notification.resource, *other, aead_, plaintext),
            wechatpay::NotificationError::kDecryptionFailed);
}

TEST_F(EnvelopeTest, SignatureVerifiesWithThePlatformCertificate) {
  const auto envelope = build(record());
  EXPECT_EQ(envelope.serial, kPlatformSerial);
  EXPECT_EQ(envelope.signature.timestamp, std::to_string(kNow.time_since_epoch().count()));
  EXPECT_EQ(envelope.signature.signature_type, "WECHATPAY2-SHA256-RSA2048");

  // The message of docs/protocol.md §2, checked by hand...
  const auto certificate = crypto::Certificate::from_file(data_path("platform_rsa_cert.pem"));
  ASSERT_TRUE(certificate.has_value());
  const std::string message = envelope.signature.timestamp + "\n" + envelope.signature.nonce +
                              "\n" + envelope.body + "\n";
  crypto::Verifier verifier;
  EXPECT_TRUE(
      verifier.verify_base64(certificate->public_key(), message, envelope.signature.signature));
  EXPECT_FALSE(verifier.verify_base64(certificate->public_key(), message + "x",
                                      envelope.signature.signature));

  // ...and as a merchant SDK checks the headers.
  wechatpay::PlatformKeys keys;
  keys.add(*certificate);
  const wechatpay::SignedHeaders headers{envelope.signature.timestamp, envelope.signature.nonce,
                                         envelope.signature.signature, envelope.serial,
                                         envelope.signature.signature_type};
  wechatpay::ResponseVerifier response_verifier;
  EXPECT_EQ(response_verifier.verify(headers, envelope.body, keys, kNow),
            wechatpay::Verification::kOk);
  EXPECT_EQ(response_verifier.verify(headers, envelope.body + " ", keys, kNow),
            wechatpay::Verification::kBadSignature);
}

TEST_F(EnvelopeTest, EachBuildUsesFreshNonces) {
  const auto r = record();
  const auto first = build(r);
  const auto second = build(r);
  wechatpay::Notification a, b;
  ASSERT_EQ(wechatpay::parse_notification(first.body, a), wechatpay::NotificationError::kNone);
  ASSERT_EQ(wechatpay::parse_notification(second.body, b), wechatpay::NotificationError::kNone);
  EXPECT_EQ(a.id, b.id);
  EXPECT_NE(a.resource.nonce, b.resource.nonce);
  EXPECT_NE(a.resource.ciphertext, b.resource.ciphertext);
  EXPECT_NE(first.signature.nonce, second.signature.nonce);
}

TEST_F(EnvelopeTest, UnknownMerchantIsRefusedByName) {
  auto r = record();
  r.event.mchid = "1900000001";
  SignedEnvelope out;
  std::string reason;
  EXPECT_FALSE(builder_.build(r, credentials_, kNow, out, reason));
  EXPECT_THAT(reason, HasSubstr("1900000001"));
}

TEST_F(EnvelopeTest, NoPlatformKeyIsRefused) {
  const auto without = credentials(false);
  SignedEnvelope out;
  std::string reason;
  EXPECT_FALSE(builder_.build(record(), without, kNow, out, reason));
  EXPECT_FALSE(reason.empty());
}

}  // namespace
}  // namespace paygate::notify
