// The platform and merchants sections, route steps, and the key material they load: a valid
// round trip, relative paths, /config redaction, and every new kind of error with its line.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "support/temp_dir.h"
#include "support/test_keys.h"

namespace paygate::config {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr std::string_view kMerchantSerial = "4A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";
constexpr std::string_view kPlatformSerial = "0DEA10EF12345678901234567890ABCDEF0127EC";

// tests/data/crypto certificates are valid from 2026-11-23 to 2036-11-20.
std::string text_of(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : "(not a string)";
}

std::chrono::sys_seconds at(int year, unsigned month, unsigned day) {
  return std::chrono::sys_days{std::chrono::year{year} / month / day};
}

// One line, so that line N of a test's YAML is line N + 1 of the file.
constexpr std::string_view kClusters = "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']}]\n";

constexpr std::string_view kValid = R"(platform:
  clock_skew: 120s
  nonce_cache_capacity: 4096
  keys:
    - private_key: keys/platform_rsa_key.pem
      certificate: keys/platform_rsa_cert.pem
merchants:
  - mchid: "1230000109"
    apiv3_key_file: keys/1230000109.apiv3
    keys:
      - certificate: keys/merchant_rsa_cert.pem
    allowed_routes: [jsapi-prepay]
  - mchid: "1900000109"
    apiv3_key_env: PAYGATE_READ_CREDENTIALS_TEST_KEY
    keys:
      - public_key: keys/platform_rsa_pub.pem
        serial: PUB_KEY_ID_0114232134912410000000000000000001
routes:
  - name: jsapi-prepay
    path: /v3/pay/transactions/jsapi
    cluster: pay
    verify: merchant
    sign: platform
  - name: open
    prefix: /
    cluster: pay
)";

class ReadCredentials : public ::testing::Test {
 protected:
  ReadCredentials() {
    fs::create_directories(dir_ / "keys");
    for (const char* name : {"merchant_rsa_cert.pem", "platform_rsa_key.pem",
                             "platform_rsa_cert.pem", "platform_rsa_pub.pem", "other_rsa_key.pem"}) {
      fs::copy_file(test::data_path(name), dir_ / "keys" / name);
    }
    temp_dir_.write("keys/1230000109.apiv3", std::string(kApiV3Key) + "\n");
    ::setenv("PAYGATE_READ_CREDENTIALS_TEST_KEY", std::string(kApiV3Key).c_str(), 1);
  }
  ~ReadCredentials() override { ::unsetenv("PAYGATE_READ_CREDENTIALS_TEST_KEY"); }

  // Loads `yaml` (plus a cluster) as if it were dir_/paygate.yaml.
  LoadResult load(std::string_view yaml, std::chrono::sys_seconds now = at(2030, 1, 1)) {
    const std::string text = std::string(kClusters) + std::string(yaml);
    return load_string(text, (dir_ / "paygate.yaml").string(), 1,
                       LoadOptions{.now = now, .resolve_names = false});
  }

  // The only error of `yaml`, as "line: path: message".
  std::string only_error(std::string_view yaml) {
    auto result = load(yaml);
    EXPECT_EQ(result.snapshot, nullptr);
    EXPECT_THAT(result.errors, SizeIs(1));
    if (result.errors.empty()) return "";
    const auto& error = result.errors.front();
    return std::to_string(error.line) + ": " + error.path + ": " + error.message;
  }

  std::string key_path(const char* name) const { return (dir_ / "keys" / name).string(); }

  test::TempDir temp_dir_;
  const fs::path& dir_ = temp_dir_.path();
};

TEST_F(ReadCredentials, ValidRoundTrip) {
  auto result = load(kValid);
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_THAT(result.warnings, IsEmpty());
  const Snapshot& s = *result.snapshot;
  ASSERT_THAT(s.routes, SizeIs(2));
  EXPECT_TRUE(s.routes[0].steps.verify_merchant);
  EXPECT_TRUE(s.routes[0].steps.sign_platform);
  EXPECT_FALSE(s.routes[1].steps.verify_merchant);
  EXPECT_FALSE(s.routes[1].steps.sign_platform);
  EXPECT_EQ(s.platform.clock_skew, std::chrono::seconds{120});
  EXPECT_EQ(s.platform.nonce_cache_capacity, 4096u);

  ASSERT_NE(s.credentials, nullptr);
  EXPECT_EQ(s.credentials->clock_skew(), std::chrono::seconds{120});
  EXPECT_EQ(s.credentials->nonce_cache_capacity(), 4096u);
  ASSERT_NE(s.credentials->signing_identity(), nullptr);
  EXPECT_EQ(s.credentials->signing_identity()->serial, kPlatformSerial);
  const auto* merchant = s.credentials->merchant("1230000109");
  ASSERT_NE(merchant, nullptr);
  EXPECT_NE(merchant->find_key(kMerchantSerial), nullptr);
  EXPECT_TRUE(merchant->allows_route("jsapi-prepay"));
  EXPECT_FALSE(merchant->allows_route("open"));
  const auto* by_public_key = s.credentials->merchant("1900000109");
  ASSERT_NE(by_public_key, nullptr);
  EXPECT_NE(by_public_key->find_key("PUB_KEY_ID_0114232134912410000000000000000001"), nullptr);
  EXPECT_TRUE(by_public_key->allows_route("open"));
}

TEST_F(ReadCredentials, RelativePathsAreRelativeToTheConfigFile) {
  auto result = load(kValid);
  ASSERT_NE(result.snapshot, nullptr);
  const Snapshot& s = *result.snapshot;
  EXPECT_EQ(s.platform.keys.at(0).private_key_file, key_path("platform_rsa_key.pem"));
  EXPECT_EQ(s.platform.keys.at(0).certificate_file, key_path("platform_rsa_cert.pem"));
  EXPECT_EQ(s.merchants.at(0).apiv3_key_file, key_path("1230000109.apiv3"));
  EXPECT_EQ(s.merchants.at(0).keys.at(0).certificate_file, key_path("merchant_rsa_cert.pem"));
  EXPECT_EQ(s.merchants.at(1).keys.at(0).public_key_file, key_path("platform_rsa_pub.pem"));
}

TEST_F(ReadCredentials, LoadFileFromAnotherWorkingDirectory) {
  std::ofstream(dir_ / "paygate.yaml") << kClusters << kValid;
  const auto previous = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  auto result = load_file((dir_ / "paygate.yaml").string(), 1,
                          LoadOptions{.now = at(2030, 1, 1), .resolve_names = false});
  fs::current_path(previous);
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_NE(result.snapshot->credentials, nullptr);
}

TEST_F(ReadCredentials, AbsolutePathsStayAsWritten) {
  const std::string yaml = "platform:\n  keys:\n    - private_key: " +
                           key_path("platform_rsa_key.pem") + "\n      certificate: " +
                           key_path("platform_rsa_cert.pem") + "\n";
  auto result = load_string(std::string(kClusters) + yaml, "elsewhere/paygate.yaml", 1,
                            LoadOptions{.now = at(2030, 1, 1), .resolve_names = false});
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_EQ(result.snapshot->platform.keys.at(0).private_key_file, key_path("platform_rsa_key.pem"));
}

TEST_F(ReadCredentials, NoCredentialsWithoutKeys) {
  auto result = load("platform: { clock_skew: 60s }\nroutes: [{name: a, prefix: /, cluster: pay}]\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_EQ(result.snapshot->credentials, nullptr);
  EXPECT_EQ(result.snapshot->platform.clock_skew, std::chrono::seconds{60});
  ASSERT_THAT(result.snapshot->routes, SizeIs(1));
}

TEST_F(ReadCredentials, ConfigJsonShowsPathsAndRedactsTheApiV3Key) {
  auto result = load(kValid);
  ASSERT_NE(result.snapshot, nullptr);
  const std::string text = to_json(*result.snapshot);
  EXPECT_THAT(text, AllOf(Not(HasSubstr(kApiV3Key)), Not(HasSubstr("BEGIN")),
                          Not(HasSubstr("1230000109.apiv3")),
                          Not(HasSubstr("PAYGATE_READ_CREDENTIALS_TEST_KEY"))));
  const auto json = boost::json::parse(text).at("config");
  const auto& platform = json.at("platform");
  EXPECT_EQ(platform.at("clock_skew"), "2m");
  EXPECT_EQ(platform.at("nonce_cache_capacity"), 4096);
  EXPECT_EQ(text_of(platform.at("keys").at(0).at("private_key")), key_path("platform_rsa_key.pem"));
  EXPECT_EQ(text_of(platform.at("keys").at(0).at("certificate")), key_path("platform_rsa_cert.pem"));
  const auto& first = json.at("merchants").at(0);
  EXPECT_EQ(first.at("mchid"), "1230000109");
  EXPECT_EQ(first.at("apiv3_key_file"), "<redacted>");
  EXPECT_EQ(text_of(first.at("keys").at(0).at("certificate")), key_path("merchant_rsa_cert.pem"));
  EXPECT_EQ(first.at("allowed_routes").at(0), "jsapi-prepay");
  const auto& second = json.at("merchants").at(1);
  EXPECT_EQ(second.at("apiv3_key_env"), "<redacted>");
  EXPECT_EQ(text_of(second.at("keys").at(0).at("public_key")), key_path("platform_rsa_pub.pem"));
  EXPECT_EQ(second.at("keys").at(0).at("serial"), "PUB_KEY_ID_0114232134912410000000000000000001");
  const auto& route = json.at("routes").at(0);
  EXPECT_EQ(route.at("verify"), "merchant");
  EXPECT_EQ(route.at("sign"), "platform");
  EXPECT_FALSE(json.at("routes").at(1).as_object().contains("verify"));
}

TEST_F(ReadCredentials, VerifyNeedsMerchants) {
  EXPECT_EQ(only_error("routes:\n  - name: a\n    prefix: /\n    cluster: pay\n    verify: merchant\n"),
            "6: routes[0].verify: 'verify: merchant' needs at least one entry under 'merchants'");
}

TEST_F(ReadCredentials, SignNeedsPlatformKeys) {
  EXPECT_EQ(only_error("platform: {clock_skew: 10s}\n"
                       "routes: [{name: a, prefix: /, cluster: pay, sign: platform}]\n"),
            "3: routes[0].sign: 'sign: platform' needs at least one key under 'platform.keys'");
}

TEST_F(ReadCredentials, StepValuesAreChecked) {
  EXPECT_THAT(only_error("routes: [{name: a, prefix: /, cluster: pay, verify: client}]\n"),
              HasSubstr("routes[0].verify: expected one of merchant, platform, bill_hash, got "
                        "'client'"));
  EXPECT_THAT(only_error("routes: [{name: a, prefix: /, cluster: pay, verify: bill_hash}]\n"),
              HasSubstr("routes[0].verify: verify: bill_hash is for the merchant role's bill "
                        "downloads: the route needs sign: merchant"));
  EXPECT_THAT(only_error("routes: [{name: a, prefix: /, cluster: pay, sign: client}]\n"),
              HasSubstr("routes[0].sign: expected one of platform, merchant, got 'client'"));
}

TEST_F(ReadCredentials, EarlyDataIsSafeByDefaultAndSignedRoutesAlwaysRefuseIt) {
  auto result = load(std::string(kValid) +
                     "  - name: quiet\n    prefix: /quiet/\n"
                     "    cluster: pay\n    early_data: refuse\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const Snapshot& s = *result.snapshot;
  EXPECT_EQ(s.routes[0].steps.early_data, steps::EarlyData::kRefuse);  // verify: merchant
  EXPECT_EQ(s.routes[1].steps.early_data, steps::EarlyData::kSafe);
  EXPECT_EQ(s.routes[2].steps.early_data, steps::EarlyData::kRefuse);
  EXPECT_THAT(only_error("routes: [{name: a, prefix: /, cluster: pay, early_data: maybe}]\n"),
              HasSubstr("routes[0].early_data: expected one of safe, refuse, got 'maybe'"));
}

TEST_F(ReadCredentials, ASignedRouteThatSaysItServesEarlyDataIsAnError) {
  std::string yaml(kValid);
  const std::string verify = "    verify: merchant\n";
  yaml.insert(yaml.find(verify) + verify.size(), "    early_data: safe\n");
  EXPECT_THAT(only_error(yaml),
              AllOf(HasSubstr("24: routes[0].early_data: a route with verify: merchant never "
                              "serves early data"),
                    HasSubstr("write refuse")));
}

TEST_F(ReadCredentials, AllowedRoutesMustExist) {
  EXPECT_EQ(only_error("merchants:\n"
                       "  - mchid: '1230000109'\n"
                       "    apiv3_key_file: keys/1230000109.apiv3\n"
                       "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n"
                       "    allowed_routes: [a, b]\n"
                       "routes: [{name: a, prefix: /, cluster: pay}]\n"),
            "6: merchants[0].allowed_routes[1]: no route named 'b'");
}

TEST_F(ReadCredentials, MissingKeyFileNamesTheFileAndLine) {
  const auto error = only_error("merchants:\n"
                                "  - mchid: '1230000109'\n"
                                "    apiv3_key_file: keys/1230000109.apiv3\n"
                                "    keys:\n"
                                "      - certificate: keys/absent.pem\n");
  EXPECT_THAT(error, AllOf(HasSubstr("6: merchants[0].keys[0].certificate: "),
                           HasSubstr(key_path("absent.pem")), HasSubstr("cannot open")));
}

TEST_F(ReadCredentials, PublicKeyWithoutSerialPointsAtTheKey) {
  EXPECT_THAT(only_error("merchants:\n"
                         "  - mchid: '1230000109'\n"
                         "    apiv3_key_file: keys/1230000109.apiv3\n"
                         "    keys:\n"
                         "      - public_key: keys/platform_rsa_pub.pem\n"),
              HasSubstr("6: merchants[0].keys[0].serial: a public_key needs its serial"));
}

TEST_F(ReadCredentials, ApiV3KeyProblemsNeverShowTheKey) {
  std::ofstream(dir_ / "keys" / "bad.apiv3") << "not-32-bytes-but-secret";
  const auto error = only_error("merchants:\n"
                                "  - mchid: '1230000109'\n"
                                "    apiv3_key_file: keys/bad.apiv3\n"
                                "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n");
  EXPECT_THAT(error, AllOf(HasSubstr("4: merchants[0].apiv3_key_file: "),
                           HasSubstr("exactly 32 bytes, got 23"),
                           Not(HasSubstr("not-32-bytes-but-secret"))));
}

TEST_F(ReadCredentials, ApiV3KeyNeedsOneSource) {
  EXPECT_THAT(only_error("merchants:\n"
                         "  - mchid: '1230000109'\n"
                         "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n"),
              HasSubstr("3: merchants[0]: a merchant needs exactly one of apiv3_key_file or"));
}

TEST_F(ReadCredentials, DuplicateMchid) {
  EXPECT_THAT(only_error("merchants:\n"
                         "  - mchid: '1230000109'\n"
                         "    apiv3_key_file: keys/1230000109.apiv3\n"
                         "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n"
                         "  - mchid: '1230000109'\n"
                         "    apiv3_key_file: keys/1230000109.apiv3\n"
                         "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n"),
              HasSubstr("6: merchants[1].mchid: duplicate mchid '1230000109'"));
}

TEST_F(ReadCredentials, OneCertificateUnderTwoMerchantsNamesBoth) {
  std::ofstream(dir_ / "keys" / "1900000109.apiv3") << "0123456789abcdefghijABCDEFGHIJ_+";
  EXPECT_THAT(only_error("merchants:\n"
                         "  - mchid: '1230000109'\n"
                         "    apiv3_key_file: keys/1230000109.apiv3\n"
                         "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n"
                         "  - mchid: '1900000109'\n"
                         "    apiv3_key_file: keys/1900000109.apiv3\n"
                         "    keys:\n"
                         "      - certificate: keys/merchant_rsa_cert.pem\n"),
              AllOf(HasSubstr("9: merchants[1].keys[0]: serial '"),
                    HasSubstr("of merchant '1900000109' is already registered to merchant "
                              "'1230000109' (merchants[0].keys[0])")));
}

TEST_F(ReadCredentials, MchidShapeAndEnvName) {
  auto result = load("merchants:\n"
                     "  - mchid: '12 34'\n"
                     "    apiv3_key_env: 1BAD\n"
                     "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n");
  ASSERT_THAT(result.errors, SizeIs(2));
  EXPECT_THAT(result.errors[0].message, HasSubstr("an mchid is 1 to 32 letters or digits"));
  EXPECT_THAT(result.errors[1].message, HasSubstr("environment variable name"));
}

TEST_F(ReadCredentials, PlatformKeyMustMatchItsCertificate) {
  EXPECT_EQ(only_error("platform:\n"
                       "  keys:\n"
                       "    - private_key: keys/other_rsa_key.pem\n"
                       "      certificate: keys/platform_rsa_cert.pem\n"),
            "4: platform.keys[0].private_key: " + key_path("other_rsa_key.pem") +
                ": not the private key of " + key_path("platform_rsa_cert.pem"));
}

TEST_F(ReadCredentials, PlatformKeyNeedsACertificateOrAPublicKey) {
  EXPECT_THAT(only_error("platform:\n  keys: [{private_key: keys/platform_rsa_key.pem}]\n"),
              HasSubstr("platform.keys[0]: a platform key needs exactly one of certificate or "
                        "public_key"));
}

TEST_F(ReadCredentials, PlatformKeyInPublicKeyMode) {
  auto result = load("platform:\n"
                     "  keys:\n"
                     "    - private_key: keys/platform_rsa_key.pem\n"
                     "      public_key: keys/platform_rsa_pub.pem\n"
                     "      serial: PUB_KEY_ID_0114232134912410000000000000000001\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  ASSERT_NE(result.snapshot, nullptr);
  const auto& key = result.snapshot->platform.keys.at(0);
  EXPECT_EQ(key.public_key_file, key_path("platform_rsa_pub.pem"));
  EXPECT_TRUE(key.certificate_file.empty());
  ASSERT_NE(result.snapshot->credentials->signing_identity(), nullptr);
  EXPECT_EQ(result.snapshot->credentials->signing_identity()->serial,
            "PUB_KEY_ID_0114232134912410000000000000000001");
}

TEST_F(ReadCredentials, PlatformLimits) {
  auto result = load("platform: {clock_skew: 1500ms, nonce_cache_capacity: 0}\n");
  ASSERT_THAT(result.errors, SizeIs(2));
  EXPECT_THAT(result.errors[0].message, HasSubstr("whole number of seconds"));
  EXPECT_THAT(result.errors[1].message, HasSubstr("must be between 1 and"));
  EXPECT_THAT(only_error("platform: {clock_skew: 2h}\n"), HasSubstr("must be between 1s and 1h"));
}

TEST_F(ReadCredentials, NonceQuotaPerMerchant) {
  EXPECT_EQ(only_error("platform: {nonce_cache_capacity: 100, nonce_quota_per_merchant: 101}\n"),
            "2: platform.nonce_quota_per_merchant: expected at most nonce_cache_capacity (100), "
            "got 101");
  auto by_default = load("platform: {nonce_cache_capacity: 4096}\n");
  ASSERT_THAT(by_default.errors, IsEmpty());
  EXPECT_EQ(credentials::nonce_quota(by_default.snapshot->platform), 1024u);
  auto given = load("platform: {nonce_cache_capacity: 4096, nonce_quota_per_merchant: 4096}\n");
  ASSERT_THAT(given.errors, IsEmpty());
  EXPECT_EQ(credentials::nonce_quota(given.snapshot->platform), 4096u);
}

TEST_F(ReadCredentials, UnknownKeysAreReported) {
  EXPECT_THAT(only_error("merchants: [{mchid: '1', apiv3_key: x}]\n"),
              HasSubstr("unknown key 'apiv3_key'"));
}

TEST_F(ReadCredentials, ExpiredCertificateIsAnError) {
  auto result = load(kValid, at(2037, 1, 1));
  EXPECT_EQ(result.snapshot, nullptr);
  ASSERT_THAT(result.errors, SizeIs(2));
  EXPECT_EQ(result.errors[0].path, "platform.keys[0].certificate");
  EXPECT_EQ(result.errors[0].line, 7);
  EXPECT_THAT(result.errors[0].message, HasSubstr("expired on 2036-11-20"));
  EXPECT_EQ(result.errors[1].path, "merchants[0].keys[0].certificate");
}

TEST_F(ReadCredentials, CertificateExpiringSoonIsAWarning) {
  auto result = load(kValid, at(2036, 11, 1));
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  ASSERT_NE(result.snapshot, nullptr);
  ASSERT_THAT(result.warnings, SizeIs(2));
  EXPECT_EQ(result.warnings[0].line, 7);
  EXPECT_THAT(to_string(result.warnings[0]),
              AllOf(HasSubstr("paygate.yaml:7:20: platform.keys[0].certificate: "),
                    HasSubstr("expires on 2036-11-20")));
}

// The kValid merchants with a limit for the first one and a default for the rest.
constexpr std::string_view kRateLimited = R"(platform:
  rate_limit: {rate: 5}
merchants:
  - mchid: "1230000109"
    apiv3_key_file: keys/1230000109.apiv3
    keys: [{certificate: keys/merchant_rsa_cert.pem}]
    rate_limit: {rate: 100, burst: 200}
  - mchid: "1900000109"
    apiv3_key_env: PAYGATE_READ_CREDENTIALS_TEST_KEY
    keys:
      - public_key: keys/platform_rsa_pub.pem
        serial: PUB_KEY_ID_0114232134912410000000000000000001
)";

TEST_F(ReadCredentials, RateLimitsOfMerchantsAndTheirDefault) {
  auto result = load(kRateLimited);
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const Snapshot& s = *result.snapshot;
  ASSERT_TRUE(s.merchants.at(0).rate_limit);
  EXPECT_EQ(s.merchants.at(0).rate_limit->rate, 100u);
  EXPECT_EQ(s.merchants.at(0).rate_limit->burst, 200u);
  EXPECT_FALSE(s.merchants.at(1).rate_limit);
  ASSERT_TRUE(s.platform.rate_limit);
  EXPECT_EQ(s.platform.rate_limit->rate, 5u);
  EXPECT_EQ(s.platform.rate_limit->burst, 5u);  // one second's worth unless given
  ASSERT_NE(s.rate_limiter, nullptr);
  // credentials->merchants() is sorted by mchid: 1900000109 (index 1) has the default, 5 at once.
  const auto now = admission::RateLimiter::Clock::now();
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += s.rate_limiter->admit(1, now).admitted ? 1 : 0;
  EXPECT_EQ(admitted, 5);
}

TEST_F(ReadCredentials, NoRateLimitMeansNoLimiter) {
  auto result = load(kValid);
  ASSERT_NE(result.snapshot, nullptr);
  EXPECT_EQ(result.snapshot->rate_limiter, nullptr);
  const auto json = boost::json::parse(to_json(*result.snapshot)).at("config");
  EXPECT_FALSE(json.at("platform").as_object().contains("rate_limit"));
  EXPECT_FALSE(json.at("merchants").at(0).as_object().contains("rate_limit"));
}

TEST_F(ReadCredentials, ConfigJsonShowsRateLimits) {
  auto result = load(kRateLimited);
  ASSERT_NE(result.snapshot, nullptr);
  const auto json = boost::json::parse(to_json(*result.snapshot)).at("config");
  EXPECT_EQ(json.at("platform").at("rate_limit"), boost::json::parse(R"({"rate":5,"burst":5})"));
  EXPECT_EQ(json.at("merchants").at(0).at("rate_limit"),
            boost::json::parse(R"({"rate":100,"burst":200})"));
  EXPECT_FALSE(json.at("merchants").at(1).as_object().contains("rate_limit"));
}

TEST_F(ReadCredentials, RateLimitProblemsNameTheirPlace) {
  EXPECT_EQ(only_error("platform:\n  rate_limit: {rate: 0, burst: 3}\n"),
            "3: platform.rate_limit.rate: must be between 1 and 1000000, got 0");
  EXPECT_THAT(only_error("platform:\n  rate_limit: {burst: 3}\n"),
              HasSubstr("3: platform.rate_limit.rate: missing required key 'rate'"));
  EXPECT_THAT(only_error("merchants:\n"
                         "  - mchid: '1230000109'\n"
                         "    apiv3_key_file: keys/1230000109.apiv3\n"
                         "    keys: [{certificate: keys/merchant_rsa_cert.pem}]\n"
                         "    rate_limit: {rate: 10, burst: 2.5}\n"),
              HasSubstr("6: merchants[0].rate_limit.burst: "));
  EXPECT_THAT(only_error("platform:\n  rate_limit: {rate: 1, per: 1s}\n"),
              HasSubstr("unknown key 'per'"));
}

}  // namespace
}  // namespace paygate::config
