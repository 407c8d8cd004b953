#include "steps/rate_limit.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "steps/pipeline.h"

namespace paygate::steps {

namespace {
constexpr std::string_view kRetryAfter = "Retry-After: ";

// "Retry-After: N\r\n" in `line`, N the wait in whole seconds rounded up (at least 1).
std::string_view retry_after_field(std::chrono::nanoseconds wait, char (&line)[48]) {
  const std::int64_t seconds =
      std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count());
  std::memcpy(line, kRetryAfter.data(), kRetryAfter.size());
  char* end = std::to_chars(line + kRetryAfter.size(), line + sizeof line - 2, seconds).ptr;
  *end++ = '\r';
  *end++ = '\n';
  return {line, static_cast<std::size_t>(end - line)};
}
}  // namespace

boost::asio::awaitable<Next> RateLimit::on_request(http::Exchange& ex, RequestContext& context) {
  if (!context.merchant) co_return Next::kContinue;  // only a verified merchant has a limit
  const admission::RateDecision decision =
      limiter_.admit(context.merchant_index, admission::RateLimiter::Clock::now());
  if (decision.admitted) co_return Next::kContinue;
  metrics_.count_rate_limited(context.merchant_series);
  char line[48];
  co_await answer_error(ex, context, core::ErrorKind::kRateLimited,
                        "too many requests for this merchant, retry later",
                        retry_after_field(decision.retry_after, line));
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
