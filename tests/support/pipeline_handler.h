#pragma once
// PipelineHandler: the gateway's handler reduced to one route, for unit tests of steps behind
// the in-memory server connection: runs the route's pipeline for each request and keeps what
// the last request's context recorded. Header-only; a test that includes it links the steps
// module through its own.

#include <optional>
#include <string_view>

#include "http/exchange.h"
#include "steps/pipeline.h"

namespace paygate::test_support {

class PipelineHandler final : public http::Handler {
 public:
  explicit PipelineHandler(const steps::RoutePipeline& route) : route_(route) {}

  int handled = 0;
  std::string_view refusal;                // the last request's, as the access log gets it
  std::string_view fault;                  // the same
  std::optional<proxy::Outcome> upstream;  // what Forward recorded for the last request

  boost::asio::awaitable<void> handle(http::Exchange& ex) override {
    steps::RequestContext context;
    context.route = &route_;
    co_await steps::run_pipeline(ex, context);
    refusal = context.refusal;
    fault = context.fault;
    upstream = context.upstream;
    ++handled;
  }

 private:
  const steps::RoutePipeline& route_;
};

}  // namespace paygate::test_support
