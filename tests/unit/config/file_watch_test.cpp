// FileWatch on a real temporary directory: every way a deploy replaces a watched file (write in
// place, rename over, delete + create) calls back, a neighbour file does not, a burst of events
// is one call, and watch() replaces the set. Waits are bounded; debounce is short.
#include "config/file_watch.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace paygate::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kDebounce{60};

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

class FileWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = dir_ / "key.pem";
    write(key_, "one");
    watch_ = std::make_unique<FileWatch>(io_.get_executor(), kDebounce, [this] { ++calls_; });
    EXPECT_TRUE(watch_->watch({key_.string()}).empty());
  }
  void TearDown() override { watch_.reset(); }

  // Runs the loop until a callback arrived (at most 3 s), then long enough for a second one to
  // show up if the burst was not coalesced. Returns the calls since the last settle().
  int settle() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (calls_ == seen_ && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(milliseconds(10));
    }
    io_.run_for(kDebounce * 4);
    const int n = calls_ - seen_;
    seen_ = calls_;
    return n;
  }
  // Runs the loop for a while and returns the calls seen (expected: none).
  int quiet() {
    io_.run_for(kDebounce * 5);
    const int n = calls_ - seen_;
    seen_ = calls_;
    return n;
  }

  boost::asio::io_context io_;
  test::TempDir temp_dir_;
  const fs::path& dir_ = temp_dir_.path();
  fs::path key_;
  std::unique_ptr<FileWatch> watch_;
  int calls_ = 0;
  int seen_ = 0;
};

TEST_F(FileWatchTest, WriteInPlaceCallsBack) {
  write(key_, "two");
  EXPECT_EQ(settle(), 1);
}

TEST_F(FileWatchTest, RenameOverCallsBack) {
  write(dir_ / ".key.pem.tmp", "new");
  EXPECT_EQ(quiet(), 0);  // the temporary file is not watched
  fs::rename(dir_ / ".key.pem.tmp", key_);
  EXPECT_EQ(settle(), 1);
}

TEST_F(FileWatchTest, DeleteThenCreateCallsBack) {
  fs::remove(key_);
  EXPECT_EQ(settle(), 1);
  write(key_, "again");
  EXPECT_EQ(settle(), 1);
}

TEST_F(FileWatchTest, UnrelatedFileInTheSameDirectoryIsIgnored) {
  write(dir_ / "other.pem", "x");
  fs::rename(dir_ / "other.pem", dir_ / "third.pem");
  fs::remove(dir_ / "third.pem");
  EXPECT_EQ(quiet(), 0);
}

TEST_F(FileWatchTest, BurstIsCoalescedIntoOneCall) {
  for (int i = 0; i < 10; ++i) {
    write(key_, std::to_string(i));
    io_.run_for(milliseconds(5));  // events are read as they come, each re-arms the debounce
  }
  EXPECT_EQ(settle(), 1);
}

TEST_F(FileWatchTest, WatchReplacesTheSet) {
  const fs::path sub = dir_ / "sub";
  fs::create_directory(sub);
  const fs::path cert = sub / "cert.pem";
  write(cert, "c");
  EXPECT_TRUE(watch_->watch({cert.string(), cert.string(), ""}).empty());
  EXPECT_EQ(watch_->watched_files(), 1u);
  EXPECT_EQ(watch_->watched_directories(), 1u);
  write(key_, "no longer watched");
  EXPECT_EQ(quiet(), 0);
  write(cert, "watched");
  EXPECT_EQ(settle(), 1);
}

TEST_F(FileWatchTest, RelativeAndNormalisedPathsMeetTheSameDirectory) {
  const std::string dotted = (dir_ / "." / "key.pem").string();
  EXPECT_TRUE(watch_->watch({key_.string(), dotted}).empty());
  EXPECT_EQ(watch_->watched_files(), 1u);
  write(key_, "x");
  EXPECT_EQ(settle(), 1);
}

TEST_F(FileWatchTest, MissingDirectoryIsReported) {
  const auto problems = watch_->watch({(dir_ / "nowhere" / "key.pem").string()});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("nowhere: cannot watch"), std::string::npos) << problems[0];
}

TEST_F(FileWatchTest, StopCancelsAPendingCall) {
  write(key_, "two");
  io_.run_for(milliseconds(10));  // the event is read, the debounce armed
  watch_->stop();
  EXPECT_EQ(quiet(), 0);
}

}  // namespace
}  // namespace paygate::config
