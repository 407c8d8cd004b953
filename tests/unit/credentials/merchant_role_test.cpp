// load_merchant_role and the lookups of the merchant role, with the throw-away keys of
// tests/data/crypto/: every kind of problem is reported with the setting it concerns.
#include "credentials/merchant_role.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "support/test_keys.h"

namespace paygate::credentials {
namespace {

using test::data_path;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr std::string_view kPublicKeyId = "PUB_KEY_ID_0114232134912410000000000000000001";
const std::chrono::sys_seconds kValid = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1};

auto problem(std::string path, std::string message_part) {
  return AllOf(Field(&CredentialProblem::path, path),
               Field(&CredentialProblem::message, HasSubstr(message_part)));
}

class MerchantRoleTest : public ::testing::Test {
 protected:
  IdentitySettings identity(std::string mchid, std::string key = "merchant_rsa_key.pem") {
    return {std::move(mchid), "4A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D", data_path(key),
            dir_.write("apiv3-" + mchid, std::string(kApiV3Key) + "\n"), ""};
  }

  MerchantRoleSettings settings() {
    MerchantRoleSettings s;
    s.identities = {identity("1900000001"), identity("1900000002", "sm2_key.pem")};
    s.platform_keys = {{"", data_path("platform_rsa_cert.pem"), ""},
                       {std::string(kPublicKeyId), "", data_path("platform_rsa_pub.pem")}};
    s.apps.push_back({"checkout", crypto::SecretBuffer("token-checkout"), {"1900000001"}, ""});
    s.apps.push_back(
        {"billing", crypto::SecretBuffer("token-billing"), {"1900000002", "1900000001"}, ""});
    return s;
  }

  std::shared_ptr<const MerchantRole> load(const MerchantRoleSettings& s) {
    return load_merchant_role(s, kValid, report_);
  }

  test::TempDir dir_;
  CredentialReport report_;
};

TEST_F(MerchantRoleTest, LoadsIdentitiesPlatformKeysAndApps) {
  auto role = load(settings());
  ASSERT_NE(role, nullptr);
  EXPECT_THAT(report_.errors, IsEmpty());
  ASSERT_EQ(role->identities().size(), 2u);
  EXPECT_EQ(role->identities()[1].key.algorithm(), crypto::KeyAlgorithm::kSm2);
  ASSERT_EQ(role->platform_keys().size(), 2u);
  EXPECT_EQ(role->platform_keys()[1].serial, kPublicKeyId);

  const App* billing = role->app_with_token("token-billing");
  ASSERT_NE(billing, nullptr);
  EXPECT_EQ(billing->name, "billing");
  EXPECT_EQ(billing->identities.front()->mchid, "1900000002");  // the default: the first
  EXPECT_EQ(billing->may_sign_as("1900000001"), &role->identities()[0]);
  const App* checkout = role->app_with_token("token-checkout");
  ASSERT_NE(checkout, nullptr);
  EXPECT_EQ(checkout->may_sign_as("1900000002"), nullptr);
}

TEST_F(MerchantRoleTest, AnUnknownOrPartialTokenIsNoApp) {
  auto role = load(settings());
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->app_with_token(""), nullptr);
  EXPECT_EQ(role->app_with_token("token-checkou"), nullptr);
  EXPECT_EQ(role->app_with_token("token-checkoutX"), nullptr);
}

TEST_F(MerchantRoleTest, AnAppIsFoundByAnyNameOfItsCertificate) {
  MerchantRoleSettings s = settings();
  s.apps.push_back({"orders", {}, {"1900000001"}, "spiffe://pay.example/sa/orders"});
  s.apps.push_back({"refunds", {}, {"1900000002"}, "refunds.shop.internal"});
  auto role = load(s);
  ASSERT_NE(role, nullptr) << report_.errors.front().message;
  const std::string orders[] = {"gw.example", "spiffe://pay.example/sa/orders"};
  EXPECT_EQ(role->app_with_certificate(orders).app, &role->apps()[2]);
  EXPECT_FALSE(role->app_with_certificate(orders).ambiguous);
  const std::string refunds_twice[] = {"refunds.shop.internal", "refunds.shop.internal"};
  EXPECT_EQ(role->app_with_certificate(refunds_twice).app, &role->apps()[3]);
  const std::string none[] = {"spiffe://pay.example/sa/order", "REFUNDS.shop.internal"};
  EXPECT_EQ(role->app_with_certificate(none).app, nullptr);
  EXPECT_EQ(role->app_with_certificate({}).app, nullptr);
  const std::string both[] = {"refunds.shop.internal", "spiffe://pay.example/sa/orders"};
  EXPECT_EQ(role->app_with_certificate(both).app, nullptr);
  EXPECT_TRUE(role->app_with_certificate(both).ambiguous);
  // Apps known by certificate hold no token that an empty one could match.
  EXPECT_EQ(role->app_with_token(""), nullptr);
}

TEST_F(MerchantRoleTest, TwoAppsWithOneSanAreAnErrorNamingBoth) {
  MerchantRoleSettings s = settings();
  s.apps.push_back({"orders", {}, {"1900000001"}, "spiffe://pay.example/sa/orders"});
  s.apps.push_back({"refunds", {}, {"1900000001"}, "spiffe://pay.example/sa/orders"});
  s.apps.push_back({"nobody", {}, {"1900000001"}, ""});
  EXPECT_EQ(load(s), nullptr);
  EXPECT_THAT(report_.errors,
              Contains(problem("merchant.apps[3].client_certificate.san",
                               "already the san of merchant.apps[2] ('orders'): app 'refunds'")));
  EXPECT_THAT(report_.errors, Contains(problem("merchant.apps[4]", "or client_certificate")));
}

TEST_F(MerchantRoleTest, EachProblemNamesItsSetting) {
  MerchantRoleSettings s = settings();
  s.identities[1].mchid = "1900000001";
  s.identities[0].private_key_file = data_path("missing.pem");
  s.platform_keys.push_back({"", data_path("platform_rsa_cert.pem"), ""});
  s.apps[0].mchids = {"1900000009"};
  s.apps[1].token = crypto::SecretBuffer("token-checkout");
  EXPECT_EQ(load(s), nullptr);
  EXPECT_THAT(report_.errors,
              Contains(problem("merchant.identities[1].mchid", "duplicate mchid '1900000001'")));
  EXPECT_THAT(report_.errors,
              Contains(problem("merchant.identities[0].private_key", "missing.pem")));
  EXPECT_THAT(report_.errors, Contains(problem("merchant.platform_keys[2]", "duplicate")));
  EXPECT_THAT(report_.errors, Contains(problem("merchant.apps[0].mchids[0]",
                                               "no identity under merchant.identities")));
  EXPECT_THAT(report_.errors,
              Contains(problem("merchant.apps[1]", "the same token as merchant.apps[0]")));
}

TEST_F(MerchantRoleTest, EverySectionIsRequired) {
  EXPECT_EQ(load(MerchantRoleSettings{}), nullptr);
  EXPECT_THAT(report_.errors, Contains(problem("merchant.identities", "at least one identity")));
  EXPECT_THAT(report_.errors,
              Contains(problem("merchant.platform_keys", "at least one platform key")));
}

TEST_F(MerchantRoleTest, AnExpiredPlatformCertificateIsAnError) {
  const auto after = std::chrono::sys_days{std::chrono::year{2040} / 1 / 1};
  EXPECT_EQ(load_merchant_role(settings(), after, report_), nullptr);
  EXPECT_THAT(report_.errors,
              Contains(problem("merchant.platform_keys[0].certificate", "expired")));
}

}  // namespace
}  // namespace paygate::credentials
