#pragma once
// ReplayGuard: the process-wide store of the nonces of accepted signed requests, shared by all
// workers (one per process, not per snapshot: a reload must not forget nonces). admit() and
// release() may be called from any number of threads at once; of concurrent admits of one
// (mchid, nonce) exactly one is kFresh. adopt() is for the control thread, on reload.
//
// A nonce is remembered until timestamp + skew: after that the skew check refuses the request
// anyway. Memory is fixed between adopt() calls (no allocation in admit()): when no slot is free
// the answer is kFull and the caller replies 503 rather than risk accepting a replay. No
// merchant may hold more than `per_merchant` nonces at once (kOverQuota), so one busy or
// hostile merchant cannot fill the store and have the others' requests refused.
//
// A nonce is taken only by a request that is let in: a request refused after its nonce was
// admitted (over its rate limit) gives it back with NonceTicket::release(), so the merchant's
// retry of the same signed request is not a replay and holds no slot meanwhile.
//
// Design: (mchid, nonce) is reduced to a 128-bit SipHash fingerprint under a per-process random
// key (so peers can neither predict nor collide entries), computed outside any lock. The
// fingerprint picks one of up to 64 shards; each shard is a std::mutex over a fixed node pool,
// a chained hash index and a timing wheel of one-second buckets that frees expired nodes as time
// passes (O(1) amortised). The pools are reserved for the full capacity but become resident only
// as nonces fill them, so an idle gateway with a large capacity stays small. Entries are freed
// kClockLag seconds after they expire, so callers whose `now` lags a little behind another
// thread's never see a live nonce forgotten. Each
// merchant's count of nodes is an atomic in a fixed table keyed by a hash of its mchid (up to
// kMerchantSlots mchids over the life of the process; more are kFull).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>

#include "core/zeroed_pages.h"

namespace paygate::admission {

enum class NonceVerdict {
  kFresh,          // first time seen: accept the request
  kReplay,         // seen before and still remembered
  kOutsideWindow,  // timestamp outside [now - skew, now + skew] (or, just after a reload that
                   // raised the skew, older than what the store can vouch for: see adopt())
  kOverQuota,      // this merchant already holds its quota of nonces: answer 429
  kFull,           // cannot remember another nonce now: answer 503
};

class ReplayGuard;

// An admitted nonce's hold on its slot. release() gives the slot back: for a request refused
// after its nonce was admitted. A default ticket, or one released already, holds nothing.
// Plain data: release one copy only, once (a stale copy could free the slot of a later retry).
class NonceTicket {
 public:
  void release();

 private:
  friend class ReplayGuard;
  ReplayGuard* guard_ = nullptr;
  std::uint64_t high_ = 0;
  std::uint64_t low_ = 0;
  std::int64_t expires_ = 0;
};

class ReplayGuard {
 public:
  // Callers' `now` may differ by up to this much between threads (clock read before the call).
  static constexpr std::int64_t kClockLag = 5;
  // Skews above this are clamped (the wheel has one bucket per second).
  static constexpr std::chrono::seconds kMaxSkew{3600};
  // Distinct mchids whose nonces can be counted over the life of the process.
  static constexpr std::size_t kMerchantSlots = std::size_t{1} << 16;
  static constexpr std::size_t kNoQuota = std::numeric_limits<std::size_t>::max();

  // Remembers at least `capacity` nonces (rounded up to a multiple of the shard count; capacity
  // 0 is taken as 1), at most `per_merchant` of one mchid. Aborts if the CSPRNG cannot provide
  // the hash key.
  ReplayGuard(std::size_t capacity, std::chrono::seconds skew, std::size_t per_merchant = kNoQuota);
  ~ReplayGuard();
  ReplayGuard(const ReplayGuard&) = delete;
  ReplayGuard& operator=(const ReplayGuard&) = delete;

  // `timestamp` is the request's (untrusted), `now` the caller's clock, both Unix seconds.
  // A timestamp outside [now - skew, now + skew] is kOutsideWindow: it cannot be remembered for
  // its whole window, and a request that passed the skew check never has one. On kFresh,
  // `ticket` (if given) can give the nonce back.
  NonceVerdict admit(std::string_view mchid, std::string_view nonce, std::int64_t timestamp,
                     std::int64_t now, NonceTicket* ticket = nullptr);

  // Takes the settings of a reloaded configuration without forgetting a live nonce (control
  // thread; locks and rebuilds one shard at a time, allocating):
  //  - skew: every entry's expiry moves to its timestamp + the new skew. After a raise, the
  //    store cannot vouch for timestamps whose entries it already freed under the old skew, so
  //    for the next (new - old) seconds such timestamps are kOutsideWindow; the window then
  //    widens to the new skew. After a cut, entries past the new window are freed at once.
  //  - capacity: each shard's pool is resized; one holding more live nonces than its new share
  //    keeps room for them all (it shrinks no further).
  //  - per_merchant: applies to the next admit; nonces already held stay.
  void adopt(std::size_t capacity, std::chrono::seconds skew, std::size_t per_merchant);

  std::size_t capacity() const;  // locks every shard: not for hot paths
  // Nonces held now (live or expired but not yet freed). Locks every shard: not for hot paths.
  std::size_t size() const;

 private:
  friend class NonceTicket;
  struct Shard;
  struct MerchantSlot;
  struct Fingerprint {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
  };
  Fingerprint fingerprint(std::string_view mchid, std::string_view nonce) const;
  std::uint32_t merchant_slot(std::string_view mchid);
  Shard& shard_of(const Fingerprint& print) const;
  void sweep_all(std::int64_t now);
  void release(const NonceTicket& ticket);

  std::unique_ptr<Shard[]> shards_;
  core::ZeroedArray<MerchantSlot> merchants_;  // all zero: every slot free
  std::size_t shard_count_ = 0;
  unsigned shard_shift_ = 0;  // fingerprint.high >> shard_shift_ = shard index
  std::int64_t skew_ = 0;     // the control thread's copy; each shard keeps its own
  std::size_t per_shard_ = 0;  // nodes per shard the last settings asked for
  std::atomic<std::size_t> per_merchant_;
  unsigned char key_[16] = {};
};

}  // namespace paygate::admission
