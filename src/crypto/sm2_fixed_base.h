#pragma once
// Sm2FixedBaseTable: multiples of one fixed point B of the SM2 curve, so that k·B costs 64 point
// additions (EC_POINT_add on affine entries) instead of OpenSSL's 256-step ladder or wNAF.
// 64 windows of 4 bits: entry (w, j) = (j + 1)·16^w·B. The digits are offset by one so that no
// window adds the point at infinity, and a correction point, -(sum over w of 16^w·B), undoes the
// offset. Building one takes ~1,300 point operations and one batch inversion (a few ms) and
// ~300 KiB. Immutable once built: any number of threads may use one, each with its own BN_CTX.
//
// Not constant-time: the entry read is indexed by the scalar's nibbles and OpenSSL's generic
// point addition branches on values. For public scalars only (verification); a nonce's k·G
// takes OpenSSL's ladder (Sm2Curve::multiply_secret_generator).

#include <openssl/ec.h>

#include <memory>
#include <vector>

#include "crypto/openssl_handles.h"

namespace paygate::crypto {

inline constexpr int kSm2ScalarBytes = 32;

class Sm2FixedBaseTable {
 public:
  // The table of base in group. Null on OpenSSL failure.
  static std::unique_ptr<Sm2FixedBaseTable> build(const EC_GROUP* group, const EC_POINT* base,
                                                  BN_CTX* ctx);

  // out = k·B for 0 <= k < 2^256. False on OpenSSL failure.
  bool multiply(const BIGNUM* k, EC_POINT* out, BN_CTX* ctx) const;

 private:
  explicit Sm2FixedBaseTable(const EC_GROUP* group) : group_(group) {}
  bool fill(const EC_POINT* base, BN_CTX* ctx);

  const EC_GROUP* group_;               // outlives the table (Sm2Curve's)
  std::vector<EcPointHandle> entries_;  // entries_[16 * w + j]
  EcPointHandle correction_;
};

}  // namespace paygate::crypto
