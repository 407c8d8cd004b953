#include "mockpay/notifier.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <stdexcept>

#include "mockpay_fixture.h"
#include "notify/intake.h"

namespace paygate::mockpay {
namespace {

namespace json = boost::json;

class NotifierTest : public MockPayTest {
 protected:
  std::vector<Event> paid_and_refunded() {
    create_order("NOTE_1");
    create_order("NOTE_2");
    pay_order("NOTE_1");
    pay_order("NOTE_2");
    post(
        "/v3/refund/domestic/refunds",
        R"({"out_trade_no":"NOTE_1","out_refund_no":"R_1","amount":{"refund":1,"total":100,"currency":"CNY"}})");
    return pay_.take_events();
  }
};

TEST_F(NotifierTest, EveryEventHasItsOwnKey) {
  const std::vector<Event> events = paid_and_refunded();
  ASSERT_EQ(events.size(), 3u);
  std::set<std::string> keys;
  for (const Event& event : events) {
    EXPECT_TRUE(event.key.starts_with(event.event_type + "/")) << event.key;
    keys.insert(event.key);
  }
  EXPECT_EQ(keys.size(), events.size());
}

TEST_F(NotifierTest, IntakeDocumentIsWhatTheGatewayAccepts) {
  for (const Event& event : paid_and_refunded()) {
    notify::NewEvent parsed;
    notify::IntakeProblem problem;
    ASSERT_TRUE(notify::parse_intake(intake_document(event), parsed, problem))
        << problem.field << ": " << problem.message;
    EXPECT_EQ(parsed.mchid, event.mchid);
    EXPECT_EQ(parsed.notify_url, event.notify_url);
    EXPECT_EQ(parsed.event_type, event.event_type);
    EXPECT_EQ(parsed.resource_type, event.original_type);
    EXPECT_EQ(parsed.summary, event.summary);
    EXPECT_EQ(parsed.idempotency_key, event.key);
    EXPECT_EQ(json::parse(parsed.resource), json::parse(event.resource));
  }
}

NotifierOptions intake(std::string url) {
  NotifierOptions options;
  options.intake_url = std::move(url);
  return options;
}

TEST(NotifierSetup, RefusesAnIntakeUrlItCannotReach) {
  boost::asio::io_context io;
  EXPECT_THROW(Notifier(io.get_executor(), intake("https://127.0.0.1:9902/internal/notifications")),
               std::invalid_argument);
  EXPECT_THROW(Notifier(io.get_executor(), intake("127.0.0.1:9902")), std::invalid_argument);
  EXPECT_NO_THROW(
      Notifier(io.get_executor(), intake("http://127.0.0.1:9902/internal/notifications")));
}

TEST(NotifierSetup, NothingToSendStartsNothing) {
  boost::asio::io_context io;
  Notifier notifier(io.get_executor(), intake("http://127.0.0.1:9/internal/notifications"));
  notifier.submit({});
  EXPECT_EQ(io.poll(), 0u);
  EXPECT_EQ(notifier.queued(), 0u);
}

}  // namespace
}  // namespace paygate::mockpay
