// TooEarly behind the in-memory server connection, whose first bytes stand for TLS early data:
// which requests count as early (any whose first byte came early, pipelined ones too, none
// after), which of them are served (GET, HEAD, OPTIONS without a body; none on a route that
// refuses early data), and what the others get: 425 Too Early in the WeChat Pay JSON shape with
// the request id, counted, the connection kept.
#include "steps/too_early.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "support/step_fixture.h"

namespace paygate::steps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

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

class TooEarlyTest : public test_support::StepFixture {
 protected:
  // A connection whose first bytes, `early`, came as early data; runs until `requests` were
  // handled and returns what the client got.
  std::string open(EarlyData policy, std::string_view early, int requests = 1) {
    StepFixture::open({policy == EarlyData::kSafe ? &safe_ : &refuse_}, std::string(early));
    return run(requests);
  }
  void close_and_open_anew() { close_all(); }
  double too_early_count() const { return counted(names_.tls_early_data, {"too_early"}); }

  TooEarly safe_{EarlyData::kSafe, metrics_};
  TooEarly refuse_{EarlyData::kRefuse, metrics_};
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
