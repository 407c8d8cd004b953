#include "observe/json_line.h"

#include <iterator>

namespace paygate::observe {
namespace {

bool in_range(unsigned char c, unsigned char low, unsigned char high) {
  return c >= low && c <= high;
}

// Length of the well-formed UTF-8 sequence at text[i] (Unicode table 3-7), 0 when ill-formed.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) -> unsigned char {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const unsigned char lead = at(0);
  const auto tail = [&](std::size_t k) { return in_range(at(k), 0x80, 0xBF); };
  if (in_range(lead, 0xC2, 0xDF)) return tail(1) ? 2 : 0;
  if (in_range(lead, 0xE0, 0xEF)) {
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    return in_range(at(1), low, high) && tail(2) ? 3 : 0;
  }
  if (in_range(lead, 0xF0, 0xF4)) {
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return in_range(at(1), low, high) && tail(2) && tail(3) ? 4 : 0;
  }
  return 0;
}

// The escape for an ASCII byte, or "" when it may be copied as is.
std::string_view short_escape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    default:
      return {};
  }
}

void append(fmt::memory_buffer& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// Appends the escape of text[i] and returns how many bytes it consumed.
std::size_t append_escaped_at(fmt::memory_buffer& out, std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c >= 0x80) {
    const std::size_t length = utf8_sequence_length(text, i);
    append(out, length == 0 ? std::string_view("\\ufffd") : text.substr(i, length));
    return length == 0 ? 1 : length;
  }
  if (auto escape = short_escape(text[i]); !escape.empty()) {
    append(out, escape);
  } else {
    fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);  // other controls and DEL
  }
  return 1;
}

bool copies_as_is(char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

}  // namespace

void append_json_string(fmt::memory_buffer& out, std::string_view text) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = i;
    while (run < text.size() && copies_as_is(text[run])) ++run;
    append(out, text.substr(i, run - i));
    i = run < text.size() ? run + append_escaped_at(out, text, run) : run;
  }
  out.push_back('"');
}

void append_rfc3339_millis(fmt::memory_buffer& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto millis = floor<milliseconds>(time);
  const auto day = floor<days>(millis);
  const year_month_day date{day};
  const hh_mm_ss clock{millis - day};
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                 static_cast<unsigned>(date.day()), clock.hours().count(), clock.minutes().count(),
                 clock.seconds().count(), clock.subseconds().count());
}

void format_access_line(fmt::memory_buffer& out, const AccessRecord& r) {
  append(out, "{\"time\":\"");
  append_rfc3339_millis(out, r.time);
  append(out, "\",\"request_id\":");
  append_json_string(out, r.request_id);
  append(out, ",\"trace_id\":");
  append_json_string(out, r.trace_id);
  append(out, ",\"method\":");
  append_json_string(out, r.method);
  append(out, ",\"path\":");
  append_json_string(out, r.path);
  append(out, ",\"route\":");
  append_json_string(out, r.route);
  append(out, ",\"upstream\":");
  append_json_string(out, r.upstream);
  append(out, ",\"protocol\":");
  append_json_string(out, r.protocol);
  fmt::format_to(std::back_inserter(out),
                 ",\"status\":{},\"bytes_in\":{},\"bytes_out\":{},\"duration_us\":{}", r.status,
                 r.bytes_in, r.bytes_out, r.duration.count());
  if (!r.reason.empty()) {
    append(out, ",\"reason\":");
    append_json_string(out, r.reason);
  }
  if (r.early) append(out, ",\"early\":true");
  if (!r.version.empty()) {
    append(out, ",\"version\":");
    append_json_string(out, r.version);
  }
  if (r.stress) append(out, ",\"env\":\"stress\"");
  if (!r.fault.empty()) {
    append(out, ",\"fault\":");
    append_json_string(out, r.fault);
  }
  if (!r.app.empty()) {
    append(out, ",\"app\":");
    append_json_string(out, r.app);
  }
  if (r.tries > 1) fmt::format_to(std::back_inserter(out), ",\"tries\":{}", r.tries);
  append(out, "}");
}

}  // namespace paygate::observe
