#include "proxy/gradient_limit.h"

#include <gtest/gtest.h>

namespace paygate::proxy {
namespace {

using namespace std::chrono_literals;
using Clock = GradientLimit::Clock;

ConcurrencySettings bounds(std::size_t min, std::size_t max, std::size_t initial) {
  ConcurrencySettings s;
  s.min_limit = min;
  s.max_limit = max;
  s.initial_limit = initial;
  return s;
}

// Feeds the limit windows of samples of one latency, each window kMinWindow long, as if
// `in_flight` requests were outstanding; returns the time after the last one.
Clock::time_point feed(GradientLimit& limit, Clock::time_point now, Clock::duration rtt,
                       std::size_t in_flight, int windows) {
  for (int w = 0; w < windows; ++w) {
    for (std::size_t i = 0; i < GradientLimit::kMinWindowSamples; ++i) {
      limit.on_sample(rtt, in_flight, now);
      now += GradientLimit::kMinWindow / (GradientLimit::kMinWindowSamples - 1) + 1ns;
    }
  }
  return now;
}

// Drains to min_limit: a request admitted before finishes with no more than that outstanding.
// Returns when a request admitted at that moment would finish.
Clock::time_point drain(GradientLimit& limit, Clock::time_point now, Clock::duration rtt) {
  limit.on_sample(rtt, 1, now);
  return now + rtt;
}

// The first window probes at min_limit: requests above it do not count, nor those that started
// before the drain; one window of requests after it does.
Clock::time_point probe(GradientLimit& limit, Clock::time_point now, Clock::duration rtt) {
  EXPECT_TRUE(limit.probing());
  now = feed(limit, now, rtt, 1000, 1);
  EXPECT_TRUE(limit.probing()) << "samples of a busy moment must not end the probe";
  now = drain(limit, now, rtt);
  EXPECT_TRUE(limit.probing()) << "a request admitted before the drain must not end the probe";
  now = feed(limit, now, rtt, 1, 1);
  EXPECT_FALSE(limit.probing());
  return now;
}

TEST(GradientLimit, ProbesAtTheMinimumFirstAndMeasuresTheBaseline) {
  GradientLimit limit(bounds(4, 100, 32));
  EXPECT_EQ(limit.limit(), 4u);
  probe(limit, Clock::now(), 10ms);
  EXPECT_EQ(limit.limit(), 32u);
  EXPECT_NEAR(limit.baseline_seconds(), 0.010, 1e-9);
}

TEST(GradientLimit, GrowsWhileLatencyStaysFlat) {
  GradientLimit limit(bounds(4, 100, 32));
  auto now = probe(limit, Clock::now(), 10ms);
  now = feed(limit, now, 10ms, 32, 5);
  EXPECT_EQ(limit.limit(), 32u + 5 * static_cast<std::size_t>(GradientLimit::kHeadroom));
  // Still within kTolerance of the baseline: still flat.
  const std::size_t before = limit.limit();
  feed(limit, now, 12ms, before, 1);
  EXPECT_GT(limit.limit(), before);
}

TEST(GradientLimit, ShrinksWhenLatencyRises) {
  GradientLimit limit(bounds(4, 100, 64));
  auto now = probe(limit, Clock::now(), 10ms);
  std::size_t previous = limit.limit();
  for (int i = 0; i < 10; ++i) {
    now = feed(limit, now, 40ms, previous, 1);
    EXPECT_LT(limit.limit(), previous) << "window " << i;
    previous = limit.limit();
  }
  EXPECT_LT(limit.limit(), 32u);
}

TEST(GradientLimit, SettlesWhereLatencyIsWithinTheTolerance) {
  // An upstream serving 16 at a time in 10 ms each: above 16 outstanding, requests queue there.
  constexpr double kCapacity = 16;
  GradientLimit limit(bounds(4, 1000, 100));
  auto now = probe(limit, Clock::now(), 10ms);
  for (int i = 0; i < 400; ++i) {
    const double outstanding = static_cast<double>(limit.limit());
    const auto rtt = 10ms * std::max(1.0, outstanding / kCapacity);
    now = feed(limit, now, std::chrono::duration_cast<Clock::duration>(rtt), limit.limit(), 1);
  }
  EXPECT_GE(limit.limit(), 16u);  // keeps the upstream busy
  EXPECT_LE(limit.limit(), 26u);  // without letting latency pass about kTolerance + headroom
}

TEST(GradientLimit, IdleWindowsDoNotGrowIt) {
  GradientLimit limit(bounds(4, 100, 40));
  auto now = probe(limit, Clock::now(), 10ms);
  feed(limit, now, 10ms, 19, 10);  // never more than half the limit outstanding
  EXPECT_EQ(limit.limit(), 40u);
}

TEST(GradientLimit, StaysWithinItsBounds) {
  GradientLimit limit(bounds(4, 40, 32));
  auto now = probe(limit, Clock::now(), 10ms);
  now = feed(limit, now, 10ms, 40, 50);
  EXPECT_EQ(limit.limit(), 40u);
  feed(limit, now, 2s, 40, 50);
  EXPECT_EQ(limit.limit(), 4u);
  limit.set_bounds(bounds(8, 40, 32));
  EXPECT_EQ(limit.limit(), 8u);
}

TEST(GradientLimit, ProbesAgainAfterTheInterval) {
  GradientLimit limit(bounds(4, 100, 32));
  auto now = probe(limit, Clock::now(), 10ms);
  now = feed(limit, now + GradientLimit::kProbeInterval, 10ms, 32, 1);
  EXPECT_TRUE(limit.probing());
  EXPECT_EQ(limit.limit(), 4u);
  // The upstream became slower for good: the probe takes the new baseline, the limit comes back.
  now = drain(limit, now, 30ms);
  now = feed(limit, now, 30ms, 2, 1);
  EXPECT_FALSE(limit.probing());
  EXPECT_NEAR(limit.baseline_seconds(), 0.030, 1e-9);
  EXPECT_GT(limit.limit(), 4u);
}

TEST(GradientLimit, AProbeUnderLoadIgnoresRequestsThatStartedBeforeTheDrain) {
  GradientLimit limit(bounds(4, 100, 32));
  auto now = probe(limit, Clock::now(), 10ms);
  now = feed(limit, now + GradientLimit::kProbeInterval, 10ms, 32, 1);
  ASSERT_TRUE(limit.probing());
  // The requests admitted at the busy moment finish with few outstanding, slowed by the queue
  // they waited in upstream; then the ones admitted after the drain run at the true latency.
  now = feed(limit, now, 40ms, 3, 1);
  EXPECT_TRUE(limit.probing());
  now = feed(limit, now, 10ms, 3, 1);
  EXPECT_FALSE(limit.probing());
  EXPECT_NEAR(limit.baseline_seconds(), 0.010, 1e-9);
}

TEST(GradientLimit, AFixedLimitNeverProbes) {
  ConcurrencySettings fixed = bounds(4, 100, 12);
  fixed.adaptive = false;
  const GradientLimit limit(fixed);
  EXPECT_FALSE(limit.probing());
  EXPECT_EQ(limit.limit(), 12u);
}

}  // namespace
}  // namespace paygate::proxy
