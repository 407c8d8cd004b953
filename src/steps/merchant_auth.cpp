#include "steps/merchant_auth.h"

#include "wechatpay/authorization.h"

namespace paygate::steps {

namespace {

AuthResult fail(AuthFailure failure, std::string_view message) {
  return {failure, nullptr, message, {}};
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

}  // namespace

std::string_view reason_label(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::kNone: return "none";
    case AuthFailure::kMissingAuthorization: return "missing_authorization";
    case AuthFailure::kMalformedAuthorization: return "malformed_authorization";
    case AuthFailure::kUnknownMerchant: return "unknown_merchant";
    case AuthFailure::kUnknownSerial: return "unknown_serial";
    case AuthFailure::kRouteNotAllowed: return "route_not_allowed";
    case AuthFailure::kClockSkew: return "clock_skew";
    case AuthFailure::kSchemeMismatch: return "scheme_mismatch";
    case AuthFailure::kSignTestProbe: return "sign_test_probe";
    case AuthFailure::kBadSignature: return "bad_signature";
    case AuthFailure::kReplay: return "replay";
    case AuthFailure::kReplayStoreFull: return "replay_store_full";
    case AuthFailure::kNonceQuota: return "nonce_quota";
  }
  return "unknown";
}

AuthResult MerchantAuth::check(const SignedRequest& request,
                               const credentials::Credentials& credentials, std::string_view route,
                               std::chrono::sys_seconds now) {
  const std::string_view header = request.authorization;
  if (header.empty()) return fail(AuthFailure::kMissingAuthorization, "missing Authorization");
  wechatpay::Authorization auth;
  const wechatpay::AuthorizationParse parsed = wechatpay::parse_authorization(header, auth);
  if (!parsed.ok()) {
    return fail(AuthFailure::kMalformedAuthorization, wechatpay::describe(parsed.error));
  }
  const credentials::MerchantCredentials* merchant = credentials.merchant(auth.mchid);
  if (!merchant) return fail(AuthFailure::kUnknownMerchant, "unknown mchid");
  const crypto::PublicKey* key = merchant->find_key(auth.serial_no);
  if (!key) return fail(AuthFailure::kUnknownSerial, "no key registered for serial_no");
  if (!route.empty() && !merchant->allows_route(route)) {
    return fail(AuthFailure::kRouteNotAllowed, "merchant may not call this API");
  }
  const wechatpay::IncomingRequest incoming{request.method, request.target, request.body};
  const auto verification = verifier_.verify(auth, incoming, *key, now, credentials.clock_skew());
  if (verification != wechatpay::Verification::kOk) {
    return fail(from_verification(verification), wechatpay::describe(verification));
  }
  admission::NonceTicket ticket;
  switch (replay_guard_.admit(auth.mchid, auth.nonce_str, auth.timestamp,
                              now.time_since_epoch().count(), &ticket)) {
    case admission::NonceVerdict::kFresh:
      return {AuthFailure::kNone, merchant, {}, ticket};
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
