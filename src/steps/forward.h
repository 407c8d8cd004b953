#pragma once
// Forward: a route's action when it names a cluster (or, after Split, the one Split chose). Sends
// the request upstream through the worker's Forwarder (pooled connections, timeouts, retries of
// idempotent methods) with the verified merchant as X-Pay-Mchid, each try signed as the merchant
// when the request's MerchantSigning is active (sign: merchant). kRelay streams the answer to the
// client as it arrives; kFetch (for a route with reply checks or response steps) reads it whole,
// runs the reply checks (one that refuses it has it replaced by a 502 with its reason), lets the
// response steps add their fields, then sends it. A failure before anything reached the client is
// answered with the gateway's own 502/503/504 (through the response steps, so it is signed like any
// reply); after that the connection is closed. Records the outcome and its duration in the context.
// When the cluster has a concurrency limit (proxy/concurrency_limit.h), the request first takes
// a permit of the cluster it goes to, at the route's priority, and holds it for the exchange; a
// request the limit sheds is answered 503 SYSTEM_ERROR with Retry-After: 1 and counted in
// paygate_requests_shed_total, and never reaches the upstream.

#include "proxy/forwarder.h"
#include "steps/request_metrics.h"
#include "steps/step.h"

namespace paygate::steps {

class Forward final : public RequestStep {
 public:
  enum class Mode { kRelay, kFetch };

  Forward(proxy::Forwarder& forwarder, proxy::ForwardTarget target, Mode mode,
          RequestMetrics& metrics)
      : forwarder_(forwarder), target_(target), mode_(mode), metrics_(metrics) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  boost::asio::awaitable<proxy::Outcome> fetch_and_send(http::Exchange& exchange,
                                                        const proxy::ForwardTarget& target,
                                                        RequestContext& context);
  boost::asio::awaitable<void> answer_shed(http::Exchange& exchange, const RequestContext& context,
                                           proxy::Priority priority, proxy::Admission reason);

  proxy::Forwarder& forwarder_;
  proxy::ForwardTarget target_;
  Mode mode_;
  RequestMetrics& metrics_;
};

}  // namespace paygate::steps
