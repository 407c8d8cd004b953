#include "proxy/outlier_detector.h"

#include <gtest/gtest.h>

namespace paygate::proxy {
namespace {

using namespace std::chrono_literals;

OutlierDetection consecutive(unsigned five_xx, unsigned gateway) {
  OutlierDetection od;
  od.consecutive_5xx = five_xx;
  od.consecutive_gateway_errors = gateway;
  return od;
}

TEST(OutlierDetector, ResultsOfStatuses) {
  EXPECT_EQ(result_of_status(200), TryResult::kSuccess);
  EXPECT_EQ(result_of_status(404), TryResult::kSuccess);
  EXPECT_EQ(result_of_status(500), TryResult::k5xx);
  EXPECT_EQ(result_of_status(501), TryResult::k5xx);
  EXPECT_EQ(result_of_status(502), TryResult::kGatewayError);
  EXPECT_EQ(result_of_status(503), TryResult::kGatewayError);
  EXPECT_EQ(result_of_status(504), TryResult::kGatewayError);
}

TEST(OutlierDetector, Consecutive5xxEjectOnTheNth) {
  const OutlierDetection od = consecutive(3, 0);
  OutlierDetector d;
  const auto now = Clock::now();
  EXPECT_FALSE(d.record(od, TryResult::k5xx, now));
  EXPECT_FALSE(d.record(od, TryResult::kGatewayError, now));
  EXPECT_EQ(d.record(od, TryResult::kLocalFailure, now), EjectionReason::kConsecutive5xx);
}

TEST(OutlierDetector, ASuccessBreaksTheRun) {
  const OutlierDetection od = consecutive(3, 3);
  OutlierDetector d;
  const auto now = Clock::now();
  for (int round = 0; round < 5; ++round) {
    EXPECT_FALSE(d.record(od, TryResult::k5xx, now));
    EXPECT_FALSE(d.record(od, TryResult::kGatewayError, now));
    EXPECT_FALSE(d.record(od, TryResult::kSuccess, now));
  }
}

TEST(OutlierDetector, GatewayErrorsCountOnlyGatewayAnswersAndLocalFailures) {
  const OutlierDetection od = consecutive(0, 3);
  OutlierDetector d;
  const auto now = Clock::now();
  EXPECT_FALSE(d.record(od, TryResult::kGatewayError, now));
  EXPECT_FALSE(d.record(od, TryResult::kLocalFailure, now));
  EXPECT_FALSE(d.record(od, TryResult::k5xx, now));  // a plain 500 ends the run of gateway errors
  EXPECT_FALSE(d.record(od, TryResult::kGatewayError, now));
  EXPECT_FALSE(d.record(od, TryResult::kGatewayError, now));
  EXPECT_EQ(d.record(od, TryResult::kLocalFailure, now), EjectionReason::kGatewayErrors);
}

TEST(OutlierDetector, ZeroTurnsACounterOff) {
  const OutlierDetection od = consecutive(0, 0);
  OutlierDetector d;
  const auto now = Clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(d.record(od, TryResult::kGatewayError, now));
}

OutlierDetection ratio_only(double threshold, unsigned min_requests) {
  OutlierDetection od = consecutive(0, 0);
  od.error_ratio = ErrorRatio{threshold, 10s, min_requests};
  return od;
}

TEST(OutlierDetector, ErrorRatioNeedsMinRequestsThenTheThreshold) {
  const OutlierDetection od = ratio_only(0.5, 10);
  OutlierDetector d;
  const auto now = Clock::now();
  // 4 failures in 8 tries: half, but fewer tries than min_requests.
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(d.record(od, TryResult::kSuccess, now));
    EXPECT_FALSE(d.record(od, TryResult::k5xx, now));
  }
  EXPECT_FALSE(d.record(od, TryResult::kSuccess, now));                        // 4 of 9
  EXPECT_EQ(d.record(od, TryResult::k5xx, now), EjectionReason::kErrorRatio);  // 5 of 10
}

TEST(OutlierDetector, ErrorRatioBelowTheThresholdNeverEjects) {
  const OutlierDetection od = ratio_only(0.5, 10);
  OutlierDetector d;
  const auto now = Clock::now();
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(d.record(od, TryResult::kSuccess, now + i * 100ms));
    EXPECT_FALSE(d.record(od, TryResult::kSuccess, now + i * 100ms));
    EXPECT_FALSE(d.record(od, TryResult::k5xx, now + i * 100ms));  // a third fail
  }
}

TEST(OutlierDetector, OldFailuresSlideOutOfTheWindow) {
  const OutlierDetection od = ratio_only(0.5, 10);
  OutlierDetector d;
  const auto start = Clock::now();
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(d.record(od, TryResult::k5xx, start));
  // Two windows later the nine failures are out of reach: ten fresh tries, 1 failure.
  const auto later = start + 25s;
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(d.record(od, TryResult::kSuccess, later));
  EXPECT_FALSE(d.record(od, TryResult::k5xx, later));
}

TEST(OutlierDetector, TheWindowBeforeCountsByHowMuchOfItIsStillInReach) {
  const OutlierDetection od = ratio_only(0.5, 10);
  OutlierDetector d;
  const auto start = Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(d.record(od, TryResult::kSuccess, start));
  // A window on, half way into it: the ten old successes weigh 0.5 x 10 = 5.
  const auto later = start + 15s;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(d.record(od, TryResult::kSuccess, later));
  // Unweighted, 5 failures in 10 would eject; with the old window whole, 15 in 30.
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(d.record(od, TryResult::k5xx, later)) << i;
  EXPECT_EQ(d.record(od, TryResult::k5xx, later), EjectionReason::kErrorRatio);  // 10 of 20
}

TEST(OutlierDetector, CoolDownGrowsWithEjectionsInARowUpToTheMax) {
  OutlierDetection od = consecutive(1, 0);
  od.base_ejection = 10s;
  od.max_ejection = 35s;
  OutlierDetector d;
  auto now = Clock::now();
  EXPECT_EQ(d.eject(od, now), 10s);
  now += 11s;  // back, and failing again at once
  EXPECT_EQ(d.eject(od, now), 20s);
  now += 21s;
  EXPECT_EQ(d.eject(od, now), 30s);
  now += 31s;
  EXPECT_EQ(d.eject(od, now), 35s);  // capped
  EXPECT_EQ(d.ejections_in_a_row(), 4u);
  // Back for max_ejection without another: the run is over.
  now += 35s + 35s;
  EXPECT_EQ(d.eject(od, now), 10s);
  EXPECT_EQ(d.ejections_in_a_row(), 1u);
}

TEST(OutlierDetector, AnEjectionStartsTheCountsAfresh) {
  const OutlierDetection od = consecutive(2, 0);
  OutlierDetector d;
  const auto now = Clock::now();
  EXPECT_FALSE(d.record(od, TryResult::k5xx, now));
  EXPECT_TRUE(d.record(od, TryResult::k5xx, now));
  d.eject(od, now);
  EXPECT_FALSE(d.record(od, TryResult::k5xx, now + 20s));
}

}  // namespace
}  // namespace paygate::proxy
