// ReplayGuard::admit() with 1 and 2 threads, beside a baseline in the same binary (a reference
// measured in the same run): one std::mutex over a std::unordered_set<std::string> of "mchid/nonce"
// with no expiry, the obvious way to write it (it only grows; it is cleared per run). Each thread
// admits fresh 32-character nonces; the clock advances one second per 1000 admits, so the guard
// runs at its steady state of about 305000 remembered nonces, freeing as many as it adds.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_set>

#include "admission/replay_guard.h"

namespace {

using paygate::admission::NonceVerdict;
using paygate::admission::ReplayGuard;

constexpr std::int64_t kStart = 1'700'000'000;
constexpr std::uint64_t kAdmitsPerSecond = 1000;

// Benchmark runs the function many times (and on new threads); every call of every run gets its
// own nonce prefix, so that nonces stay fresh across runs of the one shared guard.
std::atomic<std::uint64_t> next_prefix{0};
// Admits done so far by all threads, published every kAdmitsPerSecond: the shared clock.
std::atomic<std::uint64_t> admits{0};

// A fresh 32-character nonce, like the SDKs send.
void next_nonce(std::string& nonce, std::uint64_t prefix, std::uint64_t counter) {
  nonce.resize(32);
  std::snprintf(nonce.data(), nonce.size() + 1, "%08llx%024llu",
                static_cast<unsigned long long>(prefix), static_cast<unsigned long long>(counter));
}

ReplayGuard& shared_guard() {
  static ReplayGuard guard(1 << 20, std::chrono::seconds{300});
  return guard;
}

void BM_ReplayGuardAdmit(benchmark::State& state) {
  ReplayGuard& guard = shared_guard();
  const std::uint64_t prefix = next_prefix.fetch_add(1);
  std::string nonce;
  std::uint64_t counter = 0;
  std::int64_t now = kStart + static_cast<std::int64_t>(admits.load() / kAdmitsPerSecond);
  for (auto _ : state) {
    next_nonce(nonce, prefix, counter);
    if (guard.admit("1230000109", nonce, now, now) != NonceVerdict::kFresh) {
      state.SkipWithError("a fresh nonce was not admitted");
      break;
    }
    if (++counter % kAdmitsPerSecond == 0) {
      now =
          kStart + static_cast<std::int64_t>(admits.fetch_add(kAdmitsPerSecond) / kAdmitsPerSecond);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReplayGuardAdmit)->Threads(1)->Threads(2)->UseRealTime();

struct NaiveStore {
  std::mutex mutex;
  std::unordered_set<std::string> seen;
};

void BM_MutexSetAdmit(benchmark::State& state) {
  static NaiveStore store;
  if (state.thread_index() == 0) {
    std::lock_guard lock(store.mutex);
    store.seen.clear();
  }
  const std::uint64_t prefix = next_prefix.fetch_add(1);
  std::string nonce;
  std::uint64_t counter = 0;
  for (auto _ : state) {
    next_nonce(nonce, prefix, counter++);
    std::lock_guard lock(store.mutex);
    benchmark::DoNotOptimize(store.seen.insert("1230000109/" + nonce).second);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MutexSetAdmit)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
