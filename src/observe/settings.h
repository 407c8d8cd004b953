#pragma once
// Settings of logging: the process log and the access log. Plain data, defaults at the member;
// config/ fills them from YAML.

#include <cstddef>
#include <string>

namespace paygate::observe {

// How a log file is rotated. kSize: FILE, FILE.1 ... FILE.N (spdlog rotating_file_sink).
// kDaily / kHourly: one file per local-time day or hour, named FILE_YYYY-MM-DD[_HH].ext (spdlog
// daily/hourly sinks); the size limit does not apply. kNone: one file, appended to forever.
enum class LogRotation { kNone, kSize, kDaily, kHourly };

struct LogSettings {
  std::string level = "info";         // trace, debug, info, warn, error, critical, off
  std::string error_log = "stderr";   // "stderr" or a file path (appended to)
  std::string access_log = "stdout";  // "stdout", "off" or a file path (rotated)
  LogRotation access_log_rotate = LogRotation::kSize;
  std::size_t access_log_max_bytes = 100 * 1024 * 1024;  // rotate at this size (kSize only)
  std::size_t access_log_max_files = 10;  // rotated files kept besides the current one
  double access_log_sample = 1.0;  // share of requests logged, 0..1; status >= 500 always is
  std::size_t access_log_queue_lines = 64 * 1024;  // queued lines; when full new ones are dropped
  LogRotation error_log_rotate = LogRotation::kNone;     // when error_log is a file
  std::size_t error_log_max_bytes = 100 * 1024 * 1024;  // rotate at this size (kSize only)
  std::size_t error_log_max_files = 10;  // rotated files kept besides the current one
  std::size_t error_log_queue_lines = 1024;  // same for the process log (~400 B a slot)
};

// "none", "size", "daily", "hourly": the config spelling.
constexpr const char* rotation_name(LogRotation rotation) {
  switch (rotation) {
    case LogRotation::kNone: return "none";
    case LogRotation::kSize: return "size";
    case LogRotation::kDaily: return "daily";
    case LogRotation::kHourly: return "hourly";
  }
  return "none";
}

}  // namespace paygate::observe
