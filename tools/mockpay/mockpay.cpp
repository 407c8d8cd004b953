#include "mockpay/mockpay.h"

#include <boost/json/object.hpp>
#include <exception>

namespace paygate::mockpay {

namespace json = boost::json;

MockPay::MockPay(MockPayOptions options)
    : options_(std::move(options)),
      orders_(store_, ids_, events_),
      refunds_(store_, ids_, events_),
      bills_(store_, ids_, options_.public_base_url),
      routes_(make_routes()) {}

std::vector<MockPay::Route> MockPay::make_routes() {
  auto create = [this](TradeKind kind) {
    return [this, kind](const Request& r) { return orders_.create(kind, r); };
  };
  return {
      {"POST", PathPattern("/v3/pay/transactions/jsapi"), create(TradeKind::kJsapi)},
      {"POST", PathPattern("/v3/pay/transactions/native"), create(TradeKind::kNative)},
      {"POST", PathPattern("/v3/pay/transactions/app"), create(TradeKind::kApp)},
      {"POST", PathPattern("/v3/pay/transactions/h5"), create(TradeKind::kH5)},
      {"GET", PathPattern("/v3/pay/transactions/id/{transaction_id}"),
       [this](const Request& r) { return orders_.query_by_transaction_id(r); }},
      {"GET", PathPattern("/v3/pay/transactions/out-trade-no/{out_trade_no}"),
       [this](const Request& r) { return orders_.query_by_out_trade_no(r); }},
      {"POST", PathPattern("/v3/pay/transactions/out-trade-no/{out_trade_no}/close"),
       [this](const Request& r) { return orders_.close(r); }},
      {"POST", PathPattern("/v3/refund/domestic/refunds"),
       [this](const Request& r) { return refunds_.create(r); }},
      {"GET", PathPattern("/v3/refund/domestic/refunds/{out_refund_no}"),
       [this](const Request& r) { return refunds_.query(r); }},
      {"GET", PathPattern("/v3/bill/tradebill"),
       [this](const Request& r) { return bills_.trade_bill(r); }},
      {"GET", PathPattern("/v3/billdownload/file"),
       [this](const Request& r) { return bills_.download(r); }},
      {"POST", PathPattern("/mock/pay/{out_trade_no}"),
       [this](const Request& r) { return orders_.pay(r); }},
      {"GET", PathPattern("/mock/health"),
       [](const Request&) {
         return json_reply(200, json::object{{"status", "UP"}});
       }},
  };
}

Reply MockPay::handle(std::string_view method, std::string_view target, std::string_view body,
                      std::string_view mchid_header) {
  // Input is checked before use, so nothing should throw; if a library does anyway (e.g. out of
  // memory), answer like the platform does rather than take the server down.
  try {
    return dispatch(method, target, body, mchid_header);
  } catch (const std::exception&) {
    return error_reply(500, "SYSTEM_ERROR", "系统错误");
  }
}

Reply MockPay::dispatch(std::string_view method, std::string_view target, std::string_view body,
                        std::string_view mchid_header) {
  const auto parsed = parse_target(target);
  if (!parsed) return error_reply(400, "INVALID_REQUEST", "请求路径不合法");
  bool path_known = false;
  for (const Route& route : routes_) {
    Params captures;
    if (!route.pattern.match(parsed->segments, captures)) continue;
    path_known = true;
    if (route.method != method) continue;
    return route.handler(Request{body, mchid_header, captures, parsed->query, options_.now()});
  }
  if (path_known) return error_reply(405, "METHOD_NOT_ALLOWED", "请求方法不被允许");
  return error_reply(404, "NOT_FOUND", "请求的资源不存在");
}

std::vector<Event> MockPay::take_events() { return std::exchange(events_, {}); }

}  // namespace paygate::mockpay
