#include "proxy/concurrency_limit.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <initializer_list>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace paygate::proxy {
namespace {

using namespace std::chrono_literals;
using Permit = ConcurrencyLimiter::Permit;

ConcurrencySettings fixed(std::size_t limit, std::size_t queue_size,
                          std::chrono::milliseconds deadline = 10s) {
  ConcurrencySettings s;
  s.adaptive = false;
  s.min_limit = 1;
  s.initial_limit = limit;
  s.queue_size = queue_size;
  s.queue_deadline = deadline;
  return s;
}

// Requests by name: each asks for a permit and keeps it until the test releases it.
class Requests {
 public:
  explicit Requests(ConcurrencyLimiter& limiter) : limiter_(limiter) {}

  void start(const std::string& name, Priority priority) {
    boost::asio::co_spawn(
        io_,
        [this, name, priority]() -> boost::asio::awaitable<void> {
          Permit permit;
          const Admission admission = co_await limiter_.acquire(priority, permit);
          outcomes_.emplace_back(name, admission);
          if (permit) permits_[name] = std::move(permit);
        },
        boost::asio::detached);
    poll();
  }
  void start(std::initializer_list<std::pair<const char*, Priority>> requests) {
    for (const auto& [name, priority] : requests) start(name, priority);
  }
  void release(const std::string& name) {
    permits_.erase(name);
    poll();
  }
  void run() {
    io_.restart();
    io_.run();
  }
  // Names in the order they were answered, with how.
  const std::vector<std::pair<std::string, Admission>>& outcomes() const { return outcomes_; }

 private:
  // Runs what is ready; restarted first, because a context that ran out of work stays stopped.
  void poll() {
    io_.restart();
    io_.poll();
  }

  ConcurrencyLimiter& limiter_;
  boost::asio::io_context io_;
  std::vector<std::pair<std::string, Admission>> outcomes_;
  std::map<std::string, Permit> permits_;
};

using Outcomes = std::vector<std::pair<std::string, Admission>>;
constexpr Admission kIn = Admission::kAdmitted;

// A limiter and requests that ask it for permits.
class Limited : public ::testing::Test {
 protected:
  ConcurrencyLimiter limiter;
  Requests r{limiter};
};

TEST(ConcurrencyLimiter, WithoutSettingsAdmitsEveryoneAndCounts) {
  ConcurrencyLimiter limiter;
  Permit a;
  Permit b;
  EXPECT_TRUE(limiter.try_acquire(Priority::kLow, a));
  EXPECT_TRUE(limiter.try_acquire(Priority::kLow, b));
  EXPECT_FALSE(limiter.enabled());
  EXPECT_EQ(limiter.in_flight(), 2u);
  a.finish(true);
  EXPECT_EQ(limiter.in_flight(), 1u);
}

TEST_F(Limited, QueuedRequestsGoCoreFirstThenNewestFirst) {
  limiter.configure(fixed(2, 10));
  r.start("n1", Priority::kNormal);
  r.start("n2", Priority::kNormal);
  r.start("n3", Priority::kNormal);  // over the limit from here: queued
  r.start("c1", Priority::kCore);
  r.start("n4", Priority::kNormal);
  r.start("c2", Priority::kCore);
  EXPECT_EQ(limiter.in_flight(), 2u);
  EXPECT_EQ(limiter.queued(), 4u);
  for (const char* done : {"n1", "n2", "c1", "c2"}) r.release(done);
  EXPECT_EQ(
      r.outcomes(),
      (Outcomes{{"n1", kIn}, {"n2", kIn}, {"c2", kIn}, {"c1", kIn}, {"n4", kIn}, {"n3", kIn}}));
  EXPECT_EQ(limiter.queued(), 0u);
}

TEST_F(Limited, LowPriorityUsesHalfTheLimit) {
  limiter.configure(fixed(4, 10));
  r.start("l1", Priority::kLow);
  r.start("l2", Priority::kLow);
  r.start("l3", Priority::kLow);     // half of 4 are in flight: waits
  r.start("n1", Priority::kNormal);  // the other half is the others'
  r.start("n2", Priority::kNormal);
  EXPECT_EQ(r.outcomes(), (Outcomes{{"l1", kIn}, {"l2", kIn}, {"n1", kIn}, {"n2", kIn}}));
  r.release("n1");
  r.release("l1");  // 2 in flight: still no room for low
  EXPECT_EQ(r.outcomes().size(), 4u);
  r.release("n2");
  EXPECT_EQ(r.outcomes().back(), (std::pair<std::string, Admission>{"l3", kIn}));
}

TEST_F(Limited, AFullQueueShedsTheOldestOfTheLowestPriority) {
  limiter.configure(fixed(1, 2));
  r.start("n0", Priority::kNormal);
  r.start("l1", Priority::kLow);
  r.start("l2", Priority::kLow);     // the queue is full
  r.start("c1", Priority::kCore);    // displaces l1, the oldest low
  r.start("l3", Priority::kLow);     // nobody below it: the newcomer is shed
  r.start("n1", Priority::kNormal);  // displaces l2
  r.start("n2", Priority::kNormal);  // c1 and n1 wait: shed
  EXPECT_EQ(r.outcomes(), (Outcomes{{"n0", kIn},
                                    {"l1", Admission::kQueueFull},
                                    {"l3", Admission::kQueueFull},
                                    {"l2", Admission::kQueueFull},
                                    {"n2", Admission::kQueueFull}}));
  r.release("n0");
  EXPECT_EQ(r.outcomes().back().first, "c1");
}

TEST_F(Limited, ANoQueueLimitShedsAtOnce) {
  limiter.configure(fixed(1, 0));
  r.start({{"a", Priority::kCore}, {"b", Priority::kCore}});
  EXPECT_EQ(r.outcomes(), (Outcomes{{"a", kIn}, {"b", Admission::kQueueFull}}));
}

TEST_F(Limited, AWaiterGivesUpAtTheDeadline) {
  limiter.configure(fixed(1, 4, 5ms));
  r.start({{"a", Priority::kNormal}, {"b", Priority::kCore}});
  const auto started = std::chrono::steady_clock::now();
  r.run();  // a holds its permit: b's deadline is what ends the run
  EXPECT_GE(std::chrono::steady_clock::now() - started, 5ms);
  EXPECT_EQ(r.outcomes(), (Outcomes{{"a", kIn}, {"b", Admission::kDeadline}}));
  EXPECT_EQ(limiter.queued(), 0u);
  EXPECT_EQ(limiter.in_flight(), 1u);
}

TEST_F(Limited, RemovingTheSettingsLetsEveryWaiterIn) {
  limiter.configure(fixed(1, 4));
  r.start({{"a", Priority::kNormal}, {"b", Priority::kLow}, {"c", Priority::kNormal}});
  limiter.configure(std::nullopt);
  r.release("a");  // runs the woken waiters
  EXPECT_EQ(r.outcomes(), (Outcomes{{"a", kIn}, {"c", kIn}, {"b", kIn}}));
  EXPECT_EQ(limiter.in_flight(), 2u);
  EXPECT_EQ(limiter.limit(), 0u);
}

TEST_F(Limited, ARaisedFixedLimitAdmitsWaiters) {
  limiter.configure(fixed(1, 4));
  r.start({{"a", Priority::kNormal}, {"b", Priority::kNormal}});
  limiter.configure(fixed(2, 4));
  r.release("none");
  EXPECT_EQ(r.outcomes(), (Outcomes{{"a", kIn}, {"b", kIn}}));
  EXPECT_EQ(limiter.limit(), 2u);
}

TEST(ConcurrencyLimiter, SuccessfulExchangesTeachAnAdaptiveLimit) {
  ConcurrencyLimiter limiter;
  ConcurrencySettings adaptive;
  adaptive.min_limit = 2;
  adaptive.initial_limit = 10;
  limiter.configure(adaptive);
  EXPECT_EQ(limiter.limit(), 2u);  // probing for the baseline first
  for (std::size_t i = 0; i < 2 * GradientLimit::kMinWindowSamples; ++i) {
    Permit permit;
    ASSERT_TRUE(limiter.try_acquire(Priority::kCore, permit));
    std::this_thread::sleep_for(GradientLimit::kMinWindow / GradientLimit::kMinWindowSamples);
    permit.finish(true);
  }
  EXPECT_EQ(limiter.limit(), 10u);  // the probe ended: back to where it was
  // Failed exchanges say nothing about latency.
  Permit failed;
  ASSERT_TRUE(limiter.try_acquire(Priority::kCore, failed));
  failed.finish(false);
  EXPECT_EQ(limiter.in_flight(), 0u);
}

}  // namespace
}  // namespace paygate::proxy
