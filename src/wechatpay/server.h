#pragma once
// The platform side of the signature protocol, without I/O:
//   RequestVerifier checks a parsed Authorization against the request and the merchant's key
//                   (the scheme must fit the key, the 300 s skew rule; replay checks by nonce
//                   are the caller's, with a shared nonce store);
//   ResponseSigner  produces Wechatpay-Timestamp/-Nonce/-Signature for a reply or notification.
// Both are per-thread objects (keep one per worker): they reuse buffers and OpenSSL contexts
// and are not thread-safe. Keys are borrowed for the duration of a call.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "wechatpay/authorization.h"
#include "wechatpay/verification.h"

namespace paygate::wechatpay {

struct IncomingRequest {
  std::string_view method;
  std::string_view url;  // path + "?query" exactly as received (the request target)
  std::string_view body;
};

// The checks that need no key: a deliberate WECHATPAY/SIGNTEST/ probe, then the skew window;
// kOk when both pass. Run before the merchant and its key are looked up, their answers depend
// only on what the caller sent, so a precise refusal tells it nothing about which merchants and
// serials exist. verify() runs them first too.
Verification check_unkeyed(const Authorization& authorization, std::chrono::sys_seconds now,
                           std::chrono::seconds skew = std::chrono::seconds(kMaxSkewSeconds));

class RequestVerifier {
 public:
  // `skew`: the accepted |now - timestamp|, exclusive (the protocol's 300 s unless configured).
  Verification verify(const Authorization& authorization, const IncomingRequest& request,
                      const crypto::PublicKey& merchant_key, std::chrono::sys_seconds now,
                      std::chrono::seconds skew = std::chrono::seconds(kMaxSkewSeconds));
  // How many signatures verify() has checked with the key (the costly part of a verification).
  std::uint64_t signatures_checked() const { return signatures_checked_; }

 private:
  crypto::Verifier verifier_;
  std::string message_;
  std::uint64_t signatures_checked_ = 0;
};

// Header values for a signed reply. Wechatpay-Serial is the caller's (the serial of key).
struct ResponseSignature {
  std::string timestamp;
  std::string nonce;
  std::string signature;
  std::string_view signature_type;  // for Wechatpay-Signature-Type
};

class ResponseSigner {
 public:
  // Fills out (capacities reused) for body signed by key at now, with a fresh nonce.
  bool sign(const crypto::PrivateKey& key, std::string_view body, std::chrono::sys_seconds now,
            ResponseSignature& out);
  // SM2 keys: makes up to count signing nonces ahead of time, for idle moments (see
  // crypto::Signer::precompute_sm2); returns how many it made.
  std::size_t precompute(std::size_t count) { return signer_.precompute_sm2(count); }
  bool precompute_full() const { return signer_.sm2_pool_full(); }

 private:
  crypto::Signer signer_;
  std::string message_;
};

}  // namespace paygate::wechatpay
