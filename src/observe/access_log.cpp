#include "observe/access_log.h"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
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

// Lines and messages (batches) queued but not yet written, kept by the writers and by the sink
// below. Both budgets are checked before a message is queued, so spdlog's own overrun never has
// to drop one. The message budget sizes spdlog's queue: every slot is built (and its memory
// touched) when the queue is made, so a slot per line would cost megabytes and milliseconds at
// start-up for lines that arrive in batches anyway.
struct QueuedLines {
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> messages{0};
  std::size_t limit = 0;
  std::size_t message_limit = 0;
};

// Passes every message to the real sink, then gives its lines back to the budget.
class BudgetReturningSink final : public spdlog::sinks::sink {
 public:
  BudgetReturningSink(spdlog::sink_ptr inner, std::shared_ptr<QueuedLines> queued)
      : inner_(std::move(inner)), queued_(std::move(queued)) {}

  void log(const spdlog::details::log_msg& msg) override {
    inner_->log(msg);
    const auto& text = msg.payload;
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    queued_->count.fetch_sub(lines, std::memory_order_relaxed);
    queued_->messages.fetch_sub(1, std::memory_order_relaxed);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
  std::shared_ptr<QueuedLines> queued_;
};

// Writers that may pass the budget check at the same moment; spdlog's queue has this much room
// beyond the budget so that such a race never overruns it.
constexpr std::size_t kConcurrentWriters = 256;

// Batches queued at most: at 32 KiB each, seconds of a stalled disk at full load.
constexpr std::size_t kMaxQueuedMessages = 1024;

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

std::size_t batch_limit(const LogSettings& settings) {
  constexpr std::size_t kMaxBatchBytes = 32 * 1024;
  if (settings.access_log_rotate != LogRotation::kSize) return kMaxBatchBytes;
  return std::clamp<std::size_t>(settings.access_log_max_bytes / 2, 1, kMaxBatchBytes);
}

}  // namespace

struct AccessLog::Impl {
  std::size_t batch_bytes = 0;
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::async_logger> logger;
  std::shared_ptr<QueuedLines> queued = std::make_shared<QueuedLines>();
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> sample_threshold{kKeepAll};

  bool take_budget(std::size_t lines) {
    if (queued->count.load(std::memory_order_relaxed) + lines > queued->limit ||
        queued->messages.load(std::memory_order_relaxed) >= queued->message_limit) {
      dropped.fetch_add(lines, std::memory_order_relaxed);
      return false;
    }
    queued->count.fetch_add(lines, std::memory_order_relaxed);
    queued->messages.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
};

AccessLog::AccessLog(const LogSettings& settings) : impl_(std::make_unique<Impl>()) {
  set_sample(settings.access_log_sample);
  impl_->batch_bytes = batch_limit(settings);
  if (settings.access_log == "off") return;
  impl_->queued->limit = settings.access_log_queue_lines;
  impl_->queued->message_limit = std::min(settings.access_log_queue_lines, kMaxQueuedMessages);
  auto sink = std::make_shared<BudgetReturningSink>(make_sink(settings), impl_->queued);
  impl_->pool = std::make_shared<spdlog::details::thread_pool>(
      impl_->queued->message_limit + kConcurrentWriters, 1);
  impl_->logger =
      std::make_shared<spdlog::async_logger>(unique_logger_name(), std::move(sink), impl_->pool,
                                             spdlog::async_overflow_policy::overrun_oldest);
  impl_->logger->set_pattern("%v");
  impl_->logger->set_level(spdlog::level::info);
  spdlog::register_logger(impl_->logger);
}

AccessLog::~AccessLog() { shutdown(); }

void AccessLog::write(const AccessRecord& record) {
  if (!enabled() || sampled_out(record)) return;
  thread_local fmt::memory_buffer line;
  line.clear();
  format_access_line(line, record);
  submit_lines(std::string_view(line.data(), line.size()), 1, record.time);
}

bool AccessLog::sampled_out(const AccessRecord& record) const {
  if (record.status >= 500) return false;
  const auto threshold = impl_->sample_threshold.load(std::memory_order_relaxed);
  return threshold != kKeepAll && core::fast_random() >= threshold;
}

void AccessLog::submit_lines(std::string_view lines, std::size_t count,
                             std::chrono::system_clock::time_point time) {
  if (!enabled() || count == 0 || !impl_->take_budget(count)) return;
  // The request's start time is the message time: time-based rotation files lines by it.
  impl_->logger->log(time, spdlog::source_loc{}, spdlog::level::info,
                     spdlog::string_view_t(lines.data(), lines.size()));
}

std::size_t AccessLog::batch_bytes() const { return impl_->batch_bytes; }

bool AccessLog::enabled() const { return impl_->logger != nullptr; }

void AccessLog::set_sample(double share) {
  impl_->sample_threshold.store(sample_threshold(share), std::memory_order_relaxed);
}

std::uint64_t AccessLog::dropped() const {
  return impl_->dropped.load(std::memory_order_relaxed);
}

void AccessLog::flush() {
  if (impl_->logger) impl_->logger->flush();
}

void AccessLog::shutdown() {
  if (!impl_->logger) return;
  spdlog::drop(impl_->logger->name());
  // The pool's destructor lets its thread write every queued line, then joins it; only after
  // that join is the logger (and with it the file) closed here, on this thread.
  impl_->pool.reset();
  impl_->logger.reset();
}

}  // namespace paygate::observe
