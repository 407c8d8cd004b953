// parse_intake reads the intake document strictly, naming the field of every problem;
// notify_url_allowed matches a merchant's configured notify_urls.
#include "notify/intake.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace paygate::notify {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr std::string_view kFields[] = {"mchid",   "notify_url", "event_type",     "resource_type",
                                        "summary", "resource",   "idempotency_key"};

json::object valid_document() {
  return {
      {"mchid", "1230000109"},
      {"notify_url", "https://merchant.example.com/pay/notify"},
      {"event_type", "TRANSACTION.SUCCESS"},
      {"resource_type", "transaction"},
      {"summary", "支付成功"},
      {"resource", {{"out_trade_no", "T20301001"}, {"amount", {{"total", 100}}}}},
      {"idempotency_key", "txn-4200001234"},
  };
}

struct Parsed {
  bool ok;
  NewEvent event;
  IntakeProblem problem;
};

Parsed parse(std::string_view body) {
  Parsed p;
  p.ok = parse_intake(body, p.event, p.problem);
  return p;
}

Parsed parse(const json::object& document) { return parse(json::serialize(document)); }

// The document with one field replaced.
Parsed parse_with(std::string_view field, json::value value) {
  auto document = valid_document();
  document[field] = std::move(value);
  return parse(document);
}

TEST(ParseIntake, ReadsAValidDocument) {
  const auto p = parse(valid_document());
  ASSERT_TRUE(p.ok) << p.problem.field << ": " << p.problem.message;
  EXPECT_EQ(p.event.mchid, "1230000109");
  EXPECT_EQ(p.event.notify_url, "https://merchant.example.com/pay/notify");
  EXPECT_EQ(p.event.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(p.event.resource_type, "transaction");
  EXPECT_EQ(p.event.summary, "支付成功");
  EXPECT_EQ(p.event.idempotency_key, "txn-4200001234");
  EXPECT_EQ(p.event.traceparent, "");
  // The resource object is kept as serialized JSON, equal to what was sent.
  EXPECT_EQ(json::parse(p.event.resource), valid_document().at("resource"));
}

TEST(ParseIntake, AcceptsHttpNotifyUrls) {
  const auto p = parse_with("notify_url", "http://127.0.0.1:8080/notify");
  ASSERT_TRUE(p.ok) << p.problem.message;
  EXPECT_EQ(p.event.notify_url, "http://127.0.0.1:8080/notify");
}

TEST(ParseIntake, NamesEachMissingField) {
  for (std::string_view field : kFields) {
    auto document = valid_document();
    document.erase(field);
    const auto p = parse(document);
    EXPECT_FALSE(p.ok) << field;
    EXPECT_EQ(p.problem.field, field);
    EXPECT_THAT(p.problem.message, HasSubstr(std::string(field))) << field;
  }
}

TEST(ParseIntake, NamesEachFieldOfTheWrongType) {
  for (std::string_view field : kFields) {
    const auto p = parse_with(field, 42);
    EXPECT_FALSE(p.ok) << field;
    EXPECT_EQ(p.problem.field, field);
  }
  EXPECT_EQ(parse_with("mchid", nullptr).problem.field, "mchid");
  EXPECT_EQ(parse_with("resource", "{\"a\":1}").problem.field, "resource");
  EXPECT_EQ(parse_with("resource", json::array{1, 2}).problem.field, "resource");
}

TEST(ParseIntake, RejectsEmptyStrings) {
  for (std::string_view field : kFields) {
    if (field == "resource") continue;
    const auto p = parse_with(field, "");
    EXPECT_FALSE(p.ok) << field;
    EXPECT_EQ(p.problem.field, field);
  }
}

TEST(ParseIntake, RejectsUnknownFieldsByName) {
  auto document = valid_document();
  document["amount"] = 100;
  const auto p = parse(document);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.problem.field, "amount");
  EXPECT_THAT(p.problem.message, HasSubstr("amount"));
}

TEST(ParseIntake, RejectsBadEventTypes) {
  for (std::string_view bad : {"transaction.success", "TRANSACTION SUCCESS", "TRANSACTION-SUCCESS",
                               "TRANSACTION.SUCCESS\n"}) {
    const auto p = parse_with("event_type", json::string(bad));
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_EQ(p.problem.field, "event_type");
  }
  EXPECT_FALSE(parse_with("event_type", json::string(std::string(65, 'A'))).ok);
  EXPECT_TRUE(parse_with("event_type", "REFUND.ABNORMAL_2").ok);
}

TEST(ParseIntake, RejectsBadResourceTypesAndMchids) {
  EXPECT_EQ(parse_with("resource_type", "Transaction").problem.field, "resource_type");
  EXPECT_EQ(parse_with("mchid", "123-456").problem.field, "mchid");
  EXPECT_EQ(parse_with("mchid", json::string(std::string(33, '1'))).problem.field, "mchid");
}

TEST(ParseIntake, RejectsNotifyUrlsWithQueryOrFragment) {
  for (std::string_view bad : {"https://merchant.example.com/notify?order=1",
                               "https://merchant.example.com/notify#top"}) {
    const auto p = parse_with("notify_url", json::string(bad));
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_EQ(p.problem.field, "notify_url");
    EXPECT_THAT(p.problem.message, HasSubstr("query")) << bad;
  }
}

TEST(ParseIntake, RejectsNotifyUrlsThatAreNotHttp) {
  for (std::string_view bad :
       {"ftp://merchant.example.com/notify", "merchant.example.com/notify", "/notify",
        "https://merchant.example.com/a b"}) {
    const auto p = parse_with("notify_url", json::string(bad));
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_EQ(p.problem.field, "notify_url");
  }
  const auto p = parse_with("notify_url", json::string("https://m.example/" + std::string(250, 'a')));
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.problem.field, "notify_url");
  EXPECT_THAT(p.problem.message, HasSubstr("256"));
}

TEST(ParseIntake, RejectsBodiesThatAreNotJsonObjects) {
  for (std::string_view body : {"", "not json", "{\"mchid\":", "[1,2]", "\"text\"", "null"}) {
    const auto p = parse(body);
    EXPECT_FALSE(p.ok) << body;
    EXPECT_EQ(p.problem.field, "") << body;
    EXPECT_FALSE(p.problem.message.empty());
  }
}

TEST(ParseIntake, BoundsTheIdempotencyKey) {
  const auto too_long = parse_with("idempotency_key", json::string(std::string(129, 'k')));
  EXPECT_FALSE(too_long.ok);
  EXPECT_EQ(too_long.problem.field, "idempotency_key");
  EXPECT_TRUE(parse_with("idempotency_key", json::string(std::string(128, 'k'))).ok);
  EXPECT_EQ(parse_with("idempotency_key", "with space").problem.field, "idempotency_key");
}

TEST(NotifyUrlAllowed, EntryAllowsItself) {
  const std::vector<std::string> allowed = {"https://merchant.example.com/notify"};
  EXPECT_TRUE(notify_url_allowed("https://merchant.example.com/notify", allowed));
}

TEST(NotifyUrlAllowed, EntryEndingInSlashAllowsEverythingBelow) {
  const std::vector<std::string> allowed = {"https://merchant.example.com/pay/"};
  EXPECT_TRUE(notify_url_allowed("https://merchant.example.com/pay/", allowed));
  EXPECT_TRUE(notify_url_allowed("https://merchant.example.com/pay/notify", allowed));
  EXPECT_TRUE(notify_url_allowed("https://merchant.example.com/pay/a/b", allowed));
  EXPECT_FALSE(notify_url_allowed("https://merchant.example.com/pay", allowed));
  EXPECT_FALSE(notify_url_allowed("https://merchant.example.com/payment", allowed));
}

TEST(NotifyUrlAllowed, RefusesUrlsMatchingNoEntry) {
  const std::vector<std::string> allowed = {"https://merchant.example.com/notify",
                                            "https://merchant.example.com/pay/"};
  EXPECT_FALSE(notify_url_allowed("https://evil.example.com/notify", allowed));
  EXPECT_FALSE(notify_url_allowed("http://merchant.example.com/notify", allowed));
  EXPECT_FALSE(notify_url_allowed("https://merchant.example.com/refund/", allowed));
}

TEST(NotifyUrlAllowed, EntryWithoutSlashAllowsNoSubPaths) {
  const std::vector<std::string> allowed = {"https://merchant.example.com/notify"};
  EXPECT_FALSE(notify_url_allowed("https://merchant.example.com/notify/extra", allowed));
  EXPECT_FALSE(notify_url_allowed("https://merchant.example.com/notifyx", allowed));
}

TEST(NotifyUrlAllowed, EmptyListAllowsNothing) {
  EXPECT_FALSE(notify_url_allowed("https://merchant.example.com/notify", {}));
}

}  // namespace
}  // namespace paygate::notify
