#include "proxy/upstreams.h"

#include <gtest/gtest.h>

#include <map>

namespace paygate::proxy {
namespace {

using namespace std::chrono_literals;

ClusterSettings cluster_of(int endpoints, LbPolicy lb = LbPolicy::kRoundRobin) {
  ClusterSettings c;
  c.name = "pay";
  c.lb = lb;
  c.eject_after_connect_failures = 3;
  c.eject_duration = 10s;
  for (int i = 0; i < endpoints; ++i) {
    EndpointSettings e;
    e.host = "127.0.0.1";
    e.port = static_cast<std::uint16_t>(9000 + i);
    e.address = {boost::asio::ip::make_address("127.0.0.1"), e.port};
    c.endpoints.push_back(e);
  }
  return c;
}

TEST(ClusterState, RoundRobinVisitsEveryEndpointInTurn) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(3));
  std::map<std::string, int> seen;
  for (int i = 0; i < 9; ++i) ++seen[state.pick(LbPolicy::kRoundRobin, Clock::now())->key];
  EXPECT_EQ(seen.size(), 3u);
  for (auto& [key, n] : seen) EXPECT_EQ(n, 3) << key;
}

TEST(ClusterState, LeastRequestPrefersTheLeastBusy) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(3, LbPolicy::kLeastRequest));
  state.endpoints()[0]->outstanding = 5;
  state.endpoints()[1]->outstanding = 1;
  state.endpoints()[2]->outstanding = 3;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(state.pick(LbPolicy::kLeastRequest, Clock::now()), state.endpoints()[1]);
  }
}

TEST(ClusterState, EjectsAfterConsecutiveConnectFailuresForACoolDown) {
  const ClusterSettings c = cluster_of(2);
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(c);
  EndpointState* bad = state.endpoints()[0];
  const auto now = Clock::now();
  for (int i = 0; i < 3; ++i) bad->record_connect_failure(c, now);
  EXPECT_TRUE(bad->ejected(now + 1s));
  for (int i = 0; i < 6; ++i) EXPECT_NE(state.pick(LbPolicy::kRoundRobin, now + 1s), bad);
  EXPECT_FALSE(bad->ejected(now + 11s));
}

TEST(ClusterState, ASuccessResetsTheFailureCount) {
  const ClusterSettings c = cluster_of(1);
  WorkerUpstreams ups;
  EndpointState* ep = ups.adopt(c).endpoints()[0];
  const auto now = Clock::now();
  ep->record_connect_failure(c, now);
  ep->record_connect_failure(c, now);
  ep->record_success();
  ep->record_connect_failure(c, now);
  EXPECT_FALSE(ep->ejected(now));
}

TEST(ClusterState, WhenAllAreEjectedTheSoonestBackIsProbed) {
  const ClusterSettings c = cluster_of(2);
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(c);
  const auto now = Clock::now();
  state.endpoints()[0]->ejected_until = now + 5s;
  state.endpoints()[1]->ejected_until = now + 2s;
  EXPECT_EQ(state.pick(LbPolicy::kRoundRobin, now), state.endpoints()[1]);
}

TEST(WorkerUpstreams, AReloadKeepsEndpointStateOfUnchangedEndpoints) {
  WorkerUpstreams ups;
  ClusterSettings c = cluster_of(2);
  EndpointState* first = ups.adopt(c).endpoints()[1];
  first->outstanding = 7;
  c.endpoints.erase(c.endpoints.begin());
  ClusterState& again = ups.adopt(c);
  ASSERT_EQ(again.endpoints().size(), 1u);
  EXPECT_EQ(again.endpoints()[0], first);
  EXPECT_EQ(again.endpoints()[0]->outstanding, 7u);
}

// Outlier detection on gateway errors alone, `n` in a row ejecting.
OutlierDetection gateway_errors_in_a_row(unsigned n) {
  OutlierDetection od;
  od.consecutive_5xx = 0;
  od.consecutive_gateway_errors = n;
  return od;
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
  OutlierDetection od = gateway_errors_in_a_row(3);
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
  OutlierDetection od = gateway_errors_in_a_row(1);
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
  OutlierDetection od = gateway_errors_in_a_row(1);
  od.max_ejection_percent = 1.0;
  const auto now = Clock::now();
  EXPECT_TRUE(fail(state, od, *state.endpoints()[0], now));
  EXPECT_FALSE(fail(state, od, *state.endpoints()[1], now));
}

TEST(ClusterOutliers, ASingleEndpointIsNeverEjectedByAnswers) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(1));
  const OutlierDetection od = gateway_errors_in_a_row(1);
  EXPECT_FALSE(fail(state, od, *state.endpoints()[0], Clock::now()));
}

TEST(ClusterOutliers, ARetryAvoidsTheEndpointsThatFailedWhileAnotherIsIn) {
  WorkerUpstreams ups;
  ClusterState& state = ups.adopt(cluster_of(3));
  const auto now = Clock::now();
  const EndpointState* failed[] = {state.endpoints()[0], state.endpoints()[2]};
  for (LbPolicy lb : {LbPolicy::kRoundRobin, LbPolicy::kLeastRequest}) {
    for (int i = 0; i < 6; ++i) {
      EXPECT_NE(state.pick(lb, now, std::span(failed, 1)), failed[0]);
      EXPECT_EQ(state.pick(lb, now, failed), state.endpoints()[1]);
    }
  }
  // The other one ejected: a failed one is still better than nothing.
  state.endpoints()[1]->ejected_until = now + 10s;
  const EndpointState* chosen = state.pick(LbPolicy::kRoundRobin, now, failed);
  EXPECT_TRUE(chosen == failed[0] || chosen == failed[1]);
}

}  // namespace
}  // namespace paygate::proxy
