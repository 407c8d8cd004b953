#include "observe/access_log_batch.h"

#include <string_view>

#include "observe/json_line.h"

namespace paygate::observe {
namespace {

// Rotation turns at local hours and midnights. Every time zone's UTC offset is a multiple of
// 15 minutes, so a batch within one UTC quarter hour never straddles a local hour.
bool same_quarter_hour(std::chrono::system_clock::time_point a,
                       std::chrono::system_clock::time_point b) {
  using QuarterHours = std::chrono::duration<long, std::ratio<15 * 60>>;
  return std::chrono::floor<QuarterHours>(a) == std::chrono::floor<QuarterHours>(b);
}

}  // namespace

AccessLogBatch::AccessLogBatch(AccessLog& log) : log_(log) {}

void AccessLogBatch::write(const AccessRecord& record) {
  if (!log_.enabled() || log_.sampled_out(record)) return;
  if (count_ > 0 && !same_quarter_hour(first_time_, record.time)) flush();
  if (count_ == 0) {
    first_time_ = record.time;
  } else {
    lines_.push_back('\n');
  }
  format_access_line(lines_, record);
  ++count_;
  if (lines_.size() >= log_.batch_bytes()) flush();
}

void AccessLogBatch::flush() {
  if (count_ == 0) return;
  log_.submit_lines(std::string_view(lines_.data(), lines_.size()), count_, first_time_);
  lines_.clear();
  count_ = 0;
}

}  // namespace paygate::observe
