#pragma once
// Sm2Curve: the SM2 curve (GB/T 32918.5 recommended parameters, OpenSSL's NID_sm2) with two
// tables of multiples of the generator G, built once per process on first use (~15 ms):
//   - a fixed-base table for s·G (sm2_fixed_base.h; verification), 64 point additions instead
//     of OpenSSL's 256-step ladder;
//   - OpenSSL's own generator table (EC_GROUP_precompute_mult) in a group of our own, used by
//     EC_POINT_mul for s·G + t·P (verification of keys without a table of their own); Debian's
//     OpenSSL 3.0 builds the SM2 group without one.
// Immutable once built: any number of threads may use it, each with its own BN_CTX.
//
// Constant time: multiply_secret_generator() is OpenSSL's constant-time ladder, the one OpenSSL's
// own SM2 signer uses for k·G: for secret scalars (nonces). multiply_public_generator() and
// multiply_combined() are NOT constant-time (table lookups indexed by the scalar, branches in
// EC_POINT_add): for public values only (verification).

#include <openssl/ec.h>

#include <memory>

#include "crypto/openssl_handles.h"
#include "crypto/sm2_fixed_base.h"

namespace paygate::crypto {

class Sm2Curve {
 public:
  // The process-wide instance; null only when OpenSSL could not build it (then callers fall back
  // to EVP). Thread-safe.
  static const Sm2Curve* instance();

  const EC_GROUP* group() const { return group_.get(); }
  const BIGNUM* order() const { return EC_GROUP_get0_order(group_.get()); }

  // out = k·G for a secret 0 < k < n, by OpenSSL's constant-time ladder (EC_POINT_mul with a
  // scalar alone always takes it). False on OpenSSL failure.
  bool multiply_secret_generator(const BIGNUM* k, EC_POINT* out, BN_CTX* ctx) const;
  // out = s·G for a public s through the fixed-base table. False on OpenSSL failure.
  bool multiply_public_generator(const BIGNUM* s, EC_POINT* out, BN_CTX* ctx) const;
  // out = s·G + t·p, with OpenSSL's generator table. False on OpenSSL failure.
  bool multiply_combined(const BIGNUM* s, const EC_POINT* p, const BIGNUM* t, EC_POINT* out,
                         BN_CTX* ctx) const;
  // x mod n of a point: what r and R are made of. False for the point at infinity.
  bool x_mod_order(const EC_POINT* point, BIGNUM* out, BN_CTX* ctx) const;

  Sm2Curve(const Sm2Curve&) = delete;
  Sm2Curve& operator=(const Sm2Curve&) = delete;
  ~Sm2Curve() = default;

 private:
  Sm2Curve() = default;
  static std::unique_ptr<Sm2Curve> create();
  bool build(BN_CTX* ctx);

  EcGroupHandle group_;
  std::unique_ptr<Sm2FixedBaseTable> generator_table_;
};

}  // namespace paygate::crypto
