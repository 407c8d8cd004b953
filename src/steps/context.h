#pragma once
// RequestContext: what the steps of one request learn, for the steps after them and for the
// request's metrics and access-log line: its route, the merchant a verified signature
// established or why it was refused, and how the upstream answered. One per request, on the
// frame of the gateway handler's coroutine, reset by construction; typed, so nothing is cast.
// Worker-thread confined, like the exchange it goes with.

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "admission/replay_guard.h"
#include "credentials/credentials.h"
#include "credentials/merchant_role.h"
#include "http/watchdog.h"
#include "proxy/forwarder.h"
#include "steps/merchant_metrics.h"
#include "steps/merchant_signing.h"
#include "steps/shadow_traffic.h"

namespace paygate::steps {

struct RoutePipeline;  // steps/pipeline.h
struct VersionChoice;  // steps/split.h

struct RequestContext {
  const RoutePipeline* route = nullptr;  // set before the first step runs; never null then

  // Set by AuthenticateMerchant once the signature verified, never from a header alone.
  const credentials::MerchantCredentials* merchant = nullptr;
  std::size_t merchant_index = 0;  // of `merchant` in Credentials::merchants()
  MerchantSeries* merchant_series = nullptr;  // where its requests are counted
  // The verified request's nonce: a step that refuses the request after AuthenticateMerchant
  // (RateLimit) releases it, so that only requests let in use up their nonce.
  admission::NonceTicket nonce;
  // Its nonce_str (a view of the request's Authorization field) and signed timestamp, which
  // SharedAdmission checks against the nonces of every node.
  std::string_view nonce_str;
  std::int64_t signed_at = 0;

  // Set by a step that refused the request: why, as its metric counts it ("unknown_merchant"),
  // for the access log. A static string.
  std::string_view refusal;
  // Set by InjectFault: the faults injected for a drill ("delay", "abort", "delay+abort"), for
  // the access log. A static string.
  std::string_view fault;

  // Set by AuthenticateApp on a sign: merchant route: the app that called, and how the tries of
  // its request are signed (the identity it signs as).
  const credentials::App* app = nullptr;
  MerchantSigning signing;

  // Set by CheckBillHash (verify: bill_hash): what judges the file Forward relays.
  std::unique_ptr<proxy::BodyCheck> body_check;

  // Set by BusinessKey (routes[].idempotent_by) when the body names the business key that makes
  // sending it twice safe: its cluster's retry policy then applies whatever the method.
  bool retry_safe = false;

  // Set by StressRoute on a request allowed to be stress traffic: counted only under env="stress"
  // (never in production's route, merchant, SLO or version series), logged as such.
  bool stress = false;

  // Set by Split on a route with several clusters: the one this request goes to, its version
  // and where it is counted. Null on other routes. StressRoute sets it to the stress cluster.
  const VersionChoice* choice = nullptr;

  // Set by Forward: how the upstream exchange ended and how long it took (all tries).
  std::optional<proxy::Outcome> upstream;
  http::Clock::duration upstream_elapsed{};

  // Set by Mirror when it sent a copy of the request to a shadow: the response steps hand the
  // primary's answer to its comparison.
  ShadowTicket shadow;

  // The verified merchant's mchid, empty when the request is not (yet) authenticated.
  std::string_view mchid() const {
    return merchant ? std::string_view(merchant->mchid) : std::string_view{};
  }
};

}  // namespace paygate::steps
