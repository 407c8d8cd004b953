// The canary controller over a real registry, state file and shares, on a clock the test moves:
// climbing when the guard holds for an interval, waiting without enough requests, rolling back at
// once when it breaks, the operator's commands, and progress kept across reloads (adopt) and
// restarts (a new controller on the same state file).
#include "canary/controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/temp_dir.h"

namespace paygate::canary {
namespace {

using namespace std::chrono_literals;
using Clock = Controller::Clock;

class ControllerTest : public ::testing::Test {
 protected:
  CanarySettings settings(std::string version = "v2") const {
    CanarySettings s;
    s.route = "pay";
    s.cluster = "v2";
    s.version = std::move(version);
    s.baseline_version = "v1";
    s.steps = {100, 2'000, 10'000};
    s.interval = 10s;
    s.guard.min_requests = 50;
    return s;
  }

  std::unique_ptr<Controller> controller() {
    return std::make_unique<Controller>(registry_, names_, shares_,
                                        std::make_unique<StateStore>(dir_.file("state.db")));
  }

  // What the workers would count: `ok` 200s and `errors` 500s of a version, each taking 4 ms.
  void answered(const std::string& version, int ok, int errors = 0) {
    auto& shard = registry_.shard(0);
    shard.counter(names_.version_requests, {"pay", version, "200"})->inc(ok);
    shard.counter(names_.version_requests, {"pay", version, "500"})->inc(errors);
    auto* latency = shard.histogram(names_.version_request_duration, {"pay", version});
    for (int i = 0; i < ok + errors; ++i) latency->observe(0.004);
  }

  std::uint32_t share() { return shares_.of("pay")->load(); }
  boost::json::object state(Controller& c) {
    return boost::json::parse(c.json(now_)).at("canaries").at(0).as_object();
  }
  double transitions(std::string to, std::string reason) {
    for (const auto& [labels, value] : registry_.counter_values(names_.canary_transitions)) {
      if (labels == std::vector<std::string>{"pay", to, reason}) return value;
    }
    return 0;
  }

  test::TempDir dir_;
  observe::Registry registry_{1};
  const observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  Shares shares_;
  Clock::time_point now_ = Clock::now();
};

TEST_F(ControllerTest, ClimbsWhenTheGuardHoldsForAnIntervalThenCompletes) {
  auto c = controller();
  c->adopt({settings()}, now_);
  EXPECT_EQ(share(), 100u);
  answered("v1", 900);
  answered("v2", 100);
  c->tick(now_ += 5s);
  EXPECT_EQ(share(), 100u) << "the interval has not passed";
  c->tick(now_ += 5s);
  EXPECT_EQ(share(), 2'000u);
  EXPECT_EQ(transitions("20", "advance"), 1);
  answered("v2", 100);
  c->tick(now_ += 10s);
  EXPECT_EQ(share(), 10'000u);
  answered("v2", 100);
  c->tick(now_ += 10s);
  EXPECT_EQ(state(*c).at("phase"), "complete");
  EXPECT_EQ(share(), 10'000u);
  c->tick(now_ += 60s);
  EXPECT_EQ(state(*c).at("phase"), "complete");
}

TEST_F(ControllerTest, WaitsForMinRequestsBeforeClimbing) {
  auto c = controller();
  c->adopt({settings()}, now_);
  answered("v2", 49);
  c->tick(now_ += 60s);
  EXPECT_EQ(share(), 100u);
  answered("v2", 1);
  c->tick(now_ += 1s);
  EXPECT_EQ(share(), 2'000u);
}

TEST_F(ControllerTest, RollsBackAtOnceWhenTheGuardBreaksAndStaysThere) {
  auto c = controller();
  c->adopt({settings()}, now_);
  answered("v1", 1000);
  answered("v2", 95, 5);
  c->tick(now_ += 1s);
  EXPECT_EQ(share(), 0u);
  EXPECT_EQ(state(*c).at("phase"), "rolled_back");
  EXPECT_THAT(std::string(state(*c).at("reason").as_string()),
              ::testing::StartsWith("error_ratio: 5xx 5.00% vs baseline 0.00%"));
  EXPECT_EQ(transitions("0", "error_ratio"), 1);
  answered("v2", 1000);
  c->tick(now_ += 1h);
  EXPECT_EQ(share(), 0u);
}

TEST_F(ControllerTest, ErrorsBeforeAStepBeganDoNotCountAgainstIt) {
  auto c = controller();
  c->adopt({settings()}, now_);
  answered("v2", 100);
  c->tick(now_ += 10s);  // climbs to 20 %
  ASSERT_EQ(share(), 2'000u);
  ASSERT_EQ(c->command("pay", Command::kAbort, now_), std::nullopt);
  answered("v2", 0, 50);  // failures while aborted
  ASSERT_EQ(c->command("pay", Command::kResume, now_), std::nullopt);
  EXPECT_EQ(share(), 100u);  // resumed from the first step, its window empty
  answered("v2", 100);
  c->tick(now_ += 1s);
  EXPECT_EQ(state(*c).at("phase"), "running");
}

TEST_F(ControllerTest, OperatorCommands) {
  auto c = controller();
  c->adopt({settings()}, now_);
  EXPECT_EQ(c->command("pay", Command::kPause, now_), std::nullopt);
  answered("v2", 1000);
  c->tick(now_ += 1h);
  EXPECT_EQ(share(), 100u) << "a paused canary never climbs by itself";
  const auto again = c->command("pay", Command::kPause, now_);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->kind, core::ErrorKind::kUnprocessable);
  EXPECT_EQ(c->command("pay", Command::kResume, now_), std::nullopt);
  EXPECT_EQ(c->command("pay", Command::kPromote, now_), std::nullopt);
  EXPECT_EQ(share(), 10'000u);
  EXPECT_EQ(c->command("pay", Command::kAbort, now_), std::nullopt);
  EXPECT_EQ(share(), 0u);
  EXPECT_EQ(transitions("0", "abort"), 1);
  const auto unknown = c->command("refund", Command::kPause, now_);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->kind, core::ErrorKind::kNotFound);
}

TEST_F(ControllerTest, AReloadKeepsProgressAndANewVersionStartsOver) {
  auto c = controller();
  c->adopt({settings()}, now_);
  answered("v2", 100);
  c->tick(now_ += 10s);
  ASSERT_EQ(share(), 2'000u);
  c->adopt({settings()}, now_);
  EXPECT_EQ(share(), 2'000u);
  c->adopt({settings("v2-1")}, now_);
  EXPECT_EQ(share(), 100u);
  c->adopt({}, now_);  // the route lost its canary
  EXPECT_EQ(share(), 0u);
}

TEST_F(ControllerTest, ARestartRestoresThePhaseAndStepFromTheStateFile) {
  {
    auto c = controller();
    c->adopt({settings()}, now_);
    answered("v2", 100);
    c->tick(now_ += 10s);
    ASSERT_EQ(c->command("pay", Command::kPause, now_), std::nullopt);
  }
  shares_.of("pay")->store(0);  // a new process starts with nothing
  auto c = controller();
  c->adopt({settings()}, now_);
  EXPECT_EQ(share(), 2'000u);
  EXPECT_EQ(state(*c).at("phase"), "paused");
  EXPECT_EQ(state(*c).at("step").as_int64(), 2);
  auto fresh = controller();
  fresh->adopt({settings("v3")}, now_);
  EXPECT_EQ(state(*fresh).at("phase"), "running");
  EXPECT_EQ(state(*fresh).at("step").as_int64(), 1);
}

}  // namespace
}  // namespace paygate::canary
