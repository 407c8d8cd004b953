#include "admission/replay_guard.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "core/zeroed_pages.h"
#include "crypto/random.h"

namespace paygate::admission {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kUnswept = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kMaxShards = 64;
constexpr std::size_t kMaxPerShard = kNone - 1;
// Linear probes in the merchant table before it counts as full; with the few mchids a gateway
// verifies, a lookup takes one.
constexpr std::size_t kMaxMerchantProbes = 1024;

struct Node {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::int64_t expires = 0;             // remembered while now <= expires
  std::uint32_t next_in_chain = kNone;  // hash chain, or the free list
  std::uint32_t next_in_wheel = kNone;  // the wheel bucket of `expires`, doubly linked so that
  std::uint32_t prev_in_wheel = kNone;  // release() unlinks a node at once
  std::uint32_t merchant = kNone;       // its mchid's slot in the merchant table
};

// Expiries span [now - skew - lag, now + 2 skew]; a wheel longer than that never wraps onto a
// live second. (After a skew cut, entries admitted under the old one may lie further ahead:
// their buckets are then visited early and keep them, which costs a visit, never a nonce.)
std::size_t wheel_size_for(std::int64_t skew) {
  return std::bit_ceil(static_cast<std::size_t>(3 * skew + 2 * ReplayGuard::kClockLag + 2));
}

std::size_t per_shard_capacity(std::size_t capacity, std::size_t shards) {
  return std::min(kMaxPerShard, (std::max<std::size_t>(capacity, 1) + shards - 1) / shards);
}

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

struct ReplayGuard::MerchantSlot {
  std::atomic<std::uint64_t> key{0};  // a hash of the mchid; 0 = free
  std::atomic<std::size_t> held{0};   // its nodes in the store, live or not yet freed
};

struct alignas(64) ReplayGuard::Shard {
  // The arrays of a shard, allocated outside its lock. Nodes and chain heads are sized for the
  // configured capacity but cost memory only as they fill (core::ZeroedArray): nodes are handed
  // out in order before any is reused, and a chain head holds ~index, so that zeroed memory
  // reads as "no chain".
  struct Pools {
    core::ZeroedArray<Node> nodes;
    core::ZeroedArray<std::uint32_t> chains;  // hash index heads (~index), by fingerprint.low
    std::vector<std::uint32_t> wheel;         // one list per second, by expiry

    Pools() = default;
    Pools(std::size_t capacity, std::size_t wheel_size)
        : nodes(capacity), chains(std::bit_ceil(capacity)), wheel(wheel_size, kNone) {}
  };

  std::mutex mutex;
  Pools pools;
  std::uint32_t free_head = kNone;  // nodes given back, reused first
  std::size_t never_used = 0;       // nodes[never_used..] have never been handed out
  std::size_t used = 0;
  std::int64_t swept_until = kUnswept;  // nodes expiring before this were freed
  std::int64_t skew = 0;                // every node expires at its timestamp + skew
  std::int64_t floor = kUnswept;        // timestamps below it may have been forgotten
  MerchantSlot* merchants = nullptr;

  // Starts over with every node of `fresh` free.
  void install(Pools fresh) {
    pools = std::move(fresh);
    free_head = kNone;
    never_used = 0;
    used = 0;
  }

  bool full() const { return free_head == kNone && never_used == pools.nodes.size(); }

  NonceVerdict admit(const Fingerprint& print, std::uint32_t merchant, std::int64_t timestamp,
                     std::int64_t now, std::size_t quota, std::int64_t& expires) {
    sweep(now);
    if (timestamp < now - skew || timestamp > now + skew || timestamp < floor) {
      return NonceVerdict::kOutsideWindow;
    }
    expires = timestamp + skew;
    if (const std::uint32_t found = find(print); found != kNone) {
      Node& node = pools.nodes[found];
      if (node.expires >= now) return NonceVerdict::kReplay;
      // Expired but not freed yet: taken again, in the bucket of its new expiry.
      unlink_from_wheel(found);
      node.expires = expires;
      link_into_wheel(found);
      return NonceVerdict::kFresh;
    }
    MerchantSlot& slot = merchants[merchant];
    if (slot.held.fetch_add(1, std::memory_order_relaxed) >= quota) {
      slot.held.fetch_sub(1, std::memory_order_relaxed);
      return NonceVerdict::kOverQuota;
    }
    if (full()) {
      slot.held.fetch_sub(1, std::memory_order_relaxed);
      return NonceVerdict::kFull;
    }
    insert(print, merchant, expires);
    return NonceVerdict::kFresh;
  }

  // Frees the node only if it is still the one the ticket admitted (same expiry).
  void release(const Fingerprint& print, std::int64_t expires) {
    const std::uint32_t found = find(print);
    if (found != kNone && pools.nodes[found].expires == expires) free_node(found);
  }

  std::uint32_t find(const Fingerprint& print) const {
    const core::ZeroedArray<Node>& nodes = pools.nodes;
    for (std::uint32_t i = chain_head(print.low); i != kNone; i = nodes[i].next_in_chain) {
      if (nodes[i].high == print.high && nodes[i].low == print.low) return i;
    }
    return kNone;
  }

  void insert(const Fingerprint& print, std::uint32_t merchant, std::int64_t expires) {
    std::uint32_t index = free_head;
    if (index != kNone) {
      free_head = pools.nodes[index].next_in_chain;
    } else {
      index = static_cast<std::uint32_t>(never_used++);
    }
    std::uint32_t& chain = chain_slot(print.low);
    pools.nodes[index] = Node{print.high, print.low, expires, ~chain, kNone, kNone, merchant};
    chain = ~index;
    link_into_wheel(index);
    ++used;
  }

  void free_node(std::uint32_t index) {
    unlink_from_chain(index);
    unlink_from_wheel(index);
    Node& node = pools.nodes[index];
    merchants[node.merchant].held.fetch_sub(1, std::memory_order_relaxed);
    node.next_in_chain = free_head;
    free_head = index;
    --used;
  }

  // Frees what expired more than kClockLag ago, one wheel bucket per elapsed second. After a
  // pause longer than the wheel, one turn visits every bucket.
  void sweep(std::int64_t now) {
    const std::int64_t limit = now - kClockLag;
    if (swept_until == kUnswept) swept_until = limit;
    if (limit <= swept_until) return;
    const auto turn = static_cast<std::int64_t>(pools.wheel.size());
    const std::int64_t end = swept_until + std::min(limit - swept_until, turn);
    for (std::int64_t second = swept_until; second < end; ++second) {
      std::uint32_t i = pools.wheel[bucket_of(second)];
      while (i != kNone) {
        const std::uint32_t next = pools.nodes[i].next_in_wheel;
        if (pools.nodes[i].expires < limit) free_node(i);
        i = next;
      }
    }
    swept_until = limit;
  }

  // Moves every remembered node into `fresh` with its expiry moved to timestamp + `new_skew`
  // (ReplayGuard::adopt). Returns the old arrays, for the caller to free outside the lock.
  Pools rebuild(Pools fresh, std::int64_t new_skew) {
    const std::int64_t shift = new_skew - skew;
    // Nodes freed so far expired before swept_until under the old skew: their timestamps were
    // below swept_until - skew, and the store can no longer vouch for those.
    if (shift > 0 && swept_until != kUnswept) floor = std::max(floor, swept_until - skew);
    if (fresh.nodes.size() < used) fresh = Pools(used, fresh.wheel.size());
    Pools old = std::exchange(pools, Pools{});
    install(std::move(fresh));
    skew = new_skew;
    for (std::uint32_t head : old.chains) {
      for (std::uint32_t i = ~head; i != kNone; i = old.nodes[i].next_in_chain) {
        const Node& node = old.nodes[i];
        const std::int64_t expires = node.expires + shift;
        if (swept_until != kUnswept && expires < swept_until) {
          merchants[node.merchant].held.fetch_sub(1, std::memory_order_relaxed);
          continue;
        }
        insert({node.high, node.low}, node.merchant, expires);
      }
    }
    return old;
  }

 private:
  std::uint32_t& chain_slot(std::uint64_t low) {
    return pools.chains[low & (pools.chains.size() - 1)];
  }
  std::uint32_t chain_head(std::uint64_t low) const {
    return ~pools.chains[low & (pools.chains.size() - 1)];
  }
  std::size_t bucket_of(std::int64_t second) const {
    return static_cast<std::uint64_t>(second) & (pools.wheel.size() - 1);
  }

  void link_into_wheel(std::uint32_t index) {
    Node& node = pools.nodes[index];
    std::uint32_t& bucket = pools.wheel[bucket_of(node.expires)];
    node.prev_in_wheel = kNone;
    node.next_in_wheel = bucket;
    if (bucket != kNone) pools.nodes[bucket].prev_in_wheel = index;
    bucket = index;
  }

  void unlink_from_wheel(std::uint32_t index) {
    const Node& node = pools.nodes[index];
    if (node.prev_in_wheel != kNone) {
      pools.nodes[node.prev_in_wheel].next_in_wheel = node.next_in_wheel;
    } else {
      pools.wheel[bucket_of(node.expires)] = node.next_in_wheel;
    }
    if (node.next_in_wheel != kNone) {
      pools.nodes[node.next_in_wheel].prev_in_wheel = node.prev_in_wheel;
    }
  }

  void unlink_from_chain(std::uint32_t index) {
    const std::uint32_t next = pools.nodes[index].next_in_chain;
    std::uint32_t& head = chain_slot(pools.nodes[index].low);
    if (~head == index) {
      head = ~next;
      return;
    }
    std::uint32_t i = ~head;
    while (pools.nodes[i].next_in_chain != index) i = pools.nodes[i].next_in_chain;
    pools.nodes[i].next_in_chain = next;
  }
};

void NonceTicket::release() {
  if (guard_ == nullptr) return;
  guard_->release(*this);
  guard_ = nullptr;
}

ReplayGuard::ReplayGuard(std::size_t capacity, std::chrono::seconds skew, std::size_t per_merchant)
    : merchants_(kMerchantSlots),
      skew_(std::clamp<std::int64_t>(skew.count(), 0, kMaxSkew.count())),
      per_merchant_(per_merchant) {
  capacity = std::max<std::size_t>(capacity, 1);
  shard_count_ = std::min(kMaxShards, std::bit_floor(capacity));
  shard_shift_ = 64 - static_cast<unsigned>(std::countr_zero(shard_count_));
  per_shard_ = per_shard_capacity(capacity, shard_count_);
  shards_ = std::make_unique<Shard[]>(shard_count_);
  for (std::size_t i = 0; i < shard_count_; ++i) {
    shards_[i].merchants = merchants_.begin();
    shards_[i].skew = skew_;
    shards_[i].install(Shard::Pools(per_shard_, wheel_size_for(skew_)));
  }
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

// Claims a free slot for an mchid seen for the first time; a slot is never given back, so a
// lookup never races with a removal.
std::uint32_t ReplayGuard::merchant_slot(std::string_view mchid) {
  const Fingerprint print = fingerprint(mchid, {});
  if (print.high == 0 && print.low == 0) return kNone;
  const std::uint64_t key = print.low | 1;  // never 0, the mark of a free slot
  const std::size_t mask = kMerchantSlots - 1;
  std::size_t index = print.high & mask;
  for (std::size_t probe = 0; probe < kMaxMerchantProbes; ++probe, index = (index + 1) & mask) {
    std::atomic<std::uint64_t>& slot = merchants_[index].key;
    std::uint64_t seen = slot.load(std::memory_order_acquire);
    if (seen == 0 && slot.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) {
      return static_cast<std::uint32_t>(index);
    }
    if (seen == key) return static_cast<std::uint32_t>(index);
  }
  return kNone;
}

ReplayGuard::Shard& ReplayGuard::shard_of(const Fingerprint& print) const {
  return shards_[shard_count_ == 1 ? 0 : print.high >> shard_shift_];
}

NonceVerdict ReplayGuard::admit(std::string_view mchid, std::string_view nonce,
                                std::int64_t timestamp, std::int64_t now, NonceTicket* ticket) {
  const Fingerprint print = fingerprint(mchid, nonce);
  // An all-zero digest means hashing failed (a real SipHash output of zero has odds 2^-128).
  if (print.high == 0 && print.low == 0) return NonceVerdict::kFull;
  const std::uint32_t merchant = merchant_slot(mchid);
  if (merchant == kNone) return NonceVerdict::kFull;
  Shard& shard = shard_of(print);
  const std::size_t quota = per_merchant_.load(std::memory_order_relaxed);
  std::int64_t expires = 0;
  auto admit_in_shard = [&] {
    std::lock_guard lock(shard.mutex);
    return shard.admit(print, merchant, timestamp, now, quota, expires);
  };
  NonceVerdict verdict = admit_in_shard();
  if (verdict == NonceVerdict::kOverQuota) {
    // The merchant's count includes expired nodes of shards no request has swept since: sweep
    // them all before refusing (a cost only merchants at their quota pay).
    sweep_all(now);
    verdict = admit_in_shard();
  }
  if (verdict == NonceVerdict::kFresh && ticket != nullptr) {
    ticket->guard_ = this;
    ticket->high_ = print.high;
    ticket->low_ = print.low;
    ticket->expires_ = expires;
  }
  return verdict;
}

void ReplayGuard::release(const NonceTicket& ticket) {
  const Fingerprint print{ticket.high_, ticket.low_};
  Shard& shard = shard_of(print);
  std::lock_guard lock(shard.mutex);
  shard.release(print, ticket.expires_);
}

void ReplayGuard::sweep_all(std::int64_t now) {
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    shards_[i].sweep(now);
  }
}

void ReplayGuard::adopt(std::size_t capacity, std::chrono::seconds skew, std::size_t per_merchant) {
  per_merchant_.store(per_merchant, std::memory_order_relaxed);
  const std::int64_t next_skew = std::clamp<std::int64_t>(skew.count(), 0, kMaxSkew.count());
  const std::size_t per_shard = per_shard_capacity(capacity, shard_count_);
  if (next_skew == skew_ && per_shard == per_shard_) return;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    Shard::Pools fresh(per_shard, wheel_size_for(next_skew));
    Shard::Pools old;
    {
      std::lock_guard lock(shards_[i].mutex);
      old = shards_[i].rebuild(std::move(fresh), next_skew);
    }
  }
  skew_ = next_skew;
  per_shard_ = per_shard;
}

std::size_t ReplayGuard::capacity() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].pools.nodes.size();
  }
  return total;
}

std::size_t ReplayGuard::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].used;
  }
  return total;
}

}  // namespace paygate::admission
