#include "steps/authenticate_app.h"

#include <string>

#include "proxy/forwarder.h"
#include "steps/named_field.h"
#include "steps/pipeline.h"

namespace paygate::steps {
namespace {

constexpr std::string_view kBearer = "Bearer ";

}  // namespace

AuthenticateApp::Identified AuthenticateApp::identify(const http::Exchange& ex) const {
  const credentials::MerchantRole::CertificateMatch match =
      role_.app_with_certificate(ex.client_names().names());
  if (match.ambiguous) {
    return {nullptr, "ambiguous_app", "the client certificate names more than one app"};
  }
  if (match.app != nullptr) return by_certificate(ex.request(), *match.app);
  return by_token(ex.request());
}

AuthenticateApp::Identified AuthenticateApp::by_token(const http::RequestHead& request) const {
  const std::string_view authorization = request.fields.find(http::Field::authorization);
  if (authorization.empty() || !authorization.starts_with(kBearer) ||
      request.fields.count(http::Field::authorization) > 1) {
    return {nullptr, "missing_token", "an app's token is required: Authorization: Bearer <token>"};
  }
  const credentials::App* app = role_.app_with_token(authorization.substr(kBearer.size()));
  if (app == nullptr)
    return {nullptr, "unknown_app", "the bearer token is not one of merchant.apps"};
  return {app, {}, {}};
}

// The certificate decides; a bearer token beside it may only say the same, or a client could
// hold one app's certificate and send as another by its token without anyone seeing which won.
AuthenticateApp::Identified AuthenticateApp::by_certificate(const http::RequestHead& request,
                                                            const credentials::App& app) const {
  const std::size_t fields = request.fields.count(http::Field::authorization);
  const std::string_view authorization = request.fields.find(http::Field::authorization);
  const bool says_nothing = fields == 0 || (fields == 1 && !authorization.starts_with(kBearer));
  if (says_nothing ||
      (fields == 1 && role_.app_with_token(authorization.substr(kBearer.size())) == &app)) {
    return {&app, {}, {}};
  }
  return {nullptr, "ambiguous_app",
          "the client certificate is one app and the bearer token is not the same app"};
}

boost::asio::awaitable<Next> AuthenticateApp::on_request(http::Exchange& ex,
                                                         RequestContext& context) {
  const Identified identified = identify(ex);
  if (identified.app == nullptr) {
    co_return co_await refuse(ex, context, identified.reason, core::ErrorKind::kUnauthorized,
                              identified.message);
  }
  const credentials::App* app = identified.app;
  context.app = app;
  const http::RequestHead& request = ex.request();
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
