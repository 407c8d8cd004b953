#pragma once
// ReplayGuard: the process-wide store of the nonces of accepted signed requests, shared by all
// workers (one per process, not per snapshot: a reload must not forget nonces). admit() may be
// called from any number of threads at once; of concurrent admits of one (mchid, nonce) exactly
// one is kFresh.
//
// A nonce is remembered until timestamp + skew: after that the skew check refuses the request
// anyway. Memory is fixed at construction (no allocation in admit()): when no slot is free the
// answer is kFull and the caller replies 503 rather than risk accepting a replay.
//
// Design: (mchid, nonce) is reduced to a 128-bit SipHash fingerprint under a per-process random
// key (so peers can neither predict nor collide entries), computed outside any lock. The
// fingerprint picks one of up to 64 shards; each shard is a std::mutex over a fixed node pool,
// a chained hash index and a timing wheel of one-second buckets that frees expired nodes as time
// passes (O(1) amortised). Entries are freed kClockLag seconds after they expire, so callers
// whose `now` lags a little behind another thread's never see a live nonce forgotten.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace paygate::admission {

enum class NonceVerdict {
  kFresh,   // first time seen: accept the request
  kReplay,  // seen before and still remembered, or a timestamp outside now +- skew
  kFull,    // cannot remember another nonce now: answer 503
};

class ReplayGuard {
 public:
  // Callers' `now` may differ by up to this much between threads (clock read before the call).
  static constexpr std::int64_t kClockLag = 5;
  // Skews above this are clamped (the wheel has one bucket per second).
  static constexpr std::chrono::seconds kMaxSkew{3600};

  // Remembers at least `capacity` nonces (rounded up to a multiple of the shard count; capacity
  // 0 is taken as 1). Aborts if the CSPRNG cannot provide the hash key.
  ReplayGuard(std::size_t capacity, std::chrono::seconds skew);
  ~ReplayGuard();
  ReplayGuard(const ReplayGuard&) = delete;
  ReplayGuard& operator=(const ReplayGuard&) = delete;

  // `timestamp` is the request's (untrusted), `now` the caller's clock, both Unix seconds.
  // A timestamp outside [now - skew, now + skew] is kReplay: it cannot be remembered for its
  // whole window, and a request that passed the skew check never has one.
  NonceVerdict admit(std::string_view mchid, std::string_view nonce, std::int64_t timestamp,
                     std::int64_t now);

  std::size_t capacity() const;
  // Nonces held now (live or expired but not yet freed). Locks every shard: not for hot paths.
  std::size_t size() const;

 private:
  struct Shard;
  struct Fingerprint {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
  };
  Fingerprint fingerprint(std::string_view mchid, std::string_view nonce) const;

  std::unique_ptr<Shard[]> shards_;
  std::size_t shard_count_ = 0;
  unsigned shard_shift_ = 0;  // fingerprint.high >> shard_shift_ = shard index
  std::int64_t skew_ = 0;
  unsigned char key_[16] = {};
};

}  // namespace paygate::admission
