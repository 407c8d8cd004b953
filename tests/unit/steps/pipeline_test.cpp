// The request pipeline (steps/pipeline.h) behind the in-memory server connection: request steps
// run in order until one answers, a route whose steps never answer gets the pipeline's 500, and
// every whole response passes the route's response steps (here one that adds X-Body-Length, the
// size of the body it was given: the platform signature's stand-in) whether a step answers,
// answers with an error, or steps::Forward brings the answer whole from a scripted upstream
// (without response steps, Forward streams instead). Also RequireMethod, AnswerError and Respond,
// and that no answer to HEAD carries a body.
#include "steps/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/wire.h"
#include "observe/engine_metrics.h"
#include "proxy/upstreams.h"
#include "steps/answer_with.h"
#include "steps/forward.h"
#include "steps/respond.h"
#include "support/in_memory_downstream.h"
#include "support/loopback_cluster.h"
#include "support/pipeline_handler.h"
#include "support/scripted_upstream.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::forward_target;
using test_support::InMemoryDownstream;
using test_support::loopback_cluster;
using test_support::PipelineHandler;
using test_support::QuietObserver;
using test_support::ScriptedUpstream;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Notes its name and lets the next step run.
class RecordingStep final : public RequestStep {
 public:
  RecordingStep(std::string name, std::vector<std::string>& ran) : name_(name), ran_(ran) {}
  asio::awaitable<Next> on_request(http::Exchange&, RequestContext&) override {
    ran_.push_back(name_);
    co_return Next::kContinue;
  }

 private:
  std::string name_;
  std::vector<std::string>& ran_;
};

// Notes its name and answers 200 "answered" with its own `fields`.
class AnsweringStep final : public RequestStep {
 public:
  AnsweringStep(std::string name, std::vector<std::string>& ran, std::string fields = {})
      : name_(name), ran_(ran), fields_(fields) {}
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    ran_.push_back(name_);
    ex.scratch().reply_fields.append(fields_);
    co_await answer(ex, context, 200, "text/plain", "answered");
    co_return Next::kAnswered;
  }

 private:
  std::string name_;
  std::vector<std::string>& ran_;
  std::string fields_;
};

// Stands in for the platform signature: a field computed from the whole body it was given.
class BodyLengthStep final : public ResponseStep {
 public:
  std::vector<int> statuses;  // of the responses it saw

  void on_response(const http::Exchange&, const RequestContext&, int status, std::string_view body,
                   std::string& fields) override {
    statuses.push_back(status);
    http::append_field(fields, "X-Body-Length", std::to_string(body.size()));
  }
};

std::string head_of(std::string_view response) {
  const auto end = response.find("\r\n\r\n");
  return std::string(response.substr(0, end == std::string_view::npos ? end : end + 4));
}

std::string body_of(std::string_view response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string_view::npos ? std::string() : std::string(response.substr(end + 4));
}

constexpr std::string_view kGet =
    "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.example\r\n\r\n";
constexpr std::string_view kHead =
    "HEAD /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.example\r\n\r\n";
constexpr std::string_view kPost =
    "POST /v3/pay/transactions/jsapi HTTP/1.1\r\nHost: pay.example\r\nContent-Length: 2\r\n\r\n{}";

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    route_.name = "test";  // metrics stay null: neither run_pipeline nor the steps read them
  }
  // Every coroutine ends before the objects it uses.
  ~PipelineTest() override {
    downstream_.close_all();
    upstream_.stop();
    downstream_.run_until(
        [this] { return downstream_.ended == downstream_.started && upstream_.done(); });
  }

  // Sends bytes as the client, runs until the pipeline finished one more request, and returns
  // what the client received meanwhile.
  std::string send(std::string_view bytes) {
    const int before = handler_.handled;
    InMemoryDownstream::write(client_, bytes);
    downstream_.run_until([&] { return handler_.handled > before; });
    return InMemoryDownstream::take(client_);
  }

  // The header value of X-Body-Length in `response`'s head, as a number; -1 when absent.
  static long body_length_field(std::string_view response) {
    const std::string head = head_of(response);
    const auto at = head.find("\r\nX-Body-Length: ");
    return at == std::string::npos ? -1 : std::stol(head.substr(at + 17));
  }

  asio::io_context io_;
  ScriptedUpstream upstream_{io_};
  QuietObserver observer_;
  proxy::Forwarder forwarder_{observer_};
  proxy::WorkerUpstreams upstreams_;
  proxy::ClusterSettings cluster_ = loopback_cluster("pay", upstream_.port());
  observe::Registry registry_{1};
  const observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  RequestMetrics metrics_{registry_.shard(0), names_};  // counts sheds; the cluster has no limit
  // A route without response steps relays, one with them fetches (app/route_pipelines.cpp).
  Forward relay_{forwarder_, forward_target(cluster_, upstreams_), Forward::Mode::kRelay, metrics_};
  Forward fetch_{forwarder_, forward_target(cluster_, upstreams_), Forward::Mode::kFetch, metrics_};
  BodyLengthStep body_length_;
  std::vector<std::string> ran_;  // names of the request steps that ran, in order
  RoutePipeline route_;
  PipelineHandler handler_{route_};
  InMemoryDownstream downstream_{io_, handler_};
  http::InMemoryStream& client_ = downstream_.connect();
};

TEST_F(PipelineTest, RequestStepsRunInOrderAndTheFirstAnswerStopsTheRest) {
  RecordingStep a("a", ran_), b("b", ran_), d("d", ran_);
  AnsweringStep c("c", ran_);
  route_.request_steps = {&a, &b, &c, &d};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(body_of(answered), "answered");
  EXPECT_THAT(ran_, ElementsAre("a", "b", "c"));
}

TEST_F(PipelineTest, AnswerErrorPassesTheResponseStepsWithTheBodyItSends) {
  AnswerError refuse(core::ErrorKind::kUnauthorized, "sign not match");
  route_.request_steps = {&refuse};
  route_.response_steps = {&body_length_};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 401 "));
  const std::string body = body_of(answered);
  EXPECT_THAT(body, HasSubstr(R"("message":"sign not match")"));
  EXPECT_EQ(body_length_field(answered), static_cast<long>(body.size()));
  EXPECT_THAT(body_length_.statuses, ElementsAre(401));
}

TEST_F(PipelineTest, AnswerPutsTheStepsOwnFieldsBeforeTheResponseSteps) {
  AnsweringStep busy("busy", ran_, "Retry-After: 3\r\n");
  route_.request_steps = {&busy};
  route_.response_steps = {&body_length_};
  const std::string head = head_of(send(kGet));
  const auto retry_after = head.find("\r\nRetry-After: 3\r\n");
  const auto body_length = head.find("\r\nX-Body-Length: 8\r\n");  // "answered"
  ASSERT_NE(retry_after, std::string::npos) << head;
  ASSERT_NE(body_length, std::string::npos) << head;
  EXPECT_LT(retry_after, body_length);
}

TEST_F(PipelineTest, ARouteWhoseStepsNeverAnswerGets500ThroughTheResponseSteps) {
  RecordingStep a("a", ran_);
  route_.request_steps = {&a};
  route_.response_steps = {&body_length_};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 500 "));
  EXPECT_THAT(body_of(answered), HasSubstr(R"("code":"SYSTEM_ERROR")"));
  EXPECT_THAT(body_of(answered), HasSubstr("no step answered"));
  EXPECT_EQ(body_length_field(answered), static_cast<long>(body_of(answered).size()));
  EXPECT_THAT(ran_, ElementsAre("a"));
}

TEST_F(PipelineTest, ForwardWithoutResponseStepsStreamsTheUpstreamAnswer) {
  // The upstream sends its head and a first chunk, then waits: only a relay shows them now.
  upstream_.answers = {
      {.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
       .close = false,
       .hold = true}};
  route_.request_steps = {&relay_};
  InMemoryDownstream::write(client_, kGet);
  ASSERT_TRUE(downstream_.run_until([this] {
    return client_.str().find("\r\n5\r\nhello\r\n") != std::string::npos;
  })) << client_.str();
  EXPECT_THAT(head_of(client_.str()), HasSubstr("Transfer-Encoding: chunked\r\n"));
  EXPECT_EQ(handler_.handled, 0);  // still relaying
}

TEST_F(PipelineTest, ForwardWithResponseStepsFetchesTheWholeBodyFirst) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                                   "lo\r\n6\r\n world\r\n0\r\n\r\n"}}};
  route_.request_steps = {&fetch_};
  route_.response_steps = {&body_length_};
  const std::string answered = send(kGet);
  EXPECT_THAT(head_of(answered), HasSubstr("Content-Length: 11\r\n"));
  EXPECT_THAT(head_of(answered), Not(HasSubstr("Transfer-Encoding")));
  EXPECT_EQ(body_length_field(answered), 11);
  EXPECT_EQ(body_of(answered), "hello world");
  EXPECT_THAT(body_length_.statuses, ElementsAre(200));
  EXPECT_EQ(handler_.upstream, proxy::Outcome::kOk);
}

TEST_F(PipelineTest, AFailedForwardIsAnsweredThroughTheResponseSteps) {
  upstream_.answers = {{.pieces = {}, .close = true}};
  route_.request_steps = {&fetch_};
  route_.response_steps = {&body_length_};
  const std::string answered = send(kPost);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(body_of(answered), HasSubstr(R"("code":"BAD_GATEWAY")"));
  EXPECT_EQ(body_length_field(answered), static_cast<long>(body_of(answered).size()));
  EXPECT_THAT(body_length_.statuses, ElementsAre(502));
  EXPECT_EQ(handler_.upstream, proxy::Outcome::kBadResponse);
}

TEST_F(PipelineTest, RequireMethodAnswers405ToAnyOtherMethod) {
  RequireMethod get_only(http::Verb::get, "use GET");
  AnsweringStep serve("serve", ran_);
  route_.request_steps = {&get_only, &serve};
  const std::string refused = send(kPost);
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(body_of(refused), HasSubstr(R"("code":"METHOD_NOT_ALLOWED")"));
  EXPECT_THAT(body_of(refused), HasSubstr("use GET"));
  EXPECT_TRUE(ran_.empty());
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(ran_, ElementsAre("serve"));
}

TEST_F(PipelineTest, AnswerErrorAnswersWithItsKind) {
  AnswerError unmatched(core::ErrorKind::kNotFound, "no route matches this request");
  route_.request_steps = {&unmatched};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(body_of(answered), HasSubstr(R"("code":"RESOURCE_NOT_EXISTS")"));
  EXPECT_THAT(body_of(answered), HasSubstr("no route matches this request"));
}

TEST_F(PipelineTest, RespondAnswersWithTheConfiguredResponseThroughTheResponseSteps) {
  const DirectResponse maintenance{503, R"({"code":"MAINTENANCE","message":"back at 02:00"})",
                                   "application/json"};
  Respond respond(maintenance);
  route_.request_steps = {&respond};
  route_.response_steps = {&body_length_};
  for (int i = 0; i < 2; ++i) {  // the same answer every time, the connection kept
    const std::string answered = send(kGet);
    EXPECT_THAT(answered, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
    EXPECT_THAT(head_of(answered), HasSubstr("Content-Type: application/json\r\n"));
    EXPECT_THAT(head_of(answered), Not(HasSubstr("Connection: close")));
    EXPECT_EQ(body_of(answered), maintenance.body);
    EXPECT_EQ(body_length_field(answered), static_cast<long>(maintenance.body.size()));
  }
  EXPECT_THAT(body_length_.statuses, ElementsAre(503, 503));
  EXPECT_EQ(handler_.upstream, std::nullopt);  // nothing was forwarded
}

// RFC 9110 9.3.2: the answer to HEAD is the head a GET would get, Content-Length included, and
// no body; the next answer on the connection starts right after that head. The response steps
// see no body either: a signature covers what the client receives.
TEST_F(PipelineTest, NoAnswerOfTheGatewaysOwnToHeadCarriesABody) {
  const DirectResponse deny{403, R"({"code":"NO_AUTH","message":"blocked"})", "application/json"};
  Respond respond(deny);
  AnswerError unmatched(core::ErrorKind::kNotFound, "no route matches this request");
  upstream_.answers = {{.pieces = {}, .close = true}};
  for (RequestStep* step : std::initializer_list<RequestStep*>{&respond, &unmatched, &fetch_}) {
    route_.request_steps = {step};
    route_.response_steps = {&body_length_};
    const std::string to_get = step == &fetch_ ? std::string() : send(kGet);
    const std::string to_head = send(kHead);
    EXPECT_EQ(to_head, head_of(to_head)) << "a body after the head: " << to_head;
    EXPECT_EQ(body_length_field(to_head), 0);
    if (!to_get.empty()) {
      EXPECT_THAT(to_head,
                  HasSubstr("Content-Length: " + std::to_string(body_of(to_get).size()) + "\r\n"));
    }
    EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 "));  // starts where the head ended
  }
  EXPECT_THAT(head_of(send(kHead)), StartsWith("HTTP/1.1 502 "));
}

}  // namespace
}  // namespace paygate::steps
