#include "crypto/sm2_key.h"

#include <openssl/core_names.h>

#include "crypto/signature.h"

namespace paygate::crypto {

namespace {

constexpr std::size_t kUncompressedPointBytes = 1 + 2 * kSm2ScalarBytes;

// SM3, fetched once: an implicit fetch per message would cost a lookup each time.
const EVP_MD* sm3() {
  static const MdHandle md(EVP_MD_fetch(nullptr, "SM3", nullptr));
  return md.get();
}

bool append_scalar(const BIGNUM* value, unsigned char*& cursor) {
  bool ok = BN_bn2binpad(value, cursor, kSm2ScalarBytes) == kSm2ScalarBytes;
  cursor += kSm2ScalarBytes;
  return ok;
}

bool append_point(const EC_GROUP* group, const EC_POINT* point, unsigned char*& cursor,
                  BN_CTX* ctx) {
  BnHandle x(BN_new()), y(BN_new());
  return x != nullptr && y != nullptr &&
         EC_POINT_get_affine_coordinates(group, point, x.get(), y.get(), ctx) == 1 &&
         append_scalar(x.get(), cursor) && append_scalar(y.get(), cursor);
}

// Z_A for the default user id (GB/T 32918.2 §5.5): ENTL is the id's length in bits, 2 bytes.
bool compute_z(const Sm2Curve& curve, const EC_POINT* public_point, BN_CTX* ctx, Sm2Digest& z) {
  constexpr std::size_t kIdBits = kSm2DefaultUserId.size() * 8;
  std::array<unsigned char, 2 + kSm2DefaultUserId.size() + 6 * kSm2ScalarBytes> input{};
  unsigned char* cursor = input.data();
  *cursor++ = static_cast<unsigned char>(kIdBits >> 8);
  *cursor++ = static_cast<unsigned char>(kIdBits & 0xff);
  for (char c : kSm2DefaultUserId) *cursor++ = static_cast<unsigned char>(c);
  const EC_GROUP* group = curve.group();
  BnHandle p(BN_new()), a(BN_new()), b(BN_new());
  unsigned int length = 0;
  return p != nullptr && a != nullptr && b != nullptr &&
         EC_GROUP_get_curve(group, p.get(), a.get(), b.get(), ctx) == 1 &&
         append_scalar(a.get(), cursor) && append_scalar(b.get(), cursor) &&
         append_point(group, EC_GROUP_get0_generator(group), cursor, ctx) &&
         append_point(group, public_point, cursor, ctx) && sm3() != nullptr &&
         EVP_Digest(input.data(), input.size(), z.data(), &length, sm3(), nullptr) == 1;
}

EcPointHandle public_point_of(EVP_PKEY* pkey, const Sm2Curve& curve, BN_CTX* ctx) {
  std::array<unsigned char, kUncompressedPointBytes> encoded{};
  std::size_t length = 0;
  EcPointHandle point(EC_POINT_new(curve.group()));
  if (point == nullptr ||
      EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(), encoded.size(),
                                      &length) != 1 ||
      EC_POINT_oct2point(curve.group(), point.get(), encoded.data(), length, ctx) != 1) {
    return nullptr;
  }
  return point;
}

}  // namespace

std::unique_ptr<Sm2VerifyingKey> Sm2VerifyingKey::from(EVP_PKEY* pkey, const Sm2Curve& curve) {
  BnCtxHandle ctx(BN_CTX_new());
  std::unique_ptr<Sm2VerifyingKey> key(new Sm2VerifyingKey());
  if (ctx == nullptr || pkey == nullptr) return nullptr;
  key->point_ = public_point_of(pkey, curve, ctx.get());
  if (key->point_ == nullptr || !compute_z(curve, key->point_.get(), ctx.get(), key->z_)) {
    clear_openssl_errors();
    return nullptr;
  }
  return key;
}

std::unique_ptr<Sm2SigningKey> Sm2SigningKey::from(EVP_PKEY* pkey, const Sm2Curve& curve) {
  BIGNUM* d = nullptr;
  if (pkey == nullptr || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
    clear_openssl_errors();
    return nullptr;
  }
  SecretBnHandle owned(d);
  return from_scalar(owned.get(), curve);
}

std::unique_ptr<Sm2SigningKey> Sm2SigningKey::from_scalar(const BIGNUM* d, const Sm2Curve& curve) {
  BnCtxHandle ctx(BN_CTX_new());
  std::unique_ptr<Sm2SigningKey> key(new Sm2SigningKey());
  key->d_.reset(BN_dup(d));
  if (ctx == nullptr || key->d_ == nullptr || !key->derive(curve, ctx.get())) {
    clear_openssl_errors();
    return nullptr;
  }
  return key;
}

// (1 + d)^-1 mod n and Z_A; P_A = d·G by OpenSSL's constant-time ladder (once per key).
bool Sm2SigningKey::derive(const Sm2Curve& curve, BN_CTX* ctx) {
  const BIGNUM* n = curve.order();
  BN_set_flags(d_.get(), BN_FLG_CONSTTIME);
  SecretBnHandle one_plus_d(BN_dup(d_.get()));
  BnHandle n_minus_one(BN_dup(n));
  inverse_.reset(BN_new());
  EcPointHandle point(EC_POINT_new(curve.group()));
  if (one_plus_d == nullptr || n_minus_one == nullptr || inverse_ == nullptr || point == nullptr ||
      BN_is_zero(d_.get()) || BN_is_negative(d_.get()) || BN_sub_word(n_minus_one.get(), 1) != 1 ||
      BN_cmp(d_.get(), n_minus_one.get()) >= 0 || BN_add_word(one_plus_d.get(), 1) != 1) {
    return false;
  }
  BN_set_flags(one_plus_d.get(), BN_FLG_CONSTTIME);
  BN_set_flags(inverse_.get(), BN_FLG_CONSTTIME);
  return BN_mod_inverse(inverse_.get(), one_plus_d.get(), n, ctx) != nullptr &&
         EC_POINT_mul(curve.group(), point.get(), d_.get(), nullptr, nullptr, ctx) == 1 &&
         compute_z(curve, point.get(), ctx, z_);
}

bool sm2_message_digest(EVP_MD_CTX* md_ctx, const Sm2Digest& z, std::string_view message,
                        Sm2Digest& e) {
  unsigned int length = 0;
  return sm3() != nullptr && EVP_DigestInit_ex2(md_ctx, sm3(), nullptr) == 1 &&
         EVP_DigestUpdate(md_ctx, z.data(), z.size()) == 1 &&
         EVP_DigestUpdate(md_ctx, message.data(), message.size()) == 1 &&
         EVP_DigestFinal_ex(md_ctx, e.data(), &length) == 1;
}

}  // namespace paygate::crypto
