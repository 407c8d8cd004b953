#pragma once
// Mirror and CompareWithShadow: shadow traffic for a route with `mirror` (docs/operations.md,
// "Shadow traffic"). Mirror, a request step just before Forward, sends a copy of a share of the
// route's requests (`percent`, of `methods`) to the shadow cluster through the worker's
// ShadowTraffic (steps/shadow_traffic.h) and goes on at once: the primary never waits for the
// shadow. CompareWithShadow, a response step, hands the primary's answer to the copy's
// comparison. Having a response step, a mirrored route reads its upstream's answers whole before
// sending them (Forward's fetch mode), the requests not copied included.

#include <cstdint>

#include "steps/shadow_traffic.h"
#include "steps/step.h"

namespace paygate::steps {

class Mirror final : public RequestStep {
 public:
  Mirror(ShadowTraffic& traffic, ShadowTarget target);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  bool sampled() const;

  ShadowTraffic& traffic_;
  ShadowTarget target_;
  std::uint64_t threshold_;  // a request is copied when 53 random bits fall below it
};

class CompareWithShadow final : public ResponseStep {
 public:
  explicit CompareWithShadow(ShadowTraffic& traffic) : traffic_(traffic) {}

  void on_response(const http::Exchange& exchange, const RequestContext& context, int status,
                   std::string_view body, std::string& fields) override;

 private:
  ShadowTraffic& traffic_;
};

}  // namespace paygate::steps
