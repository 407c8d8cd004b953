#include "wechatpay/authorization.h"

#include <gtest/gtest.h>

#include <string>

namespace paygate::wechatpay {
namespace {

using Error = AuthorizationError;

constexpr const char* kValid =
    "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\","
    "timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\","
    "signature=\"uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/"
    "LN+nGzX3hfZg6r5wT1p\"";

AuthorizationParse parse(std::string_view header) {
  Authorization out;
  return parse_authorization(header, out);
}

TEST(Authorization, ParsesAllFieldsAsViews) {
  std::string header = kValid;
  Authorization out;
  ASSERT_TRUE(parse_authorization(header, out).ok());
  EXPECT_EQ(out.scheme, Scheme::kRsaSha256);
  EXPECT_EQ(out.mchid, "1900009191");
  EXPECT_EQ(out.nonce_str, "593BEC0C930BF1AFEB40B4A08C8FB242");
  EXPECT_EQ(out.timestamp, 1554208460);
  EXPECT_EQ(out.timestamp_text, "1554208460");
  EXPECT_EQ(out.serial_no, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
  EXPECT_TRUE(out.signature.starts_with("uOVRnA4qG/"));
  EXPECT_GE(out.mchid.data(), header.data());
  EXPECT_LT(out.mchid.data(), header.data() + header.size());
}

TEST(Authorization, OrderIsFreeAndBlanksAfterCommasAreTolerated) {
  Authorization out;
  ASSERT_TRUE(parse_authorization("WECHATPAY2-SM2-WITH-SM3 signature=\"c2ln\", serial_no=\"7B2C\","
                                  "\ttimestamp=\"1700000000\",  nonce_str=\"fixednonce\","
                                  "mchid=\"1230000109\"",
                                  out)
                  .ok());
  EXPECT_EQ(out.scheme, Scheme::kSm2Sm3);
  EXPECT_EQ(out.nonce_str, "fixednonce");
  EXPECT_EQ(out.signature, "c2ln");
}

TEST(Authorization, SchemeIsCaseInsensitive) {
  std::string header = kValid;
  header.replace(0, 10, "wechatpay2");
  EXPECT_TRUE(parse(header).ok());
}

TEST(Authorization, BuildThenParseRoundTrips) {
  Authorization fields{Scheme::kSm2Sm3, "1230000109", "abc", "", 1700000000, "7B2C", "c2ln"};
  std::string header;
  build_authorization(fields, header);
  EXPECT_EQ(header,
            "WECHATPAY2-SM2-WITH-SM3 mchid=\"1230000109\",nonce_str=\"abc\","
            "timestamp=\"1700000000\",serial_no=\"7B2C\",signature=\"c2ln\"");
  Authorization out;
  ASSERT_TRUE(parse_authorization(header, out).ok());
  EXPECT_EQ(out.timestamp, 1700000000);
  EXPECT_EQ(out.mchid, "1230000109");
}

struct Rejection {
  std::string header;
  Error error;
  std::string parameter;
};

std::string valid_with(std::string_view from, std::string_view to) {
  std::string header = kValid;
  auto at = header.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  header.replace(at, from.size(), to);
  return header;
}

class AuthorizationRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(AuthorizationRejects, WithReason) {
  auto result = parse(GetParam().header);
  EXPECT_EQ(result.error, GetParam().error) << GetParam().header;
  EXPECT_EQ(result.parameter, GetParam().parameter) << GetParam().header;
  EXPECT_NE(describe(result.error), "ok");
}

const std::string kParams = std::string(kValid).substr(26);

INSTANTIATE_TEST_SUITE_P(
    Reasons, AuthorizationRejects,
    ::testing::Values(
        Rejection{"", Error::kEmpty, ""}, Rejection{"Bearer abc", Error::kUnknownScheme, ""},
        Rejection{"WECHATPAY2-SHA256-RSA4096 " + kParams, Error::kUnknownScheme, ""},
        Rejection{"WECHATPAY2-SHA256-RSA2048" + kParams, Error::kUnknownScheme, ""},
        Rejection{"WECHATPAY2-SHA256-RSA2048", Error::kMalformed, ""},
        Rejection{"WECHATPAY2-SHA256-RSA2048   ", Error::kMalformed, ""},
        Rejection{valid_with("mchid=", "mchid"), Error::kMalformed, ""},
        Rejection{valid_with("mchid=", "mchid ="), Error::kMalformed, ""},
        Rejection{valid_with(",nonce_str", ",=x,nonce_str"), Error::kMalformed, ""},
        Rejection{std::string(kValid) + ",", Error::kMalformed, ""},
        Rejection{std::string(kValid) + ", ", Error::kMalformed, ""},
        Rejection{valid_with("\",nonce_str", "\",,nonce_str"), Error::kMalformed, ""},
        Rejection{valid_with("mchid=\"1900009191\"", "mchid=1900009191"), Error::kBadQuoting,
                  "mchid"},
        Rejection{valid_with("mchid=\"1900009191\"", "mchid='1900009191'"), Error::kBadQuoting,
                  "mchid"},
        Rejection{valid_with("\"1900009191\",", "\"1900009191\"x,"), Error::kBadQuoting, "mchid"},
        Rejection{valid_with("\"1900009191\",", "\"1900009191\" ,"), Error::kBadQuoting, "mchid"},
        Rejection{std::string(kValid).substr(0, std::string(kValid).size() - 1), Error::kBadQuoting,
                  "signature"},
        Rejection{valid_with("1900009191", "19000\\09191"), Error::kBadCharacter, "mchid"},
        Rejection{valid_with("1900009191", "19000\r\n9191"), Error::kBadCharacter, "mchid"},
        Rejection{valid_with("1900009191", "1900\xe4\xb8\xad"), Error::kBadCharacter, "mchid"},
        Rejection{valid_with("mchid=", "appid=\"x\",mchid="), Error::kUnknownParameter, "appid"},
        Rejection{valid_with("mchid=", "MCHID="), Error::kUnknownParameter, "MCHID"},
        Rejection{valid_with("nonce_str=", "mchid=\"1\",nonce_str="), Error::kDuplicateParameter,
                  "mchid"},
        Rejection{valid_with("mchid=\"1900009191\",", ""), Error::kMissingParameter, "mchid"},
        Rejection{valid_with(",signature=", ",x_signature="), Error::kUnknownParameter,
                  "x_signature"},
        Rejection{valid_with("\"1900009191\"", "\"\""), Error::kEmptyValue, "mchid"},
        Rejection{valid_with("1900009191", std::string(33, '1')), Error::kValueTooLong, "mchid"},
        Rejection{valid_with("593BEC0C930BF1AFEB40B4A08C8FB242", std::string(65, 'n')),
                  Error::kValueTooLong, "nonce_str"},
        Rejection{valid_with("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", std::string(65, 'A')),
                  Error::kValueTooLong, "serial_no"},
        Rejection{valid_with("uOVRnA4qG", std::string(1025, 'A')), Error::kValueTooLong,
                  "signature"},
        Rejection{valid_with("1554208460", std::string(20, '1')), Error::kValueTooLong,
                  "timestamp"},
        Rejection{valid_with("1554208460", "155420846O"), Error::kBadTimestamp, "timestamp"},
        Rejection{valid_with("1554208460", "-1554208460"), Error::kBadTimestamp, "timestamp"},
        Rejection{valid_with("1554208460", "+1554208460"), Error::kBadTimestamp, "timestamp"},
        Rejection{valid_with("1554208460", " 1554208460"), Error::kBadTimestamp, "timestamp"},
        Rejection{valid_with("1554208460", "9999999999999999999"), Error::kBadTimestamp,
                  "timestamp"},
        Rejection{valid_with("1554208460", "1554208460.5"), Error::kBadTimestamp, "timestamp"}));

}  // namespace
}  // namespace paygate::wechatpay
