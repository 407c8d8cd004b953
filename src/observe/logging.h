#pragma once
// The process (error) log: spdlog's default logger, made asynchronous with a bounded queue (the
// oldest message is dropped when it is full, so logging never blocks a worker), writing to stderr
// or to a file rotated as LogSettings says (observe/log_file_sink.h; rotation runs on the
// logger's background thread), UTC timestamps. Code logs with spdlog::info(...), spdlog::warn(...).
//
// Threads: init_logging() and shutdown_logging() on the main thread, at start-up and at exit,
// while no other thread logs. set_log_level() and log_level() from any thread, any time.

#include <string_view>

#include "observe/settings.h"

namespace paygate::observe {

// trace, debug, info, warn (or warning), error (or err), critical, off.
bool is_valid_log_level(std::string_view level);
// The canonical level names, for messages that list them.
inline constexpr std::string_view kLogLevelNames = "trace, debug, info, warn, error, critical, off";

// Installs the process log; also starts spdlog's once-a-second flush of every logger (the access
// log included). Throws std::invalid_argument on an unknown level and spdlog::spdlog_ex when the
// file cannot be opened; the previous logger then stays in place. May be called again.
void init_logging(const LogSettings& settings);

// Changes the process log level; false, and nothing changes, when the name is unknown.
bool set_log_level(std::string_view level);
// The current level's canonical name ("warn", not "warning").
std::string_view log_level();

// Writes what is queued, closes the file and stops the background thread. Later messages go
// synchronously to stderr. Call at process exit after the workers have stopped.
void shutdown_logging();

}  // namespace paygate::observe
