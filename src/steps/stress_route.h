#pragma once
// StressRoute: stress tests run on production paths without touching production (the top-level
// `stress` section, routes[].stress_cluster). On every route of a gateway with a stress section,
// after the merchant's signature is verified and before anything that would send the request
// anywhere (Mirror, Split, Forward):
//   no stress header            production traffic: the next step runs, nothing changes
//   another value               400 PARAM_ERROR: a stress tool aimed at an environment this
//                               gateway does not have must not fall through to production
//   merchant or source not allowed   403 NO_AUTH, counted as production (it never was stress)
//   allowed                     stress traffic (context.stress): a forwarding route sends it to
//                               its stress cluster through the route's Forward (never mirrored,
//                               split or canaried) or, without one, refuses it 403; a route that
//                               answers by itself answers, counted as stress
// The stress header is forwarded, so the stress backend can mark what it causes (its
// notifications go to the stress outbox: notify/intake_handler.h), and so is X-Trace-ID.

#include <string>

#include "steps/settings.h"
#include "steps/split.h"
#include "steps/step.h"

namespace paygate::steps {

class StressRoute final : public RequestStep {
 public:
  // What the route does with stress traffic it admits.
  enum class Action {
    kForward,    // to its stress cluster: `stress` and `forward` are set
    kRefuse,     // it forwards but has no stress cluster
    kAnswerHere  // it answers by itself (routes[].respond)
  };

  // `settings` must outlive the step (the snapshot's). `forward` is the route's Forward, which
  // goes where context.choice says; `stress` says where that is (the stress cluster).
  StressRoute(const StressSettings& settings, Action action, const VersionChoice* stress = nullptr,
              RequestStep* forward = nullptr);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  bool allowed(const http::Exchange& exchange, const RequestContext& context) const;

  const StressSettings& settings_;
  Action action_;
  const VersionChoice* stress_;
  RequestStep* forward_;
  std::string wrong_value_message_;  // made once
};

}  // namespace paygate::steps
