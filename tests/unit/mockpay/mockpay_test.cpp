#include "mockpay/mockpay.h"

#include <gtest/gtest.h>

#include "mockpay_fixture.h"

namespace paygate::mockpay {
namespace {

namespace json = boost::json;

using MockPayRoutingTest = MockPayTest;

TEST_F(MockPayRoutingTest, Health) {
  const Reply reply = get("/mock/health");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json(reply).at("status"), "UP");
  EXPECT_EQ(reply.content_type, "application/json");
}

TEST_F(MockPayRoutingTest, UnknownPathIsNotFound) {
  for (std::string_view target : {"/", "/v3", "/v3/pay/transactions/jsapi/extra",
                                  "/v3/pay/transactions/id/", "/v3/pay/transactions/bank"}) {
    EXPECT_TRUE(is_error(get(target), 404, "NOT_FOUND")) << target;
  }
}

TEST_F(MockPayRoutingTest, WrongMethodIsMethodNotAllowed) {
  EXPECT_EQ(get("/v3/pay/transactions/jsapi").status, 405);
  EXPECT_EQ(post("/v3/refund/domestic/refunds/R_1", "{}").status, 405);
  EXPECT_EQ(pay_.handle("DELETE", "/mock/health", "", "").status, 405);
  EXPECT_EQ(pay_.handle("post", "/v3/refund/domestic/refunds", "{}", "").status, 405);
}

TEST_F(MockPayRoutingTest, BadTargetIsInvalidRequest) {
  EXPECT_TRUE(is_error(get("/v3/%zz"), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(is_error(get("https://api.mch.weixin.qq.com/mock/health"), 400, "INVALID_REQUEST"));
}

TEST_F(MockPayRoutingTest, PercentEncodedPathParameters) {
  create_order("A|B*C-D_1");
  const Reply reply = get("/v3/pay/transactions/out-trade-no/A%7CB*C-D_1?mchid=1900000001");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply).at("out_trade_no"), "A|B*C-D_1");
}

TEST_F(MockPayRoutingTest, TakeEventsDrainsInOrder) {
  paid_order("EVENTS_0");  // drained by the helper
  create_order("EVENTS_1");
  create_order("EVENTS_2");
  pay_order("EVENTS_1");
  pay_order("EVENTS_2");
  post(
      "/v3/refund/domestic/refunds",
      R"({"out_trade_no":"EVENTS_1","out_refund_no":"R_1","amount":{"refund":1,"total":100,"currency":"CNY"}})");
  const std::vector<Event> events = pay_.take_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(json::parse(events[0].resource).at("out_trade_no"), "EVENTS_1");
  EXPECT_EQ(json::parse(events[1].resource).at("out_trade_no"), "EVENTS_2");
  EXPECT_EQ(events[2].event_type, "REFUND.SUCCESS");
  EXPECT_TRUE(pay_.take_events().empty());
}

TEST_F(MockPayRoutingTest, FailedRequestsRecordNoEvents) {
  create_order("NO_EVENT");
  post("/v3/pay/transactions/out-trade-no/NO_EVENT/close", R"({"mchid":"1900000001"})");
  pay_order("NO_EVENT");
  post(
      "/v3/refund/domestic/refunds",
      R"({"out_trade_no":"NO_EVENT","out_refund_no":"R_1","amount":{"refund":1,"total":100,"currency":"CNY"}})");
  EXPECT_TRUE(pay_.take_events().empty());
}

TEST_F(MockPayRoutingTest, ErrorBodiesHaveCodeAndMessage) {
  const json::object body = json(get("/nowhere"));
  EXPECT_TRUE(body.at("code").is_string());
  EXPECT_TRUE(body.at("message").is_string());
}

TEST_F(MockPayRoutingTest, GarbageNeverCrashes) {
  const std::string_view targets[] = {"/v3/pay/transactions/jsapi", "/v3/refund/domestic/refunds",
                                      "/v3/pay/transactions/out-trade-no/X123456/close",
                                      "/mock/pay/X123456"};
  const std::string_view bodies[] = {"",
                                     "null",
                                     "{}",
                                     "[]",
                                     "{\"amount\":[]}",
                                     "{\"amount\":{\"total\":{}}}",
                                     "{\"payer\":\"x\",\"amount\":{\"total\":1e400}}",
                                     std::string_view("{\"a\":\"\0\"}", 9),
                                     "{\"mchid\":\"1900000001\",\"out_trade_no\":{\"a\":1}}",
                                     "\xff\xfe"};
  for (std::string_view target : targets) {
    for (std::string_view body : bodies) {
      const Reply reply = post(target, body);
      EXPECT_GE(reply.status, 400) << target << " " << body;
      EXPECT_LT(reply.status, 500) << target << " " << body;
    }
  }
}

}  // namespace
}  // namespace paygate::mockpay
