// EC_POINTs_make_affine is deprecated in OpenSSL 3.0 without a replacement (the EC_POINT API
// stays, low-level on purpose); affine entries make every addition the cheaper mixed one.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/sm2_fixed_base.h"

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

std::unique_ptr<Sm2FixedBaseTable> Sm2FixedBaseTable::build(const EC_GROUP* group,
                                                            const EC_POINT* base, BN_CTX* ctx) {
  std::unique_ptr<Sm2FixedBaseTable> table(new Sm2FixedBaseTable(group));
  if (!table->fill(base, ctx)) {
    clear_openssl_errors();
    return nullptr;
  }
  return table;
}

bool Sm2FixedBaseTable::fill(const EC_POINT* base_point, BN_CTX* ctx) {
  const EC_GROUP* g = group_;
  EcPointHandle base(EC_POINT_dup(base_point, g));  // 16^w·B
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
  std::vector<EC_POINT*> raw;
  raw.reserve(entries_.size() + 1);
  for (auto& entry : entries_) raw.push_back(entry.get());
  raw.push_back(correction_.get());
  return EC_POINT_invert(g, correction_.get(), ctx) == 1 &&
         EC_POINTs_make_affine(g, raw.size(), raw.data(), ctx) == 1;
}

bool Sm2FixedBaseTable::multiply(const BIGNUM* k, EC_POINT* out, BN_CTX* ctx) const {
  std::array<unsigned char, kSm2ScalarBytes> scalar{};
  if (BN_bn2binpad(k, scalar.data(), kSm2ScalarBytes) != kSm2ScalarBytes) return false;
  bool ok = EC_POINT_copy(out, entries_[digit(scalar, 0)].get()) == 1;
  for (int w = 1; ok && w < kWindows; ++w) {
    ok = EC_POINT_add(group_, out, out, entries_[w * kWindowEntries + digit(scalar, w)].get(),
                      ctx) == 1;
  }
  ok = ok && EC_POINT_add(group_, out, out, correction_.get(), ctx) == 1;
  OPENSSL_cleanse(scalar.data(), scalar.size());
  return ok;
}

}  // namespace paygate::crypto
