// Degrade behind the in-memory server connection: the route's action runs while the gateway is
// not degraded; while it is, the fallback is answered (or the request shed with 503 and
// Retry-After), counted and marked "degraded" for the access log, and the action does not run.
#include "steps/degrade.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>

#include "observe/engine_metrics.h"
#include "steps/pipeline.h"
#include "steps/request_metrics.h"
#include "support/in_memory_downstream.h"
#include "support/pipeline_handler.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using test_support::InMemoryDownstream;
using test_support::PipelineHandler;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kGet = "GET /v3/marketing/x HTTP/1.1\r\nHost: pay.test\r\n\r\n";

class Served final : public RequestStep {
 public:
  int count = 0;
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    ++count;
    co_await answer(ex, context, 200, "text/plain", "served");
    co_return Next::kAnswered;
  }
};

class DegradeTest : public ::testing::Test {
 protected:
  ~DegradeTest() override {
    downstream_.close_all();
    downstream_.run_until([this] { return downstream_.ended == downstream_.started; });
  }

  void configure(Degradable settings) {
    settings_ = std::move(settings);
    step_.emplace(switch_, settings_, metrics_.degraded("r"), std::chrono::seconds(300));
    route_.request_steps = {&*step_, &served_};
    client_ = &downstream_.connect();
  }
  void degrade(bool on) {
    switch_.update(observe::DegradeSwitch::Clock::now(), on ? "pay" : "", std::chrono::seconds(0));
  }
  std::string send() {
    const int until = handler_.handled + 1;
    InMemoryDownstream::write(*client_, kGet);
    downstream_.run_until([&] { return handler_.handled >= until; });
    return InMemoryDownstream::take(*client_);
  }
  double degraded() const {
    for (const auto& [labels, value] : registry_.counter_values(names_.degraded_requests)) {
      if (labels == std::vector<std::string>{"r"}) return value;
    }
    return 0;
  }

  observe::Registry registry_{1};
  const observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  RequestMetrics metrics_{registry_.shard(0), names_};
  observe::DegradeSwitch switch_;
  Degradable settings_;
  std::optional<Degrade> step_;
  Served served_;
  RoutePipeline route_;
  PipelineHandler handler_{route_};
  asio::io_context io_;
  InMemoryDownstream downstream_{io_, handler_};
  http::InMemoryStream* client_ = nullptr;
};

Degradable fallback() {
  Degradable d;
  d.respond = DirectResponse{200, R"({"coupons":[]})", "application/json"};
  return d;
}

TEST_F(DegradeTest, TheActionRunsWhileNotDegraded) {
  configure(fallback());
  EXPECT_THAT(send(), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(served_.count, 1);
  EXPECT_EQ(handler_.refusal, "");
  EXPECT_EQ(degraded(), 0);
}

TEST_F(DegradeTest, WhileDegradedTheFallbackIsAnswered) {
  configure(fallback());
  degrade(true);
  const std::string answered = send();
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answered, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(answered, EndsWith(R"({"coupons":[]})"));
  EXPECT_EQ(served_.count, 0);
  EXPECT_EQ(handler_.refusal, "degraded");
  EXPECT_EQ(degraded(), 1);

  degrade(false);  // recover_after 0: ends at once
  EXPECT_THAT(send(), EndsWith("served"));
  EXPECT_EQ(served_.count, 1);
  EXPECT_EQ(degraded(), 1);
}

TEST_F(DegradeTest, AShedRouteAnswers503WithRetryAfter) {
  configure(Degradable{});
  degrade(true);
  const std::string answered = send();
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(answered, HasSubstr("Retry-After: 300\r\n"));
  EXPECT_THAT(answered, HasSubstr(R"({"code":"SERVICE_UNAVAILABLE",)"));
  EXPECT_EQ(served_.count, 0);
  EXPECT_EQ(degraded(), 1);
  // The field is this answer's only.
  degrade(false);
  EXPECT_THAT(send(), Not(HasSubstr("Retry-After")));
}

}  // namespace
}  // namespace paygate::steps
