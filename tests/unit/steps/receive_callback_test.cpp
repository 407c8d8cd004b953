// ReceiveCallback behind the in-memory server connection: a callback signed by a trusted platform
// key is opened with the APIv3 key of the identity it was sealed for, kept in the outbox (an
// in-memory stand-in here; the SQLite outbox is exercised by test_merchant_role) and answered 200
// with no body; a repeat is acknowledged again; a SIGNTEST probe, a bad signature, an unknown
// serial, a resource no key opens and an outbox that cannot keep it are refused with
// {"code":"FAIL"} and the status that makes the platform retry, and nothing is kept.
#include "steps/receive_callback.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "support/step_fixture.h"
#include "support/temp_dir.h"
#include "support/test_keys.h"
#include "wechatpay/headers.h"
#include "wechatpay/server.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr std::string_view kMerchantSerial = "4A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";
constexpr std::string_view kKeyOne = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr std::string_view kKeyTwo = "ZYXWVUTSRQPONMLKJIHGFEDCBA987654";

// Keeps callbacks in memory and answers what `next` says.
class MemoryOutbox final : public CallbackOutbox {
 public:
  struct Kept {
    std::string mchid, event_id, event_type, body;
  };
  std::vector<Kept> kept;
  steps::Kept next = steps::Kept::kNew;

  asio::awaitable<steps::Kept> keep(const ReceivedCallback& callback) override {
    if (next == steps::Kept::kNew) {
      kept.push_back({std::string(callback.mchid), std::string(callback.event_id),
                      std::string(callback.event_type), std::string(callback.body)});
    }
    co_return next;
  }
};

class ReceiveCallbackTest : public test_support::StepFixture {
 protected:
  ReceiveCallbackTest() {
    credentials::MerchantRoleSettings s;
    s.identities.push_back({"1900000001", std::string(kMerchantSerial),
                            test::data_path("merchant_rsa_key.pem"),
                            dir_.write("apiv3-1", std::string(kKeyOne)), ""});
    s.identities.push_back({"1900000002", std::string(kMerchantSerial),
                            test::data_path("merchant_rsa_key.pem"),
                            dir_.write("apiv3-2", std::string(kKeyTwo)), ""});
    s.platform_keys = {{"", test::data_path("platform_rsa_cert.pem"), ""}};
    credentials::CredentialReport report;
    role_ = credentials::load_merchant_role(
        s, std::chrono::sys_days{std::chrono::year{2030} / 1 / 1}, report);
    EXPECT_TRUE(report.errors.empty()) << report.errors.front().message;
    auto certificate = crypto::Certificate::from_file(test::data_path("platform_rsa_cert.pem"));
    serial_ = certificate->serial_hex();
    auto keys = std::make_shared<TrustedKeys>();
    keys->keys.add(*certificate);
    trust_.publish(std::move(keys));
    key_ = *crypto::PrivateKey::from_file(test::data_path("platform_rsa_key.pem"));
    step_.emplace(*role_, trust_, verifier_, &outbox_, metrics_);
    open({&*step_});
  }

  // The envelope of event `id`, its resource sealed under `apiv3_key`.
  std::string envelope(std::string_view id, std::string_view apiv3_key) {
    const wechatpay::NotificationEvent event{
        .id = id,
        .create_time =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()),
        .event_type = "TRANSACTION.SUCCESS",
        .summary = "paid",
        .original_type = "transaction",
        .plaintext = R"({"out_trade_no":"T1","trade_state":"SUCCESS"})",
    };
    std::string body;
    EXPECT_TRUE(wechatpay::build_notification(
        event, *crypto::ApiV3Key::from_text(apiv3_key, "test"), aead_, body));
    return body;
  }
  // POSTs `body` signed by the platform key (or with `signature` in place of the real one).
  std::string post(std::string_view body, std::string serial = {},
                   std::string_view signature = {}) {
    wechatpay::ResponseSignature s;
    EXPECT_TRUE(signer_.sign(
        key_, body,
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()), s));
    return send("POST /notify HTTP/1.1\r\nHost: merchant\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nWechatpay-Timestamp: " + s.timestamp +
                "\r\nWechatpay-Nonce: " + s.nonce + "\r\nWechatpay-Signature: " +
                std::string(signature.empty() ? std::string_view(s.signature) : signature) +
                "\r\nWechatpay-Serial: " + (serial.empty() ? serial_ : serial) + "\r\n\r\n" +
                std::string(body));
  }
  double counted_result(std::string result) { return counted(names_.callbacks_received, {result}); }

  test::TempDir dir_;
  std::shared_ptr<const credentials::MerchantRole> role_;
  PlatformTrust trust_;
  std::string serial_;
  crypto::PrivateKey key_;
  crypto::Aead aead_;
  wechatpay::ResponseSigner signer_;
  wechatpay::ResponseVerifier verifier_;
  MemoryOutbox outbox_;
  std::optional<ReceiveCallback> step_;
};

TEST_F(ReceiveCallbackTest, AVerifiedCallbackIsKeptForTheIdentityWhoseKeyOpensIt) {
  const std::string answer = post(envelope("EV-1", kKeyTwo));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(answer, HasSubstr("Content-Length: 0\r\n"));
  ASSERT_EQ(outbox_.kept.size(), 1u);
  EXPECT_EQ(outbox_.kept[0].mchid, "1900000002");
  EXPECT_EQ(outbox_.kept[0].event_id, "EV-1");
  EXPECT_EQ(outbox_.kept[0].event_type, "TRANSACTION.SUCCESS");
  const auto forwarded = boost::json::parse(outbox_.kept[0].body).as_object();
  EXPECT_EQ(forwarded.at("id").as_string(), "EV-1");
  EXPECT_EQ(forwarded.at("mchid").as_string(), "1900000002");
  EXPECT_EQ(forwarded.at("original_type").as_string(), "transaction");
  EXPECT_EQ(forwarded.at("resource").at("out_trade_no").as_string(), "T1");
  EXPECT_EQ(counted_result("stored"), 1);

  outbox_.next = Kept::kRepeat;
  EXPECT_THAT(post(envelope("EV-1", kKeyTwo)), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(outbox_.kept.size(), 1u);
  EXPECT_EQ(counted_result("duplicate"), 1);
}

TEST_F(ReceiveCallbackTest, ProbesAndBadSignaturesAreRefusedSoThePlatformRetries) {
  const std::string body = envelope("EV-2", kKeyOne);
  std::string answer = post(body, {}, std::string(wechatpay::kSignTestPrefix) + "abc");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(answer, HasSubstr(R"("code":"FAIL")"));
  EXPECT_EQ(counted_result("sign_test_probe"), 1);

  // A body other than the one signed.
  std::string tampered = body;
  tampered[tampered.find("EV-2") + 3] = '3';
  wechatpay::ResponseSignature s;
  EXPECT_TRUE(signer_.sign(
      key_, body,
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()), s));
  answer = post(tampered, {}, s.signature);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(counted_result("bad_signature"), 1);

  EXPECT_THAT(post(body, "0123456789ABCDEF"), StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(counted_result("unknown_serial"), 1);
  EXPECT_TRUE(trust_.take_refresh_ask());
  EXPECT_THAT(outbox_.kept, IsEmpty());
}

TEST_F(ReceiveCallbackTest, WhatCannotBeOpenedOrKeptIsNotAcknowledged) {
  std::string answer = post(envelope("EV-4", "00000000000000000000000000000000"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 500"));
  EXPECT_THAT(answer, HasSubstr("no configured APIv3 key"));
  EXPECT_EQ(counted_result("undecryptable"), 1);
  EXPECT_THAT(post(R"({"id":"EV-5"})"), StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(counted_result("malformed"), 1);
  outbox_.next = Kept::kFull;
  answer = post(envelope("EV-6", kKeyOne));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(answer, EndsWith(R"({"code":"FAIL","message":"the callbacks outbox is full"})"));
  outbox_.next = Kept::kFailed;
  EXPECT_THAT(post(envelope("EV-7", kKeyOne)), StartsWith("HTTP/1.1 500"));
  EXPECT_EQ(counted_result("store_full") + counted_result("store_error"), 2);
  EXPECT_THAT(outbox_.kept, IsEmpty());
}

}  // namespace
}  // namespace paygate::steps
