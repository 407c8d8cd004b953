// BusinessKey: a body that names a configured business key with a non-empty string is safe to
// send twice; anything else (no key, an empty or non-string one, a nested one, not JSON, not an
// object) is not. The step never answers.
#include "steps/business_key.h"

#include <gtest/gtest.h>

#include <string>

namespace paygate::steps {
namespace {

TEST(BusinessKey, ATopLevelKeyWithAValueMakesARequestSafeToRepeat) {
  BusinessKey step({"out_trade_no", "out_refund_no"});
  EXPECT_TRUE(step.names_a_key(R"({"mchid":"1900000001","out_trade_no":"T1"})"));
  EXPECT_TRUE(step.names_a_key(R"({"out_refund_no":"R1","amount":{"refund":1}})"));
  EXPECT_FALSE(step.names_a_key(R"({"out_trade_no":""})"));
  EXPECT_FALSE(step.names_a_key(R"({"out_trade_no":12})"));
  EXPECT_FALSE(step.names_a_key(R"({"order":{"out_trade_no":"T1"}})"));
  EXPECT_FALSE(step.names_a_key(R"(["out_trade_no","T1"])"));
  EXPECT_FALSE(step.names_a_key(R"({"out_trade_no":"T1")"));  // cut short
  EXPECT_FALSE(step.names_a_key(""));
  EXPECT_FALSE(step.names_a_key("out_trade_no=T1"));
}

TEST(BusinessKey, ABodyLargerThanTheFrameBufferIsReadToo) {
  BusinessKey step({"out_trade_no"});
  std::string body = R"({"detail":")" + std::string(20'000, 'x') + R"(","out_trade_no":"T9"})";
  EXPECT_TRUE(step.names_a_key(body));
  EXPECT_TRUE(step.names_a_key(R"({"out_trade_no":"again"})"));  // the parser is reusable
}

}  // namespace
}  // namespace paygate::steps
