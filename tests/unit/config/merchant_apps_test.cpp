// merchant.apps[] known by a client certificate: a valid one loads with its san, and each
// problem (a token beside it, a san two apps claim, no listener that asks for certificates, a
// san that is no name) is an error at its key and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/parse.h"
#include "support/temp_dir.h"
#include "support/test_keys.h"
#include "support/tls_certificates.h"

namespace paygate::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr std::string_view kOrders = "spiffe://pay.example/ns/shop/sa/orders";

auto error_at(std::string path, std::string message_part) {
  return AllOf(Field(&ConfigError::path, path),
               Field(&ConfigError::message, HasSubstr(message_part)));
}

// A merchant role with real key files and two listeners: cleartext, and TLS that asks for
// client certificates (client_ca_file) unless a test says otherwise.
class MerchantAppsTest : public ::testing::Test {
 protected:
  MerchantAppsTest()
      : ca_(test::make_test_ca("apps ca")), leaf_(test::make_test_leaf(ca_, {"gw"})) {
    dir_.write("gw.pem", leaf_.certificate);
    dir_.write("gw.key", leaf_.key);
    dir_.write("ca.pem", ca_.certificate);
    dir_.write("apiv3.key", "0123456789abcdefghijABCDEFGHIJ_+\n");
    dir_.write("shop.token", "token-shop\n");
  }

  // Line 1 + n of the result is line n of `apps` (one app per line).
  std::string config(const std::string& apps, bool client_ca = true) const {
    std::string tls = "{certificates: [{certificate_file: " + dir_.file("gw.pem") +
                      ", key_file: " + dir_.file("gw.key") + "}]";
    if (client_ca) tls += ", client_ca_file: " + dir_.file("ca.pem");
    tls += "}";
    return "merchant:\n"
           "  apps:\n" +
           apps + "  identities: [{mchid: '1900000001', serial: 'AB12', private_key: " +
           test::data_path("merchant_rsa_key.pem") + ", apiv3_key_file: " + dir_.file("apiv3.key") +
           "}]\n"
           "  platform_keys: [{certificate: " +
           test::data_path("platform_rsa_cert.pem") +
           "}]\n"
           "listeners:\n"
           "  - {address: 127.0.0.1, port: 8080}\n"
           "  - {address: 127.0.0.1, port: 8443, tls: " +
           tls +
           "}\n"
           "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']}]\n"
           "routes: [{name: e, prefix: /v3/, cluster: pay, sign: merchant}]\n";
  }

  static std::string certificate_app(std::string_view name, std::string_view san) {
    return "    - {name: " + std::string(name) +
           ", mchids: ['1900000001'], client_certificate: {san: '" + std::string(san) + "'}}\n";
  }
  std::string token_app(std::string_view name) const {
    return "    - {name: " + std::string(name) +
           ", mchids: ['1900000001'], token_file: " + dir_.file("shop.token") + "}\n";
  }

  static ParseResult parse(const std::string& yaml) {
    return parse_document(yaml, "apps.yaml", LoadOptions{.resolve_names = false});
  }

  test::TempDir dir_;
  test::PemPair ca_, leaf_;
};

TEST_F(MerchantAppsTest, AnAppKnownByItsCertificateLoadsBesideOneKnownByItsToken) {
  const ParseResult result =
      parse(config(certificate_app("orders", kOrders) + token_app("reports")));
  ASSERT_THAT(result.errors, IsEmpty())
      << result.errors.front().path << ": " << result.errors.front().message;
  ASSERT_NE(result.document.merchant_keys, nullptr);
  const auto apps = result.document.merchant_keys->apps();
  ASSERT_THAT(apps, SizeIs(2));
  EXPECT_EQ(apps[0].certificate_san, kOrders);
  EXPECT_TRUE(apps[0].token.empty());
  EXPECT_TRUE(apps[1].certificate_san.empty());
  EXPECT_EQ(apps[1].token.view(), "token-shop");
  const std::string names[] = {"other.example", std::string(kOrders)};
  EXPECT_EQ(result.document.merchant_keys->app_with_certificate(names).app, &apps[0]);
}

TEST_F(MerchantAppsTest, ATokenBesideACertificateIsAnErrorAtClientCertificate) {
  const std::string both =
      "    - {name: orders, mchids: ['1900000001'], token_file: " + dir_.file("shop.token") +
      ", client_certificate: {san: x.example}}\n";
  const auto errors = parse(config(both)).errors;
  ASSERT_THAT(errors, ElementsAre(error_at("merchant.apps[0].client_certificate",
                                           "give token_file, token_env or client_certificate")));
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].file, "apps.yaml");
}

TEST_F(MerchantAppsTest, TwoAppsWithOneSanIsAnErrorNamingBoth) {
  const auto errors =
      parse(config(certificate_app("orders", kOrders) + certificate_app("refunds", kOrders)))
          .errors;
  ASSERT_THAT(errors, ElementsAre(error_at("merchant.apps[1].client_certificate.san",
                                           "already the san of merchant.apps[0] ('orders')")));
  EXPECT_THAT(errors[0].message, HasSubstr("app 'refunds'"));
  EXPECT_EQ(errors[0].line, 4);
}

TEST_F(MerchantAppsTest, ACertificateAppWithoutAListenerThatAsksForCertificatesIsAnError) {
  const auto errors = parse(config(certificate_app("orders", kOrders), false)).errors;
  ASSERT_THAT(errors, ElementsAre(error_at("merchant.apps[0].client_certificate",
                                           "no listener has tls.client_ca_file")));
  EXPECT_THAT(errors[0].message, HasSubstr("app 'orders' could never be known by one"));
  EXPECT_EQ(errors[0].line, 3);
  // Apps known by their tokens need no such listener.
  EXPECT_THAT(parse(config(token_app("reports"), false)).errors, IsEmpty());
}

TEST_F(MerchantAppsTest, ASanIsOnePrintableNameAndRequired) {
  EXPECT_THAT(parse(config(certificate_app("orders", "two words"))).errors,
              ElementsAre(error_at("merchant.apps[0].client_certificate.san",
                                   "expected a DNS name or URI")));
  EXPECT_THAT(parse(config(certificate_app("orders", std::string(256, 'a')))).errors,
              ElementsAre(error_at("merchant.apps[0].client_certificate.san", "1 to 255")));
  EXPECT_THAT(
      parse(config("    - {name: orders, mchids: ['1900000001'], client_certificate: {}}\n"))
          .errors,
      Contains(error_at("merchant.apps[0].client_certificate.san", "missing required key")));
  EXPECT_THAT(parse(config("    - {name: orders, mchids: ['1900000001']}\n")).errors,
              ElementsAre(error_at("merchant.apps[0]", "or client_certificate")));
}

}  // namespace
}  // namespace paygate::config
