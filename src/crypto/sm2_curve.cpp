// EC_GROUP_precompute_mult and EC_POINTs_make_affine are deprecated in OpenSSL 3.0 without a
// replacement (the EC_POINT API stays, low-level on purpose); this file needs both.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/sm2_curve.h"

#include <openssl/obj_mac.h>

#include <array>

namespace paygate::crypto {

namespace {

constexpr int kWindowBits = 4;
constexpr int kWindowEntries = 1 << kWindowBits;
constexpr int kWindows = kSm2ScalarBytes * 8 / kWindowBits;

// The w-th 4-bit digit of a big-endian 32-byte scalar, least significant first.
int digit(const std::array<unsigned char, kSm2ScalarBytes>& scalar, int w) {
  unsigned char byte = scalar[kSm2ScalarBytes - 1 - w / 2];
  return (w % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
}

}  // namespace

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
  return group_ != nullptr && EC_GROUP_precompute_mult(group_.get(), ctx) == 1 &&
         build_window_table(ctx);
}

bool Sm2Curve::build_window_table(BN_CTX* ctx) {
  const EC_GROUP* g = group_.get();
  EcPointHandle base(EC_POINT_dup(EC_GROUP_get0_generator(g), g));  // 16^w·G
  correction_.reset(EC_POINT_new(g));
  if (base == nullptr || correction_ == nullptr) return false;
  EC_POINT_set_to_infinity(g, correction_.get());
  entries_.reserve(kWindows * kWindowEntries);
  for (int w = 0; w < kWindows; ++w) {
    const EC_POINT* previous = base.get();
    for (int j = 0; j < kWindowEntries; ++j) {
      EcPointHandle entry(EC_POINT_new(g));
      if (entry == nullptr) return false;
      if (j == 0 ? EC_POINT_copy(entry.get(), base.get()) != 1
                 : EC_POINT_add(g, entry.get(), previous, base.get(), ctx) != 1) {
        return false;
      }
      previous = entry.get();
      entries_.push_back(std::move(entry));
    }
    if (EC_POINT_add(g, correction_.get(), correction_.get(), base.get(), ctx) != 1) return false;
    for (int i = 0; i < kWindowBits; ++i) {
      if (EC_POINT_dbl(g, base.get(), base.get(), ctx) != 1) return false;
    }
  }
  // Affine entries (Z = 1) take OpenSSL's cheaper mixed addition.
  std::vector<EC_POINT*> raw;
  raw.reserve(entries_.size() + 1);
  for (auto& entry : entries_) raw.push_back(entry.get());
  raw.push_back(correction_.get());
  return EC_POINT_invert(g, correction_.get(), ctx) == 1 &&
         EC_POINTs_make_affine(g, raw.size(), raw.data(), ctx) == 1;
}

bool Sm2Curve::multiply_generator(const BIGNUM* k, EC_POINT* out, BN_CTX* ctx) const {
  std::array<unsigned char, kSm2ScalarBytes> scalar{};
  if (BN_bn2binpad(k, scalar.data(), kSm2ScalarBytes) != kSm2ScalarBytes) return false;
  const EC_GROUP* g = group_.get();
  bool ok = EC_POINT_copy(out, entries_[digit(scalar, 0)].get()) == 1;
  for (int w = 1; ok && w < kWindows; ++w) {
    ok = EC_POINT_add(g, out, out, entries_[w * kWindowEntries + digit(scalar, w)].get(), ctx) == 1;
  }
  ok = ok && EC_POINT_add(g, out, out, correction_.get(), ctx) == 1;
  OPENSSL_cleanse(scalar.data(), scalar.size());
  return ok;
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
