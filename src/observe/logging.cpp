#include "observe/logging.h"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "observe/log_file_sink.h"

namespace paygate::observe {
namespace {

constexpr std::string_view kLoggerName = "paygate";
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l [%t] %v";

struct LevelName {
  std::string_view name;
  spdlog::level::level_enum level;
};

// First entry of each level is its canonical name. spdlog's own from_str() maps unknown names
// to "off", which would silence the log on a typo.
constexpr std::array<LevelName, 9> kLevels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"err", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  for (const auto& entry : kLevels) {
    if (entry.name == name) return entry.level;
  }
  return std::nullopt;
}

// The queue of the current process logger; replaced only by init/shutdown (main thread).
std::shared_ptr<spdlog::details::thread_pool>& process_pool() {
  static std::shared_ptr<spdlog::details::thread_pool> pool;
  return pool;
}

spdlog::sink_ptr make_sink(const LogSettings& settings) {
  if (settings.error_log == "stderr") return std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return make_file_sink(settings.error_log, settings.error_log_rotate,
                        settings.error_log_max_bytes, settings.error_log_max_files);
}

void install(std::shared_ptr<spdlog::logger> logger,
             std::shared_ptr<spdlog::details::thread_pool> pool) {
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(kPattern, spdlog::pattern_time_type::utc));
  auto previous_logger = spdlog::default_logger();
  spdlog::set_default_logger(std::move(logger));
  // Destroying the old pool drains its queue into the old sinks and joins its thread; the old
  // logger (and its file) is closed only after that join.
  std::exchange(process_pool(), std::move(pool)).reset();
  previous_logger.reset();
}

}  // namespace

bool is_valid_log_level(std::string_view level) { return parse_level(level).has_value(); }

void init_logging(const LogSettings& settings) {
  const auto level = parse_level(settings.level);
  if (!level) throw std::invalid_argument("unknown log level '" + settings.level + "'");
  auto sink = make_sink(settings);
  auto pool = std::make_shared<spdlog::details::thread_pool>(settings.error_log_queue_lines, 1);
  auto logger =
      std::make_shared<spdlog::async_logger>(std::string(kLoggerName), std::move(sink), pool,
                                             spdlog::async_overflow_policy::overrun_oldest);
  logger->set_level(*level);
  logger->flush_on(spdlog::level::warn);
  install(std::move(logger), std::move(pool));
  spdlog::flush_every(std::chrono::seconds(1));
}

bool set_log_level(std::string_view name) {
  const auto level = parse_level(name);
  if (!level) return false;
  spdlog::default_logger()->set_level(*level);
  return true;
}

std::string_view log_level() {
  const auto level = spdlog::default_logger()->level();
  for (const auto& entry : kLevels) {
    if (entry.level == level) return entry.name;
  }
  return "off";
}

void shutdown_logging() {
  auto fallback = std::make_shared<spdlog::logger>(
      std::string(kLoggerName), std::make_shared<spdlog::sinks::stderr_sink_mt>());
  fallback->set_level(spdlog::default_logger()->level());
  install(std::move(fallback), nullptr);
}

}  // namespace paygate::observe
