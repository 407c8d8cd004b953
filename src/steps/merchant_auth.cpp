#include "steps/merchant_auth.h"

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "wechatpay/authorization.h"

namespace paygate::steps {

namespace {

AuthResult fail(AuthFailure failure, std::string_view message) {
  return {failure, nullptr, message, {}, {}, 0};
}

// Once per certificate and snapshot (a reload cannot load an expired certificate), never per
// request: the metric counts each refusal.
void log_expired_once(const credentials::MerchantCredentials& merchant,
                      const credentials::MerchantKey& key) {
  if (!key.expiry_logged.first()) return;
  spdlog::warn(
      "merchant {}: certificate {} expired at {:%Y-%m-%d %H:%M:%S} UTC; its requests are refused "
      "(401, reason certificate_expired) until the merchant signs with a valid key",
      merchant.mchid, key.serial, key.not_after);
}

AuthFailure from_verification(wechatpay::Verification v) {
  using wechatpay::Verification;
  switch (v) {
    case Verification::kOk: return AuthFailure::kNone;
    case Verification::kClockSkew:
    case Verification::kBadTimestamp: return AuthFailure::kClockSkew;
    case Verification::kUnknownSerial: return AuthFailure::kUnknownSerial;
    case Verification::kAlgorithmMismatch:
    case Verification::kUnknownSignatureType: return AuthFailure::kSchemeMismatch;
    case Verification::kSignTestProbe: return AuthFailure::kSignTestProbe;
    case Verification::kMissingHeader: return AuthFailure::kMalformedAuthorization;
    case Verification::kBadSignature: return AuthFailure::kBadSignature;
  }
  return AuthFailure::kBadSignature;
}

// The checks whose answers depend only on the request and the clock, so they may be precise.
AuthResult read_authorization(const SignedRequest& request,
                              const credentials::Credentials& credentials,
                              std::chrono::sys_seconds now, wechatpay::Authorization& auth) {
  // Verifying one of several and forwarding them all would let the backend read the other.
  if (request.authorization_repeated) {
    return fail(AuthFailure::kDuplicateAuthorization, "more than one Authorization header");
  }
  const std::string_view header = request.authorization;
  if (header.empty()) return fail(AuthFailure::kMissingAuthorization, "missing Authorization");
  const wechatpay::AuthorizationParse parsed = wechatpay::parse_authorization(header, auth);
  if (!parsed.ok()) {
    return fail(AuthFailure::kMalformedAuthorization, wechatpay::describe(parsed.error));
  }
  const auto unkeyed = wechatpay::check_unkeyed(auth, now, credentials.clock_skew());
  if (unkeyed != wechatpay::Verification::kOk) {
    return fail(from_verification(unkeyed), wechatpay::describe(unkeyed));
  }
  return {};
}

}  // namespace

std::string_view reason_label(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::kNone: return "none";
    case AuthFailure::kMissingAuthorization: return "missing_authorization";
    case AuthFailure::kMalformedAuthorization: return "malformed_authorization";
    case AuthFailure::kDuplicateAuthorization:
      return "duplicate_authorization";
    case AuthFailure::kUnknownMerchant: return "unknown_merchant";
    case AuthFailure::kUnknownSerial: return "unknown_serial";
    case AuthFailure::kRouteNotAllowed: return "route_not_allowed";
    case AuthFailure::kClockSkew: return "clock_skew";
    case AuthFailure::kSchemeMismatch: return "scheme_mismatch";
    case AuthFailure::kSignTestProbe: return "sign_test_probe";
    case AuthFailure::kBadSignature: return "bad_signature";
    case AuthFailure::kCertificateExpired:
      return "certificate_expired";
    case AuthFailure::kReplay: return "replay";
    case AuthFailure::kReplayStoreFull: return "replay_store_full";
    case AuthFailure::kNonceQuota: return "nonce_quota";
  }
  return "unknown";
}

AuthResult MerchantAuth::check(const SignedRequest& request,
                               const credentials::Credentials& credentials, std::string_view route,
                               std::chrono::sys_seconds now) {
  wechatpay::Authorization auth;
  if (AuthResult read = read_authorization(request, credentials, now, auth); !read.ok()) {
    return read;
  }
  const credentials::MerchantCredentials* merchant = credentials.merchant(auth.mchid);
  const credentials::MerchantKey* key = merchant ? merchant->find_key(auth.serial_no) : nullptr;
  // Every refusal below costs one signature check: against a decoy of the scheme's algorithm
  // when no key of it is named, so that no refusal is quicker than a bad signature and its
  // timing does not tell which mchids, serials and routes exist.
  const crypto::KeyAlgorithm algorithm = wechatpay::key_algorithm(auth.scheme);
  const bool key_fits = key != nullptr && key->key.algorithm() == algorithm;
  const wechatpay::IncomingRequest incoming{request.method, request.target, request.body};
  const auto verification =
      verifier_.verify(auth, incoming, key_fits ? key->key : credentials.decoy_key(algorithm), now,
                       credentials.clock_skew());
  if (!merchant) return fail(AuthFailure::kUnknownMerchant, kNotVerifiedMessage);
  if (!key) return fail(AuthFailure::kUnknownSerial, kNotVerifiedMessage);
  if (!route.empty() && !merchant->allows_route(route)) {
    return fail(AuthFailure::kRouteNotAllowed, kNotVerifiedMessage);
  }
  // A scheme that does not fit the key, like a bad signature, would say the serial exists.
  if (!key_fits) return fail(AuthFailure::kSchemeMismatch, kNotVerifiedMessage);
  if (verification != wechatpay::Verification::kOk) {
    return fail(from_verification(verification), kNotVerifiedMessage);
  }
  // Judged once the signature holds: only the key's holder learns that it expired.
  if (key->expired_at(now)) {
    log_expired_once(*merchant, *key);
    return fail(AuthFailure::kCertificateExpired, "the merchant certificate has expired");
  }
  return admit_nonce(auth, merchant, now);
}

AuthResult MerchantAuth::admit_nonce(const wechatpay::Authorization& auth,
                                     const credentials::MerchantCredentials* merchant,
                                     std::chrono::sys_seconds now) {
  admission::NonceTicket ticket;
  switch (replay_guard_.admit(auth.mchid, auth.nonce_str, auth.timestamp,
                              now.time_since_epoch().count(), &ticket)) {
    case admission::NonceVerdict::kFresh:
      return {AuthFailure::kNone, merchant, {}, ticket, auth.nonce_str, auth.timestamp};
    case admission::NonceVerdict::kReplay:
      return fail(AuthFailure::kReplay, "nonce_str already used");
    case admission::NonceVerdict::kOutsideWindow:
      return fail(AuthFailure::kClockSkew, "timestamp outside the accepted window");
    case admission::NonceVerdict::kOverQuota:
      return fail(AuthFailure::kNonceQuota,
                  "too many signed requests of this merchant within the clock skew window");
    case admission::NonceVerdict::kFull:
      return fail(AuthFailure::kReplayStoreFull, "replay store full");
  }
  return fail(AuthFailure::kReplay, "nonce_str already used");
}

}  // namespace paygate::steps
