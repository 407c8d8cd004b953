#include "config/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>

namespace paygate::config {
namespace {

using Unit = std::pair<std::string_view, std::uint64_t>;

constexpr std::array<Unit, 4> kDurationUnits{{{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000},
                                             {"ms", 1}}};
constexpr std::array<Unit, 4> kSizeUnits{{{"GiB", 1ull << 30}, {"MiB", 1ull << 20},
                                         {"KiB", 1ull << 10}, {"B", 1}}};

// Splits "123unit" into the number and the unit text; digits only, at least one.
std::optional<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view text) {
  std::uint64_t number = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc{} || stop == text.data()) return std::nullopt;
  return std::pair{number, text.substr(static_cast<std::size_t>(stop - text.data()))};
}

template <std::size_t N>
std::optional<std::uint64_t> scale(std::string_view text, const std::array<Unit, N>& units,
                                   std::string_view default_unit) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  auto split = split_number(text);
  if (!split) return std::nullopt;
  auto [number, unit] = *split;
  if (unit.empty()) unit = default_unit;
  for (const auto& [name, factor] : units) {
    if (unit != name) continue;
    if (number > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
    return number * factor;
  }
  return std::nullopt;
}

template <std::size_t N>
std::string format(std::uint64_t value, const std::array<Unit, N>& units) {
  for (const auto& [name, factor] : units) {
    if (value != 0 && value % factor == 0) return std::to_string(value / factor) + std::string(name);
  }
  return std::to_string(value) + std::string(units.back().first);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  // A bare number has no unit on purpose: "30" could mean seconds or milliseconds.
  auto ms = scale(text, kDurationUnits, "");
  if (!ms) return std::nullopt;
  return std::chrono::milliseconds{static_cast<std::int64_t>(*ms)};
}

std::optional<std::size_t> parse_size(std::string_view text) {
  auto bytes = scale(text, kSizeUnits, "B");
  if (!bytes || *bytes > std::numeric_limits<std::size_t>::max()) return std::nullopt;
  return static_cast<std::size_t>(*bytes);
}

std::string format_duration(std::chrono::milliseconds value) {
  if (value.count() < 0) return "0ms";
  return format(static_cast<std::uint64_t>(value.count()), kDurationUnits);
}

std::string format_size(std::size_t value) { return format(value, kSizeUnits); }

std::optional<double> parse_percent(std::string_view text) {
  if (text.ends_with('%')) text.remove_suffix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string format_percent(double fraction) { return fmt::format("{:g}%", fraction * 100); }

}  // namespace paygate::config
