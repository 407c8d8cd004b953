// retry_delay over the official schedule (docs/protocol.md §4): the delay before each retry,
// the dead letter after the 15th failed attempt, and the jitter bounds.
#include "notify/schedule.h"

#include <gtest/gtest.h>

#include <numeric>

#include "notify/settings.h"

namespace paygate::notify {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(OfficialSchedule, HasFifteenDelaysSummingToOneDayAndFourMinutes) {
  const auto schedule = official_schedule();
  const std::vector<seconds> expected = {seconds{15}, seconds{15}, seconds{30}, minutes{3},
                                         minutes{10}, minutes{20}, minutes{30}, minutes{30},
                                         minutes{30}, minutes{60}, hours{3},    hours{3},
                                         hours{3},    hours{6},    hours{6}};
  EXPECT_EQ(schedule, expected);
  EXPECT_EQ(std::accumulate(schedule.begin(), schedule.end(), seconds{0}),
            hours{24} + minutes{4});
}

TEST(RetryDelay, FollowsTheScheduleWithoutJitter) {
  const auto schedule = official_schedule();
  EXPECT_EQ(retry_delay(schedule, 1, 0.0, 0.5), milliseconds{15'000});
  EXPECT_EQ(retry_delay(schedule, 4, 0.0, 0.5), milliseconds{minutes{3}});
  EXPECT_EQ(retry_delay(schedule, 15, 0.0, 0.5), milliseconds{hours{6}});
}

TEST(RetryDelay, WithoutJitterIgnoresTheRandomDraw) {
  const auto schedule = official_schedule();
  for (double unit_random : {0.0, 0.25, 0.999999}) {
    EXPECT_EQ(retry_delay(schedule, 1, 0.0, unit_random), milliseconds{15'000}) << unit_random;
  }
}

TEST(RetryDelay, ExhaustedScheduleIsADeadLetter) {
  const auto schedule = official_schedule();
  EXPECT_EQ(retry_delay(schedule, 16, 0.1, 0.5), std::nullopt);
  EXPECT_EQ(retry_delay(schedule, 1000, 0.1, 0.5), std::nullopt);
}

TEST(RetryDelay, ZeroAttemptsHasNoDelay) {
  EXPECT_EQ(retry_delay(official_schedule(), 0, 0.1, 0.5), std::nullopt);
}

TEST(RetryDelay, EmptyScheduleDeadLettersAtOnce) {
  EXPECT_EQ(retry_delay({}, 1, 0.1, 0.5), std::nullopt);
}

TEST(RetryDelay, JitterStaysWithinItsFraction) {
  const auto schedule = official_schedule();
  // 15 s * (1 - 0.1) at the lowest draw, just under 15 s * (1 + 0.1) at the highest.
  EXPECT_EQ(retry_delay(schedule, 1, 0.1, 0.0), milliseconds{13'500});
  const auto high = retry_delay(schedule, 1, 0.1, 0.999999);
  ASSERT_TRUE(high.has_value());
  EXPECT_GT(*high, milliseconds{16'400});
  EXPECT_LE(*high, milliseconds{16'500});
  EXPECT_EQ(retry_delay(schedule, 1, 0.1, 0.5), milliseconds{15'000});
}

TEST(RetryDelay, JitterAppliesToLongDelaysToo) {
  const auto schedule = official_schedule();
  const auto low = retry_delay(schedule, 15, 0.1, 0.0);
  const auto high = retry_delay(schedule, 15, 0.1, 0.999999);
  ASSERT_TRUE(low && high);
  EXPECT_EQ(*low, milliseconds{hours{6}} * 9 / 10);
  EXPECT_LE(*high, milliseconds{hours{6}} * 11 / 10);
  EXPECT_GT(*high, milliseconds{hours{6}});
}

}  // namespace
}  // namespace paygate::notify
