#include "observe/access_log.h"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <string>

#include "observe/json_line.h"

namespace paygate::observe {
namespace {

spdlog::sink_ptr make_sink(const LogSettings& settings) {
  if (settings.access_log == "stdout") return std::make_shared<spdlog::sinks::stdout_sink_mt>();
  return std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      settings.access_log, settings.access_log_max_bytes, settings.access_log_max_files);
}

// Registered under a unique name so spdlog's periodic flusher (init_logging) reaches it.
std::string unique_logger_name() {
  static std::atomic<unsigned> next{0};
  return "access#" + std::to_string(next.fetch_add(1));
}

}  // namespace

struct AccessLog::Impl {
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::async_logger> logger;
  std::uint64_t dropped_at_shutdown = 0;
};

AccessLog::AccessLog(const LogSettings& settings) : impl_(std::make_unique<Impl>()) {
  if (settings.access_log == "off") return;
  auto sink = make_sink(settings);
  impl_->pool = std::make_shared<spdlog::details::thread_pool>(settings.access_log_queue_lines, 1);
  impl_->logger =
      std::make_shared<spdlog::async_logger>(unique_logger_name(), std::move(sink), impl_->pool,
                                             spdlog::async_overflow_policy::overrun_oldest);
  impl_->logger->set_pattern("%v");
  impl_->logger->set_level(spdlog::level::info);
  spdlog::register_logger(impl_->logger);
}

AccessLog::~AccessLog() { shutdown(); }

void AccessLog::write(const AccessRecord& record) {
  if (!impl_->logger) return;
  thread_local fmt::memory_buffer line;
  line.clear();
  format_access_line(line, record);
  impl_->logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

std::uint64_t AccessLog::dropped() const {
  return impl_->pool ? impl_->pool->overrun_counter() : impl_->dropped_at_shutdown;
}

void AccessLog::flush() {
  if (impl_->logger) impl_->logger->flush();
}

void AccessLog::shutdown() {
  if (!impl_->logger) return;
  spdlog::drop(impl_->logger->name());
  impl_->dropped_at_shutdown = impl_->pool->overrun_counter();
  // The pool's destructor lets its thread write every queued line, then joins it; only after
  // that join is the logger (and with it the file) closed here, on this thread.
  impl_->pool.reset();
  impl_->logger.reset();
}

}  // namespace paygate::observe
