#include "steps/authenticate_app.h"

#include <string>

#include "proxy/forwarder.h"
#include "steps/named_field.h"
#include "steps/pipeline.h"

namespace paygate::steps {
namespace {

constexpr std::string_view kBearer = "Bearer ";

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
  const NamedField requested = find_named_field(request.fields, proxy::kMchidHeader);
  const std::string_view mchid = requested.value;
  if (requested.count > 1) {
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
