#pragma once
// SharedAdmission: the `redis` section's request step, right after AuthenticateMerchant on the
// routes that verify: it checks the request's nonce against those every node of the cluster
// has let in, and counts it against the merchant's limit for the whole cluster, in one round
// trip (one Lua script, run atomically by Redis):
//   - SET <prefix>{mchid}:n:<nonce_str> NX PX <until timestamp + skew>: taken already is a
//     replay (401, as a replay on this node is);
//   - GCRA on <prefix>{mchid}:r with the merchant's rate_limit, on Redis's clock: over the
//     limit gives the nonce back and answers 429 with Retry-After.
// Both keys of a merchant carry the {mchid} hash tag, so a sharded Redis keeps them together.
// The node's own ReplayGuard stays in front (AuthenticateMerchant): a replay to the same node is
// refused without a round trip, and so is a merchant this worker knows to be over its limit
// until Redis said it would pass again (the front cache).
//
// When Redis does not answer (down, slow beyond redis.timeout, broken connection), the
// configured policies apply (steps/settings.h): nonces fail closed by default (503), limits fall
// back to this node's limiter. Counted in paygate_shared_admission_total{result} and
// paygate_shared_admission_fallbacks_total{action}. This step replaces RateLimit.

#include <chrono>
#include <cstdint>
#include <vector>

#include "admission/rate_limiter.h"
#include "redis/connection.h"
#include "steps/request_metrics.h"
#include "steps/settings.h"
#include "steps/step.h"

namespace paygate::steps {

// The Lua script behind the one round trip. KEYS: the nonce's key, the merchant's GCRA key.
// ARGV: how long to keep the nonce (ms), the interval at the merchant's rate (µs, 0: no
// limit), the burst tolerance (µs). Answers {fresh 0|1, admitted 0|1, µs until admitted}.
const redis::Script& shared_admission_script();

class SharedAdmission final : public RequestStep {
 public:
  // `redis`: the worker's connection. `limiter`: the snapshot's limits (params) and this node's
  // limiter for the kLocal fallback; null when no merchant has a limit. `merchants`: how many
  // the snapshot's credentials have. `skew`: the signed timestamp's allowed skew.
  SharedAdmission(redis::Connection& redis, const SharedAdmissionSettings& settings,
                  admission::RateLimiter* limiter, std::size_t merchants, std::chrono::seconds skew,
                  RequestMetrics& metrics);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  // What Redis said of a request: its nonce was fresh or a replay, and whether the limit let
  // it in, or when it will (retry_after).
  struct Verdict {
    bool replay = false;
    bool admitted = true;
    std::chrono::nanoseconds retry_after{0};
  };
  boost::asio::awaitable<Next> when_unavailable(http::Exchange& exchange, RequestContext& context);
  boost::asio::awaitable<Next> apply(const Verdict& verdict, http::Exchange& exchange,
                                     RequestContext& context);

  redis::Connection& redis_;
  const SharedAdmissionSettings& settings_;
  admission::RateLimiter* limiter_;
  std::chrono::seconds skew_;
  RequestMetrics& metrics_;
  // Per merchant, steady-clock nanoseconds: Redis refused it until then (the front cache).
  std::vector<std::int64_t> refused_until_;
};

}  // namespace paygate::steps
