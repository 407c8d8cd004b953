#pragma once
// Respond: the action of a route with `respond:` instead of a cluster (a deny route, a
// maintenance page, a health page; Envoy's direct_response, nginx's return). Answers every
// request with the configured status, content type and body, through the route's response steps
// (signed on `sign: platform` routes). Nothing is forwarded and nothing allocated per request:
// the body is the snapshot's.

#include "steps/settings.h"
#include "steps/step.h"

namespace paygate::steps {

class Respond final : public RequestStep {
 public:
  // `response` must outlive the step (it is the snapshot's).
  explicit Respond(const DirectResponse& response) : response_(response) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  const DirectResponse& response_;
};

}  // namespace paygate::steps
