#include "proxy/outlier_detector.h"

#include <gtest/gtest.h>

namespace paygate::proxy {
namespace {

using namespace std::chrono_literals;

// One endpoint's detector and its settings (every counter off until a test turns it on); tries
// are recorded `at` a time after the test's start.
class OutlierDetectorTest : public ::testing::Test {
 protected:
  OutlierDetectorTest() {
    od_.consecutive_5xx = 0;
    od_.consecutive_gateway_errors = 0;
  }
  void consecutive(unsigned five_xx, unsigned gateway) {
    od_.consecutive_5xx = five_xx;
    od_.consecutive_gateway_errors = gateway;
  }
  void ratio(double threshold, unsigned min_requests) {
    od_.error_ratio = ErrorRatio{threshold, 10s, min_requests};
  }
  std::optional<EjectionReason> record(TryResult result, Clock::duration at = {}) {
    return detector_.record(od_, result, start_ + at);
  }
  // `n` tries of `result`, none of which may eject.
  void record_quietly(int n, TryResult result, Clock::duration at = {}) {
    for (int i = 0; i < n; ++i) EXPECT_FALSE(record(result, at)) << i;
  }

  OutlierDetection od_;
  OutlierDetector detector_;
  const Clock::time_point start_ = Clock::now();
};

TEST(OutlierDetector, ResultsOfStatuses) {
  EXPECT_EQ(result_of_status(200), TryResult::kSuccess);
  EXPECT_EQ(result_of_status(404), TryResult::kSuccess);
  EXPECT_EQ(result_of_status(500), TryResult::k5xx);
  EXPECT_EQ(result_of_status(501), TryResult::k5xx);
  EXPECT_EQ(result_of_status(502), TryResult::kGatewayError);
  EXPECT_EQ(result_of_status(503), TryResult::kGatewayError);
  EXPECT_EQ(result_of_status(504), TryResult::kGatewayError);
}

TEST_F(OutlierDetectorTest, Consecutive5xxEjectOnTheNth) {
  consecutive(3, 0);
  record_quietly(1, TryResult::k5xx);
  record_quietly(1, TryResult::kGatewayError);
  EXPECT_EQ(record(TryResult::kLocalFailure), EjectionReason::kConsecutive5xx);
}

TEST_F(OutlierDetectorTest, ASuccessBreaksTheRun) {
  consecutive(3, 3);
  for (int round = 0; round < 5; ++round) {
    record_quietly(1, TryResult::k5xx);
    record_quietly(1, TryResult::kGatewayError);
    record_quietly(1, TryResult::kSuccess);
  }
}

TEST_F(OutlierDetectorTest, GatewayErrorsCountOnlyGatewayAnswersAndLocalFailures) {
  consecutive(0, 3);
  record_quietly(1, TryResult::kGatewayError);
  record_quietly(1, TryResult::kLocalFailure);
  record_quietly(1, TryResult::k5xx);  // a plain 500 ends the run of gateway errors
  record_quietly(2, TryResult::kGatewayError);
  EXPECT_EQ(record(TryResult::kLocalFailure), EjectionReason::kGatewayErrors);
}

TEST_F(OutlierDetectorTest, ZeroTurnsACounterOff) { record_quietly(100, TryResult::kGatewayError); }

TEST_F(OutlierDetectorTest, ErrorRatioNeedsMinRequestsThenTheThreshold) {
  ratio(0.5, 10);
  // 4 failures in 8 tries: half, but fewer tries than min_requests.
  for (int i = 0; i < 4; ++i) {
    record_quietly(1, TryResult::kSuccess);
    record_quietly(1, TryResult::k5xx);
  }
  record_quietly(1, TryResult::kSuccess);                           // 4 of 9
  EXPECT_EQ(record(TryResult::k5xx), EjectionReason::kErrorRatio);  // 5 of 10
}

TEST_F(OutlierDetectorTest, ErrorRatioBelowTheThresholdNeverEjects) {
  ratio(0.5, 10);
  for (int i = 0; i < 50; ++i) {
    record_quietly(2, TryResult::kSuccess, i * 100ms);
    record_quietly(1, TryResult::k5xx, i * 100ms);  // a third fail
  }
}

TEST_F(OutlierDetectorTest, OldFailuresSlideOutOfTheWindow) {
  ratio(0.5, 10);
  record_quietly(9, TryResult::k5xx);
  // Two windows later the nine failures are out of reach: ten fresh tries, 1 failure.
  record_quietly(9, TryResult::kSuccess, 25s);
  record_quietly(1, TryResult::k5xx, 25s);
}

TEST_F(OutlierDetectorTest, TheWindowBeforeCountsByHowMuchOfItIsStillInReach) {
  ratio(0.5, 10);
  record_quietly(10, TryResult::kSuccess);
  // A window on, half way into it: the ten old successes weigh 0.5 x 10 = 5.
  record_quietly(5, TryResult::kSuccess, 15s);
  // Unweighted, 5 failures in 10 would eject; with the old window whole, 15 in 30.
  record_quietly(9, TryResult::k5xx, 15s);
  EXPECT_EQ(record(TryResult::k5xx, 15s), EjectionReason::kErrorRatio);  // 10 of 20
}

TEST_F(OutlierDetectorTest, CoolDownGrowsWithEjectionsInARowUpToTheMax) {
  od_.base_ejection = 10s;
  od_.max_ejection = 35s;
  auto now = start_;
  EXPECT_EQ(detector_.eject(od_, now), 10s);
  now += 11s;  // back, and failing again at once
  EXPECT_EQ(detector_.eject(od_, now), 20s);
  now += 21s;
  EXPECT_EQ(detector_.eject(od_, now), 30s);
  now += 31s;
  EXPECT_EQ(detector_.eject(od_, now), 35s);  // capped
  EXPECT_EQ(detector_.ejections_in_a_row(), 4u);
  // Back for max_ejection without another: the run is over.
  now += 35s + 35s;
  EXPECT_EQ(detector_.eject(od_, now), 10s);
  EXPECT_EQ(detector_.ejections_in_a_row(), 1u);
}

TEST_F(OutlierDetectorTest, AnEjectionStartsTheCountsAfresh) {
  consecutive(2, 0);
  record_quietly(1, TryResult::k5xx);
  EXPECT_TRUE(record(TryResult::k5xx));
  detector_.eject(od_, start_);
  record_quietly(1, TryResult::k5xx, 20s);
}

}  // namespace
}  // namespace paygate::proxy
