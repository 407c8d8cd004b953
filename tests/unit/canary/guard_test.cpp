// The canary guard: nothing is judged below min_requests; the canary's 5xx share is compared
// with the baseline's (an outage both share is not the canary's fault); p99 from the histogram.
#include "canary/guard.h"

#include <gtest/gtest.h>

namespace paygate::canary {
namespace {

VersionWindow window(std::uint64_t requests, std::uint64_t errors, double seconds_each = 0.004) {
  VersionWindow w;
  w.requests = requests;
  w.errors = errors;
  w.latency.bounds = {0.005, 0.01, 0.1, 1};
  w.latency.buckets.assign(5, 0);
  const std::size_t bucket = seconds_each <= 0.005  ? 0
                             : seconds_each <= 0.01 ? 1
                             : seconds_each <= 0.1  ? 2
                             : seconds_each <= 1    ? 3
                                                    : 4;
  w.latency.buckets[bucket] = requests;
  return w;
}

Guard guard(double max_error_ratio = 0.01, std::int64_t max_p99_ms = 0, std::uint64_t min = 100) {
  Guard g;
  g.max_error_ratio = max_error_ratio;
  g.max_p99 = std::chrono::milliseconds{max_p99_ms};
  g.min_requests = min;
  return g;
}

TEST(Guard, JudgesNothingBelowMinRequests) {
  EXPECT_EQ(judge_guard(guard(), window(1000, 0), window(99, 99)).verdict,
            Verdict::kTooFewRequests);
}

TEST(Guard, BreaksWhenTheCanaryFailsMoreThanTheBaselineByTheAllowance) {
  const Judgement j = judge_guard(guard(0.01), window(10'000, 0), window(1'000, 50));
  EXPECT_EQ(j.verdict, Verdict::kErrorRatio);
  EXPECT_TRUE(j.broken());
  EXPECT_DOUBLE_EQ(j.canary_error_ratio, 0.05);
  EXPECT_EQ(j.describe(), "5xx 5.00% vs baseline 0.00% over 1000 canary requests; p99 5 ms");
}

TEST(Guard, HoldsWhenTheBaselineFailsAsMuch) {
  EXPECT_EQ(judge_guard(guard(0.01), window(10'000, 450), window(1'000, 50)).verdict,
            Verdict::kHolds);
  EXPECT_EQ(judge_guard(guard(0.01), window(10'000, 0), window(1'000, 10)).verdict,
            Verdict::kHolds);
}

TEST(Guard, BreaksOnP99AboveTheLimit) {
  EXPECT_EQ(judge_guard(guard(0.01, 50), window(1000, 0), window(1000, 0, 0.5)).verdict,
            Verdict::kP99);
  EXPECT_EQ(judge_guard(guard(0.01, 50), window(1000, 0), window(1000, 0, 0.004)).verdict,
            Verdict::kHolds);
}

TEST(Guard, WindowsSubtractAndSurviveACounterRestart) {
  const VersionWindow later = window(300, 30).since(window(100, 10));
  EXPECT_EQ(later.requests, 200u);
  EXPECT_EQ(later.errors, 20u);
  EXPECT_EQ(later.latency.total(), 200u);
  EXPECT_EQ(window(5, 1).since(window(100, 10)).requests, 5u);  // a new process counts anew
}

TEST(HistogramCounts, QuantileInterpolatesInsideItsBucket) {
  observe::HistogramCounts h;
  h.bounds = {0.1, 0.2, 0.4};
  h.buckets = {50, 40, 10, 0};
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 0.1);    // the 50th of 100 ends the first bucket
  EXPECT_DOUBLE_EQ(h.quantile(0.7), 0.15);   // 20 of 40 into (0.1, 0.2]
  EXPECT_DOUBLE_EQ(h.quantile(0.99), 0.38);  // 9 of 10 into (0.2, 0.4]
  h.buckets = {0, 0, 0, 5};
  EXPECT_DOUBLE_EQ(h.quantile(0.99), 0.4);  // +Inf: the highest finite bound
  EXPECT_DOUBLE_EQ(observe::HistogramCounts{}.quantile(0.99), 0);
}

}  // namespace
}  // namespace paygate::canary
