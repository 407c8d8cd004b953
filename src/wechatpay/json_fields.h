#pragma once
// Small read helpers over Boost.JSON values for the wechatpay parsers: a missing key and a value
// of the wrong type both read as "absent". Internal to wechatpay/.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace paygate::wechatpay::detail {

// The string at key, or an empty view.
inline std::string_view string_field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  const boost::json::string* text = value != nullptr ? value->if_string() : nullptr;
  return text != nullptr ? std::string_view(*text) : std::string_view();
}

// The object at key, or null.
inline const boost::json::object* object_field(const boost::json::object& object,
                                               std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr ? value->if_object() : nullptr;
}

}  // namespace paygate::wechatpay::detail
