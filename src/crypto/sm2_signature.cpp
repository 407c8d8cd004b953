#include "crypto/sm2_signature.h"

#include <openssl/crypto.h>

namespace paygate::crypto {

namespace {

constexpr int kMaxNonceAttempts = 4;  // a nonce is unusable with probability ~2^-255

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

bool in_signature_range(const BIGNUM* value, const BIGNUM* n) {
  return !BN_is_zero(value) && !BN_is_negative(value) && BN_cmp(value, n) < 0;
}

bool encode_der(BnHandle r, BnHandle s, std::string& out) {
  EcdsaSigHandle sig(ECDSA_SIG_new());
  if (sig == nullptr || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  r.release();  // owned by sig now
  s.release();
  int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return false;
  out.resize(static_cast<std::size_t>(length));
  auto* cursor = reinterpret_cast<unsigned char*>(out.data());
  return i2d_ECDSA_SIG(sig.get(), &cursor) == length;
}

// The DER must be exactly one canonical SEQUENCE{r, s}: re-encoding it gives the same bytes (as
// OpenSSL's SM2 verifier requires), so no signature has two accepted encodings.
EcdsaSigHandle decode_canonical_der(std::string_view der) {
  const unsigned char* cursor = as_bytes(der);
  EcdsaSigHandle sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (sig == nullptr || cursor != as_bytes(der) + der.size()) return nullptr;
  unsigned char* encoded = nullptr;
  int length = i2d_ECDSA_SIG(sig.get(), &encoded);
  bool canonical =
      length == static_cast<int>(der.size()) && CRYPTO_memcmp(encoded, der.data(), der.size()) == 0;
  OPENSSL_free(encoded);
  return canonical ? std::move(sig) : nullptr;
}

}  // namespace

bool finish_sm2_signature(const Sm2Curve& curve, const Sm2SigningKey& key, const Sm2Digest& e,
                          const Sm2Nonce& nonce, BN_CTX* ctx, std::string& out) {
  const BIGNUM* n = curve.order();
  BnHandle r(BN_new()), s(BN_new());
  BN_CTX_start(ctx);
  BIGNUM* e_value = BN_CTX_get(ctx);
  BIGNUM* x1 = BN_CTX_get(ctx);
  BIGNUM* k = BN_CTX_get(ctx);
  BIGNUM* t = BN_CTX_get(ctx);
  bool ok = t != nullptr && r != nullptr && s != nullptr;
  if (ok) {
    BN_set_flags(k, BN_FLG_CONSTTIME);
    BN_set_flags(t, BN_FLG_CONSTTIME);
  }
  ok = ok && BN_bin2bn(e.data(), static_cast<int>(e.size()), e_value) != nullptr &&
       BN_bin2bn(nonce.x1, kSm2ScalarBytes, x1) != nullptr &&
       BN_bin2bn(nonce.k, kSm2ScalarBytes, k) != nullptr &&
       BN_mod_add(r.get(), e_value, x1, n, ctx) == 1 && !BN_is_zero(r.get()) &&
       BN_add(t, r.get(), k) == 1 && BN_cmp(t, n) != 0 &&  // r + k != n
       BN_mod_mul(t, r.get(), key.d(), n, ctx) == 1 &&     // r·d
       BN_mod_sub(t, k, t, n, ctx) == 1 &&                 // k - r·d
       BN_mod_mul(s.get(), key.inverse_one_plus_d(), t, n, ctx) == 1 && !BN_is_zero(s.get());
  if (k != nullptr) BN_clear(k);
  if (t != nullptr) BN_clear(t);
  BN_CTX_end(ctx);
  ok = ok && encode_der(std::move(r), std::move(s), out);
  if (!ok) {
    out.clear();
    clear_openssl_errors();
  }
  return ok;
}

namespace {
// out = s·G + t·P: two table products when P has a table, else OpenSSL's EC_POINT_mul.
bool combine(const Sm2Curve& curve, const BIGNUM* s, const EC_POINT* p, const BIGNUM* t,
             const Sm2FixedBaseTable* p_table, EC_POINT* out, BN_CTX* ctx) {
  if (p_table == nullptr) return curve.multiply_combined(s, p, t, out, ctx);
  EcPointHandle tp(EC_POINT_new(curve.group()));
  return tp != nullptr && curve.multiply_public_generator(s, out, ctx) &&
         p_table->multiply(t, tp.get(), ctx) &&
         EC_POINT_add(curve.group(), out, out, tp.get(), ctx) == 1;
}
}  // namespace

bool check_sm2_signature(const Sm2Curve& curve, const Sm2VerifyingKey& key, const Sm2Digest& e,
                         std::string_view der, BN_CTX* ctx, const Sm2FixedBaseTable* key_table) {
  EcdsaSigHandle sig = decode_canonical_der(der);
  if (sig == nullptr) {
    clear_openssl_errors();
    return false;
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  const BIGNUM* n = curve.order();
  if (!in_signature_range(r, n) || !in_signature_range(s, n)) return false;
  EcPointHandle point(EC_POINT_new(curve.group()));
  BN_CTX_start(ctx);
  BIGNUM* t = BN_CTX_get(ctx);
  BIGNUM* x1 = BN_CTX_get(ctx);
  BIGNUM* e_value = BN_CTX_get(ctx);
  bool ok = e_value != nullptr && point != nullptr && BN_mod_add(t, r, s, n, ctx) == 1 &&
            !BN_is_zero(t) && combine(curve, s, key.point(), t, key_table, point.get(), ctx) &&
            curve.x_mod_order(point.get(), x1, ctx) &&
            BN_bin2bn(e.data(), static_cast<int>(e.size()), e_value) != nullptr &&
            BN_mod_add(t, e_value, x1, n, ctx) == 1 && BN_cmp(t, r) == 0;
  BN_CTX_end(ctx);
  if (!ok) clear_openssl_errors();
  return ok;
}

Sm2Signing::Sm2Signing(std::size_t pool_capacity)
    : curve_(Sm2Curve::instance()),
      ctx_(BN_CTX_new()),
      md_ctx_(EVP_MD_CTX_new()),
      pool_(pool_capacity) {}

const Sm2SigningKey* Sm2Signing::key_for(EVP_PKEY* pkey) {
  if (bound_.get() == pkey && key_ != nullptr) return key_.get();
  key_.reset();
  bound_.reset();
  auto key = Sm2SigningKey::from(pkey, *curve_);
  if (key == nullptr || EVP_PKEY_up_ref(pkey) != 1) return nullptr;
  bound_.reset(pkey);
  key_ = std::move(key);
  return key_.get();
}

bool Sm2Signing::next_nonce(Sm2Nonce& out) {
  return pool_.take(out) || make_sm2_nonce(*curve_, ctx_.get(), out);
}

bool Sm2Signing::sign(EVP_PKEY* pkey, std::string_view message, std::string& out) {
  out.clear();
  const Sm2SigningKey* key = available() ? key_for(pkey) : nullptr;
  Sm2Digest e{};
  if (key == nullptr || !sm2_message_digest(md_ctx_.get(), key->z(), message, e)) return false;
  Sm2Nonce nonce;
  bool ok = false;
  for (int attempt = 0; !ok && attempt < kMaxNonceAttempts; ++attempt) {
    ok = next_nonce(nonce) && finish_sm2_signature(*curve_, *key, e, nonce, ctx_.get(), out);
  }
  OPENSSL_cleanse(&nonce, sizeof nonce);
  return ok;
}

std::size_t Sm2Signing::precompute(std::size_t count) {
  return available() ? pool_.refill(*curve_, count, ctx_.get()) : 0;
}

Sm2Verification::Sm2Verification()
    : curve_(Sm2Curve::instance()), ctx_(BN_CTX_new()), md_ctx_(EVP_MD_CTX_new()) {}

const Sm2VerifyingKey* Sm2Verification::key_for(EVP_PKEY* pkey) {
  if (bound_.get() == pkey && key_ != nullptr) return key_.get();
  key_table_.reset();
  uses_ = 0;
  key_.reset();
  bound_.reset();
  auto key = Sm2VerifyingKey::from(pkey, *curve_);
  if (key == nullptr || EVP_PKEY_up_ref(pkey) != 1) return nullptr;
  bound_.reset(pkey);
  key_ = std::move(key);
  return key_.get();
}

const Sm2FixedBaseTable* Sm2Verification::table_for(const Sm2VerifyingKey& key) {
  if (++uses_ == kSm2KeyTableAfter) {
    key_table_ = Sm2FixedBaseTable::build(curve_->group(), key.point(), ctx_.get());
  }
  return key_table_.get();  // null until built, or if building failed: EC_POINT_mul then
}

bool Sm2Verification::verify(EVP_PKEY* pkey, std::string_view message, std::string_view signature) {
  const Sm2VerifyingKey* key = available() ? key_for(pkey) : nullptr;
  Sm2Digest e{};
  return key != nullptr && sm2_message_digest(md_ctx_.get(), key->z(), message, e) &&
         check_sm2_signature(*curve_, *key, e, signature, ctx_.get(), table_for(*key));
}

}  // namespace paygate::crypto
