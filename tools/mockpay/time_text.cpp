#include "mockpay/time_text.h"

#include <charconv>
#include <cstdio>

namespace paygate::mockpay {

namespace {
using namespace std::chrono;

constexpr hours kCstOffset{8};

struct CivilTime {
  year_month_day date;
  hh_mm_ss<seconds> clock;
};

CivilTime to_cst(TimePoint t) {
  const auto local = floor<seconds>(t) + kCstOffset;
  const auto day = floor<days>(local);
  return {year_month_day{day}, hh_mm_ss<seconds>{local - day}};
}

std::string format_civil(TimePoint t, const char* pattern) {
  const CivilTime c = to_cst(t);
  char text[96];  // room for any int, so the compiler sees no truncation
  std::snprintf(text, sizeof text, pattern, static_cast<int>(c.date.year()),
                static_cast<unsigned>(c.date.month()), static_cast<unsigned>(c.date.day()),
                static_cast<int>(c.clock.hours().count()),
                static_cast<int>(c.clock.minutes().count()),
                static_cast<int>(c.clock.seconds().count()));
  return text;
}

std::optional<int> parse_digits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}
}  // namespace

std::string rfc3339_cst(TimePoint t) {
  return format_civil(t, "%04d-%02u-%02uT%02d:%02d:%02d+08:00");
}

std::string compact_cst(TimePoint t) { return format_civil(t, "%04d%02u%02u%02d%02d%02d"); }

std::string date_cst(TimePoint t) { return format_civil(t, "%04d-%02u-%02u"); }

std::string date_digits_cst(TimePoint t) { return format_civil(t, "%04d%02u%02u"); }

std::string bill_time_cst(TimePoint t) { return format_civil(t, "%04d-%02u-%02u %02d:%02d:%02d"); }

year_month_day day_cst(TimePoint t) { return to_cst(t).date; }

std::optional<year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = parse_digits(text.substr(0, 4));
  const auto m = parse_digits(text.substr(5, 2));
  const auto d = parse_digits(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

}  // namespace paygate::mockpay
