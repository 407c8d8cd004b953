#pragma once
// StepFixture: a GoogleTest fixture for unit tests of request steps behind the in-memory server
// connection. The steps under test run before `served_` (the route's action: answers 200
// "served" and notes each request it got), their metrics go to a registry of one shard, and
// send() writes bytes as the client and returns what the connection answered. Header-only; it
// includes support/in_memory_downstream.h, so include it in one .cpp per test binary.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "observe/engine_metrics.h"
#include "steps/pipeline.h"
#include "steps/request_metrics.h"
#include "support/in_memory_downstream.h"
#include "support/pipeline_handler.h"

namespace paygate::test_support {

// The route's action: notes whether each request it got was early, answers 200 "served".
class ServedAction final : public steps::RequestStep {
 public:
  std::vector<bool> early;  // one per request it got
  int count() const { return static_cast<int>(early.size()); }

  boost::asio::awaitable<steps::Next> on_request(http::Exchange& ex,
                                                 steps::RequestContext& context) override {
    early.push_back(ex.early());
    co_await steps::answer(ex, context, 200, "text/plain", "served");
    co_return steps::Next::kAnswered;
  }
};

class StepFixture : public ::testing::Test {
 protected:
  ~StepFixture() override { close_all(); }

  // A new connection whose requests run `steps`, then the action; its first bytes, `early`,
  // come as if a TLS handshake had read them as early data.
  void open(std::vector<steps::RequestStep*> steps, std::string early = {}) {
    route_.request_steps = std::move(steps);
    route_.request_steps.push_back(&served_);
    client_ = &downstream_.connect(std::move(early));
  }
  // Bytes from the client; runs until `requests` more were handled and returns what the client
  // got meanwhile.
  std::string send(std::string_view bytes, int requests = 1) {
    InMemoryDownstream::write(*client_, bytes);
    return run(requests);
  }
  std::string run(int requests) {
    const int until = handler_.handled + requests;
    downstream_.run_until([&] { return handler_.handled >= until; });
    return InMemoryDownstream::take(*client_);
  }
  void close_all() {
    downstream_.close_all();
    downstream_.run_until([this] { return downstream_.ended == downstream_.started; });
  }
  // The value of a counter of the registry, 0 when it was never made.
  double counted(observe::CounterFamily family, const std::vector<std::string>& labels) const {
    for (const auto& [values, value] : registry_.counter_values(family)) {
      if (values == labels) return value;
    }
    return 0;
  }

  observe::Registry registry_{1};
  const observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  steps::RequestMetrics metrics_{registry_.shard(0), names_};
  ServedAction served_;
  steps::RoutePipeline route_;
  PipelineHandler handler_{route_};
  boost::asio::io_context io_;
  InMemoryDownstream downstream_{io_, handler_};
  http::InMemoryStream* client_ = nullptr;
};

}  // namespace paygate::test_support
