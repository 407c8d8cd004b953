// Degrade behind the in-memory server connection: the route's action runs while the gateway is
// not degraded; while it is, the fallback is answered (or the request shed with 503 and
// Retry-After), counted and marked "degraded" for the access log, and the action does not run.
#include "steps/degrade.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "support/step_fixture.h"

namespace paygate::steps {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kGet = "GET /v3/marketing/x HTTP/1.1\r\nHost: pay.test\r\n\r\n";

class DegradeTest : public test_support::StepFixture {
 protected:
  void configure(Degradable settings) {
    settings_ = std::move(settings);
    step_.emplace(switch_, settings_, metrics_.degraded("r"), std::chrono::seconds(300));
    open({&*step_});
  }
  void degrade(bool on) {
    switch_.update(observe::DegradeSwitch::Clock::now(), on ? "pay" : "",
                   std::chrono::seconds(0));
  }
  double degraded() const { return counted(names_.degraded_requests, {"r"}); }

  observe::DegradeSwitch switch_;
  Degradable settings_;
  std::optional<Degrade> step_;
};

Degradable fallback() {
  Degradable d;
  d.respond = DirectResponse{200, R"({"coupons":[]})", "application/json"};
  return d;
}

TEST_F(DegradeTest, TheActionRunsWhileNotDegraded) {
  configure(fallback());
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(served_.count(), 1);
  EXPECT_EQ(handler_.refusal, "");
  EXPECT_EQ(degraded(), 0);
}

TEST_F(DegradeTest, WhileDegradedTheFallbackIsAnswered) {
  configure(fallback());
  degrade(true);
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answered, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(answered, EndsWith(R"({"coupons":[]})"));
  EXPECT_EQ(served_.count(), 0);
  EXPECT_EQ(handler_.refusal, "degraded");
  EXPECT_EQ(degraded(), 1);

  degrade(false);  // recover_after 0: ends at once
  EXPECT_THAT(send(kGet), EndsWith("served"));
  EXPECT_EQ(served_.count(), 1);
  EXPECT_EQ(degraded(), 1);
}

TEST_F(DegradeTest, AShedRouteAnswers503WithRetryAfter) {
  configure(Degradable{});
  degrade(true);
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(answered, HasSubstr("Retry-After: 300\r\n"));
  EXPECT_THAT(answered, HasSubstr(R"({"code":"SERVICE_UNAVAILABLE",)"));
  EXPECT_EQ(served_.count(), 0);
  EXPECT_EQ(degraded(), 1);
  // The field is this answer's only.
  degrade(false);
  EXPECT_THAT(send(kGet), Not(HasSubstr("Retry-After")));
}

}  // namespace
}  // namespace paygate::steps
