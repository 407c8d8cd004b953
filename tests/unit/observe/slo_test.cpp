#include "observe/slo.h"

#include <gtest/gtest.h>

namespace paygate::observe {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class BurnRatesTest : public ::testing::Test {
 protected:
  BurnRates::TimePoint t0_{};
  BurnRates rates_;
  // 99.9 %: an error budget of 0.1 %.
  std::vector<SloSpec> specs_{{"pay", 0.999, std::chrono::milliseconds(100)}};

  // Feeds `per_minute` requests a minute of which `bad_per_minute` are bad, sampling every 10 s,
  // from `from` for `duration`; returns the counts at the end.
  SloCounts run(SloCounts counts, seconds from, seconds duration, double per_minute,
                double bad_per_minute) {
    for (seconds t = from; t < from + duration; t += seconds(10)) {
      counts.total += per_minute / 6;
      counts.bad += bad_per_minute / 6;
      rates_.record(t0_ + t + seconds(10), {{"pay", counts}});
    }
    return counts;
  }
  RouteBurn at(seconds t, SloCounts counts) {
    return rates_.evaluate(t0_ + t, {{"pay", counts}}, specs_).at(0);
  }
};

TEST_F(BurnRatesTest, SteadyErrorRateBurnsAtRatioOverBudget) {
  rates_.record(t0_, {{"pay", {}}});
  // 1 % bad against a 0.1 % budget: burn rate 10 in every window.
  const SloCounts end = run({}, seconds(0), hours(7), 6000, 60);
  const RouteBurn burn = at(hours(7), end);
  ASSERT_EQ(burn.windows.size(), 4u);
  for (const WindowBurn& w : burn.windows) {
    EXPECT_NEAR(w.burn_rate, 10.0, 1e-6) << window_name(w.window);
    EXPECT_EQ(w.covered, w.window);  // samples fall exactly on the window edges here
    EXPECT_NEAR(w.requests, 6000.0 * w.window.count() / 60, 1e-6);
  }
  EXPECT_FALSE(burn.page);  // 10 < 14.4
  EXPECT_TRUE(burn.ticket);  // 10 > 6 over 30m and 6h
}

TEST_F(BurnRatesTest, ShortSpikePagesOnlyWhenTheLongWindowAgrees) {
  rates_.record(t0_, {{"pay", {}}});
  SloCounts counts = run({}, seconds(0), hours(2), 6000, 0);  // clean
  counts = run(counts, hours(2), minutes(5), 6000, 6000);       // 5 minutes all bad
  RouteBurn burn = at(hours(2) + minutes(5), counts);
  EXPECT_NEAR(burn.windows[0].burn_rate, 1000.0, 1e-6);  // 5m: 100 % bad / 0.1 %
  EXPECT_NEAR(burn.windows[2].burn_rate, 1000.0 / 12, 1e-6);  // 1h: 5 of 60 minutes
  EXPECT_TRUE(burn.page);  // both above 14.4
}

TEST_F(BurnRatesTest, BriefSpikeMovesOnlyTheShortWindow) {
  rates_.record(t0_, {{"pay", {}}});
  SloCounts counts = run({}, seconds(0), hours(1), 6000, 0);
  counts = run(counts, hours(1), seconds(10), 6000, 6000);  // 10 s all bad: 1000 requests
  const RouteBurn brief = at(hours(1) + seconds(10), counts);
  EXPECT_NEAR(brief.windows[0].burn_rate, 1000.0 / 30000 / 0.001, 1e-6);  // 5m: 33
  EXPECT_LT(brief.windows[2].burn_rate, kPageBurnRate);                   // 1h: 2.8
  EXPECT_FALSE(brief.page);
}

TEST_F(BurnRatesTest, YoungProcessReportsWhatItCovers) {
  rates_.record(t0_, {{"pay", {}}});
  const RouteBurn burn = at(minutes(2), {100, 50});
  for (const WindowBurn& w : burn.windows) {
    EXPECT_EQ(w.covered, minutes(2));
    EXPECT_NEAR(w.burn_rate, 500.0, 1e-6);
  }
}

TEST_F(BurnRatesTest, NoTrafficNoBurnAndUnknownRoutesAreZero) {
  rates_.record(t0_, {{"pay", {10, 10}}});
  EXPECT_EQ(at(minutes(1), {10, 10}).windows[0].burn_rate, 0.0);
  const auto other = rates_.evaluate(t0_ + minutes(1), {}, {{"other", 0.99, {}}})[0];
  EXPECT_EQ(other.windows[0].requests, 0.0);
  EXPECT_EQ(other.windows[0].burn_rate, 0.0);
  BurnRates empty;
  EXPECT_EQ(empty.evaluate(t0_, {{"pay", {5, 1}}}, specs_)[0].windows[0].covered, seconds(0));
}

TEST_F(BurnRatesTest, HistoryIsBoundedByTheLongestWindow) {
  rates_.record(t0_, {{"pay", {}}});
  run({}, seconds(0), hours(12), 60, 0);
  // One sample per 10 s over 6 hours, plus the one that opens the 6h window.
  EXPECT_LE(rates_.samples(), 6u * 360 + 2);
  EXPECT_GE(rates_.samples(), 6u * 360);
}

TEST(SloWindowNames, AreShort) {
  EXPECT_EQ(window_name(minutes(5)), "5m");
  EXPECT_EQ(window_name(minutes(30)), "30m");
  EXPECT_EQ(window_name(hours(1)), "1h");
  EXPECT_EQ(window_name(hours(6)), "6h");
}

}  // namespace
}  // namespace paygate::observe
