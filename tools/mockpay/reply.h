#pragma once
// Reply: what mockpay answers to one request (status, body, content type), and the helpers that
// build WeChat Pay error bodies {"code","message","detail"?} (docs/protocol.md §5).
// Plain values; any thread may use them.

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::mockpay {

struct Reply {
  int status = 200;
  std::string body;                               // empty for 204
  std::string content_type = "application/json";  // bill downloads are text/plain
};

// A problem with one input field. `field` is a JSON pointer for body fields ("/amount/total"),
// the parameter name for path and query parameters.
struct FieldIssue {
  std::string field;
  std::string location = "body";  // "body" | "query" | "path"
  std::string issue;
  std::optional<boost::json::value> value;  // the offending value, when there was one
};

Reply json_reply(int status, const boost::json::value& body);
Reply no_content_reply();
Reply error_reply(int status, std::string_view code, std::string_view message);
// 400 PARAM_ERROR with a detail naming the field.
Reply param_error(const FieldIssue& issue);
// 400 PARAM_ERROR for a body that is not a JSON object.
Reply malformed_body_error();

// Errors more than one resource answers.
Reply mchid_not_match_error();  // 400 APPID_MCHID_NOT_MATCH
Reply order_not_exist_error();  // 404 ORDER_NOT_EXIST
Reply order_closed_error();     // 400 ORDER_CLOSED

}  // namespace paygate::mockpay
