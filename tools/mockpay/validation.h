#pragma once
// Input checks as the platform applies them (docs/protocol.md §8), and BodyFields, a reader
// that takes fields out of an untrusted JSON body and remembers the first problem it met, so
// a handler reads its fields top to bottom and reports one PARAM_ERROR at the end.
// BodyFields borrows the object it reads; keep the object alive while using it. Single thread.

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mockpay/reply.h"

namespace paygate::mockpay {

bool is_out_trade_no(std::string_view text);   // [0-9A-Za-z_\-*|]
bool is_out_refund_no(std::string_view text);  // [0-9A-Za-z_\-*|@]
bool is_digits(std::string_view text);
bool is_http_url(std::string_view text);  // absolute http(s) URL with a host, no query
bool is_cny(std::string_view text);
// Length in characters of valid UTF-8 (Boost.JSON has already rejected invalid UTF-8).
std::size_t utf8_chars(std::string_view text);

struct StringRule {
  std::size_t max_chars;
  std::size_t min_chars = 1;
  bool (*valid)(std::string_view) = nullptr;  // a check beyond length, if any
  std::string_view invalid_issue = {};
};

inline constexpr StringRule kAppIdRule{32};
inline constexpr StringRule kMchidRule{32};
inline constexpr StringRule kDescriptionRule{127};
inline constexpr StringRule kOutTradeNoRule{32, 6, is_out_trade_no,
                                            "must be 6-32 characters of 0-9 A-Z a-z _ - * |"};
inline constexpr StringRule kTransactionIdRule{32, 1, is_digits, "must be digits"};
inline constexpr StringRule kOutRefundNoRule{64, 1, is_out_refund_no,
                                             "must be 1-64 characters of 0-9 A-Z a-z _ - * | @"};
inline constexpr StringRule kNotifyUrlRule{256, 1, is_http_url,
                                           "must be an http or https URL without a query"};
inline constexpr StringRule kAttachRule{128};
inline constexpr StringRule kOpenIdRule{128};
inline constexpr StringRule kReasonRule{80};
inline constexpr StringRule kCurrencyRule{16, 1, is_cny, "currency code is invalid, only CNY"};
inline constexpr StringRule kFreeTextRule{256};

enum class Presence { kRequired, kOptional };

class BodyFields {
 public:
  explicit BodyFields(const boost::json::object& body) : body_(body) {}

  // The string at `pointer` when present and valid. Absent optional fields give nullopt
  // without an issue.
  std::optional<std::string> string(std::string_view pointer, const StringRule& rule,
                                    Presence presence = Presence::kRequired);
  // An integer amount in fen: 1 .. 2^31-1.
  std::optional<std::int64_t> amount(std::string_view pointer,
                                     Presence presence = Presence::kRequired);
  // Checks that an optional object field, when present, is an object.
  void object(std::string_view pointer, Presence presence);

  bool ok() const { return !issue_; }
  const FieldIssue& issue() const { return *issue_; }

 private:
  const boost::json::value* lookup(std::string_view pointer, Presence presence);
  void fail(std::string_view pointer, std::string_view issue, const boost::json::value* value);

  const boost::json::object& body_;
  std::optional<FieldIssue> issue_;
};

}  // namespace paygate::mockpay
