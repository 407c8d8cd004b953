// Dispatcher: attempts that end before they reach the network (a notify_url it cannot POST to,
// a merchant whose envelope cannot be built) and attempts that throw. Each ends as one failed
// attempt, recorded and rescheduled, and frees its slot for the merchant's next event. Make test
// runs this file under ASan (a count erased under pump() was once written after the erase) and,
// as the dispatcher has a thread of its own, under TSan. Real SQLite outbox in a temporary
// directory, a real merchant endpoint; every wait is bounded.
#include "notify/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/delivery_credentials.h"
#include "support/merchant_endpoint.h"
#include "support/sample_event.h"
#include "support/temp_dir.h"

namespace paygate::notify {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr std::string_view kMchid = "1230000109";
constexpr std::string_view kUnknownMchid = "1900000001";  // not in the credentials
constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr auto kWait = seconds(10);  // the bound on every wait for the dispatcher thread

NewEvent event(std::string_view mchid, const std::string& key, const std::string& notify_url) {
  return test::sample_event(mchid, key, notify_url);
}

std::unique_ptr<Store> open_store(const std::string& path) {
  return open_sqlite_store(StoreOptions{.path = path, .durable_commits = false});
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    settings_.schedule = {seconds{30}};  // a failed attempt is not retried within a test
    settings_.jitter = 0;
    settings_.attempt_timeout = seconds{2};
    settings_.lease = seconds{30};  // longer than every test: no event comes back by its lease
  }

  // Stores the events, all due now; their ids in order.
  std::vector<std::string> enqueue(const std::vector<NewEvent>& events) {
    std::vector<IntakeResult> results(events.size());
    open_store(path_)->enqueue(events, now_ms(), results);
    std::vector<std::string> ids;
    for (const auto& r : results) {
      EXPECT_EQ(r.status, IntakeStatus::kCreated) << r.error;
      ids.push_back(r.id);
    }
    return ids;
  }

  Dispatcher& dispatcher() {
    if (!dispatcher_) {
      dispatcher_ = std::make_unique<Dispatcher>(open_store(path_), settings_, credentials_,
                                                 names_, registry_.service_shard(0));
    }
    return *dispatcher_;
  }

  // Waits until every id is recorded as done() says, or kWait has passed.
  bool wait_until(const std::vector<std::string>& ids,
                  const std::function<bool(const EventRecord&)>& done) {
    const auto observer = open_store(path_);
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (const auto& id : ids) {
        const auto record = observer->find(id);
        all = all && record && done(*record);
      }
      if (all) return true;
      std::this_thread::sleep_for(milliseconds(20));  // the polling pace, not a hand-off
    }
    return false;
  }

  EventRecord find(const std::string& id) {
    auto record = open_store(path_)->find(id);
    EXPECT_TRUE(record.has_value()) << id;
    return record.value_or(EventRecord{});
  }

  test::TempDir dir_;
  const std::string path_ = dir_.file("outbox.db");
  test::MerchantEndpoint merchant_;
  const std::shared_ptr<const credentials::Credentials> credentials_ =
      test::delivery_credentials(kMchid, kApiV3Key, merchant_.url_prefix());
  NotifySettings settings_;
  observe::Registry registry_{0, 1};
  const NotifyMetrics names_{registry_};
  std::unique_ptr<Dispatcher> dispatcher_;
};

bool attempted_once(const EventRecord& r) { return r.attempts == 1; }

// Several events of one merchant that end inside pump() itself: the first one's finish() drops
// the merchant's last running delivery and with it the count pump() goes on to compare.
TEST_F(DispatcherTest, EventsWithAnUnusableNotifyUrlEachEndAsOneFailedAttempt) {
  ASSERT_NE(credentials_, nullptr);
  std::vector<NewEvent> events;
  for (int i = 0; i < 4; ++i) {
    events.push_back(
        event(kMchid, "bad-port-" + std::to_string(i), "http://merchant.example:99999/n"));
  }
  const auto ids = enqueue(events);
  dispatcher().start();
  ASSERT_TRUE(wait_until(ids, attempted_once)) << "not every event had its attempt recorded";
  dispatcher().stop();

  for (const auto& id : ids) {
    const EventRecord record = find(id);
    EXPECT_EQ(state_name(record.state), "pending") << id;
    EXPECT_THAT(record.last_error, HasSubstr("bad port")) << id;
  }
  EXPECT_THAT(registry_.render(),
              HasSubstr("paygate_notify_attempts_total{outcome=\"unsendable\"} 4\n"));
  EXPECT_TRUE(merchant_.arrivals_by_id().empty());
}

// The envelope is built when the delivery starts, before its first wait, so a merchant that is
// no longer configured also ends its attempt while pump() is still running.
TEST_F(DispatcherTest, EventsWhoseEnvelopeCannotBeBuiltEachEndAsOneFailedAttempt) {
  ASSERT_NE(credentials_, nullptr);
  std::vector<NewEvent> events;
  for (int i = 0; i < 4; ++i) {
    events.push_back(event(kUnknownMchid, "gone-" + std::to_string(i),
                           merchant_.url_prefix() + "notify"));
  }
  const auto ids = enqueue(events);
  dispatcher().start();
  ASSERT_TRUE(wait_until(ids, attempted_once)) << "not every event had its attempt recorded";
  dispatcher().stop();

  for (const auto& id : ids) {
    EXPECT_THAT(find(id).last_error, HasSubstr("is not configured")) << id;
  }
  EXPECT_THAT(registry_.render(),
              HasSubstr("paygate_notify_attempts_total{outcome=\"unsendable\"} 4\n"));
  EXPECT_TRUE(merchant_.arrivals_by_id().empty());
}

// One delivery slot for the merchant: if the attempt that threw kept it, the second event would
// never start, and the first, still held by the dispatcher, never be leased again.
TEST_F(DispatcherTest, AnAttemptThatThrowsIsAFailedAttemptRetriedOnTheSchedule) {
  ASSERT_NE(credentials_, nullptr);
  settings_.merchant_concurrency = 1;
  settings_.schedule = {seconds{1}};
  const auto ids = enqueue({event(kMchid, "throws", merchant_.url_prefix() + "notify"),
                            event(kMchid, "after", merchant_.url_prefix() + "notify")});
  std::set<std::string> thrown;  // dispatcher thread only
  dispatcher().set_attempt_step_for_test([&thrown](const EventRecord& record) {
    if (record.event.idempotency_key == "throws" && thrown.insert(record.id).second) {
      throw std::runtime_error("injected fault");
    }
  });
  const auto started = now_ms();
  dispatcher().start();
  const bool delivered = wait_until(ids, [](const EventRecord& r) {
    return state_name(r.state) == "delivered";
  });
  dispatcher().stop();
  ASSERT_TRUE(delivered) << "an event stalled behind the attempt that threw";

  const EventRecord first = find(ids[0]);
  EXPECT_EQ(first.attempts, 2u);
  // Retried on the schedule (1 s after the failure), not at once.
  EXPECT_GE(first.finished_at - started, milliseconds(1000));
  EXPECT_EQ(find(ids[1]).attempts, 1u);
  EXPECT_EQ(merchant_.arrivals_by_id(), (std::map<std::string, int>{{ids[0], 1}, {ids[1], 1}}));
  const std::string metrics = registry_.render();
  EXPECT_THAT(metrics, HasSubstr("paygate_notify_attempts_total{outcome=\"error\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("paygate_notify_attempts_total{outcome=\"delivered\"} 2\n"));
  EXPECT_THAT(metrics, HasSubstr("paygate_notify_in_flight 0\n"));
}

}  // namespace
}  // namespace paygate::notify
