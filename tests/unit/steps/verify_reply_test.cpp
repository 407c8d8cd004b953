// VerifyReply on replies parsed as the forwarder parses them: a reply signed by a trusted
// platform key passes; a tampered body, an unknown serial, an old timestamp, a missing or
// doubled signature field are refused with their reason and counted; an error answer with no
// signature at all passes, as the SDKs let it.
#include "steps/verify_reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "crypto/certificate.h"
#include "http/parser.h"
#include "support/step_fixture.h"
#include "support/test_keys.h"
#include "wechatpay/server.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Stands for Forward: reads `reply` as the upstream's answer, runs the check on it and answers
// 200 with the reply's body, or 502 with the check's reason.
class CannedUpstream final : public RequestStep {
 public:
  explicit CannedUpstream(ReplyCheck& check) : check_(check) {}
  std::string reply;
  std::string refused;
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    std::string& body = ex.scratch().body;
    body.clear();
    http::ResponseParser parser(ex.scratch().response_head, body, 1 << 20, false);
    boost::beast::error_code ec;
    std::string_view rest = reply;  // the head, then the body: one feed each
    while (!rest.empty() && !ec) rest.remove_prefix(parser.feed(rest, ec));
    EXPECT_FALSE(ec) << ec.message();
    const int status = ex.scratch().response_head.status;
    refused = std::string(check_.check(ex, context, status, body));
    if (refused.empty()) {
      co_await answer(ex, context, status, "application/json", body);
    } else {
      co_await answer_error(ex, context, core::ErrorKind::kBadGateway, refused);
    }
    co_return Next::kAnswered;
  }

 private:
  ReplyCheck& check_;
};

class VerifyReplyTest : public test_support::StepFixture {
 protected:
  VerifyReplyTest() {
    auto certificate = crypto::Certificate::from_file(test::data_path("platform_rsa_cert.pem"));
    serial_ = certificate->serial_hex();
    auto keys = std::make_shared<TrustedKeys>();
    keys->keys.add(*certificate);
    trust_.publish(std::move(keys));
    key_ = *crypto::PrivateKey::from_file(test::data_path("platform_rsa_key.pem"));
    open({&upstream_});
  }

  // An answer signed over `signed_body` at `now` (+ `age`), sent with `body`.
  std::string reply(int status, std::string_view body, std::string_view signed_body,
                    std::string serial, std::chrono::seconds age = {},
                    std::string_view extra = {}) {
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) - age;
    wechatpay::ResponseSignature signature;
    EXPECT_TRUE(signer_.sign(key_, signed_body, now, signature));
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nWechatpay-Timestamp: " + signature.timestamp +
           "\r\nWechatpay-Nonce: " + signature.nonce +
           "\r\nWechatpay-Signature: " + signature.signature + "\r\nWechatpay-Serial: " + serial +
           "\r\n" + std::string(extra) + "\r\n" + std::string(body);
  }
  std::string call(std::string upstream_reply) {
    upstream_.reply = std::move(upstream_reply);
    return send("GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: gw\r\n\r\n");
  }
  double counted_result(std::string result) {
    return counted(names_.egress_reply_verifications, {result});
  }

  PlatformTrust trust_;
  std::string serial_;
  crypto::PrivateKey key_;
  wechatpay::ResponseSigner signer_;
  wechatpay::ResponseVerifier verifier_;
  VerifyReply check_{trust_, std::chrono::seconds{300}, verifier_, metrics_};
  CannedUpstream upstream_{check_};
};

TEST_F(VerifyReplyTest, ASignedReplyPasses) {
  const std::string answer = call(reply(200, R"({"ok":1})", R"({"ok":1})", serial_));
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(upstream_.refused, IsEmpty());
  EXPECT_EQ(counted_result("ok"), 1);
}

TEST_F(VerifyReplyTest, EachFaultIsRefusedWithItsReason) {
  EXPECT_THAT(call(reply(200, R"({"ok":2})", R"({"ok":1})", serial_)),
              ::testing::StartsWith("HTTP/1.1 502"));
  EXPECT_THAT(upstream_.refused, HasSubstr("sign not match"));
  EXPECT_EQ(counted_result("bad_signature"), 1);
  EXPECT_FALSE(trust_.take_refresh_ask());
  call(reply(200, "{}", "{}", "0123456789ABCDEF"));
  EXPECT_THAT(upstream_.refused, HasSubstr("no key for this serial"));
  EXPECT_EQ(counted_result("unknown_serial"), 1);
  EXPECT_TRUE(trust_.take_refresh_ask());  // the platform may have rotated: download again
  call(reply(200, "{}", "{}", serial_, std::chrono::seconds{400}));
  EXPECT_EQ(counted_result("clock_skew"), 1);
  call("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(counted_result("missing_header"), 1);
  call(reply(200, "{}", "{}", serial_, {}, "wechatpay-serial: " + serial_ + "\r\n"));
  EXPECT_THAT(upstream_.refused, HasSubstr("twice"));
  EXPECT_EQ(counted_result("ambiguous_signature"), 1);
  EXPECT_EQ(counted_result("ok"), 0);
}

TEST_F(VerifyReplyTest, KeysPublishedLaterAreUsedAtOnce) {
  auto other = test::generate_identity("platform-2");
  ASSERT_TRUE(other);
  const std::string other_serial = other->certificate.serial_hex();
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  wechatpay::ResponseSignature signature;
  ASSERT_TRUE(signer_.sign(other->key, "{}", now, signature));
  const std::string signed_by_other =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nWechatpay-Timestamp: " + signature.timestamp +
      "\r\nWechatpay-Nonce: " + signature.nonce +
      "\r\nWechatpay-Signature: " + signature.signature + "\r\nWechatpay-Serial: " + other_serial +
      "\r\n\r\n{}";
  EXPECT_THAT(call(signed_by_other), ::testing::StartsWith("HTTP/1.1 502"));
  auto keys = std::make_shared<TrustedKeys>(*trust_.keys());
  keys->keys.add(other->certificate);
  trust_.publish(std::move(keys));
  EXPECT_THAT(call(signed_by_other), ::testing::StartsWith("HTTP/1.1 200"));
}

TEST_F(VerifyReplyTest, AnUnsignedErrorPassesButASignedOneIsChecked) {
  EXPECT_THAT(call("HTTP/1.1 429 X\r\nContent-Length: 2\r\n\r\n{}"),
              ::testing::StartsWith("HTTP/1.1 429"));
  EXPECT_EQ(counted_result("unsigned_error"), 1);
  EXPECT_THAT(call(reply(400, R"({"code":"X"})", R"({"code":"Y"})", serial_)),
              ::testing::StartsWith("HTTP/1.1 502"));
  EXPECT_EQ(counted_result("bad_signature"), 1);
}

}  // namespace
}  // namespace paygate::steps
