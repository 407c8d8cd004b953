#pragma once
// AccessLogBatch: one worker's lines for an AccessLog, gathered in a buffer the worker owns and
// handed to the log thread as one queue message. Per request the worker pays the sampling draw
// and the formatting; the queue's lock and the log thread's wake-up are paid per batch.
//
// A batch is handed over when it holds AccessLog::batch_bytes(), when a line belongs to another
// quarter hour than the batch's first (so time-rotated files get every line by its own time), and
// at flush(), which the worker calls a few times a second and once more after its loop has stopped.
// One thread at a time.
//
//   AccessLogBatch batch(log);
//   batch.write(record);  // per request
//   batch.flush();        // on a timer, and before log.shutdown()

#include <fmt/format.h>

#include <chrono>
#include <cstddef>

#include "observe/access_log.h"

namespace paygate::observe {

class AccessLogBatch {
 public:
  explicit AccessLogBatch(AccessLog& log);
  AccessLogBatch(const AccessLogBatch&) = delete;
  AccessLogBatch& operator=(const AccessLogBatch&) = delete;

  // Off: nothing is written, so callers need not build a record (or read the clock) for it.
  bool enabled() const { return log_.enabled(); }
  void write(const AccessRecord& record);
  void flush();

 private:
  AccessLog& log_;
  fmt::memory_buffer lines_;
  std::size_t count_ = 0;
  std::chrono::system_clock::time_point first_time_;
};

}  // namespace paygate::observe
