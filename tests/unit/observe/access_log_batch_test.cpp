#include "observe/access_log_batch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "log_dir_fixture.h"

namespace paygate::observe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using AccessLogBatchTest = LogDirTest;

AccessRecord record(std::string_view path, int status = 200) { return sample_record(path, status); }

std::string path_of(const std::string& line) {
  return std::string(boost::json::parse(line).as_object().at("path").as_string());
}

TEST_F(AccessLogBatchTest, FlushHandsOverEveryLineInOrder) {
  AccessLog log(access_log_settings());
  AccessLogBatch batch(log);
  for (int i = 0; i < 10; ++i) batch.write(record("/order/" + std::to_string(i)));
  batch.flush();
  batch.flush();  // nothing left: no empty line
  log.shutdown();
  const auto lines = read_lines(dir_ / "access.log");
  ASSERT_EQ(lines.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(path_of(lines[i]), "/order/" + std::to_string(i));
}

TEST_F(AccessLogBatchTest, LinesWaitInTheBatchUntilFlushed) {
  AccessLog log(access_log_settings());
  AccessLogBatch batch(log);
  batch.write(record("/kept-back"));
  log.shutdown();
  EXPECT_TRUE(read_lines(dir_ / "access.log").empty());
}

TEST_F(AccessLogBatchTest, AFullBatchGoesWithoutAFlush) {
  AccessLog log(access_log_settings());
  AccessLogBatch batch(log);
  const std::size_t lines_per_batch = log.batch_bytes() / 150;  // a line is about 200 bytes
  for (std::size_t i = 0; i < lines_per_batch; ++i) batch.write(record("/filler"));
  log.shutdown();
  EXPECT_GT(read_lines(dir_ / "access.log").size(), 0u);
}

TEST_F(AccessLogBatchTest, SizeRotatedFilesNeverOverfill) {
  auto settings = access_log_settings();
  settings.access_log_max_bytes = 2048;
  settings.access_log_max_files = 100;
  AccessLog log(settings);
  EXPECT_EQ(log.batch_bytes(), 1024u);
  AccessLogBatch batch(log);
  constexpr int kLines = 300;
  for (int i = 0; i < kLines; ++i) batch.write(record("/rotate/" + std::to_string(i)));
  batch.flush();
  log.shutdown();
  std::size_t total = 0;
  for (const auto& name : file_names()) {
    EXPECT_LE(fs::file_size(dir_ / name), 2048u) << name;
    for (const auto& line : read_lines(dir_ / name)) EXPECT_NO_THROW(path_of(line)) << line;
    total += read_lines(dir_ / name).size();
  }
  EXPECT_EQ(total, std::size_t{kLines});
}

// One batch spans three hours of (test) time: each line still lands in its own hour's file.
TEST_F(AccessLogBatchTest, ALineOfAnotherHourStartsANewBatch) {
  auto settings = access_log_settings();
  settings.access_log_rotate = LogRotation::kHourly;
  settings.access_log_max_files = 10;
  AccessLog log(settings);
  AccessLogBatch batch(log);
  const auto now = std::chrono::system_clock::now();
  for (int hour = 1; hour <= 3; ++hour) {
    const std::string path = "/hour/" + std::to_string(hour);
    auto r = record(path);
    r.time = now + hour * 1h;
    batch.write(r);
    batch.write(r);
  }
  batch.flush();
  log.shutdown();
  std::vector<std::string> names;  // the sink also opens the current hour's file, empty
  for (const auto& name : file_names()) {
    if (fs::file_size(dir_ / name) > 0) names.push_back(name);
  }
  ASSERT_EQ(names.size(), 3u);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto lines = read_lines(dir_ / names[i]);
    ASSERT_EQ(lines.size(), 2u) << names[i];
    EXPECT_EQ(path_of(lines[0]), "/hour/" + std::to_string(i + 1)) << names[i];
  }
}

TEST_F(AccessLogBatchTest, SamplingAppliesPerLine) {
  auto settings = access_log_settings();
  settings.access_log_sample = 0.0;
  AccessLog log(settings);
  AccessLogBatch batch(log);
  for (int i = 0; i < 100; ++i) batch.write(record("/ok"));
  batch.write(record("/fail", 503));
  batch.flush();
  log.shutdown();
  const auto lines = read_lines(dir_ / "access.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(path_of(lines[0]), "/fail");
}

// The output is a pipe nobody reads yet: batches beyond the queue's line budget are dropped
// whole, and every dropped line is counted, so written + dropped is exactly what was logged.
TEST_F(AccessLogBatchTest, DroppedBatchesAreCountedLineByLine) {
  const int pipe = stalled_pipe("stalled.log");
  ASSERT_GE(pipe, 0);
  auto settings = access_log_settings("stalled.log");
  settings.access_log_queue_lines = 64;
  AccessLog log(settings);
  AccessLogBatch batch(log);
  constexpr std::size_t kLines = 20'000;  // far more than the pipe, stdio buffer and queue hold
  for (std::size_t i = 0; i < kLines; ++i) {
    batch.write(record("/stall"));
    if (i % 7 == 6) batch.flush();  // batches of 7 lines
  }
  batch.flush();
  EXPECT_GT(log.dropped(), 0u);
  EXPECT_EQ(log.dropped() % 7, 0u);
  const std::size_t written = lines_read_while(pipe, [&] { log.shutdown(); });
  EXPECT_EQ(written + log.dropped(), kLines);
}

TEST_F(AccessLogBatchTest, OffOrShutDownLogTakesNothing) {
  LogSettings settings;
  settings.access_log = "off";
  AccessLog off(settings);
  AccessLogBatch batch(off);
  batch.write(record("/nowhere"));
  batch.flush();
  EXPECT_EQ(off.dropped(), 0u);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace paygate::observe
