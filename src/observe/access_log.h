#pragma once
// AccessLog: one JSON line per finished request (observe/json_line.h) to stdout, to a file
// rotated by size or time (observe/log_file_sink.h), or nowhere ("off"). A share of the requests
// may be sampled (LogSettings::access_log_sample); a response with status >= 500 is always
// written. The sampling decision is a relaxed atomic load and the calling thread's fast_random().
//
// Lines go through an spdlog async logger whose bounded queue and background thread belong to
// this object. A queue message holds one line (write()) or a batch of lines (submit_lines(), fed
// by a worker's AccessLogBatch, observe/access_log_batch.h), so a busy worker pays the queue's
// lock and the log thread's wake-up once per batch rather than once per request. Nothing here
// waits for I/O: when the queue holds LogSettings::access_log_queue_lines lines (or 1024
// messages), new lines are dropped and counted exactly (dropped()), so a slow disk costs lines,
// not worker latency. File output is flushed every second once init_logging() has run, and
// always by flush() and shutdown().
//
// Threads: write(), submit_lines(), flush(), set_sample(), sampled_out() and dropped() from any
// thread, concurrently. shutdown() (also run by the destructor) once, after the workers have
// flushed their batches and the scrapes have stopped.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "observe/access_record.h"
#include "observe/settings.h"

namespace paygate::observe {

class AccessLog {
 public:
  // Throws spdlog::spdlog_ex (a std::exception) when the file cannot be opened.
  explicit AccessLog(const LogSettings& settings);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Skipped when sampled out; record.time is the line's time for time-based rotation.
  void write(const AccessRecord& record);
  // True when this request's line is to be skipped (a status >= 500 never is). One call per
  // request: it draws a random number.
  bool sampled_out(const AccessRecord& record) const;
  // Queues `lines` (count lines joined by '\n', without the last newline) as one message; time
  // is the first line's, which time-based rotation files the whole message by.
  void submit_lines(std::string_view lines, std::size_t count,
                    std::chrono::system_clock::time_point time);
  // The size a batch for submit_lines() should not grow beyond: 32 KiB, or half of
  // access_log_max_size for a size-rotated file, which rotates before a message that would
  // overfill it (so every file is at least half used).
  std::size_t batch_bytes() const;
  // Whether lines go anywhere (false for "off" and after shutdown()).
  bool enabled() const;
  // The share of requests below status 500 that are written, 0..1 (1 = all); applies to the
  // next write() on every thread. For a reload.
  void set_sample(double share);
  // Lines lost because the queue was full, since construction.
  std::uint64_t dropped() const;
  // Asks the background thread to flush; returns at once.
  void flush();
  // Writes every queued line, closes the output and stops the thread; write() is a no-op after.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace paygate::observe
