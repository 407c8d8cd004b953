#pragma once
// The merchant side of the signature protocol, without I/O:
//   RequestSigner    builds the Authorization value for an outgoing request;
//   ResponseVerifier checks the Wechatpay-* headers of a reply or a notification
//                    (key by Wechatpay-Serial, the 300 s skew rule, the scheme from
//                    Wechatpay-Signature-Type, RSA when absent).
// Both are per-thread objects (keep one per worker): they hold reusable buffers and OpenSSL
// contexts and are not thread-safe. Keys are borrowed for the duration of a call.

#include <chrono>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "wechatpay/platform_keys.h"
#include "wechatpay/verification.h"

namespace paygate::wechatpay {

struct MerchantCredentials {
  std::string_view mchid;
  std::string_view serial_no;       // serial of the merchant API certificate of key
  const crypto::PrivateKey* key{};  // RSA or SM2: it decides the scheme
};

struct OutgoingRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view url;     // path + "?query", exactly as it will be sent
  std::string_view body;    // exact bytes; empty for none
};

class RequestSigner {
 public:
  // Replaces authorization with the header value, using a fresh random nonce_str.
  bool sign(const MerchantCredentials& merchant, const OutgoingRequest& request,
            std::chrono::sys_seconds now, std::string& authorization);
  // As sign(), with a given nonce_str (replays of recorded traffic, fixed test vectors).
  bool sign_with_nonce(const MerchantCredentials& merchant, const OutgoingRequest& request,
                       std::chrono::sys_seconds now, std::string_view nonce,
                       std::string& authorization);

 private:
  crypto::Signer signer_;
  std::string nonce_, message_, signature_;
};

// The signature headers of a reply or notification, as received (empty when absent).
struct SignedHeaders {
  std::string_view timestamp;
  std::string_view nonce;
  std::string_view signature;
  std::string_view serial;
  std::string_view signature_type;
};

class ResponseVerifier {
 public:
  // `skew`: the accepted |now - Wechatpay-Timestamp| (the protocol's 300 s by default).
  Verification verify(const SignedHeaders& headers, std::string_view body, const PlatformKeys& keys,
                      std::chrono::sys_seconds now,
                      std::chrono::seconds skew = std::chrono::seconds(kMaxSkewSeconds));

 private:
  crypto::Verifier verifier_;
  std::string message_;
};

}  // namespace paygate::wechatpay
