#include "steps/stress_route.h"

#include <algorithm>

#include "steps/inject_fault.h"
#include "steps/pipeline.h"

namespace paygate::steps {

StressRoute::StressRoute(const StressSettings& settings, Action action, const VersionChoice* stress,
                         RequestStep* forward)
    : settings_(settings),
      action_(action),
      stress_(stress),
      forward_(forward),
      wrong_value_message_(settings.header + " names no stress environment of this gateway") {}

bool StressRoute::allowed(const http::Exchange& ex, const RequestContext& context) const {
  // The verified merchant, or on the merchant role the identity the authenticated app signs as.
  const credentials::SigningIdentity* signing = context.signing.identity();
  const std::string_view mchid =
      signing != nullptr ? std::string_view(signing->mchid) : context.mchid();
  const auto& merchants = settings_.allowed_merchants;
  if (!mchid.empty() && std::find(merchants.begin(), merchants.end(), mchid) != merchants.end()) {
    return true;
  }
  return in_blocks(ex.client().address(), settings_.allowed_sources);
}

boost::asio::awaitable<Next> StressRoute::on_request(http::Exchange& ex, RequestContext& context) {
  const std::string_view value = ex.request().fields.find(settings_.header);
  if (value.empty()) co_return Next::kContinue;
  if (value != settings_.value) {
    context.refusal = "stress_unknown_environment";
    co_await answer_error(ex, context, core::ErrorKind::kBadRequest, wrong_value_message_);
    co_return Next::kAnswered;
  }
  if (!allowed(ex, context)) {
    context.refusal = "stress_not_allowed";
    co_await answer_error(ex, context, core::ErrorKind::kForbidden,
                          "this merchant or source may not send stress traffic");
    co_return Next::kAnswered;
  }
  context.stress = true;
  switch (action_) {
    case Action::kAnswerHere:
      co_return Next::kContinue;
    case Action::kRefuse:
      context.refusal = "stress_no_cluster";
      co_await answer_error(ex, context, core::ErrorKind::kForbidden,
                            "this route has no stress cluster: stress traffic may not reach "
                            "production");
      co_return Next::kAnswered;
    case Action::kForward:
      break;
  }
  context.choice = stress_;
  co_return co_await forward_->on_request(ex, context);
}

}  // namespace paygate::steps
