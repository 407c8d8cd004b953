// TooEarly behind the in-memory server connection, whose first bytes stand for TLS early data:
// which requests count as early (any whose first byte came early, pipelined ones too, none
// after), which of them are served (GET, HEAD, OPTIONS without a body; none on a route that
// refuses early data), and what the others get: 425 Too Early in the WeChat Pay JSON shape with
// the request id, counted, the connection kept.
#include "steps/too_early.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "observe/engine_metrics.h"
#include "steps/pipeline.h"
#include "support/in_memory_downstream.h"
#include "support/pipeline_handler.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using test_support::InMemoryDownstream;
using test_support::PipelineHandler;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// The route's action: notes whether each request it got was early, answers 200.
class Served final : public RequestStep {
 public:
  std::vector<bool> early;
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    early.push_back(ex.early());
    co_await answer(ex, context, 200, "text/plain", "served");
    co_return Next::kAnswered;
  }
};

constexpr std::string_view kGet =
    "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.test\r\n\r\n";
constexpr std::string_view kHead = "HEAD /v3/certificates HTTP/1.1\r\nHost: pay.test\r\n\r\n";
constexpr std::string_view kOptions = "OPTIONS * HTTP/1.1\r\nHost: pay.test\r\n\r\n";
constexpr std::string_view kPost =
    "POST /v3/pay/transactions/jsapi HTTP/1.1\r\nHost: pay.test\r\nContent-Length: 2\r\n\r\n{}";
constexpr std::string_view kGetWithBody =
    "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.test\r\nContent-Length: 1\r\n\r\nx";
constexpr std::string_view kDelete =
    "DELETE /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.test\r\nX-Request-Id: del-1\r\n\r\n";

class TooEarlyTest : public ::testing::Test {
 protected:
  ~TooEarlyTest() override {
    downstream_.close_all();
    downstream_.run_until([this] { return downstream_.ended == downstream_.started; });
  }

  // A connection whose first bytes, `early`, came as early data; runs until `requests` were
  // handled and returns what the client got.
  std::string open(EarlyData policy, std::string_view early, int requests = 1) {
    route_.request_steps = {policy == EarlyData::kSafe ? &safe_ : &refuse_, &served_};
    client_ = &downstream_.connect(std::string(early));
    return run(requests);
  }
  void close_and_open_anew() {
    downstream_.close_all();
    downstream_.run_until([this] { return downstream_.ended == downstream_.started; });
  }
  // Bytes after the handshake.
  std::string send(std::string_view bytes, int requests = 1) {
    InMemoryDownstream::write(*client_, bytes);
    return run(requests);
  }
  std::string run(int requests) {
    const int until = handler_.handled + requests;
    downstream_.run_until([&] { return handler_.handled >= until; });
    return InMemoryDownstream::take(*client_);
  }
  double too_early_count() const {
    for (const auto& [labels, value] : registry_.counter_values(names_.tls_early_data)) {
      if (labels == std::vector<std::string>{"too_early"}) return value;
    }
    return 0;
  }

  observe::Registry registry_{1};
  const observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  RequestMetrics metrics_{registry_.shard(0), names_};
  TooEarly safe_{EarlyData::kSafe, metrics_};
  TooEarly refuse_{EarlyData::kRefuse, metrics_};
  Served served_;
  RoutePipeline route_;
  PipelineHandler handler_{route_};
  asio::io_context io_;
  InMemoryDownstream downstream_{io_, handler_};
  http::InMemoryStream* client_ = nullptr;
};

TEST_F(TooEarlyTest, EarlySafeRequestsAreServedAndMarkedEarly) {
  const std::string answered =
      open(EarlyData::kSafe, std::string(kGet) + std::string(kHead) + std::string(kOptions), 3);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(served_.early, ElementsAre(true, true, true));
  EXPECT_EQ(too_early_count(), 0);
}

TEST_F(TooEarlyTest, RequestsAfterTheEarlyDataAreNotEarly) {
  open(EarlyData::kSafe, kGet);
  const std::string answered = send(kPost);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(served_.early, ElementsAre(true, false));
}

TEST_F(TooEarlyTest, AnEarlyRequestWithAnUnsafeMethodGets425AndIsNotServed) {
  const std::string answered = open(EarlyData::kSafe, kDelete);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 425 Too Early\r\n"));
  EXPECT_THAT(answered, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(answered, HasSubstr("del-1"));  // the request id
  EXPECT_THAT(answered, HasSubstr(R"({"code":"TOO_EARLY","message":")"));
  EXPECT_THAT(served_.early, IsEmpty());
  EXPECT_EQ(handler_.refusal, "too_early");
  EXPECT_EQ(too_early_count(), 1);
  // The connection goes on: the client sends it again after the handshake.
  EXPECT_THAT(send(kDelete), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(served_.early, ElementsAre(false));
}

TEST_F(TooEarlyTest, AnEarlyRequestWithABodyGets425WhateverItsMethod) {
  EXPECT_THAT(open(EarlyData::kSafe, kPost), StartsWith("HTTP/1.1 425 Too Early\r\n"));
  EXPECT_THAT(send(kGetWithBody.substr(0, 20), 0), IsEmpty());
  EXPECT_THAT(send(kGetWithBody.substr(20)), StartsWith("HTTP/1.1 200 OK\r\n"));  // not early
  EXPECT_THAT(served_.early, ElementsAre(false));

  close_and_open_anew();
  EXPECT_THAT(open(EarlyData::kSafe, kGetWithBody), StartsWith("HTTP/1.1 425 Too Early\r\n"));
}

TEST_F(TooEarlyTest, ARequestWhoseHeadBeganInEarlyDataIsEarly) {
  EXPECT_THAT(open(EarlyData::kSafe, kGetWithBody.substr(0, 10), 0), IsEmpty());
  EXPECT_THAT(send(kGetWithBody.substr(10)), StartsWith("HTTP/1.1 425 Too Early\r\n"));
  EXPECT_THAT(served_.early, IsEmpty());
}

TEST_F(TooEarlyTest, ARouteThatRefusesEarlyDataServesNoEarlyRequest) {
  const std::string answered = open(EarlyData::kRefuse, kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 425 Too Early\r\n"));
  EXPECT_THAT(answered, HasSubstr("this route takes no request sent in TLS early data"));
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(served_.early, ElementsAre(false));
  EXPECT_EQ(too_early_count(), 1);
}

}  // namespace
}  // namespace paygate::steps
