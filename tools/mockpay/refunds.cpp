#include "mockpay/refunds.h"

#include "mockpay/json_util.h"
#include "mockpay/validation.h"

namespace paygate::mockpay {

namespace json = boost::json;

namespace {
constexpr StringRule kFundsAccountRule{32};

// The refund fields of the body; the order they refer to is found afterwards.
Refund read_refund(BodyFields& fields) {
  Refund refund;
  refund.out_refund_no = fields.string("/out_refund_no", kOutRefundNoRule).value_or("");
  refund.transaction_id =
      fields.string("/transaction_id", kTransactionIdRule, Presence::kOptional).value_or("");
  refund.out_trade_no =
      fields.string("/out_trade_no", kOutTradeNoRule, Presence::kOptional).value_or("");
  refund.reason = fields.string("/reason", kReasonRule, Presence::kOptional).value_or("");
  refund.notify_url =
      fields.string("/notify_url", kNotifyUrlRule, Presence::kOptional).value_or("");
  refund.funds_account =
      fields.string("/funds_account", kFundsAccountRule, Presence::kOptional).value_or("AVAILABLE");
  fields.object("/amount", Presence::kRequired);
  refund.refund = fields.amount("/amount/refund").value_or(0);
  refund.total = fields.amount("/amount/total").value_or(0);
  fields.string("/amount/currency", kCurrencyRule);
  return refund;
}

// The refund notification's resource differs from the query object: refund_status, no status.
json::object refund_notice_json(const Refund& refund) {
  return json::object{{"mchid", refund.mchid},
                      {"out_trade_no", refund.out_trade_no},
                      {"transaction_id", refund.transaction_id},
                      {"out_refund_no", refund.out_refund_no},
                      {"refund_id", refund.refund_id},
                      {"refund_status", refund.status},
                      {"success_time", refund.success_time},
                      {"user_received_account", "支付用户零钱"},
                      {"amount", json::object{{"total", refund.total},
                                              {"refund", refund.refund},
                                              {"payer_total", refund.payer_total},
                                              {"payer_refund", refund.refund}}}};
}

Event refund_success_event(const Refund& refund, const Order& order, TimePoint now) {
  const std::string& notify_url = refund.notify_url.empty() ? order.notify_url : refund.notify_url;
  return Event{refund.mchid,
               notify_url,
               "REFUND.SUCCESS",
               "encrypt-resource",
               "refund",
               "退款成功",
               to_text(refund_notice_json(refund)),
               rfc3339_cst(now),
               "REFUND.SUCCESS/" + refund.refund_id,
               {}};
}

Order* find_refunded_order(Store& store, std::string_view scope, const Refund& wanted) {
  if (!wanted.transaction_id.empty()) {
    return store.find_order_by_transaction_id(scope, wanted.transaction_id);
  }
  return store.find_order(scope, wanted.out_trade_no);
}
// Why this order cannot give this refund, as the error reply; nullopt when it can.
std::optional<Reply> refusal(const Order& order, const Refund& wanted) {
  if (order.trade_state == "CLOSED") return order_closed_error();
  if (order.trade_state == "NOTPAY") return error_reply(403, "TRADE_ERROR", "订单未支付");
  if (wanted.total != order.total) {
    return param_error(
        {"/amount/total", "body", "must equal the order's total", json::value(wanted.total)});
  }
  if (order.refund_count >= Refunds::kMaxRefundsPerOrder) {
    return error_reply(403, "RULE_LIMIT", "退款次数超过限制");
  }
  if (order.refunded + wanted.refund > order.payer_total) {
    return error_reply(403, "NOT_ENOUGH", "申请退款金额超过订单可退金额");
  }
  return std::nullopt;
}
}  // namespace

Reply Refunds::create(const Request& request) {
  const auto body = parse_object(request.body);
  if (!body) return malformed_body_error();
  BodyFields fields(*body);
  Refund wanted = read_refund(fields);
  if (!fields.ok()) return param_error(fields.issue());
  if (wanted.transaction_id.empty() && wanted.out_trade_no.empty()) {
    return param_error(
        {"/out_trade_no", "body", "transaction_id or out_trade_no is required", std::nullopt});
  }
  wanted.request = *body;
  Order* order = find_refunded_order(store_, request.mchid_header, wanted);
  if (order == nullptr) return order_not_exist_error();
  if (const Refund* existing = store_.find_refund(order->mchid, wanted.out_refund_no)) {
    if (existing->request == wanted.request) return json_reply(200, refund_json(*existing));
    return error_reply(400, "INVALID_REQUEST", "退款单号已存在，且请求参数与原退款不一致");
  }
  if (auto refused = refusal(*order, wanted)) return *refused;
  return apply(*order, std::move(wanted), request.now);
}

Reply Refunds::apply(Order& order, Refund refund, TimePoint now) {
  refund.mchid = order.mchid;
  refund.transaction_id = order.transaction_id;
  refund.out_trade_no = order.out_trade_no;
  refund.refund_id = ids_.refund_id(now);
  refund.create_time = rfc3339_cst(now);
  refund.success_time = refund.create_time;
  refund.created_at = now;
  refund.payer_total = order.payer_total;
  order.refunded += refund.refund;
  order.refund_count += 1;
  if (order.refunded == order.payer_total) order.trade_state = "REFUND";
  const Refund& stored = store_.add_refund(std::move(refund));
  events_.push_back(refund_success_event(stored, order, now));
  return json_reply(200, refund_json(stored));
}

Reply Refunds::query(const Request& request) {
  const auto out_refund_no = request.path.get("out_refund_no").value_or("");
  const Refund* refund = store_.find_refund(request.mchid_header, out_refund_no);
  if (refund == nullptr) return error_reply(404, "RESOURCE_NOT_EXISTS", "退款单不存在");
  return json_reply(200, refund_json(*refund));
}

json::object refund_json(const Refund& refund) {
  return json::object{{"refund_id", refund.refund_id},
                      {"out_refund_no", refund.out_refund_no},
                      {"transaction_id", refund.transaction_id},
                      {"out_trade_no", refund.out_trade_no},
                      {"channel", "ORIGINAL"},
                      {"user_received_account", "支付用户零钱"},
                      {"success_time", refund.success_time},
                      {"create_time", refund.create_time},
                      {"status", refund.status},
                      {"funds_account", refund.funds_account},
                      {"amount", json::object{{"total", refund.total},
                                              {"refund", refund.refund},
                                              {"payer_total", refund.payer_total},
                                              {"payer_refund", refund.refund},
                                              {"settlement_total", refund.total},
                                              {"settlement_refund", refund.refund},
                                              {"discount_refund", 0},
                                              {"currency", "CNY"}}},
                      {"promotion_detail", json::array{}}};
}

}  // namespace paygate::mockpay
