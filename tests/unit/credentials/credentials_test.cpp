// load_credentials and Credentials lookups, with the throw-away keys of tests/data/crypto/
// (see its README.md): every kind of problem is reported with the setting it concerns.
#include "credentials/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>

#include "support/temp_dir.h"
#include "support/test_keys.h"

namespace paygate::credentials {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using test::data_path;

constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr std::string_view kMerchantSerial = "4A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";
constexpr std::string_view kPlatformSerial = "0DEA10EF12345678901234567890ABCDEF0127EC";
constexpr std::string_view kPublicKeyId = "PUB_KEY_ID_0114232134912410000000000000000001";

// Certificates in tests/data/crypto are valid from 2026-11-23 to 2036-11-20.
std::chrono::sys_seconds at(int year, unsigned month, unsigned day) {
  return std::chrono::sys_days{std::chrono::year{year} / month / day};
}
const std::chrono::sys_seconds kValid = at(2030, 1, 1);

class CredentialsTest : public ::testing::Test {
 protected:
  MerchantSettings merchant(std::string mchid = "1230000109") {
    MerchantSettings settings;
    settings.mchid = std::move(mchid);
    settings.apiv3_key_file = dir_.write("apiv3", std::string(kApiV3Key) + "\n");
    settings.keys.push_back({"", data_path("merchant_rsa_cert.pem"), ""});
    return settings;
  }

  static PlatformSettings platform() {
    PlatformSettings settings;
    settings.keys.push_back(
        {data_path("platform_rsa_key.pem"), data_path("platform_rsa_cert.pem")});
    return settings;
  }

  std::shared_ptr<const Credentials> load(const std::vector<MerchantSettings>& merchants,
                                          const PlatformSettings& platform,
                                          std::chrono::sys_seconds now = kValid) {
    return load_credentials(merchants, platform, now, report_);
  }

  // The single error reported, or a failure.
  CredentialProblem only_error() {
    EXPECT_THAT(report_.errors, SizeIs(1));
    return report_.errors.empty() ? CredentialProblem{} : report_.errors.front();
  }

  test::TempDir dir_;
  CredentialReport report_;
};

TEST_F(CredentialsTest, LoadsMerchantsAndPlatformKeys) {
  auto second = merchant("1900000109");
  second.keys = {{std::string(kPublicKeyId), "", data_path("platform_rsa_pub.pem")},
                 {"", data_path("sm2_cert.pem"), ""}};
  second.allowed_routes = {"jsapi-prepay"};
  auto credentials = load({merchant(), second}, platform());
  ASSERT_NE(credentials, nullptr);
  EXPECT_THAT(report_.errors, IsEmpty());
  EXPECT_THAT(report_.warnings, IsEmpty());

  const MerchantCredentials* first = credentials->merchant("1230000109");
  ASSERT_NE(first, nullptr);
  ASSERT_THAT(first->keys, SizeIs(1));
  EXPECT_EQ(first->keys[0].serial, kMerchantSerial);
  // Serials match ignoring case and leading zeros.
  EXPECT_NE(first->find_key("004a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"), nullptr);
  EXPECT_EQ(first->find_key(kPublicKeyId), nullptr);
  EXPECT_TRUE(first->allows_route("anything"));
  EXPECT_EQ(std::memcmp(first->apiv3_key.aes_key(), kApiV3Key.data(), 32), 0);

  const MerchantCredentials* other = credentials->merchant("1900000109");
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->find_key(kPublicKeyId), nullptr);
  EXPECT_NE(other->find_key("7b2c"), nullptr);
  EXPECT_EQ(other->find_key(kMerchantSerial), nullptr);
  EXPECT_TRUE(other->allows_route("jsapi-prepay"));
  EXPECT_FALSE(other->allows_route("refund"));
  EXPECT_EQ(credentials->merchant("123"), nullptr);
  EXPECT_EQ(credentials->merchant(""), nullptr);
  EXPECT_THAT(credentials->merchants(), SizeIs(2));

  const PlatformIdentity* signing = credentials->signing_identity();
  ASSERT_NE(signing, nullptr);
  EXPECT_EQ(signing->serial, kPlatformSerial);
  EXPECT_EQ(credentials->platform_identity("dea10ef12345678901234567890abcdef0127ec"), signing);
  EXPECT_EQ(credentials->platform_identity("01"), nullptr);
  ASSERT_THAT(credentials->platform_certificates(), SizeIs(1));
  EXPECT_EQ(credentials->platform_certificates()[0].serial_hex(), kPlatformSerial);
  EXPECT_EQ(credentials->clock_skew(), std::chrono::seconds{300});
  EXPECT_EQ(credentials->nonce_cache_capacity(), std::size_t{1} << 20);
}

// Whoever holds a key registered under two mchids could sign as either.
TEST_F(CredentialsTest, OneSerialBelongsToOneMerchantOnly) {
  auto second = merchant("1900000109");
  second.keys = {
      {"", data_path("sm2_cert.pem"), ""},
      {"004A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D", data_path("merchant_rsa_cert.pem"), ""}};
  EXPECT_EQ(load({merchant(), second}, platform()), nullptr);
  const auto error = only_error();
  EXPECT_EQ(error.path, "merchants[1].keys[1]");
  EXPECT_THAT(error.message, AllOf(HasSubstr(kMerchantSerial), HasSubstr("merchant '1900000109'"),
                                   HasSubstr("merchant '1230000109' (merchants[0].keys[0])")));
}

// Public-key ids name keys too: the same id under two merchants is refused like a serial.
TEST_F(CredentialsTest, OnePublicKeyIdBelongsToOneMerchantOnly) {
  auto first = merchant();
  first.keys = {{std::string(kPublicKeyId), "", data_path("platform_rsa_pub.pem")}};
  auto second = merchant("1900000109");
  second.keys = {{std::string(kPublicKeyId), "", data_path("platform_rsa_pub.pem")}};
  EXPECT_EQ(load({first, second}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[1].keys[0]");
}

TEST_F(CredentialsTest, EmptySettingsGiveEmptyCredentials) {
  auto credentials = load({}, {});
  ASSERT_NE(credentials, nullptr);
  EXPECT_EQ(credentials->signing_identity(), nullptr);
  EXPECT_THAT(credentials->platform_certificates(), IsEmpty());
}

TEST_F(CredentialsTest, SerialGivenWithACertificateMustMatchIt) {
  auto settings = merchant();
  settings.keys[0].serial = "004a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
  EXPECT_NE(load({settings}, {}), nullptr);
  settings.keys[0].serial = "ABCDEF";
  EXPECT_EQ(load({settings}, {}), nullptr);
  auto error = only_error();
  EXPECT_EQ(error.path, "merchants[0].keys[0].serial");
  EXPECT_THAT(error.message, AllOf(HasSubstr("ABCDEF"), HasSubstr("merchant_rsa_cert.pem")));
}

TEST_F(CredentialsTest, PublicKeyNeedsASerial) {
  auto settings = merchant();
  settings.keys[0] = {"", "", data_path("platform_rsa_pub.pem")};
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[0].keys[0].serial");
}

TEST_F(CredentialsTest, KeyNeedsExactlyOneOfCertificateOrPublicKey) {
  auto settings = merchant();
  settings.keys[0].public_key_file = data_path("platform_rsa_pub.pem");
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[0].keys[0]");
}

TEST_F(CredentialsTest, UnreadableAndUnparseableKeyFiles) {
  auto settings = merchant();
  settings.keys = {{"", dir_.file("missing.pem"), ""},
                   {"", data_path("p256_key.pem"), ""},
                   {"PUB_KEY_ID_1", "", data_path("rsa1024_pub.pem")},
                   {"PUB_KEY_ID_2", "", data_path("merchant_rsa_cert.pem")}};
  EXPECT_EQ(load({settings}, {}), nullptr);
  ASSERT_THAT(report_.errors, SizeIs(4));
  EXPECT_EQ(report_.errors[0].path, "merchants[0].keys[0].certificate");
  EXPECT_THAT(report_.errors[0].message, AllOf(HasSubstr("missing.pem"), HasSubstr("cannot open")));
  EXPECT_EQ(report_.errors[1].path, "merchants[0].keys[1].certificate");
  EXPECT_THAT(report_.errors[1].message, HasSubstr("p256_key.pem"));
  EXPECT_EQ(report_.errors[2].path, "merchants[0].keys[2].public_key");
  EXPECT_THAT(report_.errors[2].message, HasSubstr("shorter than 2048"));
  EXPECT_EQ(report_.errors[3].path, "merchants[0].keys[3].public_key");
}

TEST_F(CredentialsTest, MerchantNeedsAKey) {
  auto settings = merchant();
  settings.keys.clear();
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[0].keys");
}

TEST_F(CredentialsTest, DuplicateSerialWithinAMerchant) {
  auto settings = merchant();
  settings.keys.push_back(
      {"4a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "", data_path("platform_rsa_pub.pem")});
  EXPECT_EQ(load({settings}, {}), nullptr);
  auto error = only_error();
  EXPECT_EQ(error.path, "merchants[0].keys[1]");
  EXPECT_THAT(error.message, AllOf(HasSubstr("duplicate serial"), HasSubstr("keys[0]")));
}

TEST_F(CredentialsTest, DuplicateMchid) {
  auto other = merchant("1900000109");
  other.keys = {{"", data_path("sm2_cert.pem"), ""}};
  EXPECT_EQ(load({merchant(), other, merchant()}, {}), nullptr);
  auto error = only_error();
  EXPECT_EQ(error.path, "merchants[2].mchid");
  EXPECT_THAT(error.message, HasSubstr("merchants[0]"));
}

TEST_F(CredentialsTest, MissingMchid) {
  EXPECT_EQ(load({merchant("")}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[0].mchid");
}

TEST_F(CredentialsTest, ApiV3KeyMustBe32BytesAndIsNeverShown) {
  auto settings = merchant();
  const std::string secret = "s3cr3t-but-only-31-bytes-long!!";
  settings.apiv3_key_file = dir_.write("short", secret + "\n");
  EXPECT_EQ(load({settings}, {}), nullptr);
  auto error = only_error();
  EXPECT_EQ(error.path, "merchants[0].apiv3_key_file");
  EXPECT_THAT(error.message, AllOf(HasSubstr("short"), HasSubstr("exactly 32 bytes, got 31"),
                                   Not(HasSubstr(secret))));
}

TEST_F(CredentialsTest, ApiV3KeyFileEndingInCrLfIsTrimmedOnce) {
  auto settings = merchant();
  settings.apiv3_key_file = dir_.write("crlf", std::string(kApiV3Key) + "\r\n");
  EXPECT_NE(load({settings}, {}), nullptr);
  settings.apiv3_key_file = dir_.write("two", std::string(kApiV3Key) + "\n\n");
  EXPECT_EQ(load({settings}, {}), nullptr);
}

TEST_F(CredentialsTest, ApiV3KeyFileMissingOrHuge) {
  auto settings = merchant();
  settings.apiv3_key_file = dir_.file("absent");
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_THAT(only_error().message, AllOf(HasSubstr("absent"), HasSubstr("cannot open")));
  report_ = {};
  settings.apiv3_key_file = dir_.write("huge", std::string(1 << 20, 'k'));
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_THAT(only_error().message, HasSubstr("exactly 32 bytes"));
}

TEST_F(CredentialsTest, ApiV3KeyFromTheEnvironment) {
  auto settings = merchant();
  settings.apiv3_key_file.clear();
  settings.apiv3_key_env = "PAYGATE_TEST_APIV3_KEY";
  ::setenv("PAYGATE_TEST_APIV3_KEY", std::string(kApiV3Key).c_str(), 1);
  EXPECT_NE(load({settings}, {}), nullptr);
  ::setenv("PAYGATE_TEST_APIV3_KEY", "too-short", 1);
  EXPECT_EQ(load({settings}, {}), nullptr);
  auto error = only_error();
  EXPECT_EQ(error.path, "merchants[0].apiv3_key_env");
  EXPECT_THAT(error.message,
              AllOf(HasSubstr("PAYGATE_TEST_APIV3_KEY"), Not(HasSubstr("too-short"))));
  ::unsetenv("PAYGATE_TEST_APIV3_KEY");
  report_ = {};
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_THAT(only_error().message, HasSubstr("not set"));
}

TEST_F(CredentialsTest, ApiV3KeyNeedsExactlyOneSource) {
  auto settings = merchant();
  settings.apiv3_key_env = "X";
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[0]");
  report_ = {};
  settings.apiv3_key_env.clear();
  settings.apiv3_key_file.clear();
  EXPECT_EQ(load({settings}, {}), nullptr);
  EXPECT_EQ(only_error().path, "merchants[0]");
}

TEST_F(CredentialsTest, PlatformKeyMustMatchItsCertificate) {
  PlatformSettings settings;
  settings.keys.push_back({data_path("other_rsa_key.pem"), data_path("platform_rsa_cert.pem")});
  EXPECT_EQ(load({}, settings), nullptr);
  auto error = only_error();
  EXPECT_EQ(error.path, "platform.keys[0].private_key");
  EXPECT_THAT(error.message,
              AllOf(HasSubstr("other_rsa_key.pem"), HasSubstr("not the private key of"),
                    Not(HasSubstr("PRIVATE KEY"))));
}

TEST_F(CredentialsTest, PlatformKeyFilesMustParse) {
  PlatformSettings settings;
  settings.keys.push_back({data_path("platform_rsa_pub.pem"), data_path("platform_rsa_key.pem")});
  EXPECT_EQ(load({}, settings), nullptr);
  ASSERT_THAT(report_.errors, SizeIs(2));
  EXPECT_EQ(report_.errors[0].path, "platform.keys[0].private_key");
  EXPECT_EQ(report_.errors[1].path, "platform.keys[0].certificate");
}

TEST_F(CredentialsTest, SeveralPlatformKeysFirstSignsSm2Included) {
  auto settings = platform();
  settings.keys.push_back({data_path("sm2_key.pem"), data_path("sm2_cert.pem")});
  auto credentials = load({}, settings);
  ASSERT_NE(credentials, nullptr);
  EXPECT_EQ(credentials->signing_identity()->serial, kPlatformSerial);
  ASSERT_THAT(credentials->platform_certificates(), SizeIs(2));
  EXPECT_NE(credentials->platform_identity("7B2C"), nullptr);
}

PlatformKeySettings public_key_mode(std::string serial = std::string(kPublicKeyId)) {
  PlatformKeySettings key;
  key.private_key_file = data_path("platform_rsa_key.pem");
  key.public_key_file = data_path("platform_rsa_pub.pem");
  key.serial = std::move(serial);
  return key;
}

TEST_F(CredentialsTest, PlatformKeyInPublicKeyModeSignsWithItsIdAndListsNoCertificate) {
  PlatformSettings settings;
  settings.keys.push_back(public_key_mode());
  auto credentials = load({}, settings);
  ASSERT_NE(credentials, nullptr);
  EXPECT_THAT(report_.errors, IsEmpty());
  const PlatformIdentity* signing = credentials->signing_identity();
  ASSERT_NE(signing, nullptr);
  EXPECT_EQ(signing->serial, kPublicKeyId);
  EXPECT_FALSE(signing->certificate.has_value());
  EXPECT_EQ(credentials->platform_identity("pub_key_id_0114232134912410000000000000000001"),
            signing);
  EXPECT_THAT(credentials->platform_certificates(), IsEmpty());
}

TEST_F(CredentialsTest, CertificateAndPublicKeyModeKeysTogether) {
  auto settings = platform();
  settings.keys.push_back(public_key_mode());
  auto credentials = load({}, settings);
  ASSERT_NE(credentials, nullptr);
  EXPECT_EQ(credentials->signing_identity()->serial, kPlatformSerial);
  EXPECT_NE(credentials->platform_identity(kPublicKeyId), nullptr);
  ASSERT_THAT(credentials->platform_certificates(), SizeIs(1));
  EXPECT_EQ(credentials->platform_certificates()[0].serial_hex(), kPlatformSerial);
}

TEST_F(CredentialsTest, PublicKeyModeNeedsAWellFormedId) {
  for (std::string serial : {"", "PUB_KEY_ID_01\r\nX-Evil: 1", "PUB KEY"}) {
    PlatformSettings settings;
    settings.keys.push_back(public_key_mode(serial));
    report_ = {};
    EXPECT_EQ(load({}, settings), nullptr) << serial;
    const auto error = only_error();
    EXPECT_EQ(error.path, "platform.keys[0].serial");
    EXPECT_THAT(error.message, HasSubstr("public-key id"));
  }
}

TEST_F(CredentialsTest, PublicKeyModeKeyMustMatchThePrivateKey) {
  PlatformSettings settings;
  settings.keys.push_back(public_key_mode());
  settings.keys[0].private_key_file = data_path("other_rsa_key.pem");
  EXPECT_EQ(load({}, settings), nullptr);
  const auto error = only_error();
  EXPECT_EQ(error.path, "platform.keys[0].private_key");
  EXPECT_THAT(error.message, AllOf(HasSubstr("other_rsa_key.pem: not the private key of"),
                                   HasSubstr("platform_rsa_pub.pem")));
}

TEST_F(CredentialsTest, PlatformKeyNeedsExactlyOneOfCertificateAndPublicKey) {
  PlatformSettings settings;
  settings.keys.push_back(public_key_mode());
  settings.keys[0].certificate_file = data_path("platform_rsa_cert.pem");
  EXPECT_EQ(load({}, settings), nullptr);
  EXPECT_EQ(only_error().path, "platform.keys[0]");
  report_ = {};
  settings.keys[0].certificate_file.clear();
  settings.keys[0].public_key_file.clear();
  EXPECT_EQ(load({}, settings), nullptr);
  EXPECT_THAT(only_error().message, HasSubstr("exactly one of certificate or public_key"));
}

TEST_F(CredentialsTest, PlatformSerialGivenWithACertificateMustMatchIt) {
  auto settings = platform();
  settings.keys[0].serial = "dea10ef12345678901234567890abcdef0127ec";
  EXPECT_NE(load({}, settings), nullptr);
  settings.keys[0].serial = "ABCDEF";
  EXPECT_EQ(load({}, settings), nullptr);
  EXPECT_EQ(only_error().path, "platform.keys[0].serial");
}

TEST_F(CredentialsTest, DuplicatePublicKeyId) {
  PlatformSettings settings;
  settings.keys = {public_key_mode(), public_key_mode()};
  EXPECT_EQ(load({}, settings), nullptr);
  EXPECT_EQ(only_error().path, "platform.keys[1].serial");
}

TEST_F(CredentialsTest, DuplicatePlatformSerial) {
  auto settings = platform();
  settings.keys.push_back(settings.keys[0]);
  EXPECT_EQ(load({}, settings), nullptr);
  EXPECT_EQ(only_error().path, "platform.keys[1].certificate");
}

TEST_F(CredentialsTest, ExpiredCertificateIsAnError) {
  const auto after = at(2037, 1, 1);
  EXPECT_EQ(load({merchant()}, platform(), after), nullptr);
  ASSERT_THAT(report_.errors, SizeIs(2));
  EXPECT_EQ(report_.errors[0].path, "merchants[0].keys[0].certificate");
  EXPECT_THAT(report_.errors[0].message, HasSubstr("expired on 2036-11-20"));
  EXPECT_EQ(report_.errors[1].path, "platform.keys[0].certificate");
}

TEST_F(CredentialsTest, CertificateExpiringSoonIsAWarning) {
  auto credentials = load({merchant()}, platform(), at(2036, 11, 1));
  ASSERT_NE(credentials, nullptr);
  EXPECT_THAT(report_.errors, IsEmpty());
  ASSERT_THAT(report_.warnings, SizeIs(2));
  EXPECT_EQ(report_.warnings[0].path, "merchants[0].keys[0].certificate");
  EXPECT_THAT(report_.warnings[0].message,
              AllOf(HasSubstr("merchant_rsa_cert.pem"), HasSubstr("expires on 2036-11-20")));
}

TEST_F(CredentialsTest, CertificateNotValidYetIsAWarning) {
  EXPECT_NE(load({merchant()}, {}, at(2026, 1, 1)), nullptr);
  ASSERT_THAT(report_.warnings, SizeIs(1));
  EXPECT_THAT(report_.warnings[0].message, HasSubstr("not valid before"));
}

TEST_F(CredentialsTest, EveryProblemIsReported) {
  auto bad = merchant("1900000109");
  bad.keys.clear();
  bad.apiv3_key_file.clear();
  PlatformSettings platform;
  platform.clock_skew = std::chrono::seconds{0};
  platform.nonce_cache_capacity = 0;
  EXPECT_EQ(load({merchant(), bad, merchant()}, platform), nullptr);
  std::vector<std::string> paths;
  for (const auto& error : report_.errors) paths.push_back(error.path);
  EXPECT_THAT(paths, ElementsAre("merchants[1]", "merchants[1].keys", "merchants[2].mchid",
                                 "platform.clock_skew", "platform.nonce_cache_capacity"));
}

}  // namespace
}  // namespace paygate::credentials
