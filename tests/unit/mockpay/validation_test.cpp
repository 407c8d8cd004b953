#include "mockpay/validation.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace paygate::mockpay {
namespace {

namespace json = boost::json;

TEST(Validation, OutTradeNoCharacters) {
  EXPECT_TRUE(is_out_trade_no("1217752501201407033233368018"));
  EXPECT_TRUE(is_out_trade_no("a_b-c*d|e"));
  EXPECT_FALSE(is_out_trade_no("abc def"));
  EXPECT_FALSE(is_out_trade_no("abc@def"));
  EXPECT_FALSE(is_out_trade_no("订单123456"));
  EXPECT_TRUE(is_out_refund_no("abc@def"));
}

TEST(Validation, NotifyUrlIsAbsoluteHttpWithoutQuery) {
  EXPECT_TRUE(is_http_url("https://merchant.example/notify"));
  EXPECT_TRUE(is_http_url("http://127.0.0.1:8080/notify"));
  EXPECT_FALSE(is_http_url("ftp://merchant.example/notify"));
  EXPECT_FALSE(is_http_url("https://merchant.example/notify?a=1"));
  EXPECT_FALSE(is_http_url("/notify"));
  EXPECT_FALSE(is_http_url("https:///notify"));
  EXPECT_FALSE(is_http_url("not a url"));
}

TEST(Validation, CountsUtf8Characters) {
  EXPECT_EQ(utf8_chars("abc"), 3u);
  EXPECT_EQ(utf8_chars("腾讯"), 2u);
  EXPECT_EQ(utf8_chars(""), 0u);
}

json::object body(std::string_view text) { return json::parse(text).as_object(); }

TEST(BodyFields, ReadsValidFields) {
  const auto doc = body(R"({"s":"abcdef","amount":{"total":100}})");
  BodyFields fields(doc);
  EXPECT_EQ(fields.string("/s", kOutTradeNoRule), "abcdef");
  EXPECT_EQ(fields.amount("/amount/total"), 100);
  EXPECT_FALSE(fields.string("/absent", kAttachRule, Presence::kOptional));
  EXPECT_TRUE(fields.ok());
}

TEST(BodyFields, ReportsAMissingRequiredField) {
  const auto doc = body(R"({})");
  BodyFields fields(doc);
  EXPECT_FALSE(fields.string("/appid", kAppIdRule));
  ASSERT_FALSE(fields.ok());
  EXPECT_EQ(fields.issue().field, "/appid");
  EXPECT_EQ(fields.issue().location, "body");
  EXPECT_EQ(fields.issue().issue, "is required");
  EXPECT_FALSE(fields.issue().value);
}

TEST(BodyFields, ReportsWrongTypesLengthsAndRulesWithTheValue) {
  const auto wrong_type = body(R"({"appid":5})");
  BodyFields a(wrong_type);
  a.string("/appid", kAppIdRule);
  EXPECT_EQ(a.issue().issue, "must be a string");
  EXPECT_EQ(*a.issue().value, json::value(5));

  const auto too_short = body(R"({"out_trade_no":"12345"})");
  BodyFields b(too_short);
  b.string("/out_trade_no", kOutTradeNoRule);
  EXPECT_EQ(b.issue().issue, "length must be 6-32");

  const auto bad_chars = body(R"({"out_trade_no":"123 456"})");
  BodyFields c(bad_chars);
  c.string("/out_trade_no", kOutTradeNoRule);
  EXPECT_EQ(c.issue().field, "/out_trade_no");
  EXPECT_EQ(c.issue().issue, kOutTradeNoRule.invalid_issue);
}

TEST(BodyFields, DescriptionLimitCountsCharactersNotBytes) {
  std::string chinese;
  for (int i = 0; i < 127; ++i) chinese += "腾";
  const auto ok = json::object{{"d", chinese}};
  BodyFields fields(ok);
  EXPECT_TRUE(fields.string("/d", kDescriptionRule));
  const auto too_long = json::object{{"d", chinese + "a"}};
  BodyFields longer(too_long);
  EXPECT_FALSE(longer.string("/d", kDescriptionRule));
}

TEST(BodyFields, AmountMustBeAPositiveInt32) {
  for (std::string_view text : {R"({"t":0})", R"({"t":-1})", R"({"t":1.0})", R"({"t":"1"})",
                                R"({"t":2147483648})", R"({"t":18446744073709551615})"}) {
    const auto doc = body(text);
    BodyFields fields(doc);
    EXPECT_FALSE(fields.amount("/t")) << text;
    EXPECT_FALSE(fields.ok()) << text;
  }
  const auto max = body(R"({"t":2147483647})");
  BodyFields fields(max);
  EXPECT_EQ(fields.amount("/t"), 2147483647);
}

TEST(BodyFields, KeepsTheFirstIssue) {
  const auto doc = body(R"({"b":1})");
  BodyFields fields(doc);
  fields.string("/a", kAppIdRule);
  fields.string("/b", kAppIdRule);
  EXPECT_EQ(fields.issue().field, "/a");
}

TEST(BodyFields, ObjectMustBeAnObject) {
  const auto doc = body(R"({"amount":"100"})");
  BodyFields fields(doc);
  fields.object("/amount", Presence::kRequired);
  EXPECT_EQ(fields.issue().field, "/amount");
  EXPECT_EQ(fields.issue().issue, "must be an object");
}

}  // namespace
}  // namespace paygate::mockpay
