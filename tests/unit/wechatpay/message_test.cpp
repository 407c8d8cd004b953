#include "wechatpay/message.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "wechatpay/error_body.h"
#include "wechatpay/rfc3339.h"

namespace paygate::wechatpay {
namespace {

using namespace std::chrono;

TEST(Message, RequestMessageHasFiveLines) {
  std::string out;
  build_request_message("POST", "/v3/pay/transactions/jsapi", "1700000000", "abc", "{\"a\":1}",
                        out);
  EXPECT_EQ(out, "POST\n/v3/pay/transactions/jsapi\n1700000000\nabc\n{\"a\":1}\n");
}

TEST(Message, EmptyBodyStillEndsWithNewline) {
  std::string out;
  build_request_message("GET", "/v3/certificates?algorithm_type=RSA", "1", "n", "", out);
  EXPECT_EQ(out, "GET\n/v3/certificates?algorithm_type=RSA\n1\nn\n\n");
  build_response_message("1", "n", "", out);
  EXPECT_EQ(out, "1\nn\n\n");
}

TEST(Message, BodyEndingInNewlineGetsAnotherOne) {
  std::string out;
  build_response_message("1700000000", "n", "{}\n", out);
  EXPECT_EQ(out, "1700000000\nn\n{}\n\n");
}

TEST(Message, BufferCapacityIsReused) {
  std::string out;
  build_request_message("POST", "/v3/x", "1", "n", std::string(500, 'b'), out);
  const char* data = out.data();
  build_request_message("GET", "/v3/y", "2", "m", "", out);
  EXPECT_EQ(out.data(), data);
}

TEST(Message, TimestampText) {
  EXPECT_EQ(TimestampText(1700000000).view(), "1700000000");
  EXPECT_EQ(TimestampText(0).view(), "0");
  std::int64_t parsed = 0;
  EXPECT_TRUE(parse_timestamp("1700000000", parsed));
  EXPECT_EQ(parsed, 1700000000);
  EXPECT_FALSE(parse_timestamp("", parsed));
  EXPECT_FALSE(parse_timestamp("-1", parsed));
  EXPECT_FALSE(parse_timestamp("1e9", parsed));
  EXPECT_FALSE(parse_timestamp("99999999999999999999", parsed));
}

TEST(ErrorBody, EscapesAndOmitsDetailWhenAbsent) {
  std::string out;
  write_error_body(ErrorBody{"PARAM_ERROR", "参数\"错误\"\n", nullptr}, out);
  auto json = boost::json::parse(out).as_object();
  EXPECT_EQ(json.at("code"), "PARAM_ERROR");
  EXPECT_EQ(json.at("message"), "参数\"错误\"\n");
  EXPECT_FALSE(json.contains("detail"));
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(ErrorBody, CarriesDetail) {
  boost::json::object detail{{"field", "signature"}, {"location", "authorization"}};
  std::string out;
  write_error_body(ErrorBody{"SIGN_ERROR", "签名错误", &detail}, out);
  auto json = boost::json::parse(out).as_object();
  EXPECT_EQ(json.at("detail").at("location"), "authorization");
}

TEST(ErrorBody, FromCoreError) {
  std::string out;
  write_error_body(core::Error{core::ErrorKind::kRateLimited, "slow down"}, out);
  EXPECT_EQ(out, R"({"code":"FREQUENCY_LIMITED","message":"slow down"})");
}

TEST(Rfc3339, FormatsBeijingTime) {
  sys_seconds t = sys_days(year(2018) / 6 / 8) + hours(2) + minutes(34) + seconds(56);
  EXPECT_EQ(format_rfc3339_beijing(t), "2018-06-08T10:34:56+08:00");
  EXPECT_EQ(format_rfc3339_beijing(sys_days(year(2023) / 12 / 31) + hours(20)),
            "2024-01-01T04:00:00+08:00");
}

TEST(Rfc3339, ParsesOffsets) {
  sys_seconds t = sys_days(year(2018) / 6 / 8) + hours(2) + minutes(34) + seconds(56);
  EXPECT_EQ(parse_rfc3339("2018-06-08T10:34:56+08:00"), t);
  EXPECT_EQ(parse_rfc3339("2018-06-08T02:34:56Z"), t);
  EXPECT_EQ(parse_rfc3339("2018-06-07T21:34:56-05:00"), t);
  EXPECT_EQ(parse_rfc3339("2018-06-08T10:34:56.123+08:00"), t);
  for (const char* bad :
       {"", "2018-06-08", "2018-06-08T10:34:56", "2018-02-30T10:34:56Z", "2018-06-08T24:00:00Z",
        "2018-06-08T10:34:56+0800", "2018-06-08 10:34:56Z", "2018-06-08T10:34:56+08:00x"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace paygate::wechatpay
