#include "wechatpay/server.h"

#include "crypto/random.h"
#include "wechatpay/headers.h"
#include "wechatpay/message.h"

namespace paygate::wechatpay {

Verification check_unkeyed(const Authorization& authorization, std::chrono::sys_seconds now,
                           std::chrono::seconds skew) {
  if (authorization.signature.starts_with(kSignTestPrefix)) return Verification::kSignTestProbe;
  if (!within_skew(authorization.timestamp, now, skew)) return Verification::kClockSkew;
  return Verification::kOk;
}

Verification RequestVerifier::verify(const Authorization& authorization,
                                     const IncomingRequest& request,
                                     const crypto::PublicKey& merchant_key,
                                     std::chrono::sys_seconds now, std::chrono::seconds skew) {
  if (auto unkeyed = check_unkeyed(authorization, now, skew); unkeyed != Verification::kOk) {
    return unkeyed;
  }
  if (merchant_key.empty()) return Verification::kUnknownSerial;
  if (merchant_key.algorithm() != key_algorithm(authorization.scheme)) {
    return Verification::kAlgorithmMismatch;
  }
  build_request_message(request.method, request.url, authorization.timestamp_text,
                        authorization.nonce_str, request.body, message_);
  ++signatures_checked_;
  return verifier_.verify_base64(merchant_key, message_, authorization.signature)
             ? Verification::kOk
             : Verification::kBadSignature;
}

bool ResponseSigner::sign(const crypto::PrivateKey& key, std::string_view body,
                          std::chrono::sys_seconds now, ResponseSignature& out) {
  out.timestamp.assign(TimestampText(now.time_since_epoch().count()).view());
  if (!crypto::random_nonce(out.nonce)) return false;
  build_response_message(out.timestamp, out.nonce, body, message_);
  out.signature_type = key.algorithm() == crypto::KeyAlgorithm::kSm2 ? kSm2Scheme : kRsaScheme;
  return signer_.sign_base64(key, message_, out.signature);
}

}  // namespace paygate::wechatpay
