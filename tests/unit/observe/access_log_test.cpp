#include "observe/access_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "log_dir_fixture.h"
#include "observe/access_log_batch.h"

namespace paygate::observe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using AccessLogTest = LogDirTest;

AccessRecord record(std::string_view path, int status = 200) { return sample_record(path, status); }

TEST_F(AccessLogTest, WritesOneParsableJsonLinePerRecordEvenForNastyStrings) {
  const std::vector<std::string> paths = {"/v3/pay",
                                          "/a\"b\\c",
                                          "/line\nbreak\r\t",
                                          std::string("/nul\0x", 6),
                                          "/bad\xFF\xC3utf8",
                                          "/中文/€",
                                          "/\"},{\"status\":500,\"x\":\""};
  AccessLog log(access_log_settings());
  for (const auto& path : paths) log.write(record(path));
  log.shutdown();
  const auto lines = read_lines(dir_ / "access.log");
  ASSERT_EQ(lines.size(), paths.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    boost::json::object line;
    ASSERT_NO_THROW(line = boost::json::parse(lines[i]).as_object()) << lines[i];
    EXPECT_EQ(line.size(), 12u);
    EXPECT_EQ(line.at("status").as_int64(), 200);
    EXPECT_EQ(line.at("duration_us").as_int64(), 1500);
    if (i != 4) {  // the one with invalid UTF-8 comes back with U+FFFD
      EXPECT_EQ(line.at("path").as_string(), paths[i]);
    }
  }
  EXPECT_EQ(log.dropped(), 0u);
}

TEST_F(AccessLogTest, ManyThreadsWriteWholeLines) {
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 2000;
  AccessLog log(access_log_settings());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string path = "/worker/" + std::to_string(t);
      for (int i = 0; i < kLinesEach; ++i) log.write(record(path, 200 + t));
    });
  }
  for (auto& thread : threads) thread.join();
  log.shutdown();
  const auto lines = read_lines(dir_ / "access.log");
  EXPECT_EQ(lines.size() + log.dropped(), std::size_t{kThreads * kLinesEach});
  for (const auto& line : lines) {
    const auto object = boost::json::parse(line).as_object();
    const auto worker = object.at("status").as_int64() - 200;
    EXPECT_EQ(object.at("path").as_string(), "/worker/" + std::to_string(worker));
  }
}

TEST_F(AccessLogTest, RotatesBySizeAndKeepsMaxFiles) {
  auto settings = access_log_settings();
  settings.access_log_max_bytes = 2048;
  settings.access_log_max_files = 3;
  AccessLog log(settings);
  for (int i = 0; i < 200; ++i) log.write(record("/rotate/" + std::to_string(i)));
  log.shutdown();
  for (const char* name : {"access.log", "access.1.log", "access.2.log", "access.3.log"}) {
    ASSERT_TRUE(fs::exists(dir_ / name)) << name;
    EXPECT_LE(fs::file_size(dir_ / name), 2048u) << name;
    for (const auto& line : read_lines(dir_ / name)) EXPECT_NO_THROW(boost::json::parse(line));
  }
  EXPECT_FALSE(fs::exists(dir_ / "access.4.log"));
  const auto newest = read_lines(dir_ / "access.log");
  ASSERT_FALSE(newest.empty());
  EXPECT_EQ(boost::json::parse(newest.back()).as_object().at("path").as_string(), "/rotate/199");
}

// The output is a pipe nobody reads yet: the background thread blocks in write(2), the queue
// fills, and write() must keep returning, dropping and counting lines instead of waiting.
TEST_F(AccessLogTest, DropsAndCountsInsteadOfBlockingWhenTheOutputStalls) {
  const int pipe = stalled_pipe("stalled.log");
  ASSERT_GE(pipe, 0);
  auto settings = access_log_settings("stalled.log");
  settings.access_log_queue_lines = 16;
  AccessLog log(settings);
  constexpr std::size_t kLines = 5000;  // far more than the pipe, stdio buffer and queue hold
  for (std::size_t i = 0; i < kLines; ++i) log.write(record("/stall"));
  EXPECT_GT(log.dropped(), 0u);
  const std::size_t written = lines_read_while(pipe, [&] { log.shutdown(); });
  EXPECT_EQ(written + log.dropped(), kLines);
}

TEST_F(AccessLogTest, OffWritesNothing) {
  LogSettings settings;
  settings.access_log = "off";
  AccessLog log(settings);
  log.write(record("/nowhere"));
  log.flush();
  log.shutdown();
  EXPECT_EQ(log.dropped(), 0u);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(AccessLogTest, WriteAfterShutdownIsANoOp) {
  AccessLog log(access_log_settings());
  log.write(record("/before"));
  log.shutdown();
  log.write(record("/after"));
  log.shutdown();
  EXPECT_EQ(read_lines(dir_ / "access.log").size(), 1u);
}

TEST_F(AccessLogTest, SamplingKeepsRoughlyTheShare) {
  auto settings = access_log_settings();
  settings.access_log_sample = 0.25;
  constexpr int kRecords = 20'000;
  AccessLog log(settings);
  // Through a batch, as the workers write: 20,000 single-line messages could outrun the queue's
  // 1,024 message slots.
  AccessLogBatch batch(log);
  for (int i = 0; i < kRecords; ++i) batch.write(record("/sampled", 200 + i % 300));  // < 500
  batch.flush();
  log.shutdown();
  ASSERT_EQ(log.dropped(), 0u);
  // 5000 expected, standard deviation about 61.
  const auto written = read_lines(dir_ / "access.log").size();
  EXPECT_GT(written, 4600u);
  EXPECT_LT(written, 5400u);
}

TEST_F(AccessLogTest, SampleZeroStillWritesEveryServerError) {
  auto settings = access_log_settings();
  settings.access_log_sample = 0.0;
  AccessLog log(settings);
  for (int i = 0; i < 1000; ++i) log.write(record("/ok", 200 + i % 300));  // 200..499
  for (int status : {500, 502, 503, 504}) log.write(record("/fail", status));
  log.shutdown();
  const auto lines = read_lines(dir_ / "access.log");
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& line : lines) {
    EXPECT_GE(boost::json::parse(line).as_object().at("status").as_int64(), 500) << line;
  }
}

TEST_F(AccessLogTest, SampleCanChangeWhileRunning) {
  AccessLog log(access_log_settings());
  log.write(record("/one"));
  log.set_sample(0.0);
  for (int i = 0; i < 100; ++i) log.write(record("/none"));
  log.set_sample(1.0);
  log.write(record("/two"));
  log.shutdown();
  const auto lines = read_lines(dir_ / "access.log");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("/two"), std::string::npos);
}

// The request's time drives time-based rotation; here it is days ahead, a test clock.
TEST_F(AccessLogTest, RotatesDailyByRequestTimeAndKeepsMaxFiles) {
  auto settings = access_log_settings();
  settings.access_log_rotate = LogRotation::kDaily;
  settings.access_log_max_files = 1;
  AccessLog log(settings);
  const auto now = std::chrono::system_clock::now();
  for (int day = 1; day <= 3; ++day) {
    const std::string path = "/day/" + std::to_string(day);
    auto r = record(path);
    r.time = now + day * 24h;
    log.write(r);
  }
  log.shutdown();
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    names.push_back(entry.path().filename().string());
  }
  ASSERT_EQ(names.size(), 2u);  // day 2 and day 3
  for (const auto& name : names) EXPECT_TRUE(name.starts_with("access_")) << name;
}

}  // namespace
}  // namespace paygate::observe
