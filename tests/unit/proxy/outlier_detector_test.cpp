#include "proxy/outlier_detector.h"

#include <gtest/gtest.h>

#include "proxy/upstreams.h"

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

ClusterSettings cluster_of(int endpoints) {
  ClusterSettings c;
  c.name = "pay";
  for (int i = 0; i < endpoints; ++i) {
    EndpointSettings e;
    e.host = "127.0.0.1";
    e.port = static_cast<std::uint16_t>(9100 + i);
    e.address = {boost::asio::ip::make_address("127.0.0.1"), e.port};
    c.endpoints.push_back(e);
  }
  return c;
}

// Fails `endpoint` until it is ejected or 10 tries pass; the ejection, if any.
std::optional<Ejection> fail(ClusterState& state, const OutlierDetection& od,
                             EndpointState& endpoint, Clock::time_point now) {
  for (int i = 0; i < 10; ++i) {
    if (auto e = state.record(od, endpoint, TryResult::kGatewayError, now)) return e;
  }
  return std::nullopt;
}

TEST(ClusterOutliers, EjectsAnEndpointForItsCoolDown) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(4));
  OutlierDetection od = consecutive(0, 3);
  od.base_ejection = 5s;
  const auto now = Clock::now();
  EndpointState& bad = *state.endpoints()[1];
  const auto ejection = fail(state, od, bad, now);
  ASSERT_TRUE(ejection);
  EXPECT_EQ(ejection->reason, EjectionReason::kGatewayErrors);
  EXPECT_EQ(ejection->cool_down, 5s);
  EXPECT_TRUE(bad.ejected(now + 4s));
  EXPECT_FALSE(bad.ejected(now + 5s));
  EXPECT_EQ(state.ejected_count(now), 1u);
  for (int i = 0; i < 8; ++i) EXPECT_NE(state.pick(LbPolicy::kRoundRobin, now), &bad);
}

TEST(ClusterOutliers, NeverMoreThanMaxEjectionPercent) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(4));
  OutlierDetection od = consecutive(0, 1);
  od.max_ejection_percent = 0.5;
  const auto now = Clock::now();
  EXPECT_TRUE(fail(state, od, *state.endpoints()[0], now));
  EXPECT_TRUE(fail(state, od, *state.endpoints()[1], now));
  EXPECT_FALSE(fail(state, od, *state.endpoints()[2], now));  // 3 of 4 would be over half
  EXPECT_EQ(state.ejected_count(now), 2u);
  // Once one is back, another may go.
  EXPECT_TRUE(fail(state, od, *state.endpoints()[2], now + od.base_ejection));
}

TEST(ClusterOutliers, TheLastEndpointInStaysEvenAtAHundredPercent) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(2));
  OutlierDetection od = consecutive(0, 1);
  od.max_ejection_percent = 1.0;
  const auto now = Clock::now();
  EXPECT_TRUE(fail(state, od, *state.endpoints()[0], now));
  EXPECT_FALSE(fail(state, od, *state.endpoints()[1], now));
}

TEST(ClusterOutliers, ASingleEndpointIsNeverEjectedByAnswers) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(1));
  const OutlierDetection od = consecutive(0, 1);
  EXPECT_FALSE(fail(state, od, *state.endpoints()[0], Clock::now()));
}

TEST(ClusterOutliers, ARetryAvoidsTheEndpointThatFailedWhileAnotherIsIn) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(3));
  const auto now = Clock::now();
  const EndpointState* failed = state.endpoints()[0];
  for (LbPolicy lb : {LbPolicy::kRoundRobin, LbPolicy::kLeastRequest}) {
    for (int i = 0; i < 6; ++i) EXPECT_NE(state.pick(lb, now, failed), failed);
  }
  // The others ejected: the failed one is still better than nothing.
  state.endpoints()[1]->ejected_until = now + 10s;
  state.endpoints()[2]->ejected_until = now + 10s;
  EXPECT_EQ(state.pick(LbPolicy::kRoundRobin, now, failed), failed);
}

}  // namespace
}  // namespace paygate::proxy
