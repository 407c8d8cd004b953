#include "crypto/sm2_nonce_pool.h"

#include <openssl/crypto.h>

namespace paygate::crypto {

Sm2NoncePool::~Sm2NoncePool() {
  if (!stock_.empty()) OPENSSL_cleanse(stock_.data(), stock_.size() * sizeof(Sm2Nonce));
}

std::size_t Sm2NoncePool::refill(const Sm2Curve& curve, std::size_t count, BN_CTX* ctx) {
  if (stock_.capacity() < capacity_) stock_.reserve(capacity_);
  std::size_t made = 0;
  while (made < count && stock_.size() < capacity_) {
    Sm2Nonce nonce;
    bool ok = make_sm2_nonce(curve, ctx, nonce);
    if (ok) stock_.push_back(nonce);
    OPENSSL_cleanse(&nonce, sizeof nonce);
    if (!ok) break;
    ++made;
  }
  return made;
}

bool Sm2NoncePool::take(Sm2Nonce& out) {
  if (stock_.empty()) return false;
  out = stock_.back();
  OPENSSL_cleanse(&stock_.back(), sizeof(Sm2Nonce));
  stock_.pop_back();
  return true;
}

bool make_sm2_nonce(const Sm2Curve& curve, BN_CTX* ctx, Sm2Nonce& out) {
  BN_CTX_start(ctx);
  BIGNUM* k = BN_CTX_get(ctx);
  BIGNUM* x1 = BN_CTX_get(ctx);
  EcPointHandle point(EC_POINT_new(curve.group()));
  bool ok = x1 != nullptr && point != nullptr;
  if (ok) BN_set_flags(k, BN_FLG_CONSTTIME);
  // k uniform in [1, n - 1]: BN_priv_rand_range_ex gives [0, n - 1]; zero is drawn again.
  do {
    ok = ok && BN_priv_rand_range_ex(k, curve.order(), 0, ctx) == 1;
  } while (ok && BN_is_zero(k));
  ok = ok && curve.multiply_secret_generator(k, point.get(), ctx) &&
       curve.x_mod_order(point.get(), x1, ctx) &&
       BN_bn2binpad(k, out.k, kSm2ScalarBytes) == kSm2ScalarBytes &&
       BN_bn2binpad(x1, out.x1, kSm2ScalarBytes) == kSm2ScalarBytes;
  if (k != nullptr) BN_clear(k);  // BN_CTX_end does not wipe what it hands back
  BN_CTX_end(ctx);
  if (!ok) clear_openssl_errors();
  return ok;
}

}  // namespace paygate::crypto
