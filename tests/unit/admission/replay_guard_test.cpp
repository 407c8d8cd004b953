// ReplayGuard: fresh/replay, expiry at the edge, per-merchant nonces, capacity, and many threads
// racing on the same nonces (built under TSan by `make test`).
#include "admission/replay_guard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace paygate::admission {
namespace {

using std::chrono::seconds;

constexpr std::int64_t kNow = 1'700'000'000;

TEST(ReplayGuard, SecondUseOfANonceIsAReplay) {
  ReplayGuard guard(1024, seconds{300});
  EXPECT_EQ(guard.admit("1230000109", "nonce-a", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("1230000109", "nonce-a", kNow, kNow), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("1230000109", "nonce-a", kNow - 10, kNow + 5), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("1230000109", "nonce-b", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.size(), 2u);
}

TEST(ReplayGuard, MerchantsHaveSeparateNonces) {
  ReplayGuard guard(1024, seconds{300});
  EXPECT_EQ(guard.admit("1230000109", "n", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("1230000110", "n", kNow, kNow), NonceVerdict::kFresh);
  // The length prefix keeps the (mchid, nonce) boundary: "12"+"3n" is not "123"+"n".
  EXPECT_EQ(guard.admit("12", "3n", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("123", "n", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("123", "n", kNow, kNow), NonceVerdict::kReplay);
}

TEST(ReplayGuard, RemembersUntilTimestampPlusSkew) {
  ReplayGuard guard(1024, seconds{300});
  ASSERT_EQ(guard.admit("m", "edge", kNow, kNow), NonceVerdict::kFresh);
  // At timestamp + skew the old request still passes the skew check, so it must be refused.
  EXPECT_EQ(guard.admit("m", "edge", kNow, kNow + 300), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "edge", kNow + 300, kNow + 300), NonceVerdict::kReplay);
  // One second later the old one is out of the window; the nonce may be used again.
  EXPECT_EQ(guard.admit("m", "edge", kNow + 301, kNow + 301), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("m", "edge", kNow + 301, kNow + 302), NonceVerdict::kReplay);
}

TEST(ReplayGuard, TimestampsOutsideTheWindowAreRefused) {
  ReplayGuard guard(1024, seconds{300});
  EXPECT_EQ(guard.admit("m", "old", kNow - 301, kNow), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "new", kNow + 301, kNow), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "min", INT64_MIN, kNow), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "max", INT64_MAX, kNow), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "low", kNow - 300, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("m", "high", kNow + 300, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.size(), 2u);
}

std::size_t count_fresh(ReplayGuard& guard, int first, int count, std::int64_t now) {
  std::size_t fresh = 0;
  for (int i = first; i < first + count; ++i) {
    std::string nonce = "n";  // not "n" + to_string(): GCC 12 -O3 sees a bogus -Wrestrict there
    nonce += std::to_string(i);
    if (guard.admit("m", nonce, now, now) == NonceVerdict::kFresh) ++fresh;
  }
  return fresh;
}

TEST(ReplayGuard, FullWhenCapacityIsReachedAndFreedAfterExpiry) {
  ReplayGuard guard(1000, seconds{300});
  ASSERT_GE(guard.capacity(), 1000u);
  ASSERT_LT(guard.capacity(), 1100u);
  // Distinct nonces: every shard fills its pool, then nothing more fits.
  EXPECT_EQ(count_fresh(guard, 0, 20'000, kNow), guard.capacity());
  EXPECT_EQ(guard.admit("m", "late", kNow, kNow), NonceVerdict::kFull);
  // A remembered nonce is still a replay, not "full".
  EXPECT_EQ(guard.admit("m", "n0", kNow, kNow), NonceVerdict::kReplay);
  // Freed kClockLag seconds after expiry, not before.
  const std::int64_t expired = kNow + 300 + ReplayGuard::kClockLag;
  EXPECT_EQ(guard.admit("m", "late", expired, expired), NonceVerdict::kFull);
  EXPECT_EQ(guard.admit("m", "late", expired + 1, expired + 1), NonceVerdict::kFresh);
  // Shards are swept when next used, so the others still hold their expired nonces.
  EXPECT_LE(guard.size(), guard.capacity());
}

TEST(ReplayGuard, ReusesMemoryOverManyWindows) {
  // 5000 nonces through room for 1024: only possible if expired ones are freed.
  ReplayGuard guard(1024, seconds{10});
  std::int64_t now = kNow;
  for (int round = 0; round < 50; ++round, now += 20) {
    ASSERT_EQ(count_fresh(guard, round * 100, 100, now), 100u) << round;
  }
}

TEST(ReplayGuard, SurvivesALongPauseAndAClockGoingBack) {
  ReplayGuard guard(64, seconds{300});
  ASSERT_EQ(guard.admit("m", "a", kNow, kNow), NonceVerdict::kFresh);
  const std::int64_t later = kNow + 1'000'000;
  EXPECT_EQ(guard.admit("m", "a", later, later), NonceVerdict::kFresh);
  EXPECT_EQ(guard.size(), 1u);
  // A caller whose clock lags slightly still sees the nonce.
  EXPECT_EQ(guard.admit("m", "a", later, later - 3), NonceVerdict::kReplay);
}

TEST(ReplayGuard, TinyCapacity) {
  ReplayGuard guard(0, seconds{1});
  EXPECT_EQ(guard.capacity(), 1u);
  EXPECT_EQ(guard.admit("m", "a", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("m", "b", kNow, kNow), NonceVerdict::kFull);
  EXPECT_EQ(guard.admit("", "", kNow + 10, kNow + 10), NonceVerdict::kFresh);
}

TEST(ReplayGuard, ExactlyOneWinnerPerNonceAcrossThreads) {
  constexpr int kThreads = 8;
  constexpr int kNonces = 5'000;
  ReplayGuard guard(1 << 16, seconds{300});
  std::vector<std::atomic<int>> winners(kNonces);
  std::atomic<int> full{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int> order(kNonces);
      for (int i = 0; i < kNonces; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      for (int i : order) {
        const std::string nonce = "nonce-" + std::to_string(i);
        // Clocks a second apart, as workers read them at slightly different times.
        switch (guard.admit(i % 2 ? "1230000109" : "1900000109", nonce, kNow, kNow + t % 2)) {
          case NonceVerdict::kFresh:
            winners[i].fetch_add(1);
            break;
          case NonceVerdict::kFull:
            full.fetch_add(1);
            break;
          case NonceVerdict::kReplay:
            break;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(full.load(), 0);
  for (int i = 0; i < kNonces; ++i) ASSERT_EQ(winners[i].load(), 1) << i;
  EXPECT_EQ(guard.size(), static_cast<std::size_t>(kNonces));
}

}  // namespace
}  // namespace paygate::admission
