#pragma once
// LogDirTest: a fresh temporary directory per test for the log tests, with readers for what
// the logs wrote there; and sample_record(), an access-log record with fixed values.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "observe/access_record.h"
#include "observe/settings.h"

namespace paygate::observe {

class LogDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("paygate-" + std::string(test->test_suite_name()) + "-" + std::to_string(::getpid()) +
            "-" + test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

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

  std::filesystem::path dir_;
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
