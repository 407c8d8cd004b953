#include "admission/replay_guard.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

#include "crypto/random.h"

namespace paygate::admission {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kUnswept = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kMaxShards = 64;
constexpr std::size_t kMaxPerShard = kNone - 1;

struct Node {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::int64_t expires = 0;             // remembered while now <= expires
  std::uint32_t next_in_chain = kNone;  // hash chain, or the free list
  std::uint32_t next_in_wheel = kNone;
};

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// One SipHash context per thread, re-keyed per call (SipHash keying is a few word operations),
// so admit() neither locks nor allocates to hash.
class SipHasher {
 public:
  static constexpr std::size_t kOutput = 16;

  SipHasher()
      : mac_(EVP_MAC_fetch(nullptr, "SIPHASH", nullptr)),
        ctx_(mac_ ? EVP_MAC_CTX_new(mac_.get()) : nullptr) {}

  bool hash(const unsigned char* key, std::string_view mchid, std::string_view nonce,
            unsigned char* out) {
    if (ctx_ == nullptr) return false;
    std::size_t size = kOutput;
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                                 OSSL_PARAM_END};
    // The length prefix keeps ("12", "3") and ("1", "23") apart.
    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(mchid.size() >> (8 * i));
    std::size_t written = 0;
    return EVP_MAC_init(ctx_.get(), key, 16, params) == 1 &&
           EVP_MAC_update(ctx_.get(), length, sizeof length) == 1 &&
           EVP_MAC_update(ctx_.get(), bytes(mchid), mchid.size()) == 1 &&
           EVP_MAC_update(ctx_.get(), bytes(nonce), nonce.size()) == 1 &&
           EVP_MAC_final(ctx_.get(), out, &written, kOutput) == 1 && written == kOutput;
  }

 private:
  static const unsigned char* bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
  }
  std::unique_ptr<EVP_MAC, MacDeleter> mac_;
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx_;
};

std::uint64_t load64(const unsigned char* bytes) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

}  // namespace

struct alignas(64) ReplayGuard::Shard {
  std::mutex mutex;
  std::vector<Node> nodes;
  std::vector<std::uint32_t> chains;  // hash index heads, by fingerprint.low
  std::vector<std::uint32_t> wheel;   // one list per second, by expiry
  std::uint32_t free_head = kNone;
  std::size_t used = 0;
  std::int64_t swept_until = kUnswept;  // nodes expiring before this were freed

  void init(std::size_t capacity, std::size_t wheel_size) {
    nodes.resize(capacity);
    for (std::size_t i = 0; i + 1 < capacity; ++i) {
      nodes[i].next_in_chain = static_cast<std::uint32_t>(i + 1);
    }
    free_head = 0;
    chains.assign(std::bit_ceil(capacity), kNone);
    wheel.assign(wheel_size, kNone);
  }

  NonceVerdict admit(const Fingerprint& print, std::int64_t expires, std::int64_t now) {
    sweep(now);
    for (std::uint32_t i = chains[print.low & (chains.size() - 1)]; i != kNone;
         i = nodes[i].next_in_chain) {
      Node& node = nodes[i];
      if (node.high != print.high || node.low != print.low) continue;
      if (node.expires >= now) return NonceVerdict::kReplay;
      // Expired but not freed yet: the sweep keeps a node whose expiry is still ahead.
      node.expires = expires;
      return NonceVerdict::kFresh;
    }
    if (free_head == kNone) return NonceVerdict::kFull;
    insert(print, expires);
    return NonceVerdict::kFresh;
  }

  void insert(const Fingerprint& print, std::int64_t expires) {
    const std::uint32_t index = free_head;
    Node& node = nodes[index];
    free_head = node.next_in_chain;
    std::uint32_t& chain = chains[print.low & (chains.size() - 1)];
    std::uint32_t& bucket = wheel[static_cast<std::uint64_t>(expires) & (wheel.size() - 1)];
    node = Node{print.high, print.low, expires, chain, bucket};
    chain = index;
    bucket = index;
    ++used;
  }

  // Frees what expired more than kClockLag ago, one wheel bucket per elapsed second. After a
  // pause longer than the wheel, one turn visits every bucket.
  void sweep(std::int64_t now) {
    const std::int64_t limit = now - kClockLag;
    if (swept_until == kUnswept) swept_until = limit;
    if (limit <= swept_until) return;
    const auto turn = static_cast<std::int64_t>(wheel.size());
    const std::int64_t end = swept_until + std::min(limit - swept_until, turn);
    for (std::int64_t second = swept_until; second < end; ++second) {
      sweep_bucket(static_cast<std::uint64_t>(second) & (wheel.size() - 1), limit);
    }
    swept_until = limit;
  }

  void sweep_bucket(std::size_t bucket, std::int64_t limit) {
    std::uint32_t kept = kNone;
    for (std::uint32_t i = wheel[bucket]; i != kNone;) {
      Node& node = nodes[i];
      const std::uint32_t next = node.next_in_wheel;
      if (node.expires < limit) {
        unlink(i);
        node.next_in_chain = free_head;
        free_head = i;
        --used;
      } else {
        node.next_in_wheel = kept;
        kept = i;
      }
      i = next;
    }
    wheel[bucket] = kept;
  }

  void unlink(std::uint32_t index) {
    std::uint32_t* link = &chains[nodes[index].low & (chains.size() - 1)];
    while (*link != index) link = &nodes[*link].next_in_chain;
    *link = nodes[index].next_in_chain;
  }
};

ReplayGuard::ReplayGuard(std::size_t capacity, std::chrono::seconds skew)
    : skew_(std::clamp<std::int64_t>(skew.count(), 0, kMaxSkew.count())) {
  capacity = std::max<std::size_t>(capacity, 1);
  shard_count_ = std::min(kMaxShards, std::bit_floor(capacity));
  shard_shift_ = 64 - static_cast<unsigned>(std::countr_zero(shard_count_));
  const std::size_t per_shard =
      std::min(kMaxPerShard, (capacity + shard_count_ - 1) / shard_count_);
  // Expiries span [now - skew - lag, now + 2 skew]; a wheel longer than that never wraps onto
  // a live second.
  const auto wheel = std::bit_ceil(static_cast<std::size_t>(3 * skew_ + 2 * kClockLag + 2));
  shards_ = std::make_unique<Shard[]>(shard_count_);
  for (std::size_t i = 0; i < shard_count_; ++i) shards_[i].init(per_shard, wheel);
  if (!crypto::random_bytes(key_)) std::abort();  // no CSPRNG: nothing is safe to do
}

ReplayGuard::~ReplayGuard() = default;

ReplayGuard::Fingerprint ReplayGuard::fingerprint(std::string_view mchid,
                                                  std::string_view nonce) const {
  thread_local SipHasher hasher;
  unsigned char digest[SipHasher::kOutput];
  if (!hasher.hash(key_, mchid, nonce, digest)) return {};
  return Fingerprint{load64(digest), load64(digest + 8)};
}

NonceVerdict ReplayGuard::admit(std::string_view mchid, std::string_view nonce,
                                std::int64_t timestamp, std::int64_t now) {
  if (timestamp < now - skew_ || timestamp > now + skew_) return NonceVerdict::kReplay;
  const Fingerprint print = fingerprint(mchid, nonce);
  // An all-zero digest means hashing failed (a real SipHash output of zero has odds 2^-128).
  if (print.high == 0 && print.low == 0) return NonceVerdict::kFull;
  const std::size_t index = shard_count_ == 1 ? 0 : print.high >> shard_shift_;
  Shard& shard = shards_[index];
  std::lock_guard lock(shard.mutex);
  return shard.admit(print, timestamp + skew_, now);
}

std::size_t ReplayGuard::capacity() const { return shard_count_ * shards_[0].nodes.size(); }

std::size_t ReplayGuard::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].used;
  }
  return total;
}

}  // namespace paygate::admission
