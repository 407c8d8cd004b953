#pragma once
// Sm2SigningKey, Sm2VerifyingKey: what SM2 signing and verification need of one key, derived
// once per key (GB/T 32918.2 with the default user id "1234567812345678"):
//   Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA), the message prefix of e;
//   the public point P_A in Sm2Curve's group;
//   (signing only) d and (1 + d)^-1 mod n, held in constant-time BIGNUMs that are wiped when the
//   object goes.
// Immutable once built; built by the per-thread Signer / Verifier when a key is first used.

#include <array>
#include <memory>
#include <string_view>

#include "crypto/openssl_handles.h"
#include "crypto/sm2_curve.h"

namespace paygate::crypto {

using Sm2Digest = std::array<unsigned char, 32>;  // an SM3 output: Z_A or e

class Sm2VerifyingKey {
 public:
  // From a key of KeyAlgorithm::kSm2 (private or public). Null when OpenSSL fails.
  static std::unique_ptr<Sm2VerifyingKey> from(EVP_PKEY* pkey, const Sm2Curve& curve);

  const Sm2Digest& z() const { return z_; }
  const EC_POINT* point() const { return point_.get(); }

 private:
  Sm2VerifyingKey() = default;
  Sm2Digest z_{};
  EcPointHandle point_;
};

class Sm2SigningKey {
 public:
  // From a private key of KeyAlgorithm::kSm2. Null when it has no private half or OpenSSL fails.
  static std::unique_ptr<Sm2SigningKey> from(EVP_PKEY* pkey, const Sm2Curve& curve);
  // From a raw private scalar 0 < d < n - 1 (tests' known-answer vectors).
  static std::unique_ptr<Sm2SigningKey> from_scalar(const BIGNUM* d, const Sm2Curve& curve);

  const Sm2Digest& z() const { return z_; }
  const BIGNUM* d() const { return d_.get(); }
  const BIGNUM* inverse_one_plus_d() const { return inverse_.get(); }

 private:
  Sm2SigningKey() = default;
  bool derive(const Sm2Curve& curve, BN_CTX* ctx);
  Sm2Digest z_{};
  SecretBnHandle d_;
  SecretBnHandle inverse_;
};

// e = SM3(z || message). False on OpenSSL failure. md_ctx is the caller's scratch context.
bool sm2_message_digest(EVP_MD_CTX* md_ctx, const Sm2Digest& z, std::string_view message,
                        Sm2Digest& e);

}  // namespace paygate::crypto
