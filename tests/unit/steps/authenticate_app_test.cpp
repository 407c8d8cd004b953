// AuthenticateApp and MerchantSigning behind the in-memory server connection: an app is known by
// its bearer token, or by the verified client certificate of its connection (which another
// app's token may not contradict); it signs as its first identity, or as the one X-Pay-Mchid
// names when it may; every refusal is counted with its reason; and each try gets an
// Authorization of its own (fresh nonce) that verifies against the merchant's certificate.
#include "steps/authenticate_app.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "crypto/certificate.h"
#include "support/step_fixture.h"
#include "support/temp_dir.h"
#include "support/test_keys.h"
#include "wechatpay/authorization.h"
#include "wechatpay/server.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kMerchantSerial = "4A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";
constexpr std::string_view kOrders = "spiffe://pay.example/ns/shop/sa/orders";

// Notes the identity the request is signed as, and signs a try of it twice.
class SeesSigning final : public RequestStep {
 public:
  std::optional<std::string> mchid;
  std::string app;
  std::string first, second;  // two tries' Authorization lines
  asio::awaitable<Next> on_request(http::Exchange&, RequestContext& context) override {
    if (context.signing.active()) mchid = context.signing.identity()->mchid;
    if (context.app) app = context.app->name;
    if (context.signing.active()) {
      EXPECT_TRUE(context.signing.sign("POST", "/v3/pay/transactions/jsapi", "{}", first));
      EXPECT_TRUE(context.signing.sign("POST", "/v3/pay/transactions/jsapi", "{}", second));
    }
    co_return Next::kContinue;
  }
};

class AuthenticateAppTest : public test_support::StepFixture {
 protected:
  AuthenticateAppTest() {
    credentials::MerchantRoleSettings s;
    for (const char* mchid : {"1900000001", "1900000002"}) {
      s.identities.push_back(
          {mchid, std::string(kMerchantSerial), test::data_path("merchant_rsa_key.pem"),
           dir_.write(std::string("apiv3-") + mchid, "0123456789abcdefghijABCDEFGHIJ_+"), ""});
    }
    s.platform_keys = {{"", test::data_path("platform_rsa_cert.pem"), ""}};
    s.apps.push_back(
        {"checkout", crypto::SecretBuffer("secret-1"), {"1900000001", "1900000002"}, ""});
    s.apps.push_back({"reports", crypto::SecretBuffer("secret-2"), {"1900000002"}, ""});
    s.apps.push_back({"orders", crypto::SecretBuffer(), {"1900000002"}, std::string(kOrders)});
    credentials::CredentialReport report;
    role_ = credentials::load_merchant_role(
        s, std::chrono::sys_days{std::chrono::year{2030} / 1 / 1}, report);
    EXPECT_TRUE(report.errors.empty());
    step_.emplace(*role_, signer_, metrics_);
    open({&*step_, &sees_});
  }

  ~AuthenticateAppTest() override { http::in_memory_client_names() = tls::ClientNames(); }

  // From now on, requests come on a connection whose client presented a certificate with
  // `names`, verified by the listener.
  void connect_with_certificate(std::initializer_list<std::string_view> names) {
    http::in_memory_client_names() = tls::ClientNames(names);
    open({&*step_, &sees_});
  }

  static std::string request(std::string_view fields) {
    return "POST /v3/pay/transactions/jsapi HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n" +
           std::string(fields) + "\r\n{}";
  }
  double refused(std::string reason) { return counted(names_.egress_app_refusals, {reason}); }

  test::TempDir dir_;
  std::shared_ptr<const credentials::MerchantRole> role_;
  wechatpay::RequestSigner signer_;
  std::optional<AuthenticateApp> step_;
  SeesSigning sees_;
};

TEST_F(AuthenticateAppTest, AnAppSignsAsItsFirstIdentity) {
  EXPECT_THAT(send(request("Authorization: Bearer secret-1\r\n")), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(sees_.mchid, "1900000001");
  EXPECT_EQ(sees_.app, "checkout");
}

TEST_F(AuthenticateAppTest, XPayMchidPicksAnIdentityTheAppMayUse) {
  EXPECT_THAT(send(request("Authorization: Bearer secret-1\r\nX-Pay-Mchid: 1900000002\r\n")),
              StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(sees_.mchid, "1900000002");
  const std::string answer =
      send(request("Authorization: Bearer secret-2\r\nx-pay-mchid: 1900000001\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 403"));
  EXPECT_THAT(answer, HasSubstr("app 'reports' may not sign as mchid '1900000001'"));
  EXPECT_EQ(refused("identity_not_allowed"), 1);
  EXPECT_THAT(send(request("Authorization: Bearer secret-1\r\nX-Pay-Mchid: 1900000001\r\n"
                           "X-Pay-Mchid: 1900000002\r\n")),
              StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(refused("ambiguous_mchid"), 1);
  EXPECT_EQ(served_.count(), 1);
}

TEST_F(AuthenticateAppTest, NoTokenOrAnUnknownOneIs401) {
  EXPECT_THAT(send(request("")), StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(send(request("Authorization: Basic c2VjcmV0LTE=\r\n")), StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(refused("missing_token"), 2);
  EXPECT_THAT(send(request("Authorization: Bearer secret-3\r\n")), StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(send(request("Authorization: Bearer secret-1x\r\n")), StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(refused("unknown_app"), 2);
  EXPECT_EQ(served_.count(), 0);
  EXPECT_FALSE(sees_.mchid);
}

TEST_F(AuthenticateAppTest, AnAppsCertificateIsThatAppWithoutAToken) {
  connect_with_certificate({"orders.shop.internal", kOrders});
  EXPECT_THAT(send(request("")), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(sees_.app, "orders");
  EXPECT_EQ(sees_.mchid, "1900000002");
  // An Authorization that is no bearer token says nothing about the app.
  EXPECT_THAT(send(request("Authorization: Basic c2VjcmV0LTE=\r\n")), StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(send(request("X-Pay-Mchid: 1900000001\r\n")), StartsWith("HTTP/1.1 403"));
  EXPECT_EQ(refused("identity_not_allowed"), 1);
  EXPECT_EQ(served_.count(), 2);
}

TEST_F(AuthenticateAppTest, AnAppsCertificateWithAnotherTokenIsAmbiguous) {
  connect_with_certificate({kOrders});
  const std::string answer = send(request("Authorization: Bearer secret-1\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(answer, HasSubstr("SIGN_ERROR"));
  EXPECT_THAT(send(request("Authorization: Bearer nobody\r\n")), StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(refused("ambiguous_app"), 2);
  EXPECT_EQ(refused("unknown_app"), 0);
  EXPECT_EQ(served_.count(), 0);
  EXPECT_FALSE(sees_.mchid);
}

TEST_F(AuthenticateAppTest, ACertificateOfNoAppLeavesTheTokenToDecide) {
  connect_with_certificate({"spiffe://pay.example/ns/shop/sa/stranger"});
  EXPECT_THAT(send(request("")), StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(refused("missing_token"), 1);
  EXPECT_THAT(send(request("Authorization: Bearer secret-2\r\n")), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(sees_.app, "reports");
}

// The certificate app has no token: an empty one must not find it on a connection without it.
TEST_F(AuthenticateAppTest, NoTokenIsACertificateAppsToken) {
  EXPECT_EQ(role_->app_with_token(""), nullptr);
  EXPECT_THAT(send(request("Authorization: Bearer \r\n")), StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(served_.count(), 0);
}

TEST_F(AuthenticateAppTest, EachTryIsSignedAfreshAndVerifies) {
  ASSERT_THAT(send(request("Authorization: Bearer secret-1\r\n")), StartsWith("HTTP/1.1 200"));
  const auto certificate = crypto::Certificate::from_file(test::data_path("merchant_rsa_cert.pem"));
  ASSERT_TRUE(certificate);
  wechatpay::RequestVerifier verifier;
  std::string nonces[2];
  int i = 0;
  for (const std::string* line : {&sees_.first, &sees_.second}) {
    ASSERT_THAT(*line, StartsWith("Authorization: WECHATPAY2-SHA256-RSA2048 "));
    const std::string value = line->substr(15, line->size() - 17);  // without the CRLF
    wechatpay::Authorization parsed;
    ASSERT_TRUE(wechatpay::parse_authorization(value, parsed).ok()) << value;
    EXPECT_EQ(parsed.mchid, "1900000001");
    EXPECT_EQ(parsed.serial_no, kMerchantSerial);
    nonces[i++] = std::string(parsed.nonce_str);
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    EXPECT_EQ(verifier.verify(parsed, {"POST", "/v3/pay/transactions/jsapi", "{}"},
                              certificate->public_key(), now),
              wechatpay::Verification::kOk);
  }
  EXPECT_NE(nonces[0], nonces[1]);
}

}  // namespace
}  // namespace paygate::steps
