#include "observe/access_log.h"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <limits>
#include <string>

#include "core/fast_random.h"
#include "observe/json_line.h"
#include "observe/log_file_sink.h"

namespace paygate::observe {
namespace {

spdlog::sink_ptr make_sink(const LogSettings& settings) {
  if (settings.access_log == "stdout") return std::make_shared<spdlog::sinks::stdout_sink_mt>();
  return make_file_sink(settings.access_log, settings.access_log_rotate,
                        settings.access_log_max_bytes, settings.access_log_max_files);
}

constexpr std::uint64_t kKeepAll = std::numeric_limits<std::uint64_t>::max();

// A request is kept when a uniform 64-bit random number is below the threshold.
std::uint64_t sample_threshold(double share) {
  constexpr double kTwoTo64 = 18446744073709551616.0;
  if (!(share > 0.0)) return 0;  // also NaN
  const double threshold = share * kTwoTo64;
  return share >= 1.0 || threshold >= kTwoTo64 ? kKeepAll : static_cast<std::uint64_t>(threshold);
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
  std::atomic<std::uint64_t> sample_threshold{kKeepAll};
};

AccessLog::AccessLog(const LogSettings& settings) : impl_(std::make_unique<Impl>()) {
  set_sample(settings.access_log_sample);
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
  if (record.status < 500) {
    const auto threshold = impl_->sample_threshold.load(std::memory_order_relaxed);
    if (threshold != kKeepAll && core::fast_random() >= threshold) return;
  }
  thread_local fmt::memory_buffer line;
  line.clear();
  format_access_line(line, record);
  // The request's start time is the message time: time-based rotation files lines by it.
  impl_->logger->log(record.time, spdlog::source_loc{}, spdlog::level::info,
                     spdlog::string_view_t(line.data(), line.size()));
}

void AccessLog::set_sample(double share) {
  impl_->sample_threshold.store(sample_threshold(share), std::memory_order_relaxed);
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
