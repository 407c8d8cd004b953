#include "wechatpay/client.h"

#include "crypto/random.h"
#include "wechatpay/authorization.h"
#include "wechatpay/headers.h"
#include "wechatpay/message.h"

namespace paygate::wechatpay {

namespace {

Scheme scheme_for(const crypto::PrivateKey& key) {
  return key.algorithm() == crypto::KeyAlgorithm::kSm2 ? Scheme::kSm2Sm3 : Scheme::kRsaSha256;
}

// The scheme named by Wechatpay-Signature-Type; RSA when the header is absent.
std::optional<Scheme> scheme_of(std::string_view signature_type) {
  return signature_type.empty() ? Scheme::kRsaSha256 : scheme_from(signature_type);
}

}  // namespace

bool RequestSigner::sign(const MerchantCredentials& merchant, const OutgoingRequest& request,
                         std::chrono::sys_seconds now, std::string& authorization) {
  if (!crypto::random_nonce(nonce_)) return false;
  return sign_with_nonce(merchant, request, now, nonce_, authorization);
}

bool RequestSigner::sign_with_nonce(const MerchantCredentials& merchant,
                                    const OutgoingRequest& request, std::chrono::sys_seconds now,
                                    std::string_view nonce, std::string& authorization) {
  authorization.clear();
  if (merchant.key == nullptr) return false;
  std::int64_t seconds = now.time_since_epoch().count();
  TimestampText timestamp(seconds);
  build_request_message(request.method, request.url, timestamp.view(), nonce, request.body,
                        message_);
  if (!signer_.sign_base64(*merchant.key, message_, signature_)) return false;
  Authorization fields{scheme_for(*merchant.key), merchant.mchid, nonce, timestamp.view(), seconds,
                       merchant.serial_no,        signature_};
  build_authorization(fields, authorization);
  return true;
}

Verification ResponseVerifier::verify(const SignedHeaders& headers, std::string_view body,
                                      const PlatformKeys& keys, std::chrono::sys_seconds now,
                                      std::chrono::seconds skew) {
  if (headers.timestamp.empty() || headers.nonce.empty() || headers.signature.empty() ||
      headers.serial.empty()) {
    return Verification::kMissingHeader;
  }
  if (headers.signature.starts_with(kSignTestPrefix)) return Verification::kSignTestProbe;
  std::int64_t timestamp = 0;
  if (!parse_timestamp(headers.timestamp, timestamp)) return Verification::kBadTimestamp;
  if (!within_skew(timestamp, now, skew)) return Verification::kClockSkew;
  auto scheme = scheme_of(headers.signature_type);
  if (!scheme) return Verification::kUnknownSignatureType;
  const crypto::PublicKey* key = keys.find(headers.serial);
  if (key == nullptr) return Verification::kUnknownSerial;
  if (key->algorithm() != key_algorithm(*scheme)) return Verification::kAlgorithmMismatch;
  build_response_message(headers.timestamp, headers.nonce, body, message_);
  return verifier_.verify_base64(*key, message_, headers.signature) ? Verification::kOk
                                                                    : Verification::kBadSignature;
}

}  // namespace paygate::wechatpay
