#include "observe/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/temp_dir.h"

namespace paygate::observe {
namespace {

namespace fs = std::filesystem;

class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { shutdown_logging(); }

  LogSettings settings(std::string level) const {
    LogSettings s;
    s.level = std::move(level);
    s.error_log = path_.string();
    return s;
  }

  std::string contents() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  test::TempDir dir_;
  fs::path path_ = dir_.path() / "error.log";  // rotated files are written beside it
};

TEST_F(LoggingTest, LevelCanBeChangedAtRuntime) {
  init_logging(settings("info"));
  EXPECT_EQ(log_level(), "info");
  spdlog::debug("hidden-debug");
  spdlog::info("shown-info");
  EXPECT_TRUE(set_log_level("debug"));
  EXPECT_EQ(log_level(), "debug");
  spdlog::debug("shown-debug");
  EXPECT_TRUE(set_log_level("warning"));
  EXPECT_EQ(log_level(), "warn");
  spdlog::info("hidden-info");
  spdlog::warn("shown-warn");
  shutdown_logging();
  const std::string text = contents();
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  EXPECT_NE(text.find("shown-info"), std::string::npos) << text;
  EXPECT_NE(text.find("shown-debug"), std::string::npos) << text;
  EXPECT_NE(text.find("shown-warn"), std::string::npos) << text;
}

TEST_F(LoggingTest, UnknownLevelIsRefusedAndChangesNothing) {
  init_logging(settings("error"));
  EXPECT_FALSE(set_log_level("verbose"));
  EXPECT_FALSE(set_log_level(""));
  EXPECT_FALSE(set_log_level("INFO"));
  EXPECT_EQ(log_level(), "error");
  EXPECT_FALSE(is_valid_log_level("loud"));
  EXPECT_TRUE(is_valid_log_level("off"));
}

TEST_F(LoggingTest, InitRefusesAnUnknownLevelOrAnUnopenableFile) {
  EXPECT_THROW(init_logging(settings("chatty")), std::invalid_argument);
  auto s = settings("info");
  s.error_log = "/dev/null/cannot/be/here.log";
  EXPECT_THROW(init_logging(s), std::exception);
}

TEST_F(LoggingTest, LinesCarryUtcTimestampAndLevel) {
  init_logging(settings("info"));
  spdlog::error("boom {}", 42);
  shutdown_logging();
  const std::string text = contents();
  // 2024-05-01T08:00:00.123Z error [1234] boom 42
  EXPECT_EQ(text.size() > 24 ? text.substr(10, 1) + text.substr(23, 2) : "", "TZ ") << text;
  EXPECT_NE(text.find(" error ["), std::string::npos) << text;
  EXPECT_NE(text.find("boom 42\n"), std::string::npos) << text;
}

TEST_F(LoggingTest, CanBeInitialisedAgainAfterShutdown) {
  init_logging(settings("info"));
  shutdown_logging();
  init_logging(settings("info"));
  spdlog::info("second-life");
  shutdown_logging();
  EXPECT_NE(contents().find("second-life"), std::string::npos);
  spdlog::info("after shutdown goes to stderr without crashing");
}

TEST_F(LoggingTest, ErrorLogFileRotatesBySizeAndKeepsMaxFiles) {
  auto s = settings("info");
  s.error_log_rotate = LogRotation::kSize;
  s.error_log_max_bytes = 1024;
  s.error_log_max_files = 2;
  init_logging(s);
  for (int i = 0; i < 200; ++i) spdlog::info("rotating line {:04d}", i);
  shutdown_logging();
  const fs::path dir = path_.parent_path();
  const std::string stem = path_.stem().string();
  const fs::path first = dir / (stem + ".1.log");
  const fs::path second = dir / (stem + ".2.log");
  const fs::path third = dir / (stem + ".3.log");
  EXPECT_TRUE(fs::exists(first));
  EXPECT_TRUE(fs::exists(second));
  EXPECT_FALSE(fs::exists(third));
  EXPECT_LE(fs::file_size(path_), 1024u);
  EXPECT_NE(contents().find("rotating line 0199"), std::string::npos);
}

TEST_F(LoggingTest, DailyErrorLogIsNamedByTheDate) {
  auto s = settings("info");
  s.error_log_rotate = LogRotation::kDaily;
  init_logging(s);
  spdlog::info("dated");
  shutdown_logging();
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char date[16];
  std::strftime(date, sizeof date, "_%Y-%m-%d", &local);
  const fs::path dated = path_.parent_path() / (path_.stem().string() + date + ".log");
  ASSERT_TRUE(fs::exists(dated)) << dated;
  std::ifstream in(dated);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("dated"), std::string::npos);
}

}  // namespace
}  // namespace paygate::observe
