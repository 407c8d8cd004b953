// record_json: what an operator sees of an event. Pending events show their next attempt,
// finished ones when they finished; the plaintext resource never appears.
#include "notify/record_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace paygate::notify {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSecret = "4200001234SECRET";

EventRecord record(EventState state) {
  using namespace std::chrono;
  EventRecord r;
  r.id = "EV-0123456789abcdef0123456789abcdef";
  r.event.mchid = "1230000109";
  r.event.notify_url = "https://merchant.example.com/notify";
  r.event.event_type = "TRANSACTION.SUCCESS";
  r.event.resource_type = "transaction";
  r.event.summary = "支付成功";
  r.event.resource = R"({"transaction_id":")" + std::string(kSecret) + R"("})";
  r.event.idempotency_key = "k1";
  r.state = state;
  r.attempts = 2;
  r.created_at = sys_days{year{2026} / 11 / 30} + hours{12};
  r.due_at = r.created_at + seconds{30} + milliseconds{250};
  r.finished_at = r.created_at + minutes{1} + milliseconds{5};
  r.last_error = "merchant answered 500";
  return r;
}

json::object as_object(const std::string& text) {
  json::error_code error;
  auto value = json::parse(text, error);
  EXPECT_FALSE(error) << text;
  EXPECT_TRUE(value.is_object()) << text;
  return value.is_object() ? value.get_object() : json::object{};
}

TEST(RecordJson, PendingShowsTheNextAttempt) {
  const auto o = as_object(record_json(record(EventState::kPending)));
  EXPECT_EQ(o.at("id"), "EV-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(o.at("mchid"), "1230000109");
  EXPECT_EQ(o.at("notify_url"), "https://merchant.example.com/notify");
  EXPECT_EQ(o.at("event_type"), "TRANSACTION.SUCCESS");
  EXPECT_EQ(o.at("resource_type"), "transaction");
  EXPECT_EQ(o.at("idempotency_key"), "k1");
  EXPECT_EQ(o.at("state"), "pending");
  EXPECT_EQ(o.at("leased"), false);
  EXPECT_EQ(o.at("attempts"), 2);
  EXPECT_EQ(o.at("created_at"), "2026-11-30T12:00:00.000Z");
  EXPECT_EQ(o.at("next_attempt_at"), "2026-11-30T12:00:30.250Z");
  EXPECT_FALSE(o.contains("finished_at"));
  EXPECT_EQ(o.at("last_error"), "merchant answered 500");
}

TEST(RecordJson, FinishedEventsShowWhenTheyFinished) {
  for (auto [state, name] : {std::pair{EventState::kDelivered, "delivered"},
                             std::pair{EventState::kFailed, "failed"}}) {
    const auto o = as_object(record_json(record(state)));
    EXPECT_EQ(o.at("state"), name);
    EXPECT_EQ(o.at("finished_at"), "2026-11-30T12:01:00.005Z") << name;
    EXPECT_FALSE(o.contains("next_attempt_at")) << name;
  }
}

TEST(RecordJson, NeverContainsTheResource) {
  for (auto state : {EventState::kPending, EventState::kDelivered, EventState::kFailed}) {
    const auto text = record_json(record(state));
    EXPECT_THAT(text, Not(HasSubstr(kSecret)));
    EXPECT_FALSE(as_object(text).contains("resource"));
  }
}

TEST(StateName, RoundTrips) {
  for (auto state : {EventState::kPending, EventState::kDelivered, EventState::kFailed}) {
    EXPECT_EQ(parse_state(state_name(state)), state);
  }
  EXPECT_EQ(parse_state("leased"), std::nullopt);
}

}  // namespace
}  // namespace paygate::notify
