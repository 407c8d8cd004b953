// MerchantAuth with keys generated in memory: every check of the verify step, in its order.
#include "steps/merchant_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

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

  // `not_after`: when the merchant's certificate expires, as loading cached it (zero: never).
  void rebuild(std::chrono::seconds skew, std::vector<std::string> allowed_routes,
               std::chrono::sys_seconds not_after = {}) {
    credentials::MerchantCredentials m{
        std::string(kMchid),
        *crypto::ApiV3Key::from_text("0123456789abcdefghijABCDEFGHIJ_+", "test"),
        {{merchant_.certificate.serial_hex(), merchant_.certificate.public_key(), not_after}},
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

// Verifying the first of several and forwarding them all would let a backend read the other.
TEST_F(MerchantAuthTest, ARepeatedAuthorizationIsRefusedEvenIfTheFirstVerifies) {
  const std::string auth = sign("GET", "/v3/a", "", now_);
  const AuthResult repeated =
      auth_.check({auth, "GET", "/v3/a", "", true}, *credentials_, "orders", now_);
  EXPECT_EQ(repeated.failure, AuthFailure::kDuplicateAuthorization);
  EXPECT_EQ(repeated.message, "more than one Authorization header");
  EXPECT_TRUE(check(auth, "GET", "/v3/a", "").ok());  // the refusal did not use up the nonce
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

// Until the caller proves it holds the key, every failure that depends on the configuration
// reads the same: a prober cannot tell a known mchid, serial or allowed route from an unknown one.
TEST_F(MerchantAuthTest, AnUnverifiedCallerLearnsNothingAboutTheMerchants) {
  rebuild(300s, {"orders"});
  std::string wrong_scheme = sign("GET", "/v3/a", "", now_, "n5");
  wrong_scheme.replace(0, wrong_scheme.find(' '), "WECHATPAY2-SM2-WITH-SM3");
  const std::vector<std::pair<AuthResult, AuthFailure>> cases = {
      {check(sign("GET", "/v3/a", "", now_, "n1", "1999999999"), "GET", "/v3/a", ""),
       AuthFailure::kUnknownMerchant},
      {check(sign("GET", "/v3/a", "", now_, "n2", kMchid, "0123ABCD"), "GET", "/v3/a", ""),
       AuthFailure::kUnknownSerial},
      {check(sign("GET", "/v3/a", "", now_, "n3"), "GET", "/v3/a", "", "refunds"),
       AuthFailure::kRouteNotAllowed},
      {check(sign("GET", "/v3/a", "", now_, "n4"), "GET", "/v3/b", ""), AuthFailure::kBadSignature},
      {check(wrong_scheme, "GET", "/v3/a", ""), AuthFailure::kSchemeMismatch},
  };
  for (const auto& [result, failure] : cases) {
    EXPECT_EQ(result.failure, failure) << reason_label(failure);
    EXPECT_EQ(result.message, kNotVerifiedMessage) << reason_label(failure);
  }
}

// Nor does the time it takes: each refusal checks one signature, against a decoy key when the
// request names no key of its scheme, as a bad signature does. Counted rather than timed.
TEST_F(MerchantAuthTest, EveryRefusalOfAnUnverifiedCallerChecksOneSignature) {
  rebuild(300s, {"orders"});
  std::string wrong_scheme = sign("GET", "/v3/a", "", now_, "n5");
  wrong_scheme.replace(0, wrong_scheme.find(' '), "WECHATPAY2-SM2-WITH-SM3");
  const std::vector<std::pair<std::string, AuthFailure>> cases = {
      {sign("GET", "/v3/a", "", now_, "n1", "1999999999"), AuthFailure::kUnknownMerchant},
      {sign("GET", "/v3/a", "", now_, "n2", kMchid, "0123ABCD"), AuthFailure::kUnknownSerial},
      {sign("GET", "/v3/b", "", now_, "n4"), AuthFailure::kBadSignature},
      {wrong_scheme, AuthFailure::kSchemeMismatch},
  };
  for (const auto& [header, failure] : cases) {
    const std::uint64_t before = auth_.signatures_checked();
    EXPECT_EQ(check(header, "GET", "/v3/a", "").failure, failure) << reason_label(failure);
    EXPECT_EQ(auth_.signatures_checked(), before + 1) << reason_label(failure);
  }
  const std::uint64_t before = auth_.signatures_checked();
  EXPECT_EQ(check(sign("GET", "/v3/a", "", now_, "n3"), "GET", "/v3/a", "", "refunds").failure,
            AuthFailure::kRouteNotAllowed);
  EXPECT_EQ(auth_.signatures_checked(), before + 1) << "route_not_allowed";
}

// The clock skew is judged before the merchant is looked up: its precise message must not depend
// on whether the mchid exists.
TEST_F(MerchantAuthTest, ClockSkewIsJudgedBeforeTheMerchant) {
  const auto stale = now_ - 400s;
  const AuthResult unknown =
      check(sign("GET", "/v3/a", "", stale, "n1", "1999999999"), "GET", "/v3/a", "");
  const AuthResult known = check(sign("GET", "/v3/a", "", stale, "n2"), "GET", "/v3/a", "");
  EXPECT_EQ(unknown.failure, AuthFailure::kClockSkew);
  EXPECT_EQ(known.failure, AuthFailure::kClockSkew);
  EXPECT_EQ(unknown.message, known.message);
  EXPECT_NE(unknown.message, kNotVerifiedMessage);
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

// Loading refuses an expired certificate, but a running snapshot outlives its not_after.
TEST_F(MerchantAuthTest, ACertificateStopsVerifyingAtItsNotAfter) {
  rebuild(300s, {}, now_);
  EXPECT_TRUE(check(sign("GET", "/v3/a", "", now_, "n1"), "GET", "/v3/a", "").ok());
  now_ += 1s;
  const std::string auth = sign("GET", "/v3/a", "", now_, "n2");
  const AuthResult expired = check(auth, "GET", "/v3/a", "");
  EXPECT_EQ(expired.failure, AuthFailure::kCertificateExpired);
  EXPECT_EQ(expired.message, "the merchant certificate has expired");
  EXPECT_EQ(reason_label(expired.failure), "certificate_expired");
  // Only a caller holding the key learns of the expiry; anyone else learns nothing.
  EXPECT_EQ(check(auth, "GET", "/v3/b", "").message, kNotVerifiedMessage);
}

// The metric counts every refusal; the process log says it once per certificate.
TEST_F(MerchantAuthTest, AnExpiredCertificateIsLoggedOnce) {
  std::ostringstream lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("merchant_auth_test", sink));
  rebuild(300s, {}, now_ - 10s);
  for (const char* nonce : {"n1", "n2", "n3"}) {
    EXPECT_EQ(check(sign("GET", "/v3/a", "", now_, nonce), "GET", "/v3/a", "").failure,
              AuthFailure::kCertificateExpired);
  }
  spdlog::set_default_logger(previous);
  const std::string log = lines.str();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_THAT(log, ::testing::AllOf(::testing::HasSubstr(std::string(kMchid)),
                                    ::testing::HasSubstr(merchant_.certificate.serial_hex()),
                                    ::testing::HasSubstr("expired")));
}

TEST_F(MerchantAuthTest, EveryFailureHasAMetricLabel) {
  for (int f = 0; f <= static_cast<int>(AuthFailure::kNonceQuota); ++f) {
    EXPECT_NE(reason_label(static_cast<AuthFailure>(f)), "unknown") << f;
  }
}

}  // namespace
}  // namespace paygate::steps
