#include "observe/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "observe/registry.h"

namespace paygate::observe {
namespace {

std::vector<std::uint64_t> counts(const Histogram& h) {
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i <= h.bounds().size(); ++i) out.push_back(h.bucket_count(i));
  return out;
}

TEST(Counter, IncrementsByOneOrByN) {
  Counter c;
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(Gauge, AddsAndSets) {
  Gauge g;
  g.add(1);
  g.add(1);
  g.add(-1);
  EXPECT_EQ(g.value(), 1.0);
  g.set(0.25);
  EXPECT_EQ(g.value(), 0.25);
}

TEST(Histogram, ValueOnABoundLandsInThatBucket) {
  const std::vector<double> bounds{0.1, 0.5, 1};
  Histogram h(bounds);
  h.observe(0.1);
  h.observe(0.5);
  h.observe(1);
  EXPECT_EQ(counts(h), (std::vector<std::uint64_t>{1, 1, 1, 0}));
}

TEST(Histogram, ValuesBetweenBoundsGoUp) {
  const std::vector<double> bounds{0.1, 0.5, 1};
  Histogram h(bounds);
  h.observe(0);
  h.observe(0.1000001);
  h.observe(0.7);
  h.observe(-3);  // below every bound: first bucket
  EXPECT_EQ(counts(h), (std::vector<std::uint64_t>{2, 1, 1, 0}));
}

TEST(Histogram, ValuesAboveEveryBoundGoToInf) {
  const std::vector<double> bounds{0.1, 0.5, 1};
  Histogram h(bounds);
  h.observe(1.5);
  h.observe(std::numeric_limits<double>::infinity());
  EXPECT_EQ(counts(h), (std::vector<std::uint64_t>{0, 0, 0, 2}));
}

TEST(Histogram, SumsObservedValuesAndIgnoresNaN) {
  const std::vector<double> bounds{1};
  Histogram h(bounds);
  h.observe(0.25);
  h.observe(2);
  h.observe(std::nan(""));
  EXPECT_DOUBLE_EQ(h.sum(), 2.25);
  EXPECT_EQ(counts(h), (std::vector<std::uint64_t>{1, 1}));
}

TEST(Histogram, DefaultLatencyBucketsIncludeATenthOfASecond) {
  const auto bounds = default_latency_buckets();
  EXPECT_EQ(bounds, (std::vector<double>{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}));
  Histogram h(bounds);
  h.observe(0.1);
  EXPECT_EQ(h.bucket_count(4), 1u);  // le="0.1"
}

TEST(Handles, SitOnTheirOwnCacheLine) {
  EXPECT_GE(alignof(Counter), kCacheLineBytes);
  EXPECT_GE(alignof(Gauge), kCacheLineBytes);
  EXPECT_GE(alignof(Histogram), kCacheLineBytes);
}

}  // namespace
}  // namespace paygate::observe
