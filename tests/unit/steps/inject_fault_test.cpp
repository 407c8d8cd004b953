// InjectFault behind the in-memory server connection (its client is 192.0.2.1): aborts answer
// the configured status with a WeChat Pay JSON error and stop the pipeline, delays hold the
// request on a timer (cut to the route's timeout) and let it go on, both at their configured
// shares and counted; with a trigger header, only a trusted source's request carrying it gets
// the faults it names.
#include "steps/inject_fault.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "observe/metric_names.h"
#include "support/step_fixture.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

AddressBlock block(std::string_view address, unsigned prefix) {
  AddressBlock b;
  auto parsed = asio::ip::make_address(std::string(address));
  b.bytes = parsed.is_v6()
                ? parsed.to_v6().to_bytes()
                : asio::ip::make_address_v6(asio::ip::v4_mapped, parsed.to_v4()).to_bytes();
  b.prefix = parsed.is_v6() ? prefix : prefix + 96;
  return b;
}

std::string request(std::string_view trigger = {}) {
  std::string out = "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.test\r\n";
  if (!trigger.empty()) out.append("X-Fault-Inject: ").append(trigger).append("\r\n");
  return out + "\r\n";
}

class InjectFaultTest : public test_support::StepFixture {
 protected:
  void configure(FaultInjection settings, http::Clock::duration timeout = 10s) {
    settings_ = std::move(settings);
    step_.emplace(settings_, timeout,
                  InjectFault::Counters{metrics_.faults_injected("r", observe::names::kFaultDelay),
                                        metrics_.faults_injected("r", observe::names::kFaultAbort)});
    open({&*step_});
  }
  // Aborts every request that asks for it by header from `trusted`.
  void configure_trigger(std::vector<AddressBlock> trusted) {
    FaultInjection f = abort_all(503);
    f.header = "X-Fault-Inject";
    f.trusted_sources = std::move(trusted);
    configure(f);
  }
  double injected(std::string_view kind) const {
    return counted(names_.faults_injected, {"r", std::string(kind)});
  }

  static FaultInjection abort_all(int status = 503) {
    FaultInjection f;
    f.abort = FaultInjection::Abort{FaultInjection::kMillion, status};
    return f;
  }

  FaultInjection settings_;
  std::optional<InjectFault> step_;
};

TEST_F(InjectFaultTest, AnAbortAnswersTheStatusWithAJsonErrorAndTheActionDoesNotRun) {
  configure(abort_all(503));
  const std::string answered = send(request());
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(answered, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(
      answered,
      HasSubstr(R"({"code":"SERVICE_UNAVAILABLE","message":"fault injected for a drill"})"));
  EXPECT_EQ(served_.count(), 0);
  EXPECT_EQ(handler_.fault, "abort");
  EXPECT_EQ(injected("abort"), 1);
  EXPECT_EQ(injected("delay"), 0);
}

TEST_F(InjectFaultTest, AStatusWithoutAKindOfItsOwnSaysSystemError) {
  configure(abort_all(507));
  const std::string answered = send(request());
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 507 "));
  EXPECT_THAT(answered, HasSubstr(R"({"code":"SYSTEM_ERROR",)"));
}

TEST_F(InjectFaultTest, AbortsHitTheirShare) {
  FaultInjection f;
  f.abort = FaultInjection::Abort{300'000, 500};  // 30%
  configure(f);
  constexpr int kRequests = 2000;
  int aborted = 0;
  for (int i = 0; i < kRequests; ++i) {
    if (send(request()).starts_with("HTTP/1.1 500 ")) ++aborted;
  }
  // Binomial: sd = sqrt(2000 * 0.3 * 0.7) = 20.5 requests; 100 is almost 5 sd, so a correct
  // draw fails this about once in a million runs, a wrong share (0%, 100%, 3%) always.
  EXPECT_NEAR(aborted, 600, 100);
  EXPECT_EQ(served_.count(), kRequests - aborted);
  EXPECT_EQ(injected("abort"), aborted);
}

TEST_F(InjectFaultTest, ANoughtShareInjectsNothing) {
  FaultInjection f;
  f.abort = FaultInjection::Abort{0, 503};
  f.delay = FaultInjection::Delay{0, 1h};
  configure(f);
  for (int i = 0; i < 50; ++i) EXPECT_THAT(send(request()), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(handler_.fault, "");
  EXPECT_EQ(injected("abort") + injected("delay"), 0);
}

TEST_F(InjectFaultTest, ADelayHoldsTheRequestThenTheActionRuns) {
  FaultInjection f;
  f.delay = FaultInjection::Delay{FaultInjection::kMillion, 80ms};
  configure(f);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THAT(send(request()), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 80ms);
  EXPECT_EQ(served_.count(), 1);
  EXPECT_EQ(handler_.fault, "delay");
  EXPECT_EQ(injected("delay"), 1);
}

TEST_F(InjectFaultTest, ADelayIsCutToTheRouteTimeout) {
  FaultInjection f;
  f.delay = FaultInjection::Delay{FaultInjection::kMillion, 1h};
  configure(f, 30ms);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THAT(send(request()), StartsWith("HTTP/1.1 200 OK\r\n"));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 1s);
}

TEST_F(InjectFaultTest, ADelayedRequestMayBeAbortedToo) {
  FaultInjection f = abort_all(500);
  f.delay = FaultInjection::Delay{FaultInjection::kMillion, 10ms};
  configure(f);
  EXPECT_THAT(send(request()), StartsWith("HTTP/1.1 500 "));
  EXPECT_EQ(handler_.fault, "delay+abort");
  EXPECT_EQ(injected("delay"), 1);
  EXPECT_EQ(injected("abort"), 1);
}

TEST_F(InjectFaultTest, TheHeaderTriggersFaultsFromATrustedSourceOnly) {
  configure_trigger({block("10.0.0.0", 8), block("192.0.2.0", 24)});
  EXPECT_THAT(send(request()), StartsWith("HTTP/1.1 200 OK\r\n"));  // no header: no fault
  EXPECT_THAT(send(request("abort")), StartsWith("HTTP/1.1 503 "));
  EXPECT_THAT(send(request("all")), StartsWith("HTTP/1.1 503 "));
  EXPECT_THAT(send(request("delay")), StartsWith("HTTP/1.1 200 OK\r\n"));  // not an abort
  EXPECT_THAT(send(request("whatever")), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(injected("abort"), 2);
}

TEST_F(InjectFaultTest, TheHeaderOfAnUntrustedSourceIsIgnored) {
  configure_trigger({block("10.0.0.0", 8), block("192.0.3.0", 24)});
  EXPECT_THAT(send(request("abort")), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(send(request("all")), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(injected("abort"), 0);
}

TEST(InBlocks, MatchesAddressesByPrefix) {
  const std::vector<AddressBlock> blocks = {block("10.0.0.0", 8), block("172.16.0.0", 12),
                                            block("fd00::", 8), block("192.0.2.7", 32)};
  auto in = [&](std::string_view address) {
    return in_blocks(asio::ip::make_address(std::string(address)), blocks);
  };
  EXPECT_TRUE(in("10.1.2.3"));
  EXPECT_TRUE(in("172.31.255.255"));
  EXPECT_FALSE(in("172.32.0.0"));
  EXPECT_TRUE(in("192.0.2.7"));
  EXPECT_FALSE(in("192.0.2.8"));
  EXPECT_TRUE(in("::ffff:10.9.9.9"));  // IPv4 on a dual-stack socket
  EXPECT_TRUE(in("fd12::1"));
  EXPECT_FALSE(in("fe80::1"));
  EXPECT_FALSE(in("11.0.0.1"));
  EXPECT_TRUE(in_blocks(asio::ip::make_address("8.8.8.8"), {block("0.0.0.0", 0)}));
  EXPECT_FALSE(in_blocks(asio::ip::make_address("::1"), {block("0.0.0.0", 0)}));
}

}  // namespace
}  // namespace paygate::steps
