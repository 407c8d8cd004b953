#pragma once
// MerchantAuth: the `verify: merchant` step. Checks a request's Authorization header: its syntax
// and the checks that need no key (clock skew), then the merchant's registered keys (by serial,
// several during a rotation), the route allow-list, the signature, and finally the process-wide
// replay guard — the nonce is remembered only once the signature holds, so unsigned junk cannot
// fill the store.
// A caller that has not proved it holds the key learns nothing about the merchants: an unknown
// mchid, an unknown serial, a route the merchant may not call and a signature that does not
// verify all get the same message (kNotVerifiedMessage); only the failure (the metric reason,
// the access log) tells them apart. Nor the time taken: each of them costs one signature check,
// against a decoy key when the request names no key (credentials/decoy_keys.h).
// The result's ticket gives the nonce back if a later step refuses the request.
// One per worker (it owns an OpenSSL verification context); not thread-safe.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "admission/replay_guard.h"
#include "credentials/credentials.h"
#include "wechatpay/server.h"

namespace paygate::steps {

enum class AuthFailure {
  kNone,
  kMissingAuthorization,
  kMalformedAuthorization,
  kDuplicateAuthorization,  // more than one Authorization field: which one would count?
  kUnknownMerchant,
  kUnknownSerial,
  kRouteNotAllowed,
  kClockSkew,
  kSchemeMismatch,
  kSignTestProbe,
  kBadSignature,
  kCertificateExpired,  // the signature holds, but the key's certificate is past its not_after
  kReplay,
  kReplayStoreFull,  // 503: cannot remember the nonce, so the request is not accepted
  kNonceQuota,       // 429: the merchant holds its quota of nonces (admission/replay_guard.h)
};

// The metric label of a failure ("bad_signature", "replay", ...).
std::string_view reason_label(AuthFailure failure);

// The one message of every failure that depends on the merchants' configuration.
inline constexpr std::string_view kNotVerifiedMessage = "signature verification failed";

struct AuthResult {
  AuthFailure failure = AuthFailure::kNone;
  const credentials::MerchantCredentials* merchant = nullptr;  // set when the signature verified
  // For the 401 body: which check failed when that depends only on what the caller sent
  // (syntax, clock skew) or once it proved it holds the key; else kNotVerifiedMessage.
  std::string_view message;
  admission::NonceTicket nonce;  // when ok(): gives the nonce back if a later step refuses
  // When ok(): the request's nonce_str (a view of its Authorization field) and timestamp, for
  // the cluster's shared nonce store (steps/shared_admission.h).
  std::string_view nonce_str;
  std::int64_t timestamp = 0;
  bool ok() const { return failure == AuthFailure::kNone; }
};

// The parts of a request the signature covers, as received.
struct SignedRequest {
  std::string_view authorization;  // the (first) Authorization header value, empty if absent
  std::string_view method;
  std::string_view target;  // path and query exactly as sent
  std::string_view body;
  bool authorization_repeated = false;  // the request has more than one Authorization field
};

class MerchantAuth {
 public:
  explicit MerchantAuth(admission::ReplayGuard& replay_guard) : replay_guard_(replay_guard) {}

  // `route` is checked against the merchant's allow-list; empty for the gateway's own
  // endpoints (GET /v3/certificates), which every merchant may call.
  AuthResult check(const SignedRequest& request, const credentials::Credentials& credentials,
                   std::string_view route, std::chrono::sys_seconds now);
  // How many signatures check() has verified, decoys included.
  std::uint64_t signatures_checked() const { return verifier_.signatures_checked(); }

 private:
  AuthResult admit_nonce(const wechatpay::Authorization& auth,
                         const credentials::MerchantCredentials* merchant,
                         std::chrono::sys_seconds now);

  admission::ReplayGuard& replay_guard_;
  wechatpay::RequestVerifier verifier_;
};

}  // namespace paygate::steps
