#include "mockpay/orders.h"

#include "mockpay/json_util.h"
#include "mockpay/validation.h"

namespace paygate::mockpay {

namespace json = boost::json;

namespace {
constexpr StringRule kGoodsTagRule{32};
constexpr StringRule kClientIpRule{45};
constexpr StringRule kH5TypeRule{32};

std::string_view trade_type_of(TradeKind kind) {
  switch (kind) {
    case TradeKind::kJsapi:
      return "JSAPI";
    case TradeKind::kNative:
      return "NATIVE";
    case TradeKind::kApp:
      return "APP";
    case TradeKind::kH5:
      return "MWEB";
  }
  return "JSAPI";
}

std::string_view trade_state_desc(std::string_view state) {
  if (state == "SUCCESS") return "支付成功";
  if (state == "REFUND") return "转入退款";
  if (state == "CLOSED") return "订单已关闭";
  return "订单未支付";
}

bool is_paid(const Order& order) {
  return order.trade_state == "SUCCESS" || order.trade_state == "REFUND";
}

Reply order_paid_error() { return error_reply(403, "ORDERPAID", "该订单已支付"); }

// The fields only some trade types carry: the payer for JSAPI, the H5 scene for H5.
void read_kind_fields(TradeKind kind, BodyFields& fields, Order& order) {
  if (kind == TradeKind::kJsapi) {
    fields.object("/payer", Presence::kRequired);
    order.openid = fields.string("/payer/openid", kOpenIdRule).value_or("");
  } else if (kind == TradeKind::kH5) {
    fields.object("/scene_info", Presence::kRequired);
    fields.string("/scene_info/payer_client_ip", kClientIpRule);
    fields.object("/scene_info/h5_info", Presence::kRequired);
    fields.string("/scene_info/h5_info/type", kH5TypeRule);
  }
}

Order read_order(TradeKind kind, BodyFields& fields) {
  Order order;
  order.trade_type = trade_type_of(kind);
  order.appid = fields.string("/appid", kAppIdRule).value_or("");
  order.mchid = fields.string("/mchid", kMchidRule).value_or("");
  order.description = fields.string("/description", kDescriptionRule).value_or("");
  order.out_trade_no = fields.string("/out_trade_no", kOutTradeNoRule).value_or("");
  order.notify_url = fields.string("/notify_url", kNotifyUrlRule).value_or("");
  order.attach = fields.string("/attach", kAttachRule, Presence::kOptional).value_or("");
  fields.string("/time_expire", kFreeTextRule, Presence::kOptional);
  fields.string("/goods_tag", kGoodsTagRule, Presence::kOptional);
  fields.object("/amount", Presence::kRequired);
  order.total = fields.amount("/amount/total").value_or(0);
  order.currency =
      fields.string("/amount/currency", kCurrencyRule, Presence::kOptional).value_or("CNY");
  read_kind_fields(kind, fields, order);
  return order;
}

// Query parameter `mchid`: required, and equal to the verified merchant when there is one.
std::optional<Reply> check_query_mchid(const Request& request) {
  const auto mchid = request.query.get("mchid");
  if (!mchid || mchid->empty()) return param_error({"mchid", "query", "is required", std::nullopt});
  if (!request.mchid_header.empty() && *mchid != request.mchid_header) {
    return mchid_not_match_error();
  }
  return std::nullopt;
}

Event transaction_success_event(const Order& order, TimePoint now) {
  return Event{order.mchid,
               order.notify_url,
               "TRANSACTION.SUCCESS",
               "encrypt-resource",
               "transaction",
               "支付成功",
               to_text(transaction_json(order)),
               rfc3339_cst(now),
               "TRANSACTION.SUCCESS/" + order.transaction_id,
               {}};
}
}  // namespace

Reply Orders::create(TradeKind kind, const Request& request) {
  const auto body = parse_object(request.body);
  if (!body) return malformed_body_error();
  BodyFields fields(*body);
  Order order = read_order(kind, fields);
  if (!fields.ok()) return param_error(fields.issue());
  if (!request.mchid_header.empty() && order.mchid != request.mchid_header) {
    return mchid_not_match_error();
  }
  order.request = *body;
  if (const Order* existing = store_.find_order(order.mchid, order.out_trade_no)) {
    return repeat_create(*existing, order);
  }
  return create_new(kind, std::move(order), request);
}

// The same out_trade_no again: identical content is the same order (a client retry), anything
// else is a conflict.
Reply Orders::repeat_create(const Order& existing, const Order& wanted) {
  if (existing.trade_type != wanted.trade_type || existing.request != wanted.request) {
    return error_reply(403, "OUT_TRADE_NO_USED", "商户订单号重复");
  }
  if (existing.trade_state == "CLOSED") return order_closed_error();
  if (is_paid(existing)) return order_paid_error();
  return Reply{200, existing.create_reply};
}

Reply Orders::create_new(TradeKind kind, Order order, const Request& request) {
  const std::string prepay_id = ids_.prepay_id(request.now);
  json::object reply;
  if (kind == TradeKind::kNative) {
    reply["code_url"] = "weixin://wxpay/bizpayurl?pr=" + ids_.code_url_token();
  } else if (kind == TradeKind::kH5) {
    reply["h5_url"] =
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=" + prepay_id +
        "&package=" + ids_.digits(10);
  } else {
    reply["prepay_id"] = prepay_id;
  }
  order.create_reply = to_text(reply);
  return Reply{200, store_.add_order(std::move(order)).create_reply};
}

Reply Orders::query_by_transaction_id(const Request& request) {
  if (auto error = check_query_mchid(request)) return *error;
  const std::string_view transaction_id = request.path.get("transaction_id").value_or("");
  if (!is_digits(transaction_id) || transaction_id.size() > 32) {
    return param_error(
        {"transaction_id", "path", "must be 1-32 digits", json::value(transaction_id)});
  }
  const auto mchid = *request.query.get("mchid");
  return reply_with_transaction(store_.find_order_by_transaction_id(mchid, transaction_id));
}

Reply Orders::query_by_out_trade_no(const Request& request) {
  if (auto error = check_query_mchid(request)) return *error;
  const auto mchid = *request.query.get("mchid");
  const auto out_trade_no = request.path.get("out_trade_no").value_or("");
  return reply_with_transaction(store_.find_order(mchid, out_trade_no));
}

Reply Orders::reply_with_transaction(const Order* order) {
  if (order == nullptr) return order_not_exist_error();
  return json_reply(200, transaction_json(*order));
}

Reply Orders::close(const Request& request) {
  const auto body = parse_object(request.body);
  if (!body) return malformed_body_error();
  BodyFields fields(*body);
  const std::string mchid = fields.string("/mchid", kMchidRule).value_or("");
  if (!fields.ok()) return param_error(fields.issue());
  if (!request.mchid_header.empty() && mchid != request.mchid_header)
    return mchid_not_match_error();
  Order* order = store_.find_order(mchid, request.path.get("out_trade_no").value_or(""));
  if (order == nullptr) return order_not_exist_error();
  if (is_paid(*order)) return order_paid_error();
  order->trade_state = "CLOSED";  // closing a closed order again is fine, as on the platform
  return no_content_reply();
}

Reply Orders::pay(const Request& request) {
  const auto query_mchid = request.query.get("mchid").value_or("");
  if (!request.mchid_header.empty() && !query_mchid.empty() &&
      query_mchid != request.mchid_header) {
    return mchid_not_match_error();
  }
  const auto scope = request.mchid_header.empty() ? query_mchid : request.mchid_header;
  Order* order = store_.find_order(scope, request.path.get("out_trade_no").value_or(""));
  if (order == nullptr) return order_not_exist_error();
  if (order->trade_state == "CLOSED") return order_closed_error();
  if (is_paid(*order)) return order_paid_error();
  settle(*order, request.now);
  return json_reply(200, transaction_json(*order));
}

void Orders::settle(Order& order, TimePoint now) {
  order.trade_state = "SUCCESS";
  order.transaction_id = ids_.transaction_id(now);
  order.bank_type = "OTHERS";
  order.success_time = rfc3339_cst(now);
  order.paid_at = now;
  order.payer_total = order.total;
  if (order.openid.empty()) order.openid = ids_.openid();
  store_.index_transaction(order);
  events_.push_back(transaction_success_event(order, now));
}

json::object transaction_json(const Order& order) {
  json::object amount{
      {"total", order.total}, {"currency", order.currency}, {"payer_currency", order.currency}};
  json::object out{{"appid", order.appid},
                   {"mchid", order.mchid},
                   {"out_trade_no", order.out_trade_no},
                   {"trade_type", order.trade_type},
                   {"trade_state", order.trade_state},
                   {"trade_state_desc", trade_state_desc(order.trade_state)},
                   {"promotion_detail", json::array{}}};
  if (!order.attach.empty()) out["attach"] = order.attach;
  if (!order.openid.empty()) out["payer"] = json::object{{"openid", order.openid}};
  if (!order.transaction_id.empty()) {
    out["transaction_id"] = order.transaction_id;
    out["bank_type"] = order.bank_type;
    out["success_time"] = order.success_time;
    amount["payer_total"] = order.payer_total;
  }
  out["amount"] = std::move(amount);
  return out;
}

}  // namespace paygate::mockpay
