#pragma once
// The JSON error body of WeChat Pay (docs/protocol.md §5):
//   {"code":"PARAM_ERROR","message":"参数错误","detail":{...}}   ("detail" only when given)
// Strings are escaped by Boost.JSON; UTF-8 passes through unchanged. Pure; any thread.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace paygate::wechatpay {

struct ErrorBody {
  std::string_view code;                        // "SIGN_ERROR", ...
  std::string_view message;                     // human readable
  const boost::json::object* detail = nullptr;  // optional structured detail
};

// Replaces out with the JSON text.
void write_error_body(const ErrorBody& body, std::string& out);

// The body for a core::Error: its WeChat Pay code, and its detail text as the message.
void write_error_body(const core::Error& error, std::string& out);

}  // namespace paygate::wechatpay
