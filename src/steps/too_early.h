#pragma once
// TooEarly: the request step that keeps a request that came in TLS 1.3 early data (0-RTT,
// http::Exchange::early()) from doing what a replay must not (RFC 8470). A recorded ClientHello
// and its early data can be sent again, so an early request is served only when it is GET,
// HEAD or OPTIONS without a body, and on routes with early_data: refuse (every route that
// verifies a merchant's signature) not at all. The others are answered 425 Too Early, never
// forwarded, and counted in paygate_tls_early_data_total{result="too_early"}; the client sends
// them again once its handshake is complete, when they can no longer be a replay.
//
// The first step of a route, before anything a request uses up (a signed request's nonce). On
// the pipelines only once a listener has taken early data (app/route_pipelines.cpp), so a
// gateway without it runs nothing more per request.

#include "steps/request_metrics.h"
#include "steps/settings.h"
#include "steps/step.h"

namespace paygate::steps {

class TooEarly final : public RequestStep {
 public:
  TooEarly(EarlyData policy, RequestMetrics& metrics) : policy_(policy), metrics_(metrics) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  EarlyData policy_;
  RequestMetrics& metrics_;
};

// Whether serving `exchange`'s request twice does what serving it once does: a safe method
// (RFC 9110 section 9.2.1) and no body.
bool replay_safe(const http::Exchange& exchange);

}  // namespace paygate::steps
