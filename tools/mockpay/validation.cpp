#include "mockpay/validation.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <limits>

#include "mockpay/json_util.h"

namespace paygate::mockpay {

namespace json = boost::json;

namespace {
bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool all_of(std::string_view text, std::string_view extra) {
  return std::all_of(text.begin(), text.end(),
                     [extra](char c) { return is_alnum(c) || extra.find(c) != extra.npos; });
}
}  // namespace

bool is_out_trade_no(std::string_view text) { return all_of(text, "_-*|"); }

bool is_out_refund_no(std::string_view text) { return all_of(text, "_-*|@"); }

bool is_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_http_url(std::string_view text) {
  const auto url = boost::urls::parse_absolute_uri(text);
  if (!url) return false;
  const bool http = url->scheme_id() == boost::urls::scheme::http ||
                    url->scheme_id() == boost::urls::scheme::https;
  return http && !url->encoded_host().empty() && !url->has_query();
}

bool is_cny(std::string_view text) { return text == "CNY"; }

std::size_t utf8_chars(std::string_view text) {
  // Count every byte that does not continue a multi-byte sequence (10xxxxxx).
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::optional<std::string> BodyFields::string(std::string_view pointer, const StringRule& rule,
                                              Presence presence) {
  const json::value* value = lookup(pointer, presence);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    fail(pointer, "must be a string", value);
    return std::nullopt;
  }
  const std::string_view text = value->get_string();
  const std::size_t length = utf8_chars(text);
  if (length < rule.min_chars || length > rule.max_chars) {
    fail(pointer,
         "length must be " + std::to_string(rule.min_chars) + "-" + std::to_string(rule.max_chars),
         value);
    return std::nullopt;
  }
  if (rule.valid != nullptr && !rule.valid(text)) {
    fail(pointer, rule.invalid_issue, value);
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::int64_t> BodyFields::amount(std::string_view pointer, Presence presence) {
  const json::value* value = lookup(pointer, presence);
  if (value == nullptr) return std::nullopt;
  // A double such as 1.0 is not an integer for the platform either.
  const bool integral = value->is_int64() || value->is_uint64();
  if (!integral) {
    fail(pointer, "must be an integer", value);
    return std::nullopt;
  }
  constexpr std::uint64_t kMax = std::numeric_limits<std::int32_t>::max();
  const bool in_range =
      value->is_int64()
          ? value->get_int64() >= 1 && static_cast<std::uint64_t>(value->get_int64()) <= kMax
          : value->get_uint64() <= kMax;
  if (!in_range) {
    fail(pointer, "must be between 1 and 2147483647", value);
    return std::nullopt;
  }
  return value->is_int64() ? value->get_int64() : static_cast<std::int64_t>(value->get_uint64());
}

void BodyFields::object(std::string_view pointer, Presence presence) {
  const json::value* value = lookup(pointer, presence);
  if (value != nullptr && !value->is_object()) fail(pointer, "must be an object", value);
}

const json::value* BodyFields::lookup(std::string_view pointer, Presence presence) {
  if (issue_) return nullptr;
  const json::value* value = find_field(body_, pointer);
  if (value == nullptr && presence == Presence::kRequired) fail(pointer, "is required", nullptr);
  return value;
}

void BodyFields::fail(std::string_view pointer, std::string_view issue, const json::value* value) {
  if (issue_) return;
  issue_ = FieldIssue{std::string(pointer), "body", std::string(issue), std::nullopt};
  if (value != nullptr) issue_->value = *value;
}

}  // namespace paygate::mockpay
