#pragma once
// make_file_sink: the spdlog sink for one log file with its rotation (LogRotation in
// observe/settings.h), built from spdlog's own file sinks:
//   kNone    basic_file_sink     FILE, appended to
//   kSize    rotating_file_sink  FILE, FILE.1 ... FILE.N: at max_bytes FILE becomes FILE.1
//   kDaily   daily_file_sink     FILE_YYYY-MM-DD.ext, a new file at local midnight
//   kHourly  hourly_file_sink    FILE_YYYY-MM-DD_HH.ext, a new file every local hour
// max_files is how many rotated files are kept besides the one being written. Time-based files
// are named by the time of the message that opens them, and a line goes to the file that is open
// when it is written. spdlog prunes time-based files it knows of: those it wrote, and at start
// the ones of the periods just before the current one (not files left before a gap).
//
// The sink is thread-safe (_mt). paygate's loggers are asynchronous, so the sink (and with it
// every rename, unlink and open of a rotation) runs on the logger's background thread, never on
// a worker. Throws spdlog::spdlog_ex when the file cannot be opened.

#include <cstddef>
#include <string>

#include <spdlog/common.h>

#include "observe/settings.h"

namespace paygate::observe {

spdlog::sink_ptr make_file_sink(const std::string& path, LogRotation rotation,
                                std::size_t max_bytes, std::size_t max_files);

}  // namespace paygate::observe
