#pragma once
// Signer, Verifier: WeChat Pay signatures. The algorithm follows the key:
//   RSA key -> RSASSA-PKCS1-v1_5 with SHA-256 (WECHATPAY2-SHA256-RSA2048);
//   SM2 key -> SM2 with SM3 and user id "1234567812345678", DER SEQUENCE{r, s}
//              (WECHATPAY2-SM2-WITH-SM3).
// Each is a per-thread object (not thread-safe; keep one per worker). It holds its EVP_MD_CTX
// and re-initialises it in place while the same key is used again, so the steady state does no
// allocation on our side and reuses OpenSSL's contexts. It keeps a reference to the last key,
// so that key stays alive (and its address unique) until another key is used or it is destroyed.
// SM2 keys take the BN/EC_POINT path of sm2_signature.h instead of EVP (same signatures, same
// checks; ~6x the signatures and ~3.5x the verifications of a key used again and again, per
// core, bench/sm2.sh): the Signer keeps a bounded pool of precomputed nonces, which its owner
// fills off the request path with precompute_sm2(); an empty pool only means each signature
// makes its nonce on the spot. Both fall back to EVP if the SM2 tables cannot be built.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/openssl_handles.h"
#include "crypto/sm2_signature.h"

namespace paygate::crypto {

inline constexpr std::string_view kSm2DefaultUserId = "1234567812345678";

namespace detail {
// The EVP_MD_CTX bound to one key, shared by Signer and Verifier.
class DigestContext {
 public:
  DigestContext();
  // Ready to sign (verify = false) or verify one message with pkey. False on OpenSSL failure.
  bool start(EVP_PKEY* pkey, KeyAlgorithm algorithm, bool verify);
  EVP_MD_CTX* native() const { return ctx_.get(); }
  void forget();  // after a failure: the next start() initialises from scratch

 private:
  bool start_fresh(EVP_PKEY* pkey, KeyAlgorithm algorithm, bool verify);
  MdCtxHandle ctx_;
  PkeyCtxHandle sm2_pctx_;  // SM2 only: owns the pkey ctx carrying the user id
  PkeyHandle bound_;        // the key ctx_ is initialised with (a counted reference)
};
}  // namespace detail

class Signer {
 public:
  // sm2_pool_capacity bounds the SM2 nonce pool (64 bytes a nonce, allocated on first use).
  explicit Signer(std::size_t sm2_pool_capacity = kDefaultSm2PoolCapacity)
      : sm2_pool_capacity_(sm2_pool_capacity) {}
  // Replaces out with the raw signature bytes. False when the key is empty or OpenSSL fails.
  bool sign(const PrivateKey& key, std::string_view message, std::string& out);
  // Replaces out with the base64 signature, as sent in headers.
  bool sign_base64(const PrivateKey& key, std::string_view message, std::string& out);

  // Makes up to count SM2 nonces for later signatures (each takes ~0.1 ms); returns how many.
  // For idle time: a full pool makes none.
  std::size_t precompute_sm2(std::size_t count);
  std::size_t sm2_pool_size() const { return sm2_ ? sm2_->pool().size() : 0; }
  std::size_t sm2_pool_capacity() const { return sm2_pool_capacity_; }
  bool sm2_pool_full() const { return sm2_pool_size() >= sm2_pool_capacity_; }

 private:
  Sm2Signing* sm2();  // created on first use: RSA-only signers never build the SM2 tables

  detail::DigestContext context_;
  std::string raw_;  // scratch for sign_base64, capacity reused
  std::size_t sm2_pool_capacity_;
  std::unique_ptr<Sm2Signing> sm2_;
};

class Verifier {
 public:
  // True only for a valid signature by key over message. Never throws, never logs.
  bool verify(const PublicKey& key, std::string_view message, std::string_view signature);
  // As verify(), for a base64 signature; malformed base64 is simply a failed verification.
  bool verify_base64(const PublicKey& key, std::string_view message,
                     std::string_view signature_base64);

 private:
  Sm2Verification* sm2();  // created on first use, like Signer's

  detail::DigestContext context_;
  std::string raw_;
  std::unique_ptr<Sm2Verification> sm2_;
};

}  // namespace paygate::crypto
