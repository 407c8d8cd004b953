// Shadow traffic (steps/mirror.h, steps/shadow_traffic.h) behind the in-memory server
// connection, with a scripted primary and a scripted shadow: the client gets the primary's
// answer while a copy goes to the shadow; the two answers are compared and counted (match,
// mismatch, error); copies beyond max_in_flight are dropped and counted without delaying the
// primary; methods not listed are not copied.
#include "steps/mirror.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "observe/engine_metrics.h"
#include "proxy/upstreams.h"
#include "steps/forward.h"
#include "steps/request_metrics.h"
#include "support/in_memory_downstream.h"
#include "support/loopback_cluster.h"
#include "support/pipeline_handler.h"
#include "support/scripted_upstream.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::forward_target;
using test_support::InMemoryDownstream;
using test_support::loopback_cluster;
using test_support::PipelineHandler;
using test_support::QuietObserver;
using test_support::ScriptedUpstream;
using test_support::UpstreamAnswer;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

UpstreamAnswer json_answer(std::string_view body, std::string_view extra_fields = {}) {
  return {.pieces = {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
                     std::string(extra_fields) + "Content-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n" + std::string(body)}};
}

constexpr std::string_view kGet =
    "GET /v3/pay/transactions/id/1?mchid=7 HTTP/1.1\r\nHost: pay.example\r\n"
    "X-Request-Id: rid-1\r\n\r\n";
constexpr std::string_view kPost =
    "POST /v3/pay/transactions/jsapi HTTP/1.1\r\nHost: pay.example\r\nContent-Length: 2\r\n\r\n{}";

class MirrorTest : public ::testing::Test {
 protected:
  MirrorTest() {
    route_.name = "orders";
    route_.response_steps = {&compare_};
    settings_->cluster = "shadow";
    use_settings();
  }
  // Every coroutine ends before the objects it uses: the copies as when the worker stops.
  ~MirrorTest() override {
    downstream_.close_all();
    traffic_.on_close();
    primary_.stop();
    shadow_.stop();
    downstream_.run_until([this] {
      return downstream_.ended == downstream_.started && primary_.done() && shadow_.done() &&
             traffic_.in_flight() == 0;
    });
  }

  // A Mirror step for *settings_ as they are now, before Forward.
  void use_settings() {
    ShadowTarget target;
    target.settings = settings_;
    target.forward = forward_target(shadow_cluster_, upstreams_, shadow_cluster_.try_timeout);
    target.route = &traffic_.route("orders");
    mirror_.emplace(traffic_, std::move(target));
    route_.request_steps = {&*mirror_, &forward_};
  }

  std::string send(std::string_view bytes) {
    const int before = handler_.handled;
    InMemoryDownstream::write(client_, bytes);
    downstream_.run_until([&] { return handler_.handled > before; });
    return InMemoryDownstream::take(client_);
  }

  std::uint64_t count(ShadowResult result) {
    return traffic_.route("orders").results[static_cast<std::size_t>(result)]->value();
  }
  std::uint64_t settled() {
    return count(ShadowResult::kMatch) + count(ShadowResult::kMismatch) +
           count(ShadowResult::kError);
  }
  bool run_until_settled(std::uint64_t n) {
    return downstream_.run_until([&] { return settled() >= n; });
  }

  asio::io_context io_;
  ScriptedUpstream primary_{io_};
  ScriptedUpstream shadow_{io_};
  QuietObserver observer_;
  proxy::Forwarder forwarder_{observer_};
  proxy::WorkerUpstreams upstreams_;
  proxy::ClusterSettings primary_cluster_ = loopback_cluster("pay", primary_.port());
  proxy::ClusterSettings shadow_cluster_ = loopback_cluster("shadow", shadow_.port());
  observe::Registry registry_{1};
  observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  RoutePipeline route_;
  PipelineHandler handler_{route_};
  InMemoryDownstream downstream_{io_, handler_};
  http::InMemoryStream& client_ = downstream_.connect();
  ShadowTraffic traffic_{forwarder_, downstream_.watchdog, registry_.shard(0),
                         names_.shadow_requests};
  std::shared_ptr<MirrorSettings> settings_ = std::make_shared<MirrorSettings>();
  std::optional<Mirror> mirror_;
  RequestMetrics metrics_{registry_.shard(0), names_};  // counts sheds; the cluster has no limit
  Forward forward_{forwarder_, forward_target(primary_cluster_, upstreams_), Forward::Mode::kFetch,
                   metrics_};
  CompareWithShadow compare_{traffic_};
};

TEST_F(MirrorTest, TheClientGetsThePrimaryAndTheCopyIsComparedCanonically) {
  primary_.answers = {json_answer(R"({"id":1,"amount":{"total":100},"by":"primary"})")};
  shadow_.answers = {json_answer(R"({"amount":{"total":100},"by":"shadow","id":1})",
                                 "Date: Mon, 07 Dec 2026 10:00:00 GMT\r\nServer: other\r\n")};
  settings_->ignore = {"/by"};
  use_settings();
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answered, EndsWith(R"("by":"primary"})"));
  ASSERT_TRUE(run_until_settled(1));
  EXPECT_EQ(count(ShadowResult::kMatch), 1u);
  EXPECT_EQ(traffic_.in_flight(), 0u);
  // The copy: the same request, with its id, as the primary got it.
  ASSERT_THAT(shadow_.requests, SizeIs(1));
  EXPECT_THAT(shadow_.requests[0],
              StartsWith("GET /v3/pay/transactions/id/1?mchid=7 HTTP/1.1\r\n"));
  EXPECT_THAT(shadow_.requests[0], HasSubstr("X-Request-Id: rid-1\r\n"));
  EXPECT_THAT(shadow_.requests[0], HasSubstr("Host: pay.example\r\n"));
}

TEST_F(MirrorTest, ADifferenceIsAMismatchUnlessItIsIgnored) {
  primary_.answers = {json_answer(R"({"id":1,"create_time":"a","total":100})")};
  shadow_.answers = {json_answer(R"({"id":1,"create_time":"b","total":100})"),
                     json_answer(R"({"id":1,"create_time":"b","total":101})")};
  settings_->ignore = {"/create_time"};
  use_settings();
  send(kGet);
  ASSERT_TRUE(run_until_settled(1));
  send(kGet);
  ASSERT_TRUE(run_until_settled(2));
  EXPECT_EQ(count(ShadowResult::kMatch), 1u);
  EXPECT_EQ(count(ShadowResult::kMismatch), 1u);
}

TEST_F(MirrorTest, CopiesBeyondMaxInFlightAreDroppedAndThePrimaryNeverWaits) {
  primary_.answers = {json_answer(R"({"id":1})")};
  shadow_.answers = {{.pieces = {}, .close = false, .hold = true}};  // never answers
  settings_->max_in_flight = 2;
  use_settings();
  for (int i = 0; i < 4; ++i) {
    EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 200 OK\r\n")) << i;
  }
  EXPECT_EQ(traffic_.in_flight(), 2u);
  EXPECT_EQ(count(ShadowResult::kDropped), 2u);
  EXPECT_EQ(settled(), 0u);
  // The worker stopping ends the copies still out: nothing to compare.
  traffic_.on_close();
  ASSERT_TRUE(run_until_settled(2));
  EXPECT_EQ(count(ShadowResult::kError), 2u);
  EXPECT_EQ(traffic_.in_flight(), 0u);
}

TEST_F(MirrorTest, AShadowThatTimesOutIsAnError) {
  primary_.answers = {json_answer(R"({"id":1})")};
  shadow_.answers = {{.pieces = {}, .close = false, .hold = true}};
  shadow_cluster_.try_timeout = 50ms;
  use_settings();
  downstream_.watchdog.start();
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 200 OK\r\n"));
  ASSERT_TRUE(run_until_settled(1));
  EXPECT_EQ(count(ShadowResult::kError), 1u);
}

TEST_F(MirrorTest, APrimaryFailureLeavesNothingToCompare) {
  primary_.answers = {{.pieces = {}, .close = true}};  // the gateway answers 502 itself
  shadow_.answers = {json_answer(R"({"id":1})")};
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 502 "));
  ASSERT_TRUE(run_until_settled(1));
  EXPECT_EQ(count(ShadowResult::kError), 1u);
}

TEST_F(MirrorTest, OnlyTheListedMethodsAreCopied) {
  primary_.answers = {json_answer(R"({"id":1})")};
  shadow_.answers = {json_answer(R"({"id":1})")};
  EXPECT_THAT(send(kPost), StartsWith("HTTP/1.1 200 OK\r\n"));  // GET and HEAD by default
  io_.restart();
  io_.run_for(50ms);  // time for a copy that should not be
  EXPECT_THAT(shadow_.requests, IsEmpty());
  EXPECT_EQ(settled() + count(ShadowResult::kDropped), 0u);

  settings_->methods.add(http::Verb::post);
  use_settings();
  send(kPost);
  ASSERT_TRUE(run_until_settled(1));
  ASSERT_THAT(shadow_.requests, SizeIs(1));
  EXPECT_THAT(shadow_.requests[0], StartsWith("POST /v3/pay/transactions/jsapi HTTP/1.1\r\n"));
  EXPECT_THAT(shadow_.requests[0], EndsWith("\r\n\r\n{}"));
  EXPECT_EQ(count(ShadowResult::kMatch), 1u);
}

}  // namespace
}  // namespace paygate::steps
