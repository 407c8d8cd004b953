#include "wechatpay/sensitive_fields.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace paygate::wechatpay {

namespace json = boost::json;

bool is_sensitive_name(std::string_view name) {
  const auto ends_with = [name](std::string_view suffix) { return name.ends_with(suffix); };
  return std::find(kSensitiveNames.begin(), kSensitiveNames.end(), name) != kSensitiveNames.end() ||
         std::any_of(kSensitiveSuffixes.begin(), kSensitiveSuffixes.end(), ends_with);
}

void redact_sensitive_fields(json::value& value) {
  if (json::array* array = value.if_array()) {
    for (json::value& item : *array) redact_sensitive_fields(item);
    return;
  }
  json::object* object = value.if_object();
  if (object == nullptr) return;
  for (auto& member : *object) {
    if (is_sensitive_name(member.key())) {
      member.value() = kRedactedValue;
    } else {
      redact_sensitive_fields(member.value());
    }
  }
}

std::string redacted_body(std::string_view body, std::size_t max_bytes) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) {
    std::string size = std::to_string(body.size());
    return size.insert(0, 1, '<').append(" bytes, not JSON>");
  }
  redact_sensitive_fields(value);
  std::string text = json::serialize(value);
  if (text.size() > max_bytes) {
    text.resize(max_bytes);
    text += "...";
  }
  return text;
}

}  // namespace paygate::wechatpay
