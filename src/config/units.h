#pragma once
// Units of the configuration language: durations ("250ms", "10s", "5m", "1h") and sizes ("512",
// "8KiB", "1MiB", "2GiB", "100B"). Pure functions; any thread.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::config {

// Integer + unit (ms, s, m, h). No sign, no fraction, no spaces; nullopt when malformed or when
// the value does not fit.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Integer with an optional unit (B, KiB, MiB, GiB); nullopt when malformed or too large.
std::optional<std::size_t> parse_size(std::string_view text);

// The inverse, in the largest unit that is exact: 90000ms -> "90s", 1536 -> "1536B" ... so that
// the output reads back through parse_duration / parse_size unchanged.
std::string format_duration(std::chrono::milliseconds value);
std::string format_size(std::size_t value);

// "99.95%" or "99.95": a percentage, returned as written (99.95); nullopt when malformed.
std::optional<double> parse_percent(std::string_view text);
// A fraction as a percentage that reads back: 0.2 -> "20%".
std::string format_percent(double fraction);

}  // namespace paygate::config
