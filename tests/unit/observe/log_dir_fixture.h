#pragma once
// LogDirTest: a fresh temporary directory per test for the log tests, with readers for what
// the logs wrote there; and sample_record(), an access-log record with fixed values.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "observe/access_record.h"
#include "observe/settings.h"
#include "support/temp_dir.h"

namespace paygate::observe {

class LogDirTest : public ::testing::Test {
 protected:
  static std::vector<std::string> read_lines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  // An access log written to `name` in the directory.
  LogSettings access_log_settings(std::string name = "access.log") const {
    LogSettings settings;
    settings.access_log = (dir_ / name).string();
    return settings;
  }

  // Names of the files in the directory, sorted.
  std::vector<std::string> file_names() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // A FIFO named `name` in the directory, opened for reading but not read until
  // lines_read_while(): a log writing to it stalls once the pipe is full.
  int stalled_pipe(const std::string& name) {
    const auto fifo = dir_ / name;
    if (::mkfifo(fifo.c_str(), 0600) != 0) return -1;
    return ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // a writer may open it now
  }

  // Reads the pipe to its end on a thread while `close_writer` runs (it must close the write
  // side); returns the lines read. Closes the pipe.
  static std::size_t lines_read_while(int pipe, const std::function<void()>& close_writer) {
    ::fcntl(pipe, F_SETFL, 0);  // blocking reads
    std::size_t newlines = 0;
    std::thread drain([&] {
      char buffer[4096];
      for (ssize_t n; (n = ::read(pipe, buffer, sizeof buffer)) > 0;) {
        newlines += static_cast<std::size_t>(std::count(buffer, buffer + n, '\n'));
      }
    });
    close_writer();
    drain.join();
    ::close(pipe);
    return newlines;
  }

  test::TempDir temp_dir_;
  const std::filesystem::path& dir_ = temp_dir_.path();
};

// A 200 (or `status`) GET of `path` that took 1.5 ms; the views must outlive the record's use.
inline AccessRecord sample_record(std::string_view path, int status = 200) {
  using namespace std::chrono_literals;
  AccessRecord r;
  r.time = std::chrono::system_clock::now();
  r.request_id = "4f2a9c0d8e7b6a5f4f2a9c0d8e7b6a5f";
  r.method = "GET";
  r.path = path;
  r.route = "orders";
  r.upstream = "127.0.0.1:9000";
  r.status = status;
  r.bytes_in = 10;
  r.bytes_out = 20;
  r.duration = 1500us;
  return r;
}

}  // namespace paygate::observe
