#include "proxy/retry_budget.h"

#include <gtest/gtest.h>

#include <limits>

namespace paygate::proxy {
namespace {

using namespace std::chrono_literals;

RetryPolicy budget(double ratio, unsigned floor) {
  RetryPolicy p;
  p.budget_ratio = ratio;
  p.min_retries_per_second = floor;
  return p;
}

int spend_all(RetryBudget& b, const RetryPolicy& p, Clock::time_point now) {
  int spent = 0;
  while (spent < 100'000 && b.try_spend(p, now)) ++spent;
  return spent;
}

TEST(RetryBudget, RetriesStayWithinTheRatioOfRequests) {
  const RetryPolicy p = budget(0.2, 0);
  RetryBudget b;
  const auto now = Clock::now();
  for (int i = 0; i < 100; ++i) b.count_request(now);
  EXPECT_EQ(spend_all(b, p, now), 20);
  for (int i = 0; i < 10; ++i) b.count_request(now);
  EXPECT_EQ(spend_all(b, p, now), 2);
}

TEST(RetryBudget, TheFloorLetsAQuietClusterRetry) {
  const RetryPolicy p = budget(0.2, 3);
  RetryBudget b;
  const auto now = Clock::now();
  b.count_request(now);
  // 3 a second over the 10 s window, plus 20 % of one request.
  EXPECT_EQ(spend_all(b, p, now), 30);
}

TEST(RetryBudget, NoRatioAndNoFloorMeansNoRetries) {
  const RetryPolicy p = budget(0, 0);
  RetryBudget b;
  const auto now = Clock::now();
  for (int i = 0; i < 1000; ++i) b.count_request(now);
  EXPECT_FALSE(b.try_spend(p, now));
}

TEST(RetryBudget, RequestsAndRetriesLeaveTheWindow) {
  const RetryPolicy p = budget(0.5, 0);
  RetryBudget b;
  const auto start = Clock::now();
  for (int i = 0; i < 10; ++i) b.count_request(start);
  EXPECT_EQ(spend_all(b, p, start), 5);
  // Within the window, nothing more.
  EXPECT_FALSE(b.try_spend(p, start + 9s));
  // Past it, the old requests no longer pay for retries, nor do old retries use the budget.
  const auto later = start + RetryBudget::kWindow + 1s;
  EXPECT_FALSE(b.try_spend(p, later));
  for (int i = 0; i < 4; ++i) b.count_request(later);
  EXPECT_EQ(spend_all(b, p, later), 2);
}

TEST(RetryBudget, TheWindowSlidesASecondAtATime) {
  const RetryPolicy p = budget(1.0, 0);
  RetryBudget b;
  const auto start = Clock::now();
  for (int s = 0; s < 10; ++s) b.count_request(start + std::chrono::seconds{s});  // one a second
  const auto end = start + 9s;
  EXPECT_EQ(spend_all(b, p, end), 10);
  // A second later the first request is out of the window, but every retry is still in it.
  EXPECT_FALSE(b.try_spend(p, end + 1s));
}

TEST(Backoff, FullJitterStaysWithinTheExponentialCeiling) {
  RetryPolicy p;
  p.backoff_base = 25ms;
  p.backoff_max = 250ms;
  const std::uint64_t lowest = 0;
  const std::uint64_t highest = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(backoff_delay(p, 1, lowest), Clock::duration::zero());
  // The largest delay of retry n is min(max, base x 2^(n-1)); random bits land inside it.
  const std::chrono::microseconds ceilings[] = {25ms, 50ms, 100ms, 200ms, 250ms, 250ms};
  for (unsigned n = 1; n <= 6; ++n) {
    const std::chrono::microseconds ceiling = ceilings[n - 1];
    const auto biggest = backoff_delay(p, n, static_cast<std::uint64_t>(ceiling.count()));
    EXPECT_EQ(biggest, ceiling) << n;
    EXPECT_LE(backoff_delay(p, n, highest), ceiling) << n;
    for (std::uint64_t r = 1; r < 2'000'000'000; r = r * 7 + 13) {
      const auto d = backoff_delay(p, n, r);
      EXPECT_GE(d, Clock::duration::zero());
      EXPECT_LE(d, ceiling);
    }
  }
  EXPECT_LE(backoff_delay(p, 1000, highest), 250ms);  // no overflow for a large retry number
}

TEST(Backoff, TheCeilingGrowsByTheMultiplier) {
  RetryPolicy p;
  p.backoff_base = 100ms;
  p.backoff_max = 500ms;
  p.backoff_multiplier = 1.5;
  // 100 ms -> 500 ms x 1.5, as the WeChat Pay SDKs retry: 100, 150, 225, 337.5, then the cap.
  const std::chrono::microseconds ceilings[] = {100ms, 150ms, 225ms, 337'500us, 500ms, 500ms};
  for (unsigned n = 1; n <= 6; ++n) {
    const std::chrono::microseconds ceiling = ceilings[n - 1];
    EXPECT_EQ(backoff_delay(p, n, static_cast<std::uint64_t>(ceiling.count())), ceiling) << n;
    EXPECT_LE(backoff_delay(p, n, std::numeric_limits<std::uint64_t>::max()), ceiling) << n;
  }
}

TEST(Backoff, SpreadsOverTheWholeRange) {
  RetryPolicy p;
  p.backoff_base = 100ms;
  p.backoff_max = 100ms;
  int low = 0;
  int high = 0;
  for (std::uint64_t r = 0; r < 100'000; r += 7) {
    const auto d = backoff_delay(p, 1, r * 2654435761u);
    if (d < 25ms) ++low;
    if (d > 75ms) ++high;
  }
  EXPECT_GT(low, 2'000);
  EXPECT_GT(high, 2'000);
}

TEST(Backoff, ZeroBaseMeansNoPause) {
  RetryPolicy p;
  p.backoff_base = 0ms;
  p.backoff_max = 0ms;
  EXPECT_EQ(backoff_delay(p, 3, 12345), Clock::duration::zero());
}

}  // namespace
}  // namespace paygate::proxy
