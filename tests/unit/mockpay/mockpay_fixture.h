#pragma once
// Test fixture shared by the mockpay tests: a MockPay on a settable clock, request helpers and
// a few canned bodies. Header-only, included by the test files of this directory.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "mockpay/mockpay.h"

namespace paygate::mockpay {

inline constexpr std::string_view kMchid = "1900000001";
inline constexpr std::string_view kAppId = "wxd678efh567hg6787";

class MockPayTest : public ::testing::Test {
 protected:
  // 2024-05-01 12:00:00 in China Standard Time.
  TimePoint now_ = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours{4};
  MockPay pay_{MockPayOptions{[this] { return now_; }, "https://mock.test"}};

  Reply post(std::string_view target, std::string_view body, std::string_view mchid = kMchid) {
    return pay_.handle("POST", target, body, mchid);
  }
  Reply get(std::string_view target, std::string_view mchid = kMchid) {
    return pay_.handle("GET", target, "", mchid);
  }

  static boost::json::object order_json(std::string_view out_trade_no, std::int64_t total = 100) {
    return {{"appid", kAppId},
            {"mchid", kMchid},
            {"description", "Image形象店-深圳腾大-QQ公仔"},
            {"out_trade_no", out_trade_no},
            {"notify_url", "https://merchant.example/notify"},
            {"amount", {{"total", total}, {"currency", "CNY"}}},
            {"payer", {{"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}}};
  }
  static std::string text(const boost::json::value& value) { return boost::json::serialize(value); }

  Reply create_order(std::string_view out_trade_no, std::int64_t total = 100) {
    return post("/v3/pay/transactions/jsapi", text(order_json(out_trade_no, total)));
  }
  Reply pay_order(std::string_view out_trade_no) {
    return post("/mock/pay/" + std::string(out_trade_no), "");
  }
  // An order that has been paid, its events drained.
  std::string paid_order(std::string_view out_trade_no, std::int64_t total = 100) {
    EXPECT_EQ(create_order(out_trade_no, total).status, 200);
    const Reply paid = pay_order(out_trade_no);
    EXPECT_EQ(paid.status, 200) << paid.body;
    pay_.take_events();
    return std::string(json(paid).at("transaction_id").as_string());
  }

  static boost::json::object json(const Reply& reply) {
    return boost::json::parse(reply.body).as_object();
  }
  static std::string code_of(const Reply& reply) {
    return std::string(json(reply).at("code").as_string());
  }
  static std::string field_of(const Reply& reply) {
    return std::string(json(reply).at("detail").at("field").as_string());
  }
  // Use as EXPECT_TRUE(is_error(reply, 400, "PARAM_ERROR")).
  static ::testing::AssertionResult is_error(const Reply& reply, int status,
                                             std::string_view code) {
    if (reply.status == status && code_of(reply) == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << reply.status << " " << reply.body;
  }
};

}  // namespace paygate::mockpay
