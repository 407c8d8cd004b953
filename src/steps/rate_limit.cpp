#include "steps/rate_limit.h"

#include <algorithm>
#include <cstdint>

#include "http/wire.h"
#include "steps/pipeline.h"

namespace paygate::steps {

boost::asio::awaitable<void> refuse_over_limit(http::Exchange& ex, RequestContext& context,
                                               RequestMetrics& metrics,
                                               std::chrono::nanoseconds retry_after) {
  // Refused: the request was not let in, so its nonce is not used up (a retry is no replay).
  context.nonce.release();
  metrics.count_rate_limited(context.merchant_series);
  const std::int64_t seconds =
      std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(retry_after).count());
  std::string& fields = ex.scratch().reply_fields;
  fields.append("Retry-After: ");
  http::append_decimal(fields, static_cast<std::uint64_t>(seconds));
  fields.append("\r\n");
  co_await answer_error(ex, context, core::ErrorKind::kRateLimited,
                        "too many requests for this merchant, retry later");
}

boost::asio::awaitable<Next> RateLimit::on_request(http::Exchange& ex, RequestContext& context) {
  if (!context.merchant) co_return Next::kContinue;  // only a verified merchant has a limit
  const admission::RateDecision decision =
      limiter_.admit(context.merchant_index, admission::RateLimiter::Clock::now());
  if (decision.admitted) co_return Next::kContinue;
  co_await refuse_over_limit(ex, context, metrics_, decision.retry_after);
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
