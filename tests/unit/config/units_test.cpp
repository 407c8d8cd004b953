#include "config/units.h"

#include <gtest/gtest.h>

namespace paygate::config {
namespace {

using std::chrono::milliseconds;

TEST(Units, DurationsTakeEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds{250});
  EXPECT_EQ(parse_duration("10s"), milliseconds{10'000});
  EXPECT_EQ(parse_duration("5m"), milliseconds{300'000});
  EXPECT_EQ(parse_duration("2h"), milliseconds{7'200'000});
  EXPECT_EQ(parse_duration("0s"), milliseconds{0});
}

TEST(Units, MalformedDurationsAreRejected) {
  for (const char* text : {"", "10", "s", "-1s", "1.5s", "10 s", "10sec", "1d", "+1s", " 1s",
                           "99999999999999999999h", "5124095576030432h"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(Units, SizesTakeEveryUnitAndBareBytes) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size("8KiB"), 8u * 1024);
  EXPECT_EQ(parse_size("1MiB"), 1024u * 1024);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
}

TEST(Units, MalformedSizesAreRejected) {
  for (const char* text : {"", "KiB", "-1", "1.5MiB", "1 MiB", "1kb", "1KB", "1TiB", "0x10",
                           "99999999999999999999", "9999999999999GiB"}) {
    EXPECT_EQ(parse_size(text), std::nullopt) << text;
  }
}

TEST(Units, FormatUsesTheLargestExactUnitAndReadsBack) {
  EXPECT_EQ(format_duration(milliseconds{90'000}), "90s");
  EXPECT_EQ(format_duration(milliseconds{3'600'000}), "1h");
  EXPECT_EQ(format_duration(milliseconds{1'500}), "1500ms");
  EXPECT_EQ(format_duration(milliseconds{0}), "0ms");
  EXPECT_EQ(format_size(64u << 20), "64MiB");
  EXPECT_EQ(format_size(1536), "1536B");
  EXPECT_EQ(format_size(0), "0B");
  for (std::int64_t ms : {1, 999, 60'000, 61'000, 86'400'000}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds{ms})), milliseconds{ms});
  }
  for (std::size_t bytes : {std::size_t{1}, std::size_t{1024}, std::size_t{3} << 30}) {
    EXPECT_EQ(parse_size(format_size(bytes)), bytes);
  }
}

TEST(Units, PercentagesWithOrWithoutTheSignReadBack) {
  EXPECT_EQ(parse_percent("20%"), 20.0);
  EXPECT_EQ(parse_percent("12.5"), 12.5);
  EXPECT_EQ(parse_percent("0%"), 0.0);
  for (const char* text : {"", "%", "half", "20 %", "20%%", "0x10%", "20%x"}) {
    EXPECT_EQ(parse_percent(text), std::nullopt) << text;
  }
  EXPECT_EQ(format_percent(0.2), "20%");
  EXPECT_EQ(format_percent(0.125), "12.5%");
  for (double fraction : {0.0, 0.2, 0.34, 0.9995, 1.0}) {
    EXPECT_DOUBLE_EQ(*parse_percent(format_percent(fraction)) / 100, fraction);
  }
}

}  // namespace
}  // namespace paygate::config
