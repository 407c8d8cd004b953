// proxy::Forwarder in one process: a client on the in-memory downstream connection, a handler
// that forwards as steps/forward.cpp does, and a scripted upstream on a loopback socket. Covers
// what the integration tests reach only through real processes: re-framing of upstream bodies,
// hop-by-hop fields, interim responses, malformed or oversized answers, keep-alive reuse and
// stale pooled connections, connect retries, pool limits, fetch() + send_fetched(), a failure
// after the head went out, and one upstream timeout.
#include "proxy/forwarder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <charconv>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/upstreams.h"
#include "support/in_memory_downstream.h"
#include "support/scripted_upstream.h"

namespace paygate::proxy {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::InMemoryDownstream;
using test_support::ScriptedUpstream;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

class RecordingObserver final : public ForwardObserver {
 public:
  int connect_errors = 0;
  std::vector<RetryDecision> retries;
  std::vector<RetryReason> reasons;
  std::vector<std::pair<std::string, EjectionReason>> ejections;

  int h2_ping_timeouts = 0;

  void on_connect_error(const ClusterSettings&) override { ++connect_errors; }
  void on_h2_ping_timeout(const std::string&) override { ++h2_ping_timeouts; }
  void on_retry(const ClusterSettings&, RetryReason reason, RetryDecision decision) override {
    retries.push_back(decision);
    reasons.push_back(reason);
  }
  void on_ejection(const ClusterSettings&, std::string_view endpoint, EjectionReason reason,
                   Clock::duration) override {
    ejections.emplace_back(endpoint, reason);
  }
};

// Forwards every request as steps/forward.cpp does: relay(), or fetch() then send_fetched(),
// and the gateway's failure reply when nothing reached the client yet.
class ForwardingHandler final : public http::Handler {
 public:
  ForwardingHandler(Forwarder& forwarder, const ForwardTarget& target)
      : forwarder_(forwarder), target_(target) {}

  bool fetch = false;
  std::string_view verified_mchid;  // what the verify step would have established
  // In fetch mode, between a successful fetch() and send_fetched().
  std::function<void(http::Exchange&)> on_fetched = [](http::Exchange&) {};
  std::vector<Outcome> outcomes;  // one per request, in order
  std::vector<int> statuses;      // exchange.status() once handled

  asio::awaitable<void> handle(http::Exchange& ex) override {
    const Outcome outcome = fetch ? co_await fetch_and_send(ex)
                                  : co_await forwarder_.relay(ex, target_, verified_mchid);
    if (auto reply = failure_reply(outcome); reply && ex.bytes_out() == 0) {
      co_await ex.respond_error(reply->kind, reply->message);
    }
    outcomes.push_back(outcome);
    statuses.push_back(ex.status());
  }

 private:
  asio::awaitable<Outcome> fetch_and_send(http::Exchange& ex) {
    const Outcome outcome = co_await forwarder_.fetch(ex, target_, verified_mchid);
    if (outcome != Outcome::kOk) co_return outcome;
    on_fetched(ex);
    co_return co_await Forwarder::send_fetched(ex);
  }

  Forwarder& forwarder_;
  const ForwardTarget& target_;
};

EndpointSettings loopback(std::uint16_t port) {
  EndpointSettings e;
  e.host = "127.0.0.1";
  e.port = port;
  e.address = {asio::ip::make_address("127.0.0.1"), port};
  return e;
}

// A loopback port nobody listens on: bound, then released.
std::uint16_t unused_port(asio::io_context& io) {
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

std::string head_of(std::string_view response) {
  const auto end = response.find("\r\n\r\n");
  return std::string(response.substr(0, end == std::string_view::npos ? end : end + 4));
}

std::string body_of(std::string_view response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string_view::npos ? std::string() : std::string(response.substr(end + 4));
}

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The payload of a chunked body; "<bad chunking>" when the framing is broken, has no last
// chunk, or has bytes after it.
std::string dechunk(std::string_view framed) {
  static const std::string kBad = "<bad chunking>";
  std::string payload;
  for (;;) {
    const auto line_end = framed.find("\r\n");
    if (line_end == std::string_view::npos) return kBad;
    std::size_t size = 0;
    const auto [end, ec] = std::from_chars(framed.data(), framed.data() + line_end, size, 16);
    if (ec != std::errc() || end != framed.data() + line_end) return kBad;
    framed.remove_prefix(line_end + 2);
    if (size == 0) return framed == "\r\n" ? payload : kBad;
    if (framed.size() < size + 2 || framed.substr(size, 2) != "\r\n") return kBad;
    payload.append(framed.substr(0, size));
    framed.remove_prefix(size + 2);
  }
}

constexpr std::string_view kGet =
    "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.example\r\n\r\n";
constexpr std::string_view kPost =
    "POST /v3/pay/transactions/jsapi HTTP/1.1\r\nHost: pay.example\r\nContent-Length: 2\r\n\r\n{}";
constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

class ForwarderTest : public ::testing::Test {
 protected:
  ForwarderTest() {
    cluster_.name = "pay";
    cluster_.endpoints = {loopback(upstream_.port())};
    cluster_.eject_after_connect_failures = 0;  // the one endpoint stays in every pick
    target_.cluster = &cluster_;
    target_.total_timeout = 5s;
  }
  // Every coroutine ends before the objects it uses: client and upstream connections close,
  // then the context runs until the connections and the upstream are done.
  ~ForwarderTest() override {
    downstream_.close_all();
    upstream_.stop();
    downstream_.watchdog.stop();
    downstream_.run_until(
        [this] { return downstream_.ended == downstream_.started && upstream_.done(); });
  }

  // Sends bytes as `client`, runs until the handler finished one more request, and returns
  // what the client received meanwhile.
  std::string send(std::string_view bytes, http::InMemoryStream* client = nullptr) {
    http::InMemoryStream& c = client ? *client : client_;
    target_.state = &upstreams_.adopt(cluster_);  // the cluster as the test left it
    const std::size_t before = handler_.outcomes.size();
    InMemoryDownstream::write(c, bytes);
    downstream_.run_until([&] { return handler_.outcomes.size() > before; });
    return InMemoryDownstream::take(c);
  }

  // Only once the connection ended: on an open one the read would block.
  boost::system::error_code read_after_end() {
    char byte;
    boost::system::error_code ec;
    client_.read_some(asio::buffer(&byte, 1), ec);
    return ec;
  }

  asio::io_context io_;
  ScriptedUpstream upstream_{io_};
  RecordingObserver observer_;
  Forwarder forwarder_{observer_};
  WorkerUpstreams upstreams_;
  ClusterSettings cluster_;
  ForwardTarget target_;
  ForwardingHandler handler_{forwarder_, target_};
  InMemoryDownstream downstream_{io_, handler_};
  http::InMemoryStream& client_ = downstream_.connect();
};

TEST_F(ForwarderTest, ContentLengthResponseIsRelayedAsIsWithoutHopByHopFields) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                   "Content-Length: 11\r\nConnection: X-Up-Hop\r\nX-Up-Hop: 1\r\n"
                                   "Keep-Alive: timeout=5\r\nX-Up: kept\r\n\r\nhello world"}}};
  const std::string answered = send(kGet);
  const std::string head = head_of(answered);
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(count(head, "Content-Length: 11\r\n"), 1u);
  EXPECT_THAT(head, Not(HasSubstr("Transfer-Encoding")));
  EXPECT_THAT(head, HasSubstr("X-Up: kept\r\n"));
  EXPECT_THAT(head, HasSubstr("Via: 1.1 paygate\r\n"));
  EXPECT_THAT(head, Not(HasSubstr("X-Up-Hop")));  // named in the upstream's Connection
  EXPECT_THAT(head, Not(HasSubstr("Keep-Alive")));
  EXPECT_THAT(head, Not(HasSubstr("Connection")));
  EXPECT_EQ(body_of(answered), "hello world");
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kOk));
  EXPECT_EQ(downstream_.ended, 0);
}

TEST_F(ForwarderTest, UpstreamRequestCarriesProxyFieldsAndNoHopByHopOnes) {
  upstream_.answers = {{.pieces = {std::string(kOk)}}};
  send(
      "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.example\r\n"
      "Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
      "TE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-Forwarded-For: 198.51.100.7\r\n"
      "Via: 1.1 edge\r\nX-Request-Id: rid-1\r\nX-Kept: yes\r\n\r\n");
  ASSERT_EQ(upstream_.requests.size(), 1u);
  const std::string& request = upstream_.requests[0];
  EXPECT_THAT(request, StartsWith("GET /v3/pay/transactions/id/1 HTTP/1.1\r\n"));
  EXPECT_THAT(request, HasSubstr("\r\nHost: pay.example\r\n"));
  EXPECT_THAT(request, HasSubstr("\r\nX-Kept: yes\r\n"));
  EXPECT_THAT(request, HasSubstr("\r\nX-Forwarded-For: 198.51.100.7, 192.0.2.1\r\n"));
  EXPECT_THAT(request, HasSubstr("\r\nVia: 1.1 edge, 1.1 paygate\r\n"));
  EXPECT_EQ(count(request, "X-Request-Id: "), 1u);
  EXPECT_THAT(request, HasSubstr("\r\nX-Request-Id: rid-1\r\n"));
  EXPECT_THAT(request, Not(HasSubstr("Connection")));
  EXPECT_THAT(request, Not(HasSubstr("X-Hop")));
  EXPECT_THAT(request, Not(HasSubstr("Keep-Alive")));
  EXPECT_THAT(request, Not(HasSubstr("\r\nTE: ")));
  EXPECT_THAT(request, Not(HasSubstr("Proxy-Authorization")));
  EXPECT_THAT(request, Not(HasSubstr("Content-Length")));  // a GET without a body
}

// A backend behind CGI, WSGI or many frameworks reads X_Pay_Mchid as X-Pay-Mchid: every spelling
// a client sends is removed, and the backend sees the verified merchant once.
TEST_F(ForwarderTest, OnlyTheVerifiedMchidReachesTheUpstreamInAnySpelling) {
  handler_.verified_mchid = "1230000109";
  upstream_.answers = {{.pieces = {std::string(kOk)}}};
  send(
      "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.example\r\nX_Pay_Mchid: forged1\r\n"
      "x-pay_MCHID: forged2\r\nX-PAY-MCHID: forged3\r\nX-Forwarded_For: 203.0.113.9\r\n"
      "X-Pay-Mchid-Note: kept\r\n\r\n");
  ASSERT_EQ(upstream_.requests.size(), 1u);
  const std::string& request = upstream_.requests[0];
  EXPECT_EQ(count(request, "1230000109"), 1u);
  EXPECT_THAT(request, HasSubstr("\r\nX-Pay-Mchid: 1230000109\r\n"));
  // Not "f1": the random trace id in the request may hold any two hex digits.
  for (const char* forged : {"forged1", "forged2", "forged3", "203.0.113.9"}) {
    EXPECT_THAT(request, Not(HasSubstr(forged))) << forged;
  }
  EXPECT_THAT(request, HasSubstr("\r\nX-Pay-Mchid-Note: kept\r\n"));
}

// A route's fault trigger (routes[].fault.header) is the gateway's: never forwarded, in any
// spelling, while a field that only starts like it passes.
TEST_F(ForwarderTest, TheDroppedRequestFieldNeverReachesTheUpstream) {
  target_.dropped_request_field = "X-Fault-Inject";
  upstream_.answers = {{.pieces = {std::string(kOk)}}};
  send(
      "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.example\r\nX-Fault-Inject: abort\r\n"
      "x_fault_INJECT: delay\r\nX-Fault-Injected: kept\r\n\r\n");
  ASSERT_EQ(upstream_.requests.size(), 1u);
  const std::string& request = upstream_.requests[0];
  EXPECT_THAT(request, Not(HasSubstr("abort")));
  EXPECT_THAT(request, Not(HasSubstr("delay")));
  EXPECT_THAT(request, HasSubstr("\r\nX-Fault-Injected: kept\r\n"));
}

// On a signed route the response steps write the Wechatpay-* fields: the upstream's, in any
// spelling, are dropped so the reply carries one set.
TEST_F(ForwarderTest, AReplacedReplyPrefixDropsThatFamilyOfUpstreamFields) {
  handler_.fetch = true;
  target_.replaced_reply_prefix = "Wechatpay-";
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nWechatpay-Signature: upstream\r\n"
                                   "wechatpay-serial: s1\r\nWECHATPAY_NONCE: n1\r\n"
                                   "WechatpayX: kept\r\nContent-Length: 2\r\n\r\nok"}}};
  const std::string head = head_of(send(kGet));
  EXPECT_THAT(head, Not(HasSubstr("upstream")));
  EXPECT_THAT(head, Not(HasSubstr("s1")));
  EXPECT_THAT(head, Not(HasSubstr("n1")));
  EXPECT_THAT(head, HasSubstr("\r\nWechatpayX: kept\r\n"));
}

TEST_F(ForwarderTest, UpstreamWechatpayFieldsPassWhenNoPrefixIsReplaced) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nWechatpay-Serial: s1\r\n"
                                   "Content-Length: 2\r\n\r\nok"}}};
  EXPECT_THAT(head_of(send(kGet)), HasSubstr("\r\nWechatpay-Serial: s1\r\n"));
}

TEST_F(ForwarderTest, InterimContinueIsSkippedAndTheFinalResponseRelayed) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 100 Continue\r\n\r\n", std::string(kOk)}}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answered, Not(HasSubstr("100 Continue")));
  EXPECT_EQ(body_of(answered), "ok");
}

TEST_F(ForwarderTest, SwitchingProtocolsFromUpstreamIs502) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n\r\n"}}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(answered, HasSubstr(R"("code":"BAD_GATEWAY")"));
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kBadResponse));
}

TEST_F(ForwarderTest, ChunkedBodyIsRechunkedAndTheConnectionPooled) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                                   "lo\r\n6\r\n world\r\n", "0\r\n\r\n"}}};
  for (int i = 0; i < 2; ++i) {
    const std::string answered = send(kGet);
    EXPECT_EQ(count(head_of(answered), "Transfer-Encoding: chunked\r\n"), 1u);
    EXPECT_THAT(head_of(answered), Not(HasSubstr("Content-Length")));
    EXPECT_THAT(answered, EndsWith("\r\n0\r\n\r\n"));
    EXPECT_EQ(dechunk(body_of(answered)), "hello world");
  }
  EXPECT_EQ(upstream_.accepted, 1);  // a complete chunked response leaves the connection reusable
}

TEST_F(ForwarderTest, CloseDelimitedBodyIsChunkedForAnHttp11Client) {
  upstream_.answers = {
      {.pieces = {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello", " world"},
       .close = true}};
  const std::string answered = send(kGet);
  EXPECT_THAT(head_of(answered), HasSubstr("Transfer-Encoding: chunked\r\n"));
  EXPECT_THAT(head_of(answered), Not(HasSubstr("Connection: close")));
  EXPECT_THAT(answered, EndsWith("\r\n0\r\n\r\n"));
  EXPECT_EQ(dechunk(body_of(answered)), "hello world");
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kOk));
  EXPECT_EQ(downstream_.ended, 0);  // the client's connection is still good
}

TEST_F(ForwarderTest, CloseDelimitedBodyStaysCloseDelimitedForAnHttp10Client) {
  upstream_.answers = {
      {.pieces = {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello", " world"},
       .close = true}};
  const std::string answered = send("GET /a HTTP/1.0\r\n\r\n");
  EXPECT_THAT(head_of(answered), HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(head_of(answered), Not(HasSubstr("Transfer-Encoding")));
  EXPECT_THAT(head_of(answered), Not(HasSubstr("Content-Length")));
  EXPECT_EQ(body_of(answered), "hello world");
  ASSERT_EQ(downstream_.ended, 1);  // the close is what ends the body
  EXPECT_EQ(read_after_end(), asio::error::eof);
}

TEST_F(ForwarderTest, HeadRelaysNoBodyButKeepsContentLength) {
  constexpr std::string_view kHead = "HEAD /a HTTP/1.1\r\nHost: pay.example\r\n\r\n";
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"}},
                       {.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"}},
                       {.pieces = {std::string(kOk)}}};
  const std::string with_length = send(kHead);
  EXPECT_THAT(head_of(with_length), HasSubstr("Content-Length: 5\r\n"));
  EXPECT_EQ(body_of(with_length), "");
  // Without a length the client gets no chunked framing either: not even a last chunk.
  const std::string chunked = send(kHead);
  EXPECT_THAT(chunked, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(head_of(chunked), Not(HasSubstr("Transfer-Encoding")));
  EXPECT_EQ(body_of(chunked), "");
  // Both connections stay in step: nothing waits for a body that never comes.
  EXPECT_EQ(body_of(send(kGet)), "ok");
  EXPECT_EQ(upstream_.accepted, 1);
  EXPECT_THAT(upstream_.requests[0], StartsWith("HEAD /a HTTP/1.1\r\n"));
}

TEST_F(ForwarderTest, ResponseOverMaxResponseBytesIs502WhenNothingWasSent) {
  cluster_.max_response_bytes = 8;
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"}}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(answered, Not(HasSubstr("hello")));
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kBadResponse));
}

TEST_F(ForwarderTest, ContentLengthWithTransferEncodingIs502) {
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
                        .close = true}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(body_of(answered), HasSubstr(R"("code":"BAD_GATEWAY")"));
}

// A body cut short leaves nothing behind: the next response on the same client connection is
// exactly its own (the per-connection body buffer once carried the partial body over).
TEST_F(ForwarderTest, APartialBodyThatFailedDoesNotLeakIntoTheNextResponse) {
  handler_.fetch = true;
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello"},
                        .close = true},
                       {.pieces = {std::string(kOk)}}};
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  const std::string next = send(kGet);
  EXPECT_THAT(next, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(body_of(next), "ok");
  EXPECT_THAT(head_of(next), HasSubstr("Content-Length: 2\r\n"));
}

TEST_F(ForwarderTest, GarbageIs502) {
  upstream_.answers = {{.pieces = {"this is not http\r\n\r\n"}, .close = true}};
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kBadResponse));
}

TEST_F(ForwarderTest, UpstreamClosingBeforeAnsweringIs502) {
  upstream_.answers = {{.pieces = {}, .close = true}};
  EXPECT_THAT(send(kPost), StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kBadResponse));
  EXPECT_EQ(upstream_.requests.size(), 1u);  // it did read the request
}

TEST_F(ForwarderTest, KeepAliveRequestsShareOneUpstreamConnection) {
  upstream_.answers = {{.pieces = {std::string(kOk)}}};
  EXPECT_EQ(body_of(send(kGet)), "ok");
  EXPECT_EQ(body_of(send(kPost)), "ok");
  EXPECT_EQ(upstream_.accepted, 1);
  EXPECT_EQ(upstream_.requests.size(), 2u);
}

TEST_F(ForwarderTest, PooledConnectionTheUpstreamClosedIsReplacedForAGet) {
  upstream_.answers = {{.pieces = {std::string(kOk)}, .close = true}};  // keep-alive, then closes
  EXPECT_EQ(body_of(send(kGet)), "ok");
  ASSERT_TRUE(downstream_.run_until([this] { return upstream_.ended == 1; }));
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(body_of(answered), "ok");
  EXPECT_EQ(upstream_.accepted, 2);
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kOk, Outcome::kOk));
  EXPECT_EQ(observer_.connect_errors, 0);
  EXPECT_THAT(observer_.retries, IsEmpty());  // the stale connection cost no try
}

TEST_F(ForwarderTest, ConnectFailureIs502AfterEveryTry) {
  cluster_.endpoints = {loopback(unused_port(io_))};
  cluster_.retry.max_retries = 2;
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(answered, HasSubstr("upstream connection failed"));
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kConnectFailed));
  EXPECT_EQ(observer_.connect_errors, 3);
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kRetry, RetryDecision::kRetry,
                                             RetryDecision::kNoTriesLeft));
}

TEST_F(ForwarderTest, PostIsNotRetriedAfterAConnectFailure) {
  cluster_.endpoints = {loopback(unused_port(io_))};
  cluster_.retry.max_retries = 2;
  EXPECT_THAT(send(kPost), StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_EQ(observer_.connect_errors, 1);
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kNotIdempotent));
}

constexpr std::string_view k503 =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy";

TEST_F(ForwarderTest, A5xxIsRetriedAndItsAnswerDiscarded) {
  cluster_.retry.retry_on = static_cast<unsigned>(RetryOn::k5xx);
  upstream_.answers = {{.pieces = {std::string(k503)}}, {.pieces = {std::string(kOk)}}};
  for (bool fetch : {false, true}) {
    handler_.fetch = fetch;
    upstream_.requests.clear();
    observer_.retries.clear();
    const std::string answered = send(kGet);
    EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n")) << fetch;
    EXPECT_EQ(body_of(answered), "ok");  // nothing of the 503 reached the client
    EXPECT_EQ(upstream_.requests.size(), 2u);
    EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kRetry));
    EXPECT_THAT(observer_.reasons, Contains(RetryReason::k5xx));
  }
}

TEST_F(ForwarderTest, APostIsRetriedOnlyOnARouteMarkedIdempotent) {
  cluster_.retry.retry_on = static_cast<unsigned>(RetryOn::k5xx);
  upstream_.answers = {{.pieces = {std::string(k503)}}, {.pieces = {std::string(kOk)}}};
  EXPECT_THAT(send(kPost), StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kNotIdempotent));
  upstream_.requests.clear();
  target_.idempotent = true;
  EXPECT_THAT(send(kPost), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kNotIdempotent, RetryDecision::kRetry));
  EXPECT_EQ(upstream_.requests.size(), 2u);
}

TEST_F(ForwarderTest, AResetBeforeAnyAnswerIsRetried) {
  cluster_.retry.retry_on = static_cast<unsigned>(RetryOn::kReset);
  upstream_.answers = {{.pieces = {}, .close = true}, {.pieces = {std::string(kOk)}}};
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kRetry));
  EXPECT_THAT(observer_.reasons, ElementsAre(RetryReason::kReset));
}

TEST_F(ForwarderTest, NoRetryOnceBytesOfTheAnswerArrived) {
  cluster_.retry.retry_on = static_cast<unsigned>(RetryOn::kReset);
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nContent-Le"}, .close = true},
                       {.pieces = {std::string(kOk)}}};
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 502 Bad Gateway\r\n"));
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kBytesReceived));
  EXPECT_EQ(upstream_.requests.size(), 1u);
}

TEST_F(ForwarderTest, AnEmptyBudgetRefusesTheRetry) {
  cluster_.retry.retry_on = static_cast<unsigned>(RetryOn::k5xx);
  cluster_.retry.budget_ratio = 0;
  cluster_.retry.min_retries_per_second = 0;
  upstream_.answers = {{.pieces = {std::string(k503)}}, {.pieces = {std::string(kOk)}}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_EQ(body_of(answered), "busy");  // the upstream's own answer, relayed
  EXPECT_THAT(observer_.retries, ElementsAre(RetryDecision::kNoBudget));
}

TEST_F(ForwarderTest, AFailureRetryOnDoesNotNameIsNeitherRetriedNorReported) {
  upstream_.answers = {{.pieces = {std::string(k503)}}, {.pieces = {std::string(kOk)}}};
  EXPECT_THAT(send(kGet), StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));  // default policy
  EXPECT_THAT(observer_.retries, IsEmpty());
}

TEST_F(ForwarderTest, NoConnectionAllowedIs503) {
  cluster_.max_connections_per_endpoint = 0;
  upstream_.answers = {{.pieces = {std::string(kOk)}}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(answered, HasSubstr(R"("code":"SERVICE_UNAVAILABLE")"));
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kPoolExhausted));
  EXPECT_EQ(upstream_.accepted, 0);
  EXPECT_THAT(observer_.retries, IsEmpty());  // nothing was tried, so nothing is retried
}

TEST_F(ForwarderTest, TheOnlyConnectionBusyIs503ForTheNextRequest) {
  cluster_.max_connections_per_endpoint = 1;
  upstream_.answers = {{.pieces = {}, .close = false, .hold = true}};
  target_.state = &upstreams_.adopt(cluster_);
  InMemoryDownstream::write(client_, kGet);
  ASSERT_TRUE(downstream_.run_until([this] { return upstream_.requests.size() == 1; }));
  http::InMemoryStream& second = downstream_.connect();
  EXPECT_THAT(send(kGet, &second), StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_EQ(upstream_.accepted, 1);
}

TEST_F(ForwarderTest, FetchLeavesTheHeadOpenAndSendsNothingUntilSendFetched) {
  handler_.fetch = true;
  upstream_.answers = {{.pieces = {"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                                   "Content-Length: 11\r\n\r\n{\"id\":\"42\"}"}}};
  int status = 0;
  std::string head, body, client_had;
  handler_.on_fetched = [&](http::Exchange& ex) {
    status = ex.status();
    head = ex.out();
    body = ex.scratch().body;
    client_had = client_.str();
    ex.out().append("X-Added: yes\r\n");
  };
  const std::string answered = send(kGet);
  EXPECT_EQ(status, 201);
  EXPECT_THAT(head, StartsWith("HTTP/1.1 201 Created\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Length: 11\r\n"));
  EXPECT_THAT(head, EndsWith("\r\n"));
  EXPECT_THAT(head, Not(EndsWith("\r\n\r\n")));
  EXPECT_EQ(body, R"({"id":"42"})");
  EXPECT_EQ(client_had, "");
  EXPECT_THAT(head_of(answered), HasSubstr("\r\nX-Added: yes\r\n"));
  EXPECT_EQ(body_of(answered), R"({"id":"42"})");
}

TEST_F(ForwarderTest, FetchFramesAChunkedBodyWithContentLength) {
  handler_.fetch = true;
  upstream_.answers = {{.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                                   "lo\r\n0\r\n\r\n"}}};
  const std::string answered = send(kGet);
  EXPECT_THAT(head_of(answered), HasSubstr("Content-Length: 5\r\n"));
  EXPECT_THAT(head_of(answered), Not(HasSubstr("Transfer-Encoding")));
  EXPECT_EQ(body_of(answered), "hello");
}

TEST_F(ForwarderTest, RelayFailureAfterTheHeadWentOutClosesTheConnection) {
  upstream_.answers = {
      {.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}, .close = true}};
  const std::string answered = send(kGet);
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(body_of(answered), "abc");  // and no error answer after it
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kBadResponse));
  ASSERT_EQ(downstream_.ended, 1);
  EXPECT_EQ(read_after_end(), asio::error::eof);
}

// The only test with the watchdog ticking (every 10 ms): timeouts are its job.
TEST_F(ForwarderTest, AnUpstreamThatNeverAnswersTimesOutWith504) {
  cluster_.try_timeout = 100ms;
  upstream_.answers = {{.pieces = {}, .close = false, .hold = true}};
  downstream_.watchdog.start();
  const auto started = std::chrono::steady_clock::now();
  send(kGet);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_THAT(handler_.outcomes, ElementsAre(Outcome::kUpstreamTimeout));
  // Decided, but not read here: the deadline cancels the downstream stream too, which the
  // in-memory stream can only do by closing it (support/in_memory_stream.h).
  EXPECT_THAT(handler_.statuses, ElementsAre(504));
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 1s);
}

}  // namespace
}  // namespace paygate::proxy
