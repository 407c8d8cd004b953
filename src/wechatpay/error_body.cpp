#include "wechatpay/error_body.h"

#include <boost/json/serialize.hpp>

namespace paygate::wechatpay {

void write_error_body(const ErrorBody& body, std::string& out) {
  boost::json::object json;
  json["code"] = body.code;
  json["message"] = body.message;
  if (body.detail != nullptr) json["detail"] = *body.detail;
  out = boost::json::serialize(json);
}

void write_error_body(const core::Error& error, std::string& out) {
  std::string_view message = error.detail;
  if (message.empty()) message = core::wechatpay_code(error.kind);
  write_error_body(ErrorBody{core::wechatpay_code(error.kind), message, nullptr}, out);
}

}  // namespace paygate::wechatpay
