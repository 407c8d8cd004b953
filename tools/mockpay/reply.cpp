#include "mockpay/reply.h"

#include <boost/json/serialize.hpp>

namespace paygate::mockpay {

namespace json = boost::json;

Reply json_reply(int status, const json::value& body) {
  return Reply{status, json::serialize(body)};
}

Reply no_content_reply() { return Reply{204, {}}; }

Reply error_reply(int status, std::string_view code, std::string_view message) {
  return json_reply(status, json::object{{"code", code}, {"message", message}});
}

Reply param_error(const FieldIssue& issue) {
  json::object detail{{"field", issue.field}, {"location", issue.location}, {"issue", issue.issue}};
  if (issue.value) detail["value"] = *issue.value;
  json::object body{
      {"code", "PARAM_ERROR"}, {"message", "参数错误"}, {"detail", std::move(detail)}};
  return json_reply(400, body);
}

Reply malformed_body_error() {
  return param_error({"/", "body", "must be a JSON object", std::nullopt});
}

Reply mchid_not_match_error() {
  return error_reply(400, "APPID_MCHID_NOT_MATCH", "商户号与认证的商户号不匹配");
}

Reply order_not_exist_error() { return error_reply(404, "ORDER_NOT_EXIST", "订单不存在"); }

Reply order_closed_error() { return error_reply(400, "ORDER_CLOSED", "订单已关闭"); }

}  // namespace paygate::mockpay
