#include "wechatpay/rfc3339.h"

#include <cstdio>

namespace paygate::wechatpay {

namespace {

using namespace std::chrono;

constexpr hours kBeijingOffset{8};

// Reads count decimal digits at text[at...]; false if any is not a digit.
bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool expect(std::string_view text, std::size_t at, char c) {
  return at < text.size() && text[at] == c;
}

// "Z" or "+HH:MM"/"-HH:MM" at the end of text; the offset east of UTC.
std::optional<minutes> parse_offset(std::string_view zone) {
  if (zone == "Z" || zone == "z") return minutes(0);
  int h = 0, m = 0;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !digits(zone, 1, 2, h) ||
      !expect(zone, 3, ':') || !digits(zone, 4, 2, m) || h > 23 || m > 59) {
    return std::nullopt;
  }
  minutes offset = hours(h) + minutes(m);
  return zone[0] == '-' ? -offset : offset;
}

}  // namespace

std::string format_rfc3339_beijing(sys_seconds time) {
  auto local = time + kBeijingOffset;
  auto day = floor<days>(local);
  year_month_day date{day};
  hh_mm_ss<seconds> clock{local - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d+08:00", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()));
  return text;
}

std::optional<sys_seconds> parse_rfc3339(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y) || !expect(text, 4, '-') || !digits(text, 5, 2, mo) ||
      !expect(text, 7, '-') || !digits(text, 8, 2, d) ||
      !(expect(text, 10, 'T') || expect(text, 10, 't')) || !digits(text, 11, 2, h) ||
      !expect(text, 13, ':') || !digits(text, 14, 2, mi) || !expect(text, 16, ':') ||
      !digits(text, 17, 2, s)) {
    return std::nullopt;
  }
  std::size_t zone_at = 19;
  if (expect(text, zone_at, '.')) {
    do ++zone_at;
    while (zone_at < text.size() && text[zone_at] >= '0' && text[zone_at] <= '9');
  }
  auto offset = parse_offset(text.substr(std::min(zone_at, text.size())));
  year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!offset || !date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(mi) + seconds(s) - *offset;
}

}  // namespace paygate::wechatpay
