#include "steps/authenticate_app.h"

#include <string>

#include "core/header_field.h"
#include "proxy/forwarder.h"
#include "steps/pipeline.h"

namespace paygate::steps {
namespace {

constexpr std::string_view kBearer = "Bearer ";

// The value of the one X-Pay-Mchid field; `several` when there is more than one.
std::string_view requested_mchid(const http::RequestHead& request, bool& several) {
  std::string_view value;
  std::size_t seen = 0;
  for (const core::HeaderField& field : request.fields.all()) {
    if (!core::iequals(field.name, proxy::kMchidHeader)) continue;
    value = field.value;
    ++seen;
  }
  several = seen > 1;
  return value;
}

}  // namespace

boost::asio::awaitable<Next> AuthenticateApp::on_request(http::Exchange& ex,
                                                         RequestContext& context) {
  const http::RequestHead& request = ex.request();
  const std::string_view authorization = request.fields.find(http::Field::authorization);
  if (authorization.empty() || !authorization.starts_with(kBearer) ||
      request.fields.count(http::Field::authorization) > 1) {
    co_return co_await refuse(ex, context, "missing_token", core::ErrorKind::kUnauthorized,
                              "an app's token is required: Authorization: Bearer <token>");
  }
  const credentials::App* app = role_.app_with_token(authorization.substr(kBearer.size()));
  if (app == nullptr) {
    co_return co_await refuse(ex, context, "unknown_app", core::ErrorKind::kUnauthorized,
                              "the bearer token is not one of merchant.apps");
  }
  context.app = app;
  bool several = false;
  const std::string_view mchid = requested_mchid(request, several);
  if (several) {
    co_return co_await refuse(ex, context, "ambiguous_mchid", core::ErrorKind::kBadRequest,
                              "X-Pay-Mchid appears more than once");
  }
  const credentials::SigningIdentity* identity =
      mchid.empty() ? app->identities.front() : app->may_sign_as(mchid);
  if (identity == nullptr) {
    const std::string message =
        "app '" + app->name + "' may not sign as mchid '" + std::string(mchid) + "'";
    co_return co_await refuse(ex, context, "identity_not_allowed", core::ErrorKind::kForbidden,
                              message);
  }
  context.signing.start(signer_, *identity);
  co_return Next::kContinue;
}

// Counted before the answer goes out, so the counter has moved when the client reads it.
boost::asio::awaitable<Next> AuthenticateApp::refuse(http::Exchange& ex, RequestContext& context,
                                                     std::string_view reason, core::ErrorKind kind,
                                                     std::string_view message) {
  context.refusal = reason;
  metrics_.count_app_refusal(reason);
  co_await answer_error(ex, context, kind, message);
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
