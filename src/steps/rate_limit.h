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
