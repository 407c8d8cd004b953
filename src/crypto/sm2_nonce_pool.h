#pragma once
// Sm2NoncePool: a bounded stock of precomputed SM2 signing nonces (k, x1 mod n), where
// (x1, y1) = k·G: the message-independent, costly part of a signature, made ahead of time so that
// a signature only has to finish the sum (sm2_signature.h).
// Each pair is handed out once, then wiped; pairs live only in this object's memory and are wiped
// when it goes. k comes from OpenSSL's private CSPRNG (BN_priv_rand_range_ex), uniform in
// [1, n - 1]. Not thread-safe: one pool per per-thread Signer.

#include <cstddef>
#include <vector>

#include "crypto/sm2_curve.h"

namespace paygate::crypto {

// 4096 nonces: 256 KiB, about two seconds of signatures of one core at full load.
inline constexpr std::size_t kDefaultSm2PoolCapacity = 4096;

struct Sm2Nonce {
  unsigned char k[kSm2ScalarBytes];
  unsigned char x1[kSm2ScalarBytes];  // x-coordinate of k·G, reduced mod n
};

class Sm2NoncePool {
 public:
  explicit Sm2NoncePool(std::size_t capacity = kDefaultSm2PoolCapacity) : capacity_(capacity) {}
  Sm2NoncePool(const Sm2NoncePool&) = delete;
  Sm2NoncePool& operator=(const Sm2NoncePool&) = delete;
  ~Sm2NoncePool();

  std::size_t size() const { return stock_.size(); }
  std::size_t capacity() const { return capacity_; }

  // Makes up to count new pairs (fewer when the pool fills up first); returns how many it made.
  // Stops early on a CSPRNG or OpenSSL failure.
  std::size_t refill(const Sm2Curve& curve, std::size_t count, BN_CTX* ctx);
  // Moves one pair into out and wipes its slot. False when the pool is empty.
  bool take(Sm2Nonce& out);

 private:
  std::size_t capacity_;
  std::vector<Sm2Nonce> stock_;  // reserved to capacity on first refill: no reallocation later
};

// Makes one fresh pair into out (the pool's unit of work, and the empty pool's fallback).
bool make_sm2_nonce(const Sm2Curve& curve, BN_CTX* ctx, Sm2Nonce& out);

}  // namespace paygate::crypto
