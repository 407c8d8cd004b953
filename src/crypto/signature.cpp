#include "crypto/signature.h"

#include "crypto/base64.h"

namespace paygate::crypto {

namespace {
const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}
const char* digest_of(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kSm2 ? "SM3" : "SHA256";
}
}  // namespace

namespace detail {

DigestContext::DigestContext() : ctx_(EVP_MD_CTX_new()) {}

bool DigestContext::start(EVP_PKEY* pkey, KeyAlgorithm algorithm, bool verify) {
  if (ctx_ == nullptr || pkey == nullptr) return false;
  if (bound_.get() == pkey) {
    // Same key: OpenSSL 3 re-initialises the existing contexts (the SM2 id is kept).
    int ok = verify ? EVP_DigestVerifyInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nullptr,
                                              nullptr, nullptr)
                    : EVP_DigestSignInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                            nullptr);
    if (ok == 1) return true;
  }
  return start_fresh(pkey, algorithm, verify);
}

bool DigestContext::start_fresh(EVP_PKEY* pkey, KeyAlgorithm algorithm, bool verify) {
  forget();
  if (algorithm == KeyAlgorithm::kSm2) {
    sm2_pctx_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (sm2_pctx_ == nullptr ||
        EVP_PKEY_CTX_set1_id(sm2_pctx_.get(), kSm2DefaultUserId.data(),
                             static_cast<int>(kSm2DefaultUserId.size())) != 1) {
      return false;
    }
    EVP_MD_CTX_set_pkey_ctx(ctx_.get(), sm2_pctx_.get());
  }
  // FINALISE: the final step may consume the context instead of duplicating it first.
  EVP_MD_CTX_set_flags(ctx_.get(), EVP_MD_CTX_FLAG_FINALISE);
  int ok = verify ? EVP_DigestVerifyInit_ex(ctx_.get(), nullptr, digest_of(algorithm), nullptr,
                                            nullptr, pkey, nullptr)
                  : EVP_DigestSignInit_ex(ctx_.get(), nullptr, digest_of(algorithm), nullptr,
                                          nullptr, pkey, nullptr);
  if (ok != 1 || EVP_PKEY_up_ref(pkey) != 1) {
    forget();
    return false;
  }
  bound_.reset(pkey);
  return true;
}

void DigestContext::forget() {
  if (ctx_ != nullptr) EVP_MD_CTX_reset(ctx_.get());
  sm2_pctx_.reset();
  bound_.reset();
}

}  // namespace detail

Sm2Signing* Signer::sm2() {
  if (sm2_ == nullptr) sm2_ = std::make_unique<Sm2Signing>(sm2_pool_capacity_);
  return sm2_->available() ? sm2_.get() : nullptr;
}

std::size_t Signer::precompute_sm2(std::size_t count) {
  Sm2Signing* sm2_signing = sm2();
  return sm2_signing != nullptr ? sm2_signing->precompute(count) : 0;
}

bool Signer::sign(const PrivateKey& key, std::string_view message, std::string& out) {
  out.clear();
  if (!key.empty() && key.algorithm() == KeyAlgorithm::kSm2 && sm2() != nullptr) {
    if (sm2_->sign(key.native(), message, out)) return true;
    clear_openssl_errors();  // as below: a failure leaves nothing queued for the next caller
    return false;
  }
  if (key.empty() || !context_.start(key.native(), key.algorithm(), false)) {
    clear_openssl_errors();
    return false;
  }
  std::size_t length = static_cast<std::size_t>(EVP_PKEY_get_size(key.native()));
  out.resize(length);
  if (EVP_DigestSign(context_.native(), reinterpret_cast<unsigned char*>(out.data()), &length,
                     as_bytes(message), message.size()) != 1) {
    context_.forget();
    clear_openssl_errors();
    out.clear();
    return false;
  }
  out.resize(length);
  return true;
}

bool Signer::sign_base64(const PrivateKey& key, std::string_view message, std::string& out) {
  if (!sign(key, message, raw_)) {
    out.clear();
    return false;
  }
  base64_encode(raw_, out);
  return true;
}

Sm2Verification* Verifier::sm2() {
  if (sm2_ == nullptr) sm2_ = std::make_unique<Sm2Verification>();
  return sm2_->available() ? sm2_.get() : nullptr;
}

bool Verifier::verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  if (!key.empty() && key.algorithm() == KeyAlgorithm::kSm2 && sm2() != nullptr) {
    if (sm2_->verify(key.native(), message, signature)) return true;
    clear_openssl_errors();
    return false;
  }
  if (key.empty() || !context_.start(key.native(), key.algorithm(), true)) {
    clear_openssl_errors();
    return false;
  }
  int ok = EVP_DigestVerify(context_.native(), as_bytes(signature), signature.size(),
                            as_bytes(message), message.size());
  if (ok != 1) clear_openssl_errors();  // a bad signature queues errors; nobody reads them
  return ok == 1;
}

bool Verifier::verify_base64(const PublicKey& key, std::string_view message,
                             std::string_view signature_base64) {
  return base64_decode(signature_base64, raw_) && verify(key, message, raw_);
}

}  // namespace paygate::crypto
