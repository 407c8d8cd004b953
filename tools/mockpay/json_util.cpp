#include "mockpay/json_util.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace paygate::mockpay {

namespace json = boost::json;

std::optional<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

const json::value* find_field(const json::object& root, std::string_view pointer) {
  // find_pointer is a member of value, not object: look the first step up here, the rest there.
  if (!pointer.starts_with('/')) return nullptr;
  pointer.remove_prefix(1);
  const auto slash = pointer.find('/');
  const json::value* top = root.if_contains(pointer.substr(0, slash));
  if (top == nullptr || slash == std::string_view::npos) return top;
  boost::system::error_code ec;
  const json::value* found = top->find_pointer(pointer.substr(slash), ec);
  return ec ? nullptr : found;
}

std::string to_text(const json::value& value) { return json::serialize(value); }

}  // namespace paygate::mockpay
