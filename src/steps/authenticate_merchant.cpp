#include "steps/authenticate_merchant.h"

#include <chrono>

#include "steps/pipeline.h"

namespace paygate::steps {
namespace {

// A full replay store is ours (503); a merchant at its nonce quota is over a limit (429).
core::ErrorKind error_kind(AuthFailure failure) {
  if (failure == AuthFailure::kReplayStoreFull) return core::ErrorKind::kUnavailable;
  if (failure == AuthFailure::kNonceQuota) return core::ErrorKind::kRateLimited;
  return core::ErrorKind::kUnauthorized;
}

}  // namespace

boost::asio::awaitable<Next> AuthenticateMerchant::on_request(http::Exchange& ex,
                                                              RequestContext& context) {
  if (!credentials_) {
    co_await answer_error(ex, context, core::ErrorKind::kUnauthorized, "no merchants configured");
    co_return Next::kAnswered;
  }
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const http::RequestHead& req = ex.request();
  const SignedRequest signed_request{req.fields.find(http::Field::authorization), req.method_text,
                                     req.target, ex.body(),
                                     req.fields.count(http::Field::authorization) > 1};
  const AuthResult result = auth_.check(signed_request, *credentials_, route_, now);
  if (result.ok()) {
    context.merchant = result.merchant;
    context.nonce = result.nonce;
    context.nonce_str = result.nonce_str;
    context.signed_at = result.timestamp;
    context.merchant_index =
        static_cast<std::size_t>(result.merchant - credentials_->merchants().data());
    if (context.merchant_index < series_.size()) {
      context.merchant_series = series_[context.merchant_index];
    }
    co_return Next::kContinue;
  }
  metrics_.count_auth_failure(result.failure);
  context.refusal = reason_label(result.failure);
  co_await answer_error(ex, context, error_kind(result.failure), result.message);
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
