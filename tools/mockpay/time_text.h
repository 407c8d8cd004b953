#pragma once
// Time as the WeChat Pay platform writes it: China Standard Time (UTC+08:00, no daylight saving).
// Pure functions; any thread may call them.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::mockpay {

using TimePoint = std::chrono::system_clock::time_point;

std::string rfc3339_cst(TimePoint t);      // "2024-05-01T12:30:05+08:00"
std::string compact_cst(TimePoint t);      // "20240501123005", as inside ids
std::string date_cst(TimePoint t);         // "2024-05-01"
std::string date_digits_cst(TimePoint t);  // "20240501"
std::string bill_time_cst(TimePoint t);    // "2024-05-01 12:30:05", as in bill files
// The calendar day in China Standard Time.
std::chrono::year_month_day day_cst(TimePoint t);

// A strict "YYYY-MM-DD" that names a real calendar day; nullopt otherwise.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

}  // namespace paygate::mockpay
