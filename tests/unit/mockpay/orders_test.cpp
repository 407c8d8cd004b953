#include "mockpay/orders.h"

#include <gtest/gtest.h>

#include "mockpay_fixture.h"

namespace paygate::mockpay {
namespace {

namespace json = boost::json;

using OrdersTest = MockPayTest;

std::string query_path(std::string_view out_trade_no) {
  return "/v3/pay/transactions/out-trade-no/" + std::string(out_trade_no) +
         "?mchid=" + std::string(kMchid);
}

// --- create ---

TEST_F(OrdersTest, JsapiAndAppAnswerAPrepayId) {
  for (std::string_view kind : {"jsapi", "app"}) {
    json::object order = order_json(std::string("ORDER_") + std::string(kind));
    if (kind == "app") order.erase("payer");
    const Reply reply = post("/v3/pay/transactions/" + std::string(kind), text(order));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const std::string prepay_id(json(reply).at("prepay_id").as_string());
    EXPECT_TRUE(prepay_id.starts_with("wx20240501120000")) << prepay_id;
  }
}

TEST_F(OrdersTest, NativeAnswersACodeUrl) {
  json::object order = order_json("NATIVE_1");
  order.erase("payer");
  const Reply reply = post("/v3/pay/transactions/native", text(order));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(json(reply).at("code_url").as_string().starts_with("weixin://wxpay/bizpayurl?pr="));
}

TEST_F(OrdersTest, H5AnswersAnH5UrlAndNeedsTheScene) {
  json::object order = order_json("H5_ORDER_1");
  order.erase("payer");
  EXPECT_EQ(field_of(post("/v3/pay/transactions/h5", text(order))), "/scene_info");
  order["scene_info"] = {{"payer_client_ip", "14.23.150.211"}, {"h5_info", {{"type", "Wap"}}}};
  const Reply reply = post("/v3/pay/transactions/h5", text(order));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(json(reply).at("h5_url").as_string().starts_with("https://wx.tenpay.com/"));
  EXPECT_EQ(json(get(query_path("H5_ORDER_1"))).at("trade_type"), "MWEB");
}

TEST_F(OrdersTest, JsapiNeedsThePayer) {
  json::object order = order_json("JSAPI_NO_PAYER");
  order.erase("payer");
  EXPECT_EQ(field_of(post("/v3/pay/transactions/jsapi", text(order))), "/payer");
  order["payer"] = json::object{};
  EXPECT_EQ(field_of(post("/v3/pay/transactions/jsapi", text(order))), "/payer/openid");
}

TEST_F(OrdersTest, IdenticalRepeatIsTheSameOrder) {
  const Reply first = create_order("REPEAT_1");
  json::object reordered = order_json("REPEAT_1");
  const json::value amount = reordered.at("amount");
  reordered.erase("amount");
  reordered["amount"] = amount;  // key order does not matter
  const Reply again = post("/v3/pay/transactions/jsapi", text(reordered));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
}

TEST_F(OrdersTest, DifferentContentUnderAUsedOutTradeNoIsRefused) {
  create_order("USED_1", 100);
  EXPECT_TRUE(is_error(create_order("USED_1", 200), 403, "OUT_TRADE_NO_USED"));
  json::object native = order_json("USED_1", 100);
  EXPECT_TRUE(
      is_error(post("/v3/pay/transactions/native", text(native)), 403, "OUT_TRADE_NO_USED"));
}

TEST_F(OrdersTest, SameOutTradeNoForAnotherMerchantIsAnotherOrder) {
  create_order("SHARED_1");
  json::object other = order_json("SHARED_1", 999);
  other["mchid"] = "1900000002";
  EXPECT_EQ(post("/v3/pay/transactions/jsapi", text(other), "1900000002").status, 200);
}

TEST_F(OrdersTest, RepeatOfAPaidOrderIsRefused) {
  paid_order("PAID_REPEAT");
  EXPECT_TRUE(is_error(create_order("PAID_REPEAT"), 403, "ORDERPAID"));
}

// --- create: validation ---

struct BadField {
  std::string pointer;  // the field to change
  json::value value;    // its new value; null = remove it
};

class CreateValidationTest : public MockPayTest, public ::testing::WithParamInterface<BadField> {};

void set_field(json::object& order, std::string_view pointer, const json::value& value) {
  json::object* parent = &order;
  std::string_view key = pointer.substr(1);
  if (const auto slash = key.find('/'); slash != key.npos) {
    parent = &order.at(key.substr(0, slash)).as_object();
    key = key.substr(slash + 1);
  }
  if (value.is_null()) {
    parent->erase(key);
  } else {
    (*parent)[key] = value;
  }
}

TEST_P(CreateValidationTest, AnswersParamErrorNamingTheField) {
  json::object order = order_json("VALID_1");
  set_field(order, GetParam().pointer, GetParam().value);
  const Reply reply = post("/v3/pay/transactions/jsapi", text(order));
  ASSERT_TRUE(is_error(reply, 400, "PARAM_ERROR"));
  EXPECT_EQ(field_of(reply), GetParam().pointer);
  EXPECT_EQ(json(reply).at("detail").at("location"), "body");
  EXPECT_FALSE(json(reply).at("detail").at("issue").as_string().empty());
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, CreateValidationTest,
    ::testing::Values(BadField{"/appid", nullptr}, BadField{"/appid", ""}, BadField{"/appid", 7},
                      BadField{"/mchid", nullptr}, BadField{"/description", nullptr},
                      BadField{"/description", json::string(128, 'd')},
                      BadField{"/out_trade_no", nullptr}, BadField{"/out_trade_no", "12345"},
                      BadField{"/out_trade_no", json::string(33, '1')},
                      BadField{"/out_trade_no", "ORDER 123"}, BadField{"/notify_url", nullptr},
                      BadField{"/notify_url", "merchant.example/notify"},
                      BadField{"/notify_url", "ftp://merchant.example/notify"},
                      BadField{"/attach", json::string(129, 'a')}, BadField{"/amount", nullptr},
                      BadField{"/amount", 100}, BadField{"/amount/total", nullptr},
                      BadField{"/amount/total", 0}, BadField{"/amount/total", -5},
                      BadField{"/amount/total", 1.5}, BadField{"/amount/currency", "USD"},
                      BadField{"/payer/openid", nullptr}));

TEST_F(OrdersTest, AcceptsTheLimits) {
  json::object order = order_json("LIMITS_1");
  order["description"] = std::string(127, 'd');
  order["attach"] = std::string(128, 'a');
  order["out_trade_no"] = "a_-*|" + std::string(27, '9');
  order["amount"].as_object().erase("currency");
  EXPECT_EQ(post("/v3/pay/transactions/jsapi", text(order)).status, 200);
}

TEST_F(OrdersTest, MalformedBodyIsParamError) {
  for (std::string_view body : {"", "{", "[1,2]", "\"text\"", "{\"a\":1}x"}) {
    EXPECT_TRUE(is_error(post("/v3/pay/transactions/jsapi", body), 400, "PARAM_ERROR")) << body;
  }
}

TEST_F(OrdersTest, BodyMchidMustMatchTheVerifiedMerchant) {
  EXPECT_TRUE(
      is_error(post("/v3/pay/transactions/jsapi", text(order_json("MISMATCH_1")), "1900000099"),
               400, "APPID_MCHID_NOT_MATCH"));
  EXPECT_EQ(post("/v3/pay/transactions/jsapi", text(order_json("NO_HEADER_1")), "").status, 200);
}

// --- query ---

TEST_F(OrdersTest, QueryByOutTradeNoShowsAnUnpaidOrder) {
  json::object order = order_json("QUERY_1", 88);
  order["attach"] = "custom";
  post("/v3/pay/transactions/jsapi", text(order));
  const Reply reply = get(query_path("QUERY_1"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::object transaction = json(reply);
  EXPECT_EQ(transaction.at("trade_state"), "NOTPAY");
  EXPECT_EQ(transaction.at("trade_type"), "JSAPI");
  EXPECT_EQ(transaction.at("appid"), json::value(kAppId));
  EXPECT_EQ(transaction.at("mchid"), json::value(kMchid));
  EXPECT_EQ(transaction.at("attach"), "custom");
  EXPECT_EQ(transaction.at("amount").at("total"), 88);
  EXPECT_FALSE(transaction.contains("transaction_id"));
  EXPECT_FALSE(transaction.contains("success_time"));
}

TEST_F(OrdersTest, QueryByTransactionIdFindsThePaidOrder) {
  const std::string transaction_id = paid_order("QUERY_2");
  const Reply reply = get("/v3/pay/transactions/id/" + transaction_id + "?mchid=1900000001");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply).at("out_trade_no"), "QUERY_2");
  EXPECT_EQ(json(reply).at("trade_state"), "SUCCESS");
}

TEST_F(OrdersTest, QueryErrors) {
  create_order("QUERY_3");
  EXPECT_TRUE(is_error(get(query_path("NOPE_404")), 404, "ORDER_NOT_EXIST"));
  EXPECT_TRUE(is_error(get("/v3/pay/transactions/id/4200000000000000000000000000?mchid=1900000001"),
                       404, "ORDER_NOT_EXIST"));
  const Reply missing = get("/v3/pay/transactions/out-trade-no/QUERY_3");
  EXPECT_TRUE(is_error(missing, 400, "PARAM_ERROR"));
  EXPECT_EQ(field_of(missing), "mchid");
  EXPECT_EQ(json(missing).at("detail").at("location"), "query");
  EXPECT_TRUE(is_error(get(query_path("QUERY_3"), "1900000099"), 400, "APPID_MCHID_NOT_MATCH"));
  const Reply bad_id = get("/v3/pay/transactions/id/42abc?mchid=1900000001");
  EXPECT_TRUE(is_error(bad_id, 400, "PARAM_ERROR"));
  EXPECT_EQ(json(bad_id).at("detail").at("location"), "path");
}

TEST_F(OrdersTest, QueryDoesNotSeeAnotherMerchantsOrder) {
  create_order("PRIVATE_1");
  EXPECT_TRUE(
      is_error(get("/v3/pay/transactions/out-trade-no/PRIVATE_1?mchid=1900000002", "1900000002"),
               404, "ORDER_NOT_EXIST"));
}

// --- pay (demo control) ---

TEST_F(OrdersTest, PayingSettlesTheOrder) {
  ASSERT_EQ(create_order("PAY_ONE", 250).status, 200);
  const Reply reply = pay_order("PAY_ONE");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::object transaction = json(reply);
  EXPECT_EQ(transaction.at("trade_state"), "SUCCESS");
  EXPECT_EQ(transaction.at("trade_state_desc"), "支付成功");
  EXPECT_EQ(transaction.at("transaction_id").as_string().size(), 28u);
  EXPECT_EQ(transaction.at("success_time"), "2024-05-01T12:00:00+08:00");
  EXPECT_EQ(transaction.at("bank_type"), "OTHERS");
  EXPECT_EQ(transaction.at("amount").at("payer_total"), 250);
  EXPECT_EQ(transaction.at("payer").at("openid"), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
  EXPECT_EQ(json(get(query_path("PAY_ONE"))), transaction);
}

TEST_F(OrdersTest, PayingMakesUpAPayerWhenTheOrderHadNone) {
  json::object order = order_json("PAY_NATIVE");
  order.erase("payer");
  post("/v3/pay/transactions/native", text(order));
  EXPECT_EQ(json(pay_order("PAY_NATIVE")).at("payer").at("openid").as_string().size(), 28u);
}

TEST_F(OrdersTest, PayErrors) {
  EXPECT_TRUE(is_error(pay_order("NOPE_404"), 404, "ORDER_NOT_EXIST"));
  paid_order("PAY_TWICE");
  EXPECT_TRUE(is_error(pay_order("PAY_TWICE"), 403, "ORDERPAID"));
  create_order("PAY_OTHER");
  EXPECT_TRUE(is_error(post("/mock/pay/PAY_OTHER?mchid=1900000001", "", "1900000002"), 400,
                       "APPID_MCHID_NOT_MATCH"));
  EXPECT_EQ(post("/mock/pay/PAY_OTHER?mchid=1900000001", "", "").status, 200);
}

TEST_F(OrdersTest, PayingRecordsATransactionSuccessEvent) {
  create_order("EVENT_1", 300);
  const Reply paid = pay_order("EVENT_1");
  const std::vector<Event> events = pay_.take_events();
  ASSERT_EQ(events.size(), 1u);
  const Event& event = events[0];
  EXPECT_EQ(event.mchid, kMchid);
  EXPECT_EQ(event.notify_url, "https://merchant.example/notify");
  EXPECT_EQ(event.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(event.resource_type, "encrypt-resource");
  EXPECT_EQ(event.original_type, "transaction");
  EXPECT_EQ(event.summary, "支付成功");
  EXPECT_EQ(event.create_time, "2024-05-01T12:00:00+08:00");
  EXPECT_EQ(json::parse(event.resource), json::parse(paid.body));
  EXPECT_TRUE(pay_.take_events().empty());
}

// --- close ---

TEST_F(OrdersTest, CloseThenPayIsOrderClosed) {
  create_order("CLOSE_1");
  const Reply closed =
      post("/v3/pay/transactions/out-trade-no/CLOSE_1/close", R"({"mchid":"1900000001"})");
  EXPECT_EQ(closed.status, 204);
  EXPECT_TRUE(closed.body.empty());
  EXPECT_EQ(json(get(query_path("CLOSE_1"))).at("trade_state"), "CLOSED");
  EXPECT_TRUE(is_error(pay_order("CLOSE_1"), 400, "ORDER_CLOSED"));
  EXPECT_TRUE(is_error(create_order("CLOSE_1"), 400, "ORDER_CLOSED"));
  EXPECT_EQ(
      post("/v3/pay/transactions/out-trade-no/CLOSE_1/close", R"({"mchid":"1900000001"})").status,
      204);
  EXPECT_TRUE(pay_.take_events().empty());
}

TEST_F(OrdersTest, CloseErrors) {
  const std::string path = "/v3/pay/transactions/out-trade-no/CLOSE_2/close";
  EXPECT_TRUE(is_error(post(path, R"({"mchid":"1900000001"})"), 404, "ORDER_NOT_EXIST"));
  create_order("CLOSE_2");
  EXPECT_EQ(field_of(post(path, "{}")), "/mchid");
  EXPECT_TRUE(is_error(post(path, "not json"), 400, "PARAM_ERROR"));
  EXPECT_TRUE(is_error(post(path, R"({"mchid":"1900000002"})"), 400, "APPID_MCHID_NOT_MATCH"));
  pay_order("CLOSE_2");
  EXPECT_TRUE(is_error(post(path, R"({"mchid":"1900000001"})"), 403, "ORDERPAID"));
}

}  // namespace
}  // namespace paygate::mockpay
