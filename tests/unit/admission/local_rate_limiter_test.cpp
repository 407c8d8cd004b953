// LocalRateLimiter: GCRA per merchant on fake time: the burst, the refill at the rate, merchants
// independent of each other, exact counts under many threads, and state kept across a reload.
#include "admission/local_rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace paygate::admission {
namespace {

using std::chrono::milliseconds;
using Time = RateLimiter::Clock::time_point;

// A fixed point of fake time, well away from the steady clock's epoch.
Time at(milliseconds offset) { return Time{std::chrono::hours{1} + offset}; }

int admitted(RateLimiter& limiter, std::size_t merchant, Time now, int attempts) {
  int passed = 0;
  for (int i = 0; i < attempts; ++i) passed += limiter.admit(merchant, now).admitted ? 1 : 0;
  return passed;
}

std::vector<MerchantRateLimit> two_limited(std::uint32_t rate, std::uint32_t burst) {
  return {{"1230000109", credentials::RateLimitSettings{rate, burst}},
          {"1900000109", credentials::RateLimitSettings{rate, burst}}};
}

TEST(LocalRateLimiter, BurstIsAdmittedThenRefused) {
  const auto merchants = two_limited(5, 5);
  LocalRateLimiter limiter(merchants);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{0}), 20), 5);
  const RateDecision refused = limiter.admit(0, at(milliseconds{0}));
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after, milliseconds{200});  // one interval at 5/s
}

TEST(LocalRateLimiter, RefillsAtTheRate) {
  const auto merchants = two_limited(10, 3);
  LocalRateLimiter limiter(merchants);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{0}), 10), 3);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{99}), 10), 0);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{100}), 10), 1);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{350}), 10), 2);
  // A long quiet spell refills the burst, never more.
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{10'000}), 10), 3);
}

TEST(LocalRateLimiter, SteadyRateIsAdmitted) {
  const auto merchants = two_limited(100, 1);
  LocalRateLimiter limiter(merchants);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter.admit(0, at(milliseconds{10 * i})).admitted) << i;
    ASSERT_FALSE(limiter.admit(0, at(milliseconds{10 * i + 5})).admitted) << i;
  }
}

TEST(LocalRateLimiter, MerchantsAreIndependent) {
  const auto merchants = two_limited(5, 5);
  LocalRateLimiter limiter(merchants);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{0}), 20), 5);
  EXPECT_EQ(admitted(limiter, 1, at(milliseconds{0}), 20), 5);
}

TEST(LocalRateLimiter, UnlimitedAndUnknownMerchantsPass) {
  const std::vector<MerchantRateLimit> merchants{
      {"1230000109", std::nullopt}, {"1900000109", credentials::RateLimitSettings{1, 1}}};
  LocalRateLimiter limiter(merchants);
  EXPECT_EQ(admitted(limiter, 0, at(milliseconds{0}), 1000), 1000);
  EXPECT_EQ(admitted(limiter, 1, at(milliseconds{0}), 10), 1);
  EXPECT_EQ(admitted(limiter, 7, at(milliseconds{0}), 10), 10);
}

// Threads share one merchant at fixed fake times: exactly the burst passes at the start, then
// exactly one request per interval that time moves on, however the threads interleave.
TEST(LocalRateLimiter, ManyThreadsAdmitExactlyTheLimit) {
  const auto merchants = two_limited(1000, 50);
  LocalRateLimiter limiter(merchants);
  constexpr int kThreads = 8;
  constexpr int kAttempts = 2000;
  const auto hammer = [&](Time now) {
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] { passed += admitted(limiter, 0, now, kAttempts); });
    }
    for (auto& thread : threads) thread.join();
    return passed.load();
  };
  EXPECT_EQ(hammer(at(milliseconds{0})), 50);
  EXPECT_EQ(hammer(at(milliseconds{20})), 20);   // 20 ms at 1000/s
  EXPECT_EQ(hammer(at(milliseconds{500})), 50);  // refilled to the burst, not beyond
  EXPECT_EQ(admitted(limiter, 1, at(milliseconds{500}), 100), 50);
}

TEST(LocalRateLimiter, CarryOverKeepsStateByMchid) {
  const auto before = two_limited(1, 2);
  LocalRateLimiter previous(before);
  EXPECT_EQ(admitted(previous, 1, at(milliseconds{0}), 10), 2);
  // The reloaded configuration adds a merchant in front: indices move, mchids do not.
  const std::vector<MerchantRateLimit> after{{"1000000001", credentials::RateLimitSettings{1, 2}},
                                             {"1230000109", credentials::RateLimitSettings{1, 2}},
                                             {"1900000109", credentials::RateLimitSettings{1, 2}}};
  LocalRateLimiter next(after);
  next.carry_over(previous);
  EXPECT_EQ(admitted(next, 2, at(milliseconds{0}), 10), 0);
  EXPECT_EQ(admitted(next, 1, at(milliseconds{0}), 10), 2);
  EXPECT_EQ(admitted(next, 0, at(milliseconds{0}), 10), 2);
}

}  // namespace
}  // namespace paygate::admission
