#include "mockpay/refunds.h"

#include <gtest/gtest.h>

#include "mockpay_fixture.h"

namespace paygate::mockpay {
namespace {

namespace json = boost::json;

class RefundsTest : public MockPayTest {
 protected:
  static json::object refund_json_body(std::string_view out_refund_no, std::int64_t refund,
                                       std::int64_t total = 100) {
    return {{"out_trade_no", "REFUND_ORDER"},
            {"out_refund_no", out_refund_no},
            {"reason", "商品已售完"},
            {"amount", {{"refund", refund}, {"total", total}, {"currency", "CNY"}}}};
  }
  Reply refund(const json::object& body, std::string_view mchid = kMchid) {
    return post("/v3/refund/domestic/refunds", text(body), mchid);
  }
  Reply refund(std::string_view out_refund_no, std::int64_t amount) {
    return refund(refund_json_body(out_refund_no, amount));
  }
  std::string order_state() {
    return std::string(json(get("/v3/pay/transactions/out-trade-no/REFUND_ORDER?mchid=1900000001"))
                           .at("trade_state")
                           .as_string());
  }
};

TEST_F(RefundsTest, RefundSucceedsAtOnce) {
  const std::string transaction_id = paid_order("REFUND_ORDER");
  const Reply reply = refund("R_1", 30);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::object body = json(reply);
  EXPECT_EQ(body.at("status"), "SUCCESS");
  EXPECT_EQ(body.at("out_refund_no"), "R_1");
  EXPECT_EQ(body.at("out_trade_no"), "REFUND_ORDER");
  EXPECT_EQ(body.at("transaction_id"), json::value(transaction_id));
  EXPECT_EQ(body.at("channel"), "ORIGINAL");
  EXPECT_EQ(body.at("create_time"), "2024-05-01T12:00:00+08:00");
  EXPECT_EQ(body.at("success_time"), "2024-05-01T12:00:00+08:00");
  const std::string refund_id(body.at("refund_id").as_string());
  EXPECT_EQ(refund_id.size(), 29u);
  EXPECT_TRUE(refund_id.starts_with("50"));
  EXPECT_EQ(body.at("amount").at("refund"), 30);
  EXPECT_EQ(body.at("amount").at("total"), 100);
  EXPECT_EQ(body.at("amount").at("payer_refund"), 30);
  EXPECT_EQ(body.at("amount").at("currency"), "CNY");
  EXPECT_EQ(order_state(), "SUCCESS");  // partly refunded
}

TEST_F(RefundsTest, RefundByTransactionId) {
  const std::string transaction_id = paid_order("REFUND_ORDER");
  json::object body = refund_json_body("R_TX", 10);
  body.erase("out_trade_no");
  body["transaction_id"] = transaction_id;
  const Reply reply = refund(body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply).at("out_trade_no"), "REFUND_ORDER");
}

TEST_F(RefundsTest, PartialRefundsUpToTheTotal) {
  paid_order("REFUND_ORDER");
  EXPECT_EQ(refund("R_1", 40).status, 200);
  EXPECT_EQ(refund("R_2", 40).status, 200);
  EXPECT_TRUE(is_error(refund("R_3", 21), 403, "NOT_ENOUGH"));
  EXPECT_EQ(order_state(), "SUCCESS");
  EXPECT_EQ(refund("R_3", 20).status, 200);
  EXPECT_EQ(order_state(), "REFUND");
  EXPECT_TRUE(is_error(refund("R_4", 1), 403, "NOT_ENOUGH"));
}

TEST_F(RefundsTest, RefundOverThePaidAmountIsNotEnough) {
  paid_order("REFUND_ORDER");
  EXPECT_TRUE(is_error(refund("R_BIG", 101), 403, "NOT_ENOUGH"));
}

TEST_F(RefundsTest, RefundOfAnUnpaidOrderIsTradeError) {
  create_order("REFUND_ORDER");
  EXPECT_TRUE(is_error(refund("R_1", 10), 403, "TRADE_ERROR"));
}

TEST_F(RefundsTest, RefundOfAClosedOrderIsOrderClosed) {
  create_order("REFUND_ORDER");
  post("/v3/pay/transactions/out-trade-no/REFUND_ORDER/close", R"({"mchid":"1900000001"})");
  EXPECT_TRUE(is_error(refund("R_1", 10), 400, "ORDER_CLOSED"));
}

TEST_F(RefundsTest, RefundOfAnUnknownOrderIsOrderNotExist) {
  EXPECT_TRUE(is_error(refund("R_1", 10), 404, "ORDER_NOT_EXIST"));
  paid_order("REFUND_ORDER");
  EXPECT_TRUE(is_error(refund(refund_json_body("R_1", 10), "1900000002"), 404, "ORDER_NOT_EXIST"));
}

TEST_F(RefundsTest, TotalMustBeTheOrderTotal) {
  paid_order("REFUND_ORDER");
  const Reply reply = refund(refund_json_body("R_1", 10, 99));
  EXPECT_TRUE(is_error(reply, 400, "PARAM_ERROR"));
  EXPECT_EQ(field_of(reply), "/amount/total");
}

TEST_F(RefundsTest, SameRefundAgainIsTheSameRefund) {
  paid_order("REFUND_ORDER");
  const Reply first = refund("R_1", 60);
  pay_.take_events();
  const Reply again = refund("R_1", 60);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json(again), json(first));
  EXPECT_TRUE(pay_.take_events().empty());
  EXPECT_EQ(refund("R_2", 40).status, 200);  // the repeat did not count twice
  EXPECT_TRUE(is_error(refund("R_1", 10), 400, "INVALID_REQUEST"));
}

TEST_F(RefundsTest, AtMostFiftyRefundsPerOrder) {
  paid_order("REFUND_ORDER", 1000);
  for (int i = 0; i < Refunds::kMaxRefundsPerOrder; ++i) {
    ASSERT_EQ(refund(refund_json_body("R_" + std::to_string(i), 1, 1000)).status, 200);
  }
  EXPECT_TRUE(is_error(refund(refund_json_body("R_LAST", 1, 1000)), 403, "RULE_LIMIT"));
}

TEST_F(RefundsTest, ValidationErrors) {
  paid_order("REFUND_ORDER");
  const auto field_error = [&](json::object body) { return field_of(refund(body)); };
  json::object body = refund_json_body("R_1", 10);
  body.erase("out_refund_no");
  EXPECT_EQ(field_error(body), "/out_refund_no");
  body = refund_json_body("R 1", 10);
  EXPECT_EQ(field_error(body), "/out_refund_no");
  body = refund_json_body("R_1", 10);
  body.erase("out_trade_no");
  EXPECT_EQ(field_error(body), "/out_trade_no");
  body = refund_json_body("R_1", 0);
  EXPECT_EQ(field_error(body), "/amount/refund");
  body = refund_json_body("R_1", 10);
  body["amount"].as_object().erase("currency");
  EXPECT_EQ(field_error(body), "/amount/currency");
  body = refund_json_body("R_1", 10);
  body["notify_url"] = "not a url";
  EXPECT_EQ(field_error(body), "/notify_url");
  body = refund_json_body("R_1", 10);
  body["transaction_id"] = "42x";
  EXPECT_EQ(field_error(body), "/transaction_id");
  body = refund_json_body("R_1", 10);
  body["reason"] = std::string(81, 'r');
  EXPECT_EQ(field_error(body), "/reason");
  EXPECT_TRUE(is_error(post("/v3/refund/domestic/refunds", "{]"), 400, "PARAM_ERROR"));
}

TEST_F(RefundsTest, QueryARefund) {
  paid_order("REFUND_ORDER");
  const Reply created = refund("R_Q", 25);
  const Reply reply = get("/v3/refund/domestic/refunds/R_Q");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply), json(created));
  EXPECT_EQ(get("/v3/refund/domestic/refunds/R_Q", "").status, 200);
  EXPECT_TRUE(is_error(get("/v3/refund/domestic/refunds/R_NONE"), 404, "RESOURCE_NOT_EXISTS"));
  EXPECT_TRUE(
      is_error(get("/v3/refund/domestic/refunds/R_Q", "1900000002"), 404, "RESOURCE_NOT_EXISTS"));
}

TEST_F(RefundsTest, RefundRecordsARefundSuccessEvent) {
  const std::string transaction_id = paid_order("REFUND_ORDER");
  const Reply created = refund("R_E", 100);
  const std::vector<Event> events = pay_.take_events();
  ASSERT_EQ(events.size(), 1u);
  const Event& event = events[0];
  EXPECT_EQ(event.event_type, "REFUND.SUCCESS");
  EXPECT_EQ(event.summary, "退款成功");
  EXPECT_EQ(event.mchid, kMchid);
  EXPECT_EQ(event.original_type, "refund");
  EXPECT_EQ(event.resource_type, "encrypt-resource");
  EXPECT_EQ(event.notify_url, "https://merchant.example/notify");  // the order's
  const json::object resource = json::parse(event.resource).as_object();
  EXPECT_EQ(resource.at("refund_status"), "SUCCESS");
  EXPECT_EQ(resource.at("out_refund_no"), "R_E");
  EXPECT_EQ(resource.at("transaction_id"), json::value(transaction_id));
  EXPECT_EQ(resource.at("refund_id"), json(created).at("refund_id"));
  EXPECT_EQ(resource.at("amount").at("refund"), 100);
}

TEST_F(RefundsTest, RefundEventGoesToTheRefundsOwnNotifyUrl) {
  paid_order("REFUND_ORDER");
  json::object body = refund_json_body("R_N", 5);
  body["notify_url"] = "https://merchant.example/refund-notify";
  refund(body);
  const std::vector<Event> events = pay_.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].notify_url, "https://merchant.example/refund-notify");
}

}  // namespace
}  // namespace paygate::mockpay
