#include "steps/shared_admission.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "redis/reply.h"
#include "steps/pipeline.h"
#include "steps/rate_limit.h"
#include "wechatpay/authorization.h"

namespace paygate::steps {
namespace {}  // namespace

// Times are Redis's (TIME), so nodes whose clocks differ share one view of the limit; Lua
// numbers are doubles, exact for microseconds since 1970 (< 2^53). A refused request's nonce
// is deleted: it was not let in, so its retry is not a replay.
const redis::Script& shared_admission_script() {
  static const redis::Script script(R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return {0, 0, 0}
end
local interval = tonumber(ARGV[2])
if interval == 0 then
  return {1, 1, 0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[2])) or now
if tat < now then
  tat = now
end
local wait = tat - tonumber(ARGV[3]) - now
if wait > 0 then
  redis.call('DEL', KEYS[1])
  return {1, 0, wait}
end
tat = tat + interval
redis.call('SET', KEYS[2], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return {1, 1, 0}
)lua");
  return script;
}

namespace {

// Text built in a fixed buffer on the request's coroutine frame: the keys must outlive the
// suspension of the call (a NOSCRIPT answer sends them again), and nothing is allocated.
class FixedText {
 public:
  FixedText& operator<<(std::string_view text) {
    const std::size_t n = std::min(text.size(), buffer_.size() - size_);
    std::copy_n(text.data(), n, buffer_.data() + size_);
    size_ += n;
    overflowed_ = overflowed_ || n < text.size();
    return *this;
  }
  FixedText& operator<<(std::int64_t number) {
    const auto [end, ec] =
        std::to_chars(buffer_.data() + size_, buffer_.data() + buffer_.size(), number);
    if (ec != std::errc{}) {
      overflowed_ = true;
      return *this;
    }
    size_ = static_cast<std::size_t>(end - buffer_.data());
    return *this;
  }
  std::string_view view() const { return {buffer_.data(), size_}; }
  bool overflowed() const { return overflowed_; }

 private:
  std::array<char, 256> buffer_{};
  std::size_t size_ = 0;
  bool overflowed_ = false;
};
// The longest key: key_prefix (at most 64, config/read_redis.cpp), "{", an mchid, "}:n:", a
// nonce, each as long as the Authorization parser lets them be. Overflow is only a safety net.
static_assert(64 + 1 + wechatpay::AuthorizationLimits::kMchid + 4 +
                  wechatpay::AuthorizationLimits::kNonce <= 256);

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view failure_result(redis::Failure failure) {
  switch (failure) {
    case redis::Failure::kUnavailable:
      return "redis_unavailable";
    case redis::Failure::kTimeout:
      return "redis_timeout";
    default:
      return "redis_broken";
  }
}

}  // namespace

SharedAdmission::SharedAdmission(redis::Connection& redis, const SharedAdmissionSettings& settings,
                                 admission::RateLimiter* limiter, std::size_t merchants,
                                 std::chrono::seconds skew, RequestMetrics& metrics)
    : redis_(redis),
      settings_(settings),
      limiter_(limiter),
      skew_(skew),
      metrics_(metrics),
      refused_until_(merchants, 0) {}

boost::asio::awaitable<Next> SharedAdmission::on_request(http::Exchange& ex,
                                                         RequestContext& context) {
  if (!context.merchant) co_return Next::kContinue;
  const std::size_t merchant = context.merchant_index;
  const admission::RateParams limit =
      limiter_ ? limiter_->params(merchant) : admission::RateParams{};
  const std::int64_t now_ns = steady_now_ns();
  if (limit.limited() && merchant < refused_until_.size() && now_ns < refused_until_[merchant]) {
    metrics_.count_shared_admission("over_limit_cached");
    co_await refuse_over_limit(ex, context, metrics_,
                               std::chrono::nanoseconds{refused_until_[merchant] - now_ns});
    co_return Next::kAnswered;
  }
  // The nonce is kept until the skew check refuses its timestamp anyway, and at least 1 s.
  const std::int64_t unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  const std::int64_t keep_ms =
      std::max<std::int64_t>(1, context.signed_at + skew_.count() - unix_now + 1) * 1000;
  FixedText nonce_key, rate_key, keep, interval, tolerance;
  nonce_key << settings_.key_prefix << "{" << context.mchid() << "}:n:" << context.nonce_str;
  rate_key << settings_.key_prefix << "{" << context.mchid() << "}:r";
  keep << keep_ms;
  interval << std::chrono::duration_cast<std::chrono::microseconds>(limit.interval).count();
  tolerance << std::chrono::duration_cast<std::chrono::microseconds>(limit.tolerance).count();
  if (nonce_key.overflowed() || rate_key.overflowed())
    co_return co_await when_unavailable(ex, context);
  const std::string_view keys[] = {nonce_key.view(), rate_key.view()};
  const std::string_view args[] = {keep.view(), interval.view(), tolerance.view()};
  const redis::Result result = co_await redis_.call_script(shared_admission_script(), keys, args);
  if (result.failure != redis::Failure::kNone) {
    metrics_.count_shared_admission(failure_result(result.failure));
    co_return co_await when_unavailable(ex, context);
  }
  const auto fresh = redis::integer_at(*result.reply, 0);
  const auto admitted = redis::integer_at(*result.reply, 1);
  const auto wait_us = redis::integer_at(*result.reply, 2);
  if (!fresh || !admitted || !wait_us) {  // an error reply (a script Redis refused, OOM, ...)
    metrics_.count_shared_admission("redis_error");
    co_return co_await when_unavailable(ex, context);
  }
  co_return co_await apply(
      Verdict{*fresh == 0, *admitted == 1, std::chrono::microseconds{std::max(0LL, *wait_us)}}, ex,
      context);
}

boost::asio::awaitable<Next> SharedAdmission::apply(const Verdict& verdict, http::Exchange& ex,
                                                    RequestContext& context) {
  if (verdict.replay) {
    metrics_.count_shared_admission("replay");
    context.nonce.release();  // fresh here, used on another node: this node need not keep it
    metrics_.count_auth_failure(AuthFailure::kReplay);
    context.refusal = reason_label(AuthFailure::kReplay);
    co_await answer_error(ex, context, core::ErrorKind::kUnauthorized, "nonce_str already used");
    co_return Next::kAnswered;
  }
  if (!verdict.admitted) {
    metrics_.count_shared_admission("over_limit");
    if (context.merchant_index < refused_until_.size()) {
      refused_until_[context.merchant_index] = steady_now_ns() + verdict.retry_after.count();
    }
    co_await refuse_over_limit(ex, context, metrics_, verdict.retry_after);
    co_return Next::kAnswered;
  }
  metrics_.count_shared_admission("admitted");
  co_return Next::kContinue;
}

boost::asio::awaitable<Next> SharedAdmission::when_unavailable(http::Exchange& ex,
                                                               RequestContext& context) {
  if (settings_.on_nonce_failure == NonceFailure::kRefuse) {
    metrics_.count_shared_admission_fallback("nonce_refused");
    context.nonce.release();
    context.refusal = "replay_store_unavailable";
    co_await answer_error(ex, context, core::ErrorKind::kUnavailable,
                          "the shared replay store is unavailable, retry later");
    co_return Next::kAnswered;
  }
  metrics_.count_shared_admission_fallback("nonce_local");
  const admission::RateParams limit =
      limiter_ ? limiter_->params(context.merchant_index) : admission::RateParams{};
  if (!limit.limited()) co_return Next::kContinue;
  switch (settings_.on_limit_failure) {
    case LimitFailure::kAdmit:
      metrics_.count_shared_admission_fallback("rate_limit_admitted");
      co_return Next::kContinue;
    case LimitFailure::kRefuse:
      metrics_.count_shared_admission_fallback("rate_limit_refused");
      context.nonce.release();
      context.refusal = "rate_limit_store_unavailable";
      co_await answer_error(ex, context, core::ErrorKind::kUnavailable,
                            "the shared rate limit store is unavailable, retry later");
      co_return Next::kAnswered;
    case LimitFailure::kLocal:
      break;
  }
  metrics_.count_shared_admission_fallback("rate_limit_local");
  const admission::RateDecision decision =
      limiter_->admit(context.merchant_index, admission::RateLimiter::Clock::now());
  if (decision.admitted) co_return Next::kContinue;
  co_await refuse_over_limit(ex, context, metrics_, decision.retry_after);
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
