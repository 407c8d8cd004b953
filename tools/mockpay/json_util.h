#pragma once
// Small Boost.JSON helpers for untrusted request bodies: parse without throwing, look fields up by
// JSON pointer. Pure functions; any thread may call them.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::mockpay {

// The body as a JSON object; nullopt when it is not valid JSON or not an object.
std::optional<boost::json::object> parse_object(std::string_view body);

// The value at `pointer` ("/amount/total"), or nullptr when there is none (including when a
// step of the path has the wrong type).
const boost::json::value* find_field(const boost::json::object& root, std::string_view pointer);

std::string to_text(const boost::json::value& value);

}  // namespace paygate::mockpay
