#include "observe/log_file_sink.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/daily_file_sink.h>
#include <spdlog/sinks/hourly_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace paygate::observe {
namespace {

// spdlog's time-based sinks count the current file among the ones they keep.
std::uint16_t kept_with_current(std::size_t max_files) {
  constexpr std::size_t kMax = std::numeric_limits<std::uint16_t>::max();
  return static_cast<std::uint16_t>(std::min(max_files, kMax - 1) + 1);
}

}  // namespace

spdlog::sink_ptr make_file_sink(const std::string& path, LogRotation rotation,
                                std::size_t max_bytes, std::size_t max_files) {
  switch (rotation) {
    case LogRotation::kSize:
      return std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, max_bytes, max_files);
    case LogRotation::kDaily:
      return std::make_shared<spdlog::sinks::daily_file_sink_mt>(path, 0, 0, false,
                                                                 kept_with_current(max_files));
    case LogRotation::kHourly:
      return std::make_shared<spdlog::sinks::hourly_file_sink_mt>(path, false,
                                                                  kept_with_current(max_files));
    case LogRotation::kNone:
      break;
  }
  return std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
}

}  // namespace paygate::observe
