#pragma once
// RateLimit: the merchant's rate limit, a request step after AuthenticateMerchant on routes
// that verify (and on GET /v3/certificates) when any merchant has a limit. A request over the
// limit is answered 429 FREQUENCY_LIMITED with Retry-After (whole seconds, rounded up) and
// counted in paygate_rate_limited_total; the limiter is the snapshot's, shared by every worker
// (admission/rate_limiter.h). A refused request gives back the nonce AuthenticateMerchant
// admitted (RequestContext::nonce): it was not let in, so its retry is not a replay.

#include "admission/rate_limiter.h"
#include "steps/request_metrics.h"
#include "steps/step.h"

namespace paygate::steps {

// Refuses the request of a merchant over its limit: gives its nonce back, counts it, answers
// 429 with Retry-After (`retry_after` rounded up to whole seconds, at least 1). Shared with
// SharedAdmission, whose limit is the cluster's.
boost::asio::awaitable<void> refuse_over_limit(http::Exchange& exchange, RequestContext& context,
                                               RequestMetrics& metrics,
                                               std::chrono::nanoseconds retry_after);

class RateLimit final : public RequestStep {
 public:
  RateLimit(admission::RateLimiter& limiter, RequestMetrics& metrics)
      : limiter_(limiter), metrics_(metrics) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  admission::RateLimiter& limiter_;
  RequestMetrics& metrics_;
};

}  // namespace paygate::steps
