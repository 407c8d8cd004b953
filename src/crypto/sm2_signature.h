#pragma once
// SM2 signatures (GB/T 32918.2, SM3, default user id, DER SEQUENCE{r, s}) computed with OpenSSL's
// BN and EC_POINT primitives instead of EVP, so that the parts that do not depend on the message
// are done once or ahead of time:
//   per key (sm2_key.h): Z_A, (1 + d)^-1, P_A;
//   per signature, ahead of time (sm2_nonce_pool.h): k and x1 of k·G (OpenSSL's ladder);
//   per signature, online: e = SM3(Z_A || M), r = (e + x1) mod n,
//                          s = (1 + d)^-1 · (k - r·d) mod n   (two modular multiplications);
//   per verification: t = (r + s) mod n, (x1', y1') = s·G + t·P_A, accept iff
//                     (e + x1') mod n == r. s·G + t·P_A is OpenSSL's EC_POINT_mul with its
//                     generator table; once a Verification has checked kSm2KeyTableAfter
//                     signatures in a row by the same key, it builds a fixed-base table for
//                     P_A (a few ms, ~300 KiB, one per Verification) and adds two table
//                     products instead.
// Sm2Signing and Sm2Verification are per-thread (not thread-safe), used by crypto::Signer and
// crypto::Verifier for SM2 keys; each caches the state of the last key it saw, holding a
// reference to that EVP_PKEY.
//
// Constant time: the online part uses the same BN calls as OpenSSL's own SM2 signer (BN_mod_mul,
// BN_mod_sub, with BN_FLG_CONSTTIME on k, d and (1 + d)^-1), i.e. no better and no worse than
// EVP_DigestSign; k·G is OpenSSL's constant-time ladder, as in EVP_DigestSign, computed ahead of
// time unless the pool is empty. Only verification, on public values, uses the faster tables.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/openssl_handles.h"
#include "crypto/sm2_key.h"
#include "crypto/sm2_nonce_pool.h"

namespace paygate::crypto {

// Finishes a signature over digest e with one nonce; out receives the DER. False when this nonce
// cannot be used (r = 0, r + k = n or s = 0: probability ~2^-255, take another) or OpenSSL fails.
bool finish_sm2_signature(const Sm2Curve& curve, const Sm2SigningKey& key, const Sm2Digest& e,
                          const Sm2Nonce& nonce, BN_CTX* ctx, std::string& out);

// True only when der is a canonical DER SEQUENCE{r, s} with 0 < r, s < n that verifies over e.
// key_table, when given, is the fixed-base table of key's point.
bool check_sm2_signature(const Sm2Curve& curve, const Sm2VerifyingKey& key, const Sm2Digest& e,
                         std::string_view der, BN_CTX* ctx,
                         const Sm2FixedBaseTable* key_table = nullptr);

// Consecutive verifications by one key after which a Verification builds the key's table: a key
// that keeps coming back pays the build (~25 verifications' worth) once; keys taking turns never
// do.
inline constexpr std::size_t kSm2KeyTableAfter = 64;

class Sm2Signing {
 public:
  explicit Sm2Signing(std::size_t pool_capacity = kDefaultSm2PoolCapacity);

  // False when the curve tables could not be built: the caller signs through EVP instead.
  bool available() const { return curve_ != nullptr && ctx_ != nullptr && md_ctx_ != nullptr; }
  // Signs message with an SM2 private key; out receives the DER. Uses a pooled nonce when there
  // is one, else makes one on the spot. False on failure (out cleared).
  bool sign(EVP_PKEY* pkey, std::string_view message, std::string& out);
  // Adds up to count nonces to the pool, off the request path; returns how many were made.
  std::size_t precompute(std::size_t count);
  const Sm2NoncePool& pool() const { return pool_; }

 private:
  const Sm2SigningKey* key_for(EVP_PKEY* pkey);
  bool next_nonce(Sm2Nonce& out);

  const Sm2Curve* curve_;
  BnCtxHandle ctx_;
  MdCtxHandle md_ctx_;
  Sm2NoncePool pool_;
  PkeyHandle bound_;  // the key key_ was derived from (a counted reference)
  std::unique_ptr<Sm2SigningKey> key_;
};

class Sm2Verification {
 public:
  Sm2Verification();
  bool available() const { return curve_ != nullptr && ctx_ != nullptr && md_ctx_ != nullptr; }
  // True only for a valid signature (DER) by the SM2 key pkey over message.
  bool verify(EVP_PKEY* pkey, std::string_view message, std::string_view signature);

 private:
  const Sm2VerifyingKey* key_for(EVP_PKEY* pkey);
  const Sm2FixedBaseTable* table_for(const Sm2VerifyingKey& key);

  const Sm2Curve* curve_;
  BnCtxHandle ctx_;
  MdCtxHandle md_ctx_;
  PkeyHandle bound_;
  std::unique_ptr<Sm2VerifyingKey> key_;
  std::size_t uses_ = 0;  // verifications by key_ in a row
  std::unique_ptr<Sm2FixedBaseTable> key_table_;
};

}  // namespace paygate::crypto
