// EC_GROUP_precompute_mult is deprecated in OpenSSL 3.0 without a replacement (the EC_POINT API
// stays, low-level on purpose); verification needs the generator table it builds.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/sm2_curve.h"

#include <openssl/obj_mac.h>

namespace paygate::crypto {

const Sm2Curve* Sm2Curve::instance() {
  static const std::unique_ptr<Sm2Curve> curve = create();
  return curve.get();
}

std::unique_ptr<Sm2Curve> Sm2Curve::create() {
  BnCtxHandle ctx(BN_CTX_new());
  std::unique_ptr<Sm2Curve> curve(new Sm2Curve());
  if (ctx == nullptr || !curve->build(ctx.get())) {
    clear_openssl_errors();
    return nullptr;
  }
  return curve;
}

bool Sm2Curve::build(BN_CTX* ctx) {
  group_.reset(EC_GROUP_new_by_curve_name(NID_sm2));
  if (group_ == nullptr || EC_GROUP_precompute_mult(group_.get(), ctx) != 1) return false;
  generator_table_ =
      Sm2FixedBaseTable::build(group_.get(), EC_GROUP_get0_generator(group_.get()), ctx);
  return generator_table_ != nullptr;
}

bool Sm2Curve::multiply_secret_generator(const BIGNUM* k, EC_POINT* out, BN_CTX* ctx) const {
  return EC_POINT_mul(group_.get(), out, k, nullptr, nullptr, ctx) == 1;
}

bool Sm2Curve::multiply_public_generator(const BIGNUM* s, EC_POINT* out, BN_CTX* ctx) const {
  return generator_table_->multiply(s, out, ctx);
}

bool Sm2Curve::multiply_combined(const BIGNUM* s, const EC_POINT* p, const BIGNUM* t, EC_POINT* out,
                                 BN_CTX* ctx) const {
  return EC_POINT_mul(group_.get(), out, s, p, t, ctx) == 1;
}

bool Sm2Curve::x_mod_order(const EC_POINT* point, BIGNUM* out, BN_CTX* ctx) const {
  return EC_POINT_get_affine_coordinates(group_.get(), point, out, nullptr, ctx) == 1 &&
         BN_nnmod(out, out, order(), ctx) == 1;
}

}  // namespace paygate::crypto
