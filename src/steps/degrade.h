#pragma once
// Degrade: on a route marked `degradable`, the step before its action. While the gateway is
// degraded (observe/degrade.h: a core route's SLO pages, and for degrade.recover_after after
// the last page) it answers instead of the action: the route's fallback (`degradable.respond`,
// answered like Respond, through the response steps, so signed on `sign: platform` routes), or,
// for a shed route, 503 SERVICE_UNAVAILABLE with Retry-After. Each such answer is counted in
// paygate_degraded_requests_total{route} and written with reason "degraded" in the access log.
// It runs after the route's checks (verify, rate limit): a degraded route answers only the
// requests it would have served. Otherwise one relaxed atomic load, nothing allocated.

#include <chrono>
#include <string>

#include "observe/degrade.h"
#include "observe/metrics.h"
#include "steps/settings.h"
#include "steps/step.h"

namespace paygate::steps {

class Degrade final : public RequestStep {
 public:
  // `settings` must outlive the step (the snapshot's), `degrade` too (the process's). A shed
  // request is told to retry after `retry_after` (whole seconds, at least 1).
  Degrade(const observe::DegradeSwitch& degrade, const Degradable& settings,
          observe::Counter* degraded, std::chrono::seconds retry_after);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  const observe::DegradeSwitch& degrade_;
  const Degradable& settings_;
  observe::Counter* degraded_;
  std::string retry_after_field_;  // "Retry-After: N\r\n", made once
};

}  // namespace paygate::steps
