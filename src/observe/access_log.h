#pragma once
// AccessLog: one JSON line per finished request (observe/json_line.h) to stdout, to a file
// rotated by size or time (observe/log_file_sink.h), or nowhere ("off"). A share of the requests
// may be sampled (LogSettings::access_log_sample); a response with status >= 500 is always
// written. The sampling decision is a relaxed atomic load and the calling thread's fast_random().
//
// Lines go through an spdlog async logger whose bounded queue and background thread belong to
// this object. write() formats into a thread-local buffer and enqueues; it never waits for I/O.
// When the queue is full the oldest queued line is dropped and counted (dropped()), so a slow
// disk costs lines, not worker latency. File output is flushed every second once init_logging()
// has run, and always by flush() and shutdown().
//
// Threads: write(), flush(), set_sample() and dropped() from any thread, concurrently. shutdown()
// (also run by the destructor) once, after the workers and the scrapes have stopped.

#include <cstdint>
#include <memory>

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
