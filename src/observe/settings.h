#pragma once
// Settings of logging: the process log and the access log.

#include <cstddef>
#include <string>

namespace paygate::observe {

struct LogSettings {
  std::string level = "info";        // trace, debug, info, warn, error, critical, off
  std::string error_log = "stderr";  // "stderr" or a file path
  std::string access_log = "stdout"; // "stdout", "off" or a file path (rotated)
  std::size_t access_log_max_bytes = 100 * 1024 * 1024;  // rotate at this size
  std::size_t access_log_max_files = 10;                 // rotated files kept
};

}  // namespace paygate::observe
