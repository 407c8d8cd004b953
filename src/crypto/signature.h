#pragma once
// Signer, Verifier: WeChat Pay signatures. The algorithm follows the key:
//   RSA key -> RSASSA-PKCS1-v1_5 with SHA-256 (WECHATPAY2-SHA256-RSA2048);
//   SM2 key -> SM2 with SM3 and user id "1234567812345678", DER SEQUENCE{r, s}
//              (WECHATPAY2-SM2-WITH-SM3).
// Each is a per-thread object (not thread-safe; keep one per worker). It holds its EVP_MD_CTX
// and re-initialises it in place while the same key is used again, so the steady state does no
// allocation on our side and reuses OpenSSL's contexts. It keeps a reference to the last key,
// so that key stays alive (and its address unique) until another key is used or it is destroyed.

#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/openssl_handles.h"

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
  // Replaces out with the raw signature bytes. False when the key is empty or OpenSSL fails.
  bool sign(const PrivateKey& key, std::string_view message, std::string& out);
  // Replaces out with the base64 signature, as sent in headers.
  bool sign_base64(const PrivateKey& key, std::string_view message, std::string& out);

 private:
  detail::DigestContext context_;
  std::string raw_;  // scratch for sign_base64, capacity reused
};

class Verifier {
 public:
  // True only for a valid signature by key over message. Never throws, never logs.
  bool verify(const PublicKey& key, std::string_view message, std::string_view signature);
  // As verify(), for a base64 signature; malformed base64 is simply a failed verification.
  bool verify_base64(const PublicKey& key, std::string_view message,
                     std::string_view signature_base64);

 private:
  detail::DigestContext context_;
  std::string raw_;
};

}  // namespace paygate::crypto
