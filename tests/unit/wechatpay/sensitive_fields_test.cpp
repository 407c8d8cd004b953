// Personal data in WeChat Pay bodies shown to an operator (wechatpay/sensitive_fields.h): the
// members that carry it are redacted at any depth, the rest is kept; bodies that are not JSON
// show only their size.
#include "wechatpay/sensitive_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace paygate::wechatpay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SensitiveFields, NamesAndSuffixes) {
  for (const char* name : {"openid", "sub_openid", "name", "payer_name", "phone", "contact_phone",
                           "mobile", "id_card_number", "account_number", "ciphertext", "email"}) {
    EXPECT_TRUE(is_sensitive_name(name)) << name;
  }
  for (const char* name : {"out_trade_no", "transaction_id", "mchid", "appid", "amount",
                           "trade_state", "create_time", "nonce", "openid_hint_count"}) {
    EXPECT_FALSE(is_sensitive_name(name)) << name;
  }
}

TEST(SensitiveFields, RedactsAtAnyDepthAndKeepsTheRest) {
  boost::json::value body = boost::json::parse(
      R"({"out_trade_no":"T1","payer":{"openid":"oUpF8u"},"amount":{"total":100},
          "resource":{"ciphertext":"c2VjcmV0","nonce":"n1"},
          "receivers":[{"account":"a","name":"Zhang San","phone":"13800000000"}]})");
  redact_sensitive_fields(body);
  EXPECT_EQ(boost::json::serialize(body),
            R"({"out_trade_no":"T1","payer":{"openid":"<redacted>"},"amount":{"total":100},)"
            R"("resource":{"ciphertext":"<redacted>","nonce":"n1"},)"
            R"("receivers":[{"account":"a","name":"<redacted>","phone":"<redacted>"}]})");
  // Whatever the value's type: an object under a sensitive name goes whole.
  boost::json::value nested = boost::json::parse(R"({"payer_name":{"first":"Li"}})");
  redact_sensitive_fields(nested);
  EXPECT_EQ(boost::json::serialize(nested), R"({"payer_name":"<redacted>"})");
}

TEST(SensitiveFields, RedactedBodyForALogLine) {
  const std::string line = redacted_body(R"({"id":7,"payer":{"openid":"oSECRET"}})", 100);
  EXPECT_EQ(line, R"({"id":7,"payer":{"openid":"<redacted>"}})");
  EXPECT_EQ(redacted_body(R"({"a":"0123456789"})", 8), R"({"a":"01...)");
  EXPECT_EQ(redacted_body("name=Zhang San&phone=138", 100), "<24 bytes, not JSON>");
  EXPECT_THAT(redacted_body("", 100), Not(HasSubstr("Zhang")));
}

}  // namespace
}  // namespace paygate::wechatpay
