#pragma once
// Settings of logging: the process log and the access log. Plain data, defaults at the member;
// config/ fills them from YAML.

#include <cstddef>
#include <string>

namespace paygate::observe {

struct LogSettings {
  std::string level = "info";         // trace, debug, info, warn, error, critical, off
  std::string error_log = "stderr";   // "stderr" or a file path (appended to)
  std::string access_log = "stdout";  // "stdout", "off" or a file path (rotated)
  std::size_t access_log_max_bytes = 100 * 1024 * 1024;  // rotate at this size
  std::size_t access_log_max_files = 10;                 // rotated files kept
  std::size_t access_log_queue_lines = 64 * 1024;  // queued lines; when full the oldest is dropped
  std::size_t error_log_queue_lines = 8 * 1024;    // same for the process log
};

}  // namespace paygate::observe
