#pragma once
// AuthenticateApp: the first step of a `sign: merchant` route (the merchant role). Knows the
// calling application (one of merchant.apps[]) by the client certificate its TLS connection
// presented, when the listener verified it (tls.client_ca_file) and a subjectAltName of it is an
// app's client_certificate.san; else by the bearer token it sends (`Authorization: Bearer
// <token>`). Then picks the merchant identity the request is signed as: the one named by
// X-Pay-Mchid when the app may sign as it, else the app's first; and starts the request's
// MerchantSigning, so that Forward signs every try afresh. The app's token never goes upstream
// (the forwarder drops the client's Authorization on signed requests), nor does X-Pay-Mchid.
// A certificate naming no app leaves the token to decide.
//
//   no token, or one no app holds   401 SIGN_ERROR   paygate_egress_app_refusals_total{reason}
//   two Authorization fields        401 SIGN_ERROR     "missing_token" / "unknown_app"
//   an app's certificate with        401 SIGN_ERROR     "ambiguous_app"
//     another token, or a certificate naming two apps
//   X-Pay-Mchid twice               400 PARAM_ERROR    "ambiguous_mchid"
//   an mchid the app may not use    403 NO_AUTH        "identity_not_allowed"

#include "credentials/merchant_role.h"
#include "steps/request_metrics.h"
#include "steps/step.h"
#include "wechatpay/client.h"

namespace paygate::steps {

class AuthenticateApp final : public RequestStep {
 public:
  // `role` must outlive the step (the snapshot's); `signer` is the worker's.
  AuthenticateApp(const credentials::MerchantRole& role, wechatpay::RequestSigner& signer,
                  RequestMetrics& metrics)
      : role_(role), signer_(signer), metrics_(metrics) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  // Which app the request is, or why it is none (`reason` a metric label, `message` the
  // answer's); static texts only.
  struct Identified {
    const credentials::App* app = nullptr;
    std::string_view reason;
    std::string_view message;
  };
  Identified identify(const http::Exchange& exchange) const;
  Identified by_token(const http::RequestHead& request) const;
  Identified by_certificate(const http::RequestHead& request, const credentials::App& app) const;

  boost::asio::awaitable<Next> refuse(http::Exchange& exchange, RequestContext& context,
                                      std::string_view reason, core::ErrorKind kind,
                                      std::string_view message);

  const credentials::MerchantRole& role_;
  wechatpay::RequestSigner& signer_;
  RequestMetrics& metrics_;
};

}  // namespace paygate::steps
