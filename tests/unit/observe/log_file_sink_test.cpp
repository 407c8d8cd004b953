// Rotation of log files, driven by message times (a test clock): spdlog's time-based sinks
// decide and name by the time each message carries.
#include "observe/log_file_sink.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "log_dir_fixture.h"

namespace paygate::observe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Time = std::chrono::system_clock::time_point;

class LogFileSinkTest : public LogDirTest {
 protected:
  std::string path() const { return (dir_ / "app.log").string(); }

  static std::string contents(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // The name spdlog gives the file of `time`'s day ("app_2024-05-01.log") or hour.
  static std::string period_name(Time time, bool hourly) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm local{};
    ::localtime_r(&t, &local);
    char text[32];
    std::strftime(text, sizeof text, hourly ? "app_%Y-%m-%d_%H.log" : "app_%Y-%m-%d.log", &local);
    return text;
  }
};

void log_at(spdlog::logger& logger, Time time, const std::string& text) {
  logger.log(time, spdlog::source_loc{}, spdlog::level::info, text);
}

TEST_F(LogFileSinkTest, SizeRotationKeepsMaxFilesBesidesTheCurrent) {
  spdlog::logger logger("t", make_file_sink(path(), LogRotation::kSize, 1024, 2));
  logger.set_pattern("%v");
  for (int i = 0; i < 100; ++i) logger.info("line {:04d} {}", i, std::string(40, 'x'));
  logger.flush();
  EXPECT_EQ(file_names(), (std::vector<std::string>{"app.1.log", "app.2.log", "app.log"}));
  for (const auto& name : file_names()) EXPECT_LE(fs::file_size(dir_ / name), 1024u) << name;
  EXPECT_NE(contents(dir_ / "app.log").find("line 0099"), std::string::npos);
}

TEST_F(LogFileSinkTest, DailyRotationOpensAFilePerDayAndKeepsMaxFilesBesidesTheCurrent) {
  spdlog::logger logger("t", make_file_sink(path(), LogRotation::kDaily, 1024, 2));
  logger.set_pattern("%v");
  const Time now = std::chrono::system_clock::now();
  for (int day = 1; day <= 5; ++day) log_at(logger, now + day * 24h, "day " + std::to_string(day));
  logger.flush();
  EXPECT_EQ(file_names(), (std::vector<std::string>{period_name(now + 72h, false),
                                               period_name(now + 96h, false),
                                               period_name(now + 120h, false)}));
  EXPECT_EQ(contents(dir_ / period_name(now + 120h, false)), "day 5\n");
}

TEST_F(LogFileSinkTest, HourlyRotationOpensAFilePerHour) {
  spdlog::logger logger("t", make_file_sink(path(), LogRotation::kHourly, 1024, 1));
  logger.set_pattern("%v");
  const Time now = std::chrono::system_clock::now();
  log_at(logger, now, "now");
  for (int hour = 1; hour <= 3; ++hour) log_at(logger, now + hour * 1h, std::to_string(hour));
  logger.flush();
  EXPECT_EQ(file_names(),
            (std::vector<std::string>{period_name(now + 2h, true), period_name(now + 3h, true)}));
  EXPECT_EQ(contents(dir_ / period_name(now + 2h, true)), "2\n");
}

TEST_F(LogFileSinkTest, TimeRotationIgnoresTheSize) {
  spdlog::logger logger("t", make_file_sink(path(), LogRotation::kDaily, 1024, 2));
  logger.set_pattern("%v");
  for (int i = 0; i < 100; ++i) logger.info("{}", std::string(100, 'y'));
  logger.flush();
  ASSERT_EQ(file_names().size(), 1u);
  EXPECT_GT(fs::file_size(dir_ / file_names().front()), 10'000u);
}

TEST_F(LogFileSinkTest, NoRotationAppendsToOneFile) {
  {
    spdlog::logger logger("t", make_file_sink(path(), LogRotation::kNone, 1024, 2));
    logger.set_pattern("%v");
    for (int i = 0; i < 50; ++i) logger.info("{}", std::string(100, 'z'));
  }
  spdlog::logger again("t", make_file_sink(path(), LogRotation::kNone, 1024, 2));
  again.set_pattern("%v");
  again.info("again");
  again.flush();
  EXPECT_EQ(file_names(), std::vector<std::string>{"app.log"});
  EXPECT_EQ(fs::file_size(dir_ / "app.log"), 50u * 101 + 6);
}

TEST_F(LogFileSinkTest, UnopenableFileThrows) {
  EXPECT_THROW(make_file_sink("/dev/null/nope/app.log", LogRotation::kSize, 1024, 2),
               spdlog::spdlog_ex);
}

}  // namespace
}  // namespace paygate::observe
