#pragma once
// InjectFault: faults injected into a route's requests for drills (routes[].fault), the step
// before its action. Each request draws, independently, whether it is delayed (held for the
// configured duration on a timer of the worker's executor, no thread blocked, then the action
// runs) and whether it is aborted (answered with the configured status and a WeChat Pay JSON
// error, through the response steps; the action does not run). Draws use the worker's
// core::fast_random: no lock, nothing allocated.
//
// With a trigger header, only requests that carry it with the value `delay`, `abort` or `all`
// AND come from a trusted source address get the faults it names (at their configured shares);
// from anywhere else the header is ignored. The field is never forwarded upstream either way
// (Forward drops it: proxy::ForwardTarget::dropped_request_field).
//
// Counted in paygate_faults_injected_total{route,kind}; the access log says "fault".

#include <boost/asio/ip/address.hpp>
#include <string>
#include <vector>

#include "http/watchdog.h"
#include "observe/metrics.h"
#include "steps/settings.h"
#include "steps/step.h"

namespace paygate::steps {

// Whether `address` is in one of `blocks` (an IPv4-mapped IPv6 address counts as IPv4).
bool in_blocks(const boost::asio::ip::address& address, const std::vector<AddressBlock>& blocks);

class InjectFault final : public RequestStep {
 public:
  struct Counters {
    observe::Counter* delay = nullptr;
    observe::Counter* abort = nullptr;
  };
  // `settings` must outlive the step (the snapshot's). A delay longer than `timeout` (the
  // route's) is cut to it.
  InjectFault(const FaultInjection& settings, http::Clock::duration timeout, Counters counters);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  struct Armed {  // the faults a request may get
    bool delay = false;
    bool abort = false;
  };
  Armed armed(const http::Exchange& exchange) const;

  const FaultInjection& settings_;
  http::Clock::duration delay_{};
  Counters counters_;
  std::string abort_body_;  // the WeChat Pay JSON error, made once
};

}  // namespace paygate::steps
