#include "observe/process_stats.h"

#include <gtest/gtest.h>

#include <string>

namespace paygate::observe {
namespace {

constexpr long kTicks = 100;
constexpr long kPage = 4096;

// A /proc/<pid>/stat line (proc(5)) with utime 250, stime 150, starttime 12345, vsize 1 MiB and
// 300 resident pages, for a command named `comm`.
std::string stat_line(const std::string& comm) {
  std::string line = "4242 (";
  line += comm;
  line +=
      ") S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 3 0 12345 1048576 300 "
      "18446744073709551615 1 1 0 0 0 0 0 4096 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
  return line;
}

TEST(ProcessStats, ParsesTheFieldsOfProcSelfStat) {
  const auto stat = parse_proc_stat(stat_line("paygate"), kTicks, kPage);
  ASSERT_TRUE(stat.has_value());
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(stat->start_after_boot_seconds, 123.45);
  EXPECT_DOUBLE_EQ(stat->virtual_memory_bytes, 1048576);
  EXPECT_DOUBLE_EQ(stat->resident_memory_bytes, 300.0 * kPage);
}

TEST(ProcessStats, CommandNameMayHoldSpacesAndParentheses) {
  const auto stat = parse_proc_stat(stat_line("a) S 1 (b ) 9 9"), kTicks, kPage);
  ASSERT_TRUE(stat.has_value());
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(stat->resident_memory_bytes, 300.0 * kPage);
}

TEST(ProcessStats, RejectsMalformedStat) {
  EXPECT_FALSE(parse_proc_stat("", kTicks, kPage));
  EXPECT_FALSE(parse_proc_stat("4242 paygate S 1 2 3", kTicks, kPage));    // no parentheses
  EXPECT_FALSE(parse_proc_stat("4242 (paygate) S 1 2 3", kTicks, kPage));  // too short
  std::string bad = stat_line("paygate");
  bad.replace(bad.find(" 250 "), 5, " 2x0 ");
  EXPECT_FALSE(parse_proc_stat(bad, kTicks, kPage));
  std::string negative = stat_line("paygate");
  negative.replace(negative.find(" 300 "), 5, " -30 ");
  EXPECT_FALSE(parse_proc_stat(negative, kTicks, kPage));
  EXPECT_FALSE(parse_proc_stat(stat_line("paygate"), 0, kPage));
}

TEST(ProcessStats, FindsTheBootTimeInProcStat) {
  const std::string text =
      "cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 5 6\nctxt 7\nbtime 1700000000\nprocesses 9\n";
  EXPECT_EQ(parse_boot_time(text), 1700000000.0);
  EXPECT_FALSE(parse_boot_time("cpu 1 2 3\nctxt 7\n"));
  EXPECT_FALSE(parse_boot_time("btime soon\n"));
  EXPECT_FALSE(parse_boot_time(""));
}

TEST(ProcessStats, ReadsThisProcess) {
  const auto stat = read_proc_stat();
  ASSERT_TRUE(stat.has_value());
  EXPECT_GT(stat->resident_memory_bytes, 0);
  EXPECT_GE(stat->virtual_memory_bytes, stat->resident_memory_bytes);
  const auto open = count_open_fds();
  ASSERT_TRUE(open.has_value());
  EXPECT_GT(*open, 0u);
  const auto start = read_process_start_time();
  ASSERT_TRUE(start.has_value());
  EXPECT_GT(*start, 1.5e9);
}

}  // namespace
}  // namespace paygate::observe
