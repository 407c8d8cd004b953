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
  EXPECT_EQ(guard.admit("m", "old", kNow - 301, kNow), NonceVerdict::kOutsideWindow);
  EXPECT_EQ(guard.admit("m", "new", kNow + 301, kNow), NonceVerdict::kOutsideWindow);
  EXPECT_EQ(guard.admit("m", "min", INT64_MIN, kNow), NonceVerdict::kOutsideWindow);
  EXPECT_EQ(guard.admit("m", "max", INT64_MAX, kNow), NonceVerdict::kOutsideWindow);
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

TEST(ReplayGuard, AReleasedNonceHoldsNoSlotAndMayBeAdmittedAgain) {
  ReplayGuard guard(1024, seconds{300});
  NonceTicket ticket;
  ASSERT_EQ(guard.admit("m", "refused", kNow, kNow, &ticket), NonceVerdict::kFresh);
  EXPECT_EQ(guard.size(), 1u);
  ticket.release();
  EXPECT_EQ(guard.size(), 0u);
  ticket.release();  // a second release does nothing
  NonceTicket retry;
  EXPECT_EQ(guard.admit("m", "refused", kNow, kNow + 1, &retry), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("m", "refused", kNow, kNow + 1), NonceVerdict::kReplay);
  NonceTicket{}.release();  // a default ticket holds nothing
  EXPECT_EQ(guard.size(), 1u);
}

TEST(ReplayGuard, AStaleTicketDoesNotFreeALaterAdmissionOfTheNonce) {
  ReplayGuard guard(1024, seconds{300});
  NonceTicket first;
  ASSERT_EQ(guard.admit("m", "n", kNow, kNow, &first), NonceVerdict::kFresh);
  // Past its window the nonce may be used again, with another timestamp.
  const std::int64_t later = kNow + 400;
  ASSERT_EQ(guard.admit("m", "n", later, later), NonceVerdict::kFresh);
  first.release();
  EXPECT_EQ(guard.admit("m", "n", later, later), NonceVerdict::kReplay);
}

TEST(ReplayGuard, AMerchantAtItsQuotaIsRefusedAndOthersAreNot) {
  ReplayGuard guard(1024, seconds{300}, 10);
  for (int i = 0; i < 10; ++i) {
    std::string nonce = "n";
    nonce += std::to_string(i);
    ASSERT_EQ(guard.admit("busy", nonce, kNow, kNow), NonceVerdict::kFresh) << i;
  }
  EXPECT_EQ(guard.admit("busy", "n10", kNow, kNow), NonceVerdict::kOverQuota);
  EXPECT_EQ(guard.admit("busy", "n3", kNow, kNow), NonceVerdict::kReplay);  // still a replay
  EXPECT_EQ(guard.admit("quiet", "n10", kNow, kNow), NonceVerdict::kFresh);
  EXPECT_EQ(guard.size(), 11u);
}

TEST(ReplayGuard, AReleasedNonceGivesBackItsQuota) {
  ReplayGuard guard(1024, seconds{300}, 1);
  NonceTicket ticket;
  ASSERT_EQ(guard.admit("m", "a", kNow, kNow, &ticket), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("m", "b", kNow, kNow), NonceVerdict::kOverQuota);
  ticket.release();
  EXPECT_EQ(guard.admit("m", "b", kNow, kNow), NonceVerdict::kFresh);
}

TEST(ReplayGuard, TheQuotaCountsNoExpiredNonceEvenInShardsNotSweptSince) {
  ReplayGuard guard(1024, seconds{300}, 100);  // 64 shards
  EXPECT_EQ(count_fresh(guard, 0, 100, kNow), 100u);
  EXPECT_EQ(guard.admit("m", "over", kNow, kNow), NonceVerdict::kOverQuota);
  // All 100 expired: the next request sweeps one shard, but the merchant's count is freed of
  // them all before it is refused.
  const std::int64_t later = kNow + 300 + ReplayGuard::kClockLag + 1;
  EXPECT_EQ(count_fresh(guard, 100, 100, later), 100u);
}

TEST(ReplayGuard, ARaisedSkewKeepsEveryRememberedNonceForTheWiderWindow) {
  ReplayGuard guard(1024, seconds{100});
  ASSERT_EQ(guard.admit("m", "kept", kNow, kNow), NonceVerdict::kFresh);
  guard.adopt(1024, seconds{300}, ReplayGuard::kNoQuota);
  // Under the old skew it expired at kNow + 100; the new window lets its timestamp in until
  // kNow + 300, so it is remembered until then.
  EXPECT_EQ(guard.admit("m", "kept", kNow, kNow + 200), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "kept", kNow, kNow + 300), NonceVerdict::kReplay);
}

TEST(ReplayGuard, ARaisedSkewRefusesTimestampsWhoseNoncesWereAlreadyForgotten) {
  ReplayGuard guard(1, seconds{100});  // one shard: every admit sweeps it
  const std::int64_t t0 = kNow;
  ASSERT_EQ(guard.admit("m", "gone", t0 - 100, t0 - 100), NonceVerdict::kFresh);  // expires t0
  ASSERT_EQ(guard.admit("m", "sweeps", t0 + 10, t0 + 10), NonceVerdict::kFresh);  // frees it
  ASSERT_EQ(guard.size(), 1u);
  guard.adopt(8, seconds{300}, ReplayGuard::kNoQuota);
  // The new window reaches t0 - 290, but "gone" (t0 - 100) was forgotten: its replay must not
  // pass, so timestamps below what the store still vouches for are refused...
  EXPECT_EQ(guard.admit("m", "gone", t0 - 100, t0 + 10), NonceVerdict::kOutsideWindow);
  // ...while newer ones pass, and once the window has widened, the whole new skew does.
  EXPECT_EQ(guard.admit("m", "recent", t0 - 90, t0 + 10), NonceVerdict::kFresh);
  EXPECT_EQ(guard.admit("m", "wide", t0 + 400 - 300, t0 + 400), NonceVerdict::kFresh);
}

TEST(ReplayGuard, ACutSkewFreesWhatLeftTheWindowAndKeepsTheRest) {
  ReplayGuard guard(1024, seconds{300});
  ASSERT_EQ(guard.admit("m", "now", kNow, kNow), NonceVerdict::kFresh);
  ASSERT_EQ(guard.admit("m", "old", kNow - 250, kNow + 10), NonceVerdict::kFresh);
  guard.adopt(1024, seconds{100}, ReplayGuard::kNoQuota);
  EXPECT_EQ(guard.size(), 1u);  // "old" would expire at kNow - 150 under the new skew
  EXPECT_EQ(guard.admit("m", "now", kNow, kNow + 50), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "now", kNow, kNow + 100), NonceVerdict::kReplay);
  EXPECT_EQ(guard.admit("m", "old", kNow - 250, kNow + 10), NonceVerdict::kOutsideWindow);
}

// Admits "n<first>" .. "n<first + count - 1>"; which ones were fresh.
std::vector<bool> admit_each(ReplayGuard& guard, int first, int count) {
  std::vector<bool> fresh;
  for (int i = first; i < first + count; ++i) {
    std::string nonce = "n";
    nonce += std::to_string(i);
    fresh.push_back(guard.admit("m", nonce, kNow, kNow) == NonceVerdict::kFresh);
  }
  return fresh;
}

TEST(ReplayGuard, ACapacityChangeKeepsEveryLiveNonce) {
  ReplayGuard guard(64, seconds{300});
  const std::vector<bool> before = admit_each(guard, 0, 1000);
  ASSERT_EQ(guard.size(), guard.capacity());
  guard.adopt(256, seconds{300}, ReplayGuard::kNoQuota);
  EXPECT_GE(guard.capacity(), 256u);
  const std::vector<bool> after = admit_each(guard, 0, 1000);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(before[i] && after[i]) << "nonce " << i << " forgotten";  // still a replay
  }
  EXPECT_GT(guard.size(), 64u);
  // Shrinking below what is held keeps room for all of it.
  const std::size_t held = guard.size();
  guard.adopt(16, seconds{300}, ReplayGuard::kNoQuota);
  EXPECT_EQ(guard.size(), held);
  EXPECT_GE(guard.capacity(), held);
  const std::vector<bool> shrunk = admit_each(guard, 0, 1000);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE((before[i] || after[i]) && shrunk[i]) << "nonce " << i << " forgotten";
  }
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
          case NonceVerdict::kOverQuota:
          case NonceVerdict::kOutsideWindow:
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

// Threads race on the same nonces; the first winner of each even nonce gives it back (its
// request was refused after all). A nonce is never held by two accepted requests at once.
TEST(ReplayGuard, ReleasesRacingWithAdmitsNeverLetAReplayIn) {
  constexpr int kThreads = 8;
  constexpr int kNonces = 2'000;
  ReplayGuard guard(1 << 14, seconds{300}, 1 << 12);
  std::vector<std::atomic<int>> accepted(kNonces);
  std::vector<std::atomic<bool>> released(kNonces);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int> order(kNonces);
      for (int i = 0; i < kNonces; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      for (int i : order) {
        std::string nonce = "n";
        nonce += std::to_string(i);
        NonceTicket ticket;
        if (guard.admit("m", nonce, kNow, kNow, &ticket) != NonceVerdict::kFresh) continue;
        if (i % 2 == 0 && !released[i].exchange(true)) {
          ticket.release();
        } else {
          accepted[i].fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::size_t held = 0;
  for (int i = 0; i < kNonces; ++i) {
    ASSERT_LE(accepted[i].load(), 1) << i;
    if (i % 2 == 1) {
      ASSERT_EQ(accepted[i].load(), 1) << i;
    }
    held += static_cast<std::size_t>(accepted[i].load());
  }
  EXPECT_EQ(guard.size(), held);
}

// The control thread adopts new settings while workers admit: a nonce once accepted is a
// replay through every rebuild.
TEST(ReplayGuard, AdoptWhileAdmittingForgetsNothing) {
  constexpr int kThreads = 4;
  constexpr int kNonces = 3'000;
  ReplayGuard guard(1 << 14, seconds{300});
  std::atomic<bool> done{false};
  std::atomic<int> replays_accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kNonces; ++i) {
        std::string nonce = std::to_string(t);
        nonce += "-";
        nonce += std::to_string(i);
        if (guard.admit("m", nonce, kNow, kNow) != NonceVerdict::kFresh) continue;
        if (guard.admit("m", nonce, kNow, kNow) != NonceVerdict::kReplay) replays_accepted++;
      }
    });
  }
  std::thread control([&] {
    for (int round = 0; !done.load(); ++round) {
      guard.adopt(round % 2 ? 1 << 14 : 1 << 15, seconds{round % 2 ? 300 : 600},
                  ReplayGuard::kNoQuota);
    }
  });
  for (auto& thread : threads) thread.join();
  done = true;
  control.join();
  EXPECT_EQ(replays_accepted.load(), 0);
  EXPECT_EQ(guard.size(), static_cast<std::size_t>(kThreads * kNonces));
}

}  // namespace
}  // namespace paygate::admission
