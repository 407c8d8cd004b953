#pragma once
// MerchantAuth: the `verify: merchant` step. Checks a request's Authorization header against
// the merchant's registered keys (by serial, several during a rotation), the configured clock
// skew, the route allow-list, and finally the process-wide replay guard — the nonce is
// remembered only once the signature holds, so unsigned junk cannot fill the store; the
// result's ticket gives it back if a later step refuses the request.
// One per worker (it owns an OpenSSL verification context); not thread-safe.

#include <chrono>
#include <string_view>

#include "admission/replay_guard.h"
#include "credentials/credentials.h"
#include "wechatpay/server.h"

namespace paygate::steps {

enum class AuthFailure {
  kNone,
  kMissingAuthorization,
  kMalformedAuthorization,
  kUnknownMerchant,
  kUnknownSerial,
  kRouteNotAllowed,
  kClockSkew,
  kSchemeMismatch,
  kSignTestProbe,
  kBadSignature,
  kReplay,
  kReplayStoreFull,  // 503: cannot remember the nonce, so the request is not accepted
  kNonceQuota,       // 429: the merchant holds its quota of nonces (admission/replay_guard.h)
};

// The metric label of a failure ("bad_signature", "replay", ...).
std::string_view reason_label(AuthFailure failure);

struct AuthResult {
  AuthFailure failure = AuthFailure::kNone;
  const credentials::MerchantCredentials* merchant = nullptr;  // set when the signature verified
  std::string_view message;                       // for the 401 body: which check failed
  admission::NonceTicket nonce;  // when ok(): gives the nonce back if a later step refuses
  bool ok() const { return failure == AuthFailure::kNone; }
};

// The parts of a request the signature covers, as received.
struct SignedRequest {
  std::string_view authorization;  // the Authorization header value, empty if absent
  std::string_view method;
  std::string_view target;  // path and query exactly as sent
  std::string_view body;
};

class MerchantAuth {
 public:
  explicit MerchantAuth(admission::ReplayGuard& replay_guard) : replay_guard_(replay_guard) {}

  // `route` is checked against the merchant's allow-list; empty for the gateway's own
  // endpoints (GET /v3/certificates), which every merchant may call.
  AuthResult check(const SignedRequest& request, const credentials::Credentials& credentials,
                   std::string_view route, std::chrono::sys_seconds now);

 private:
  admission::ReplayGuard& replay_guard_;
  wechatpay::RequestVerifier verifier_;
};

}  // namespace paygate::steps
