// MerchantAuth with keys generated in memory: every check of the verify step, in its order.
#include "steps/merchant_auth.h"

#include <gtest/gtest.h>

#include "support/test_keys.h"
#include "wechatpay/client.h"

namespace paygate::steps {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kMchid = "1230000109";

crypto::GeneratedIdentity identity(std::string_view name) {
  auto made = test::generate_identity(name);
  EXPECT_TRUE(made.has_value());
  return *made;
}

class MerchantAuthTest : public ::testing::Test {
 protected:
  MerchantAuthTest() : merchant_(identity(kMchid)) { rebuild(300s, {}); }

  void rebuild(std::chrono::seconds skew, std::vector<std::string> allowed_routes) {
    credentials::MerchantCredentials m{
        std::string(kMchid),
        *crypto::ApiV3Key::from_text("0123456789abcdefghijABCDEFGHIJ_+", "test"),
        {{merchant_.certificate.serial_hex(), merchant_.certificate.public_key()}},
        std::move(allowed_routes),
        {}};
    std::vector<credentials::MerchantCredentials> merchants;
    merchants.push_back(std::move(m));
    credentials_ = std::make_unique<credentials::Credentials>(
        std::move(merchants), std::vector<credentials::PlatformIdentity>{}, skew, 1024);
  }

  std::string sign(std::string_view method, std::string_view url, std::string_view body,
                   std::chrono::sys_seconds at, std::string_view nonce = "nonce0001",
                   std::string_view mchid = kMchid, std::string_view serial = {}) {
    wechatpay::RequestSigner signer;
    std::string out;
    const std::string own_serial = merchant_.certificate.serial_hex();
    wechatpay::MerchantCredentials who{mchid, serial.empty() ? own_serial : serial,
                                       &merchant_.key};
    EXPECT_TRUE(signer.sign_with_nonce(who, {method, url, body}, at, nonce, out));
    return out;
  }

  AuthResult check(std::string_view authorization, std::string_view method, std::string_view url,
                   std::string_view body, std::string_view route = "orders") {
    return auth_.check({authorization, method, url, body}, *credentials_, route, now_);
  }

  crypto::GeneratedIdentity merchant_;
  std::unique_ptr<credentials::Credentials> credentials_;
  admission::ReplayGuard guard_{1024, 300s};
  MerchantAuth auth_{guard_};
  std::chrono::sys_seconds now_ =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
};

TEST_F(MerchantAuthTest, AcceptsAValidSignatureOnceAndRefusesTheReplay) {
  const std::string auth = sign("POST", "/v3/pay?x=1", "{}", now_);
  const AuthResult first = check(auth, "POST", "/v3/pay?x=1", "{}");
  ASSERT_TRUE(first.ok()) << first.message;
  EXPECT_EQ(first.merchant->mchid, kMchid);
  EXPECT_EQ(check(auth, "POST", "/v3/pay?x=1", "{}").failure, AuthFailure::kReplay);
}

TEST_F(MerchantAuthTest, AReleasedNonceMayBeUsedAgain) {
  const std::string auth = sign("POST", "/v3/pay", "{}", now_);
  AuthResult first = check(auth, "POST", "/v3/pay", "{}");
  ASSERT_TRUE(first.ok()) << first.message;
  first.nonce.release();  // a later step refused the request
  EXPECT_TRUE(check(auth, "POST", "/v3/pay", "{}").ok());
  EXPECT_EQ(check(auth, "POST", "/v3/pay", "{}").failure, AuthFailure::kReplay);
}

TEST_F(MerchantAuthTest, AMerchantOverItsNonceQuotaIsRefused) {
  admission::ReplayGuard guard(1024, 300s, 1);
  MerchantAuth auth(guard);
  const auto run = [&](std::string_view nonce) {
    const std::string header = sign("GET", "/v3/a", "", now_, nonce);
    return auth.check({header, "GET", "/v3/a", ""}, *credentials_, "orders", now_);
  };
  EXPECT_TRUE(run("nonce0001").ok());
  const AuthResult over = run("nonce0002");
  EXPECT_EQ(over.failure, AuthFailure::kNonceQuota);
  EXPECT_EQ(reason_label(over.failure), "nonce_quota");
}

TEST_F(MerchantAuthTest, ABadSignatureDoesNotUseUpTheNonce) {
  const std::string auth = sign("POST", "/v3/pay", "{}", now_);
  EXPECT_EQ(check(auth, "POST", "/v3/pay", "{ }").failure, AuthFailure::kBadSignature);
  EXPECT_EQ(check(auth, "GET", "/v3/pay", "{}").failure, AuthFailure::kBadSignature);
  EXPECT_EQ(check(auth, "POST", "/v3/pay?", "{}").failure, AuthFailure::kBadSignature);
  EXPECT_TRUE(check(auth, "POST", "/v3/pay", "{}").ok());
}

TEST_F(MerchantAuthTest, MissingOrMalformedHeader) {
  EXPECT_EQ(check("", "GET", "/v3/a", "").failure, AuthFailure::kMissingAuthorization);
  EXPECT_EQ(check("WECHATPAY2-SHA256-RSA2048 mchid=1", "GET", "/v3/a", "").failure,
            AuthFailure::kMalformedAuthorization);
  EXPECT_EQ(check("Basic eDp5", "GET", "/v3/a", "").failure, AuthFailure::kMalformedAuthorization);
}

TEST_F(MerchantAuthTest, UnknownMerchantAndUnknownSerial) {
  EXPECT_EQ(check(sign("GET", "/v3/a", "", now_, "n1", "1999999999"), "GET", "/v3/a", "").failure,
            AuthFailure::kUnknownMerchant);
  EXPECT_EQ(check(sign("GET", "/v3/a", "", now_, "n2", kMchid, "0123ABCD"), "GET", "/v3/a", "")
                .failure,
            AuthFailure::kUnknownSerial);
}

TEST_F(MerchantAuthTest, RouteAllowList) {
  rebuild(300s, {"orders"});
  EXPECT_TRUE(check(sign("GET", "/v3/a", "", now_, "n1"), "GET", "/v3/a", "", "orders").ok());
  EXPECT_EQ(check(sign("GET", "/v3/a", "", now_, "n2"), "GET", "/v3/a", "", "refunds").failure,
            AuthFailure::kRouteNotAllowed);
  // The gateway's own endpoints (no route name) are open to every verified merchant.
  EXPECT_TRUE(check(sign("GET", "/v3/a", "", now_, "n3"), "GET", "/v3/a", "", "").ok());
}

TEST_F(MerchantAuthTest, TheConfiguredSkewWindowApplies) {
  const std::string old = sign("GET", "/v3/a", "", now_ - 100s, "n1");
  EXPECT_TRUE(check(old, "GET", "/v3/a", "").ok());  // inside the default 300 s
  rebuild(60s, {});
  const std::string older = sign("GET", "/v3/a", "", now_ - 100s, "n2");
  EXPECT_EQ(check(older, "GET", "/v3/a", "").failure, AuthFailure::kClockSkew);
  const std::string future = sign("GET", "/v3/a", "", now_ + 61s, "n3");
  EXPECT_EQ(check(future, "GET", "/v3/a", "").failure, AuthFailure::kClockSkew);
}

TEST_F(MerchantAuthTest, EveryFailureHasAMetricLabel) {
  for (int f = 0; f <= static_cast<int>(AuthFailure::kNonceQuota); ++f) {
    EXPECT_NE(reason_label(static_cast<AuthFailure>(f)), "unknown") << f;
  }
}

}  // namespace
}  // namespace paygate::steps
