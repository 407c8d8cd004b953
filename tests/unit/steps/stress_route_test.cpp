// StressRoute behind the in-memory server connection (its client is 192.0.2.1): production
// requests pass untouched; stress requests from an allowed merchant or source are marked and sent
// through the route's Forward with the stress cluster as its choice (nothing after runs); an
// unknown environment is 400, a sender not allowed 403 NO_AUTH, a route without a stress cluster
// refuses 403 and one that answers by itself goes on, the request marked as stress.
#include "steps/stress_route.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/step_fixture.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::StartsWith;

AddressBlock block(std::string_view address, unsigned prefix) {
  AddressBlock b;
  b.bytes = asio::ip::make_address_v6(asio::ip::v4_mapped,
                                      asio::ip::make_address_v4(std::string(address)))
                .to_bytes();
  b.prefix = prefix + 96;
  return b;
}

std::string request(std::string_view environment = {}) {
  std::string out = "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.test\r\n";
  if (!environment.empty()) out.append("X-Test-Env: ").append(environment).append("\r\n");
  return out + "\r\n";
}

// Stands for AuthenticateMerchant: the request is from `merchant`.
class AsMerchant final : public RequestStep {
 public:
  explicit AsMerchant(std::string mchid)
      : merchant_{std::move(mchid),
                  *crypto::ApiV3Key::from_text("0123456789ABCDEFGHIJKLMNOPQRSTUV", "test"),
                  {},
                  {},
                  {}} {}
  asio::awaitable<Next> on_request(http::Exchange&, RequestContext& context) override {
    context.merchant = &merchant_;
    co_return Next::kContinue;
  }

 private:
  credentials::MerchantCredentials merchant_;
};

// Stands for the route's Forward: notes where the context says to go, answers "stress".
class StressForward final : public RequestStep {
 public:
  int count = 0;
  const VersionChoice* choice = nullptr;
  bool stress = false;
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    ++count;
    choice = context.choice;
    stress = context.stress;
    co_await answer(ex, context, 200, "text/plain", "stress");
    co_return Next::kAnswered;
  }
};

// Notes whether the request reached it marked as stress traffic.
class SeesStress final : public RequestStep {
 public:
  std::optional<bool> stress;
  asio::awaitable<Next> on_request(http::Exchange&, RequestContext& context) override {
    stress = context.stress;
    co_return Next::kContinue;
  }
};

class StressRouteTest : public test_support::StepFixture {
 protected:
  StressRouteTest() {
    settings_.value = "stress-v2";
    settings_.allowed_merchants = {"1900000109"};
  }
  void configure(StressRoute::Action action, std::string_view mchid = "1900000109") {
    as_merchant_.emplace(std::string(mchid));
    step_.emplace(settings_, action, &stress_choice_, &forward_);
    open({&*as_merchant_, &*step_, &sees_});
  }

  StressSettings settings_;
  VersionChoice stress_choice_;
  StressForward forward_;
  SeesStress sees_;
  std::optional<AsMerchant> as_merchant_;
  std::optional<StressRoute> step_;
};

TEST_F(StressRouteTest, ProductionRequestsPassUntouched) {
  configure(StressRoute::Action::kForward);
  EXPECT_THAT(send(request()), HasSubstr("served"));
  EXPECT_EQ(forward_.count, 0);
  EXPECT_EQ(sees_.stress, false);
}

TEST_F(StressRouteTest, AnAllowedMerchantsStressRequestGoesToTheStressClusterAlone) {
  configure(StressRoute::Action::kForward);
  EXPECT_THAT(send(request("stress-v2")), HasSubstr("stress"));
  EXPECT_EQ(forward_.count, 1);
  EXPECT_EQ(forward_.choice, &stress_choice_);
  EXPECT_TRUE(forward_.stress);
  EXPECT_FALSE(sees_.stress.has_value());  // nothing after the step ran
  EXPECT_EQ(served_.count(), 0);
}

TEST_F(StressRouteTest, AnAllowedSourceMayWithoutAnAllowedMerchant) {
  settings_.allowed_sources = {block("192.0.2.0", 24)};
  configure(StressRoute::Action::kForward, "1230000109");
  EXPECT_THAT(send(request("stress-v2")), HasSubstr("stress"));
  EXPECT_EQ(forward_.count, 1);
}

TEST_F(StressRouteTest, OthersAreRefusedNoAuthAndNothingIsForwarded) {
  settings_.allowed_sources = {block("10.0.0.0", 8)};
  configure(StressRoute::Action::kForward, "1230000109");
  const std::string answered = send(request("stress-v2"));
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 403 Forbidden\r\n"));
  EXPECT_THAT(answered, HasSubstr(R"("code":"NO_AUTH")"));
  EXPECT_EQ(forward_.count, 0);
  EXPECT_EQ(served_.count(), 0);
}

TEST_F(StressRouteTest, AnUnknownEnvironmentIsABadRequestNotProductionTraffic) {
  configure(StressRoute::Action::kForward);
  const std::string answered = send(request("stress-v1"));
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(answered, HasSubstr("X-Test-Env names no stress environment"));
  EXPECT_EQ(forward_.count + served_.count(), 0);
}

TEST_F(StressRouteTest, ARouteWithoutAStressClusterRefusesStressTraffic) {
  configure(StressRoute::Action::kRefuse);
  const std::string answered = send(request("stress-v2"));
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 403 Forbidden\r\n"));
  EXPECT_THAT(answered, HasSubstr("no stress cluster"));
  EXPECT_EQ(forward_.count + served_.count(), 0);
}

TEST_F(StressRouteTest, ARouteThatAnswersByItselfGoesOnWithTheRequestMarked) {
  configure(StressRoute::Action::kAnswerHere);
  EXPECT_THAT(send(request("stress-v2")), HasSubstr("served"));
  EXPECT_EQ(sees_.stress, true);
  EXPECT_EQ(forward_.count, 0);
}

}  // namespace
}  // namespace paygate::steps
