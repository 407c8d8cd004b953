// BasicServerConnection on the in-memory stream: the HTTP/1.1 edge cases of the downstream side
// without sockets or processes. Each test writes raw bytes as a client, lets the connection run
// until it waits for more, and reads what it answered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <string>
#include <vector>

#include "support/in_memory_stream.h"

namespace paygate::http {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers each request by `answer` (200 "ok" by default) and keeps what it saw.
class ScriptedHandler final : public Handler {
 public:
  std::function<asio::awaitable<void>(Exchange&)> answer =
      [](Exchange& ex) -> asio::awaitable<void> { co_await ex.respond(200, "text/plain", "ok"); };
  std::vector<std::string> targets;
  std::vector<std::string> bodies;
  std::vector<std::string> refusals;

  asio::awaitable<void> handle(Exchange& ex) override {
    targets.emplace_back(ex.request().target);
    bodies.emplace_back(ex.body());
    co_await answer(ex);
  }
  void on_refused(const Exchange&, std::string_view reason) override {
    refusals.emplace_back(reason);
  }
};

class ServerConnectionTest : public ::testing::Test {
 protected:
  ServerConnectionTest() { start(); }
  // Connections end before the watchdog and handler they use go away.
  ~ServerConnectionTest() override {
    client_.close();
    send({});
  }

  // A new connection whose client end is client_.
  void start() {
    client_ = InMemoryStream(io_);
    InMemoryStream server(io_);
    client_.connect(server);
    asio::co_spawn(
        io_,
        [this, s = std::move(server)]() mutable -> asio::awaitable<void> {
          InMemoryConnection connection(std::move(s), context_);
          co_await connection.run();
          ++closed_;
        },
        asio::detached);
  }

  // Sends bytes as the client, runs the connection until it waits, returns what it answered
  // since the last call.
  std::string send(std::string_view bytes) {
    if (!bytes.empty()) asio::write(client_, asio::buffer(bytes.data(), bytes.size()));
    io_.restart();  // a context that ran out of work (a connection ended) stays stopped
    while (io_.poll() > 0) {
    }
    std::string answered(client_.str());
    client_.clear();
    return answered;
  }

  asio::io_context io_;
  Watchdog watchdog_{io_.get_executor()};
  ScriptedHandler handler_;
  ServerLimits limits_;
  ConnectionContext context_{watchdog_, handler_, &limits_};
  InMemoryStream client_{io_};
  int closed_ = 0;  // connections whose run() returned
};

constexpr std::string_view kGet = "GET /a HTTP/1.1\r\nHost: pay.example\r\n\r\n";

TEST_F(ServerConnectionTest, AnswersAndKeepsTheConnectionForTheNext) {
  EXPECT_THAT(send(kGet), HasSubstr("HTTP/1.1 200 OK\r\n"));
  const std::string second = send("GET /b HTTP/1.1\r\nHost: pay.example\r\n\r\n");
  EXPECT_THAT(second, HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(second, Not(HasSubstr("Connection: close")));
  EXPECT_EQ(handler_.targets, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(closed_, 0);
}

TEST_F(ServerConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  handler_.answer = [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.respond(200, "text/plain", ex.request().target);
  };
  const std::string answered =
      send("GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n");
  const auto first = answered.find("/first");
  const auto second = answered.find("/second");
  ASSERT_NE(first, std::string::npos) << answered;
  ASSERT_NE(second, std::string::npos) << answered;
  EXPECT_LT(first, second);
}

TEST_F(ServerConnectionTest, AmbiguousFramingIsRefusedAndClosed) {
  const std::string answered = send(
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n");
  EXPECT_THAT(answered, HasSubstr("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(answered, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(answered, HasSubstr(R"("code":"PARAM_ERROR")"));
  EXPECT_TRUE(handler_.targets.empty());  // never reaches the handler
  EXPECT_EQ(handler_.refusals, std::vector<std::string>{"bad_request"});
  client_.close();
  send({});
  EXPECT_EQ(closed_, 1);
}

// HTTP/0.9 has no header to wait for: refused as soon as its line ends, then closed.
TEST_F(ServerConnectionTest, ARequestLineWithoutVersionIsRefusedAtOnce) {
  const std::string answered = send("GET /\r\n");
  EXPECT_THAT(answered, HasSubstr("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(answered, HasSubstr("without an HTTP version"));
  EXPECT_EQ(handler_.refusals, std::vector<std::string>{"bad_request"});
  client_.close();
  send({});
  EXPECT_EQ(closed_, 1);
}

TEST_F(ServerConnectionTest, HttpVersionsOtherThan10And11Are505) {
  for (std::string_view version : {"HTTP/1.2", "HTTP/2.0", "HTTP/3.0"}) {
    start();
    const std::string answered = send("GET /a " + std::string(version) + "\r\nHost: h\r\n\r\n");
    EXPECT_THAT(answered, HasSubstr("HTTP/1.1 505 HTTP Version Not Supported\r\n")) << version;
    EXPECT_THAT(answered, HasSubstr("Connection: close\r\n"));
  }
  EXPECT_TRUE(handler_.targets.empty());
  EXPECT_EQ(handler_.refusals.size(), 3u);
  EXPECT_EQ(handler_.refusals.back(), "http_version");
}

TEST_F(ServerConnectionTest, AnUnknownMethodIs501AndADisallowedOne405WithAllow) {
  const std::string unknown = send("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_THAT(unknown, HasSubstr("HTTP/1.1 501 Not Implemented\r\n"));
  EXPECT_THAT(unknown, HasSubstr(R"("code":"NOT_IMPLEMENTED")"));
  for (std::string_view method : {"CONNECT pay.example:443", "TRACE /", "PROPFIND /"}) {
    start();
    const std::string refused = send(std::string(method) + " HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_THAT(refused, HasSubstr("HTTP/1.1 405 Method Not Allowed\r\n")) << method;
    EXPECT_THAT(refused, HasSubstr("\r\nAllow: DELETE, GET, HEAD, POST, PUT, OPTIONS, PATCH\r\n"));
    EXPECT_THAT(refused, HasSubstr("Connection: close\r\n"));
  }
  EXPECT_TRUE(handler_.targets.empty());  // none reached the handler
  EXPECT_EQ(handler_.refusals,
            (std::vector<std::string>{"unknown_method", "method_not_allowed", "method_not_allowed",
                                      "method_not_allowed"}));
}

TEST_F(ServerConnectionTest, TheAllowListIsTheListenersAndFollowsItsLimits) {
  limits_.methods = MethodSet({Verb::get, Verb::post});
  const std::string refused = send("DELETE /a HTTP/1.1\r\nHost: h\r\nX-Request-Id: r-7\r\n\r\n");
  EXPECT_THAT(refused, HasSubstr("HTTP/1.1 405 "));
  EXPECT_THAT(refused, HasSubstr("\r\nAllow: GET, POST\r\n"));
  EXPECT_THAT(refused, HasSubstr("\r\nX-Request-Id: r-7\r\n"));
  start();
  EXPECT_THAT(send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
              HasSubstr("HTTP/1.1 200 OK\r\n"));
}

TEST_F(ServerConnectionTest, DuplicateContentLengthIsRefusedEvenWhenEqual) {
  for (std::string_view lengths :
       {"Content-Length: 2\r\nContent-Length: 2", "Content-Length: 2, 2"}) {
    start();
    const std::string answered =
        send("POST /a HTTP/1.1\r\nHost: h\r\n" + std::string(lengths) + "\r\n\r\nok");
    EXPECT_THAT(answered, HasSubstr("HTTP/1.1 400 ")) << lengths;
    EXPECT_THAT(answered, HasSubstr("Connection: close\r\n"));
  }
  EXPECT_TRUE(handler_.targets.empty());
}

TEST_F(ServerConnectionTest, AnInvalidHostIsRefused) {
  const std::string answered = send("GET /a HTTP/1.1\r\nHost: user@pay.example\r\n\r\n");
  EXPECT_THAT(answered, HasSubstr("HTTP/1.1 400 "));
  EXPECT_THAT(answered, HasSubstr("invalid Host header"));
  EXPECT_TRUE(handler_.targets.empty());
}

// RFC 9110 9.3.2: no answer to HEAD has a body, the connection's own refusals included.
TEST_F(ServerConnectionTest, AnswersToHeadHaveNoBody) {
  handler_.answer = [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.respond(200, "text/plain", "twelve bytes");
  };
  const std::string head = send("HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_THAT(head, HasSubstr("Content-Length: 12\r\n"));
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_THAT(send(kGet), testing::StartsWith("HTTP/1.1 200 OK\r\n"));

  handler_.answer = [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.respond_error(core::ErrorKind::kNotFound, "nothing here");
  };
  const std::string error = send("HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_THAT(error, testing::StartsWith("HTTP/1.1 404 "));
  EXPECT_TRUE(error.ends_with("\r\n\r\n")) << error;

  start();
  const std::string refused = send("HEAD /a HTTP/1.1\r\nHost: a b\r\n\r\n");
  EXPECT_THAT(refused, testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_TRUE(refused.ends_with("\r\n\r\n")) << refused;
}

TEST_F(ServerConnectionTest, LimitsAnswerWithTheirStatus) {
  limits_.max_request_line_bytes = 64;
  EXPECT_THAT(send("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n"),
              HasSubstr("HTTP/1.1 414 "));
  EXPECT_EQ(handler_.refusals, std::vector<std::string>{"uri_too_long"});

  start();
  limits_.max_header_bytes = 128;
  EXPECT_THAT(send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(200, 'b') + "\r\n\r\n"),
              HasSubstr("HTTP/1.1 431 "));

  start();
  limits_.max_body_bytes = 4;
  EXPECT_THAT(send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"),
              HasSubstr("HTTP/1.1 413 "));
  EXPECT_TRUE(handler_.targets.empty());
}

TEST_F(ServerConnectionTest, ExpectContinueIsAnsweredBeforeTheBodyIsRead) {
  const std::string interim =
      send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_TRUE(handler_.targets.empty());
  EXPECT_THAT(send("body"), HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(handler_.bodies, std::vector<std::string>{"body"});
}

TEST_F(ServerConnectionTest, AnExpectationOtherThanContinueIs417) {
  EXPECT_THAT(send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx"),
              HasSubstr("HTTP/1.1 417 "));
  EXPECT_TRUE(handler_.targets.empty());
}

TEST_F(ServerConnectionTest, ChunkedBodyReachesTheHandlerWhole) {
  send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npay-\r\n");
  EXPECT_TRUE(handler_.targets.empty());  // still reading the body
  EXPECT_THAT(send("4\r\ngate\r\n0\r\n\r\n"), HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(handler_.bodies, std::vector<std::string>{"pay-gate"});
}

TEST_F(ServerConnectionTest, BareLineFeedInChunkFramingIsRefusedAtOnce) {
  EXPECT_THAT(send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\npay-"),
              HasSubstr("HTTP/1.1 400 "));
  EXPECT_TRUE(handler_.targets.empty());
}

TEST_F(ServerConnectionTest, TheLastRequestAllowedOnAConnectionClosesIt) {
  limits_.max_requests_per_connection = 2;
  EXPECT_THAT(send(kGet), Not(HasSubstr("Connection: close")));
  EXPECT_THAT(send(kGet), HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(closed_, 1);
}

TEST_F(ServerConnectionTest, Http10WithoutKeepAliveIsAnsweredThenClosed) {
  EXPECT_THAT(send("GET /a HTTP/1.0\r\n\r\n"), HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(closed_, 1);
}

TEST_F(ServerConnectionTest, DrainingAnswersTheRequestInProgressThenCloses) {
  EXPECT_EQ(send("GET /a HTTP/1.1\r\n"), "");
  context_.draining = true;
  EXPECT_THAT(send("Host: h\r\n\r\n"), HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(handler_.targets.size(), 1u);
  EXPECT_EQ(closed_, 1);
}

TEST_F(ServerConnectionTest, AHandlerThatDoesNotAnswerLeavesA500NotAHang) {
  handler_.answer = [](Exchange&) -> asio::awaitable<void> { co_return; };
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, HasSubstr("HTTP/1.1 500 "));
  EXPECT_THAT(answered, HasSubstr("no response was produced"));
}

TEST_F(ServerConnectionTest, RequestIdIsTheClientsOrANewOne) {
  EXPECT_THAT(send("GET /a HTTP/1.1\r\nHost: h\r\nX-Request-Id: rid-42\r\n\r\n"),
              HasSubstr("X-Request-Id: rid-42\r\n"));
  const std::string generated = send(kGet);
  EXPECT_THAT(generated, HasSubstr("Request-ID: "));
  EXPECT_THAT(generated, Not(HasSubstr("rid-42")));
}

TEST_F(ServerConnectionTest, ThePeerIsTheStreamsAddress) {
  std::string seen;
  handler_.answer = [&seen](Exchange& ex) -> asio::awaitable<void> {
    seen = ex.client_address();
    co_await ex.respond(204, {}, {});
  };
  EXPECT_THAT(send(kGet), HasSubstr("HTTP/1.1 204 "));
  EXPECT_EQ(seen, "192.0.2.1");
}

}  // namespace
}  // namespace paygate::http
