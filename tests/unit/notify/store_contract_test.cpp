// The Store contract, run against every outbox: SQLite (a file in a fresh temporary directory)
// and PostgreSQL (a real server, each test in a schema of its own). Idempotent intake, leasing
// (atomic across connections, and its expiry after a crash), outcomes, operator calls and the
// size bound behave the same on both. PostgreSQL tests skip when no server can be started.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "notify/store.h"
#include "support/postgres_server.h"
#include "support/sample_event.h"
#include "support/temp_dir.h"

namespace paygate::notify {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

const TimePoint kT0 = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1};

NewEvent event(const std::string& key, std::string_view mchid = "1230000109") {
  NewEvent e = test::sample_event(mchid, key, "https://merchant.example.com/notify");
  e.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return e;
}

ListFilter filter(std::optional<EventState> state, std::string mchid = "",
                  std::size_t limit = 100) {
  ListFilter f;
  f.state = state;
  f.mchid = std::move(mchid);
  f.limit = limit;
  return f;
}

std::vector<std::string> ids_of(const std::vector<EventRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

// Random hex: PostgreSQL compresses repeated text, and the size bound must be reached.
std::string incompressible(std::size_t length) {
  static std::mt19937_64 engine{42};
  std::string text(length, '0');
  for (auto& c : text) c = "0123456789abcdef"[engine() & 0xf];
  return text;
}

class StoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (postgres()) {
      url_ = test::shared_postgres_url();
      if (url_.empty()) GTEST_SKIP() << test::postgres_unavailable_reason();
    }
  }

  bool postgres() const { return GetParam() == "postgresql"; }

  std::unique_ptr<Store> open(std::uint64_t max_store_bytes = 0) {
    StoreOptions options;
    options.path = postgres() ? url_ : (dir_ / "outbox.db").string();
    options.schema = schema_;
    options.max_store_bytes = max_store_bytes;
    return open_store(options);
  }

  // A bound a few hundred 3 KB events reach: an empty PostgreSQL outbox (a table, its TOAST
  // table and five indexes) already takes about 100 KiB.
  std::uint64_t small_cap() const { return postgres() ? 1024 * 1024 : 64 * 1024; }

  Store& store() {
    if (!store_) store_ = open();
    return *store_;
  }

  // Enqueues the events at `now`; the results in order.
  std::vector<IntakeResult> enqueue(std::vector<NewEvent> events, TimePoint now = kT0,
                                    Store* on = nullptr) {
    std::vector<IntakeResult> results(events.size());
    (on != nullptr ? *on : store()).enqueue(events, now, results);
    return results;
  }

  std::string enqueue_one(NewEvent e, TimePoint now = kT0) {
    auto results = enqueue({std::move(e)}, now);
    EXPECT_EQ(results[0].status, IntakeStatus::kCreated) << results[0].error;
    return results[0].id;
  }

  std::vector<EventRecord> lease(TimePoint now, milliseconds lease = minutes{1},
                                 std::vector<std::string> skip = {}, std::size_t limit = 100) {
    return store().lease_due(now, now + lease, limit, skip);
  }

  EventRecord find(const std::string& id) {
    auto found = store().find(id);
    EXPECT_TRUE(found.has_value()) << id;
    return found.value_or(EventRecord{});
  }

  test::TempDir temp_dir_;
  const std::filesystem::path& dir_ = temp_dir_.path();
  std::string url_;
  std::string schema_ = test::unique_schema("contract");
  std::unique_ptr<Store> store_;  // closed before the directory goes
};

TEST_P(StoreContractTest, EnqueueCreatesPendingEventsDueAtOnce) {
  const auto results = enqueue({event("k1"), event("k2")});
  ASSERT_THAT(results, SizeIs(2));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, IntakeStatus::kCreated) << r.error;
    EXPECT_EQ(r.id.size(), 35u) << r.id;
    EXPECT_TRUE(r.id.starts_with("EV-")) << r.id;
    EXPECT_EQ(r.id.find_first_not_of("0123456789abcdef", 3), std::string::npos) << r.id;
  }
  EXPECT_NE(results[0].id, results[1].id);

  const auto record = find(results[0].id);
  EXPECT_EQ(record.event.mchid, "1230000109");
  EXPECT_EQ(record.event.notify_url, "https://merchant.example.com/notify");
  EXPECT_EQ(record.event.event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(record.event.resource_type, "transaction");
  EXPECT_EQ(record.event.summary, "支付成功");
  EXPECT_EQ(record.event.resource, R"({"out_trade_no":"k1"})");
  EXPECT_EQ(record.event.idempotency_key, "k1");
  EXPECT_EQ(record.event.traceparent, event("k1").traceparent);
  EXPECT_EQ(record.state, EventState::kPending);
  EXPECT_EQ(record.attempts, 0u);
  EXPECT_FALSE(record.leased);
  EXPECT_EQ(record.created_at, kT0);
  EXPECT_EQ(record.due_at, kT0);
  EXPECT_EQ(record.last_error, "");
  EXPECT_EQ(record.event.version, "");
}

TEST_P(StoreContractTest, KeepsTheVersionOfTheRequestThatCausedTheEvent) {
  NewEvent green = event("k1");
  green.version = "green";
  EXPECT_EQ(find(enqueue({green}).at(0).id).event.version, "green");
}

TEST_P(StoreContractTest, FindUnknownIdIsEmpty) {
  enqueue_one(event("k1"));
  EXPECT_FALSE(store().find("EV-00000000000000000000000000000000").has_value());
}

TEST_P(StoreContractTest, RepeatedIdempotencyKeyReturnsTheFirstEvent) {
  const auto first = enqueue_one(event("k1"));
  auto again = event("k1");
  again.summary = "changed";
  const auto results = enqueue({again}, kT0 + seconds{5});
  EXPECT_EQ(results[0].status, IntakeStatus::kExisting);
  EXPECT_EQ(results[0].id, first);
  EXPECT_EQ(find(first).event.summary, "支付成功");
  EXPECT_THAT(store().list({}), SizeIs(1));
}

TEST_P(StoreContractTest, RepeatedIdempotencyKeyWithinOneBatch) {
  const auto results = enqueue({event("k1"), event("k2"), event("k1")});
  EXPECT_EQ(results[0].status, IntakeStatus::kCreated);
  EXPECT_EQ(results[1].status, IntakeStatus::kCreated);
  EXPECT_EQ(results[2].status, IntakeStatus::kExisting);
  EXPECT_EQ(results[2].id, results[0].id);
  EXPECT_THAT(store().list({}), SizeIs(2));
}

TEST_P(StoreContractTest, IdempotencyKeysArePerMerchant) {
  const auto results = enqueue({event("k1", "1230000109"), event("k1", "1900000001")});
  EXPECT_EQ(results[0].status, IntakeStatus::kCreated);
  EXPECT_EQ(results[1].status, IntakeStatus::kCreated);
  EXPECT_NE(results[0].id, results[1].id);
}

TEST_P(StoreContractTest, LeaseTakesOnlyDueEvents) {
  const auto later = enqueue_one(event("later"), kT0 + seconds{2});
  const auto first = enqueue_one(event("first"), kT0);
  const auto future = enqueue_one(event("future"), kT0 + hours{1});

  const auto leased = lease(kT0 + seconds{10});
  // The order of the returned records is the store's (SQLite's RETURNING order is unspecified);
  // which events are taken under a limit is checked below.
  EXPECT_THAT(ids_of(leased), UnorderedElementsAre(first, later));
  for (const auto& r : leased) EXPECT_TRUE(r.leased);

  const auto record = find(first);
  EXPECT_TRUE(record.leased);
  EXPECT_EQ(record.state, EventState::kPending);
  EXPECT_EQ(record.due_at, kT0 + seconds{10} + minutes{1});
  EXPECT_FALSE(find(future).leased);
}

TEST_P(StoreContractTest, LeaseTakesTheOldestDueFirst) {
  // Enqueued in the opposite order of their due times.
  const auto c = enqueue_one(event("c"), kT0 + seconds{3});
  const auto b = enqueue_one(event("b"), kT0 + seconds{2});
  const auto a = enqueue_one(event("a"), kT0 + seconds{1});
  const auto now = kT0 + seconds{10};
  EXPECT_THAT(ids_of(store().lease_due(now, now + minutes{1}, 1, {})), ElementsAre(a));
  EXPECT_THAT(ids_of(store().lease_due(now, now + minutes{1}, 1, {})), ElementsAre(b));
  EXPECT_THAT(ids_of(store().lease_due(now, now + minutes{1}, 1, {})), ElementsAre(c));
}

TEST_P(StoreContractTest, LeaseHonoursTheLimit) {
  const auto a = enqueue_one(event("a"), kT0);
  const auto b = enqueue_one(event("b"), kT0 + seconds{1});
  const auto c = enqueue_one(event("c"), kT0 + seconds{2});
  const auto now = kT0 + seconds{10};
  EXPECT_THAT(ids_of(store().lease_due(now, now + minutes{1}, 2, {})), UnorderedElementsAre(a, b));
  EXPECT_THAT(ids_of(store().lease_due(now, now + minutes{1}, 2, {})), ElementsAre(c));
  EXPECT_THAT(store().lease_due(now, now + minutes{1}, 2, {}), IsEmpty());
}

TEST_P(StoreContractTest, LeasedEventsAreNotLeasedTwice) {
  enqueue_one(event("k1"));
  EXPECT_THAT(lease(kT0), SizeIs(1));
  EXPECT_THAT(lease(kT0), IsEmpty());
  EXPECT_THAT(lease(kT0 + seconds{59}), IsEmpty());
}

TEST_P(StoreContractTest, ExpiredLeaseMakesTheEventDueAgain) {
  // A dispatcher that crashed mid-delivery never records an outcome.
  const auto id = enqueue_one(event("k1"));
  ASSERT_THAT(lease(kT0, minutes{1}), SizeIs(1));
  const auto again = lease(kT0 + minutes{1} + milliseconds{1});
  EXPECT_THAT(ids_of(again), ElementsAre(id));
  EXPECT_EQ(again[0].attempts, 0u);
}

TEST_P(StoreContractTest, LeaseSkipsTheGivenMerchants) {
  const auto busy = enqueue_one(event("k1", "1111111111"), kT0);
  const auto other = enqueue_one(event("k2", "2222222222"), kT0 + seconds{1});
  EXPECT_THAT(ids_of(lease(kT0 + seconds{5}, minutes{1}, {"1111111111"})), ElementsAre(other));
  EXPECT_FALSE(find(busy).leased);
  EXPECT_THAT(ids_of(lease(kT0 + seconds{5})), ElementsAre(busy));
}

TEST_P(StoreContractTest, DeliveredOutcomeFinishesTheEvent) {
  const auto id = enqueue_one(event("k1"));
  ASSERT_THAT(lease(kT0), SizeIs(1));
  const Outcome outcome{Outcome::Kind::kDelivered, id, 1, kT0 + seconds{1}, ""};
  store().record({&outcome, 1});
  const auto r = find(id);
  EXPECT_EQ(r.state, EventState::kDelivered);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_FALSE(r.leased);
  EXPECT_EQ(r.finished_at, kT0 + seconds{1});
  EXPECT_EQ(r.last_error, "");
  EXPECT_THAT(lease(kT0 + hours{1}), IsEmpty());
}

TEST_P(StoreContractTest, RetryOutcomeReschedules) {
  const auto id = enqueue_one(event("k1"));
  ASSERT_THAT(lease(kT0), SizeIs(1));
  const Outcome outcome{Outcome::Kind::kRetry, id, 1, kT0 + seconds{15}, "merchant answered 500"};
  store().record({&outcome, 1});
  const auto r = find(id);
  EXPECT_EQ(r.state, EventState::kPending);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_FALSE(r.leased);
  EXPECT_EQ(r.due_at, kT0 + seconds{15});
  EXPECT_EQ(r.last_error, "merchant answered 500");
  EXPECT_THAT(lease(kT0 + seconds{14}), IsEmpty());
  EXPECT_THAT(lease(kT0 + seconds{15}), SizeIs(1));
}

TEST_P(StoreContractTest, DeadLetterOutcomeFailsTheEvent) {
  const auto id = enqueue_one(event("k1"));
  ASSERT_THAT(lease(kT0), SizeIs(1));
  const Outcome outcome{Outcome::Kind::kDeadLetter, id, 16, kT0 + hours{25}, "timed out"};
  store().record({&outcome, 1});
  const auto r = find(id);
  EXPECT_EQ(r.state, EventState::kFailed);
  EXPECT_EQ(r.attempts, 16u);
  EXPECT_FALSE(r.leased);
  EXPECT_EQ(r.finished_at, kT0 + hours{25});
  EXPECT_EQ(r.last_error, "timed out");
  EXPECT_THAT(lease(kT0 + hours{48}), IsEmpty());
}

TEST_P(StoreContractTest, ReleaseOutcomeKeepsAttemptsAndError) {
  const auto id = enqueue_one(event("k1"));
  ASSERT_THAT(lease(kT0), SizeIs(1));
  const Outcome retry{Outcome::Kind::kRetry, id, 1, kT0 + seconds{15}, "refused"};
  store().record({&retry, 1});
  ASSERT_THAT(lease(kT0 + seconds{15}), SizeIs(1));
  const Outcome release{Outcome::Kind::kRelease, id, 1, kT0 + seconds{20}, ""};
  store().record({&release, 1});
  const auto r = find(id);
  EXPECT_EQ(r.state, EventState::kPending);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_FALSE(r.leased);
  EXPECT_EQ(r.due_at, kT0 + seconds{20});
  EXPECT_EQ(r.last_error, "refused");
}

TEST_P(StoreContractTest, OutcomesDoNotReopenFinishedEvents) {
  const auto id = enqueue_one(event("k1"));
  const Outcome delivered{Outcome::Kind::kDelivered, id, 1, kT0, ""};
  store().record({&delivered, 1});
  const Outcome late{Outcome::Kind::kRetry, id, 2, kT0 + seconds{15}, "stale"};
  store().record({&late, 1});
  EXPECT_EQ(find(id).state, EventState::kDelivered);
  EXPECT_EQ(find(id).attempts, 1u);
}

TEST_P(StoreContractTest, RecordAppliesSeveralOutcomes) {
  const auto a = enqueue_one(event("a"));
  const auto b = enqueue_one(event("b"));
  ASSERT_THAT(lease(kT0), SizeIs(2));
  const std::vector<Outcome> outcomes = {
      {Outcome::Kind::kDelivered, a, 1, kT0 + seconds{1}, ""},
      {Outcome::Kind::kRetry, b, 1, kT0 + seconds{16}, "HTTP 503"},
  };
  store().record(outcomes);
  EXPECT_EQ(find(a).state, EventState::kDelivered);
  EXPECT_EQ(find(b).due_at, kT0 + seconds{16});
}

TEST_P(StoreContractTest, RetryNowRevivesADeadLetter) {
  const auto id = enqueue_one(event("k1"));
  const Outcome dead{Outcome::Kind::kDeadLetter, id, 16, kT0 + hours{25}, "timed out"};
  store().record({&dead, 1});
  EXPECT_TRUE(store().retry_now(id, kT0 + hours{26}));
  const auto r = find(id);
  EXPECT_EQ(r.state, EventState::kPending);
  EXPECT_FALSE(r.leased);
  EXPECT_EQ(r.due_at, kT0 + hours{26});
  EXPECT_THAT(ids_of(lease(kT0 + hours{26})), ElementsAre(id));
}

TEST_P(StoreContractTest, RetryNowMakesAScheduledEventDue) {
  const auto id = enqueue_one(event("k1"));
  ASSERT_THAT(lease(kT0), SizeIs(1));
  const Outcome retry{Outcome::Kind::kRetry, id, 1, kT0 + hours{3}, "refused"};
  store().record({&retry, 1});
  EXPECT_TRUE(store().retry_now(id, kT0 + seconds{30}));
  EXPECT_THAT(ids_of(lease(kT0 + seconds{30})), ElementsAre(id));
}

TEST_P(StoreContractTest, RetryNowRedeliversADeliveredEvent) {
  // store.h: a delivered event is delivered again (a merchant that lost it).
  const auto id = enqueue_one(event("k1"));
  const Outcome delivered{Outcome::Kind::kDelivered, id, 1, kT0, ""};
  store().record({&delivered, 1});
  EXPECT_TRUE(store().retry_now(id, kT0 + hours{1}));
  const auto r = find(id);
  EXPECT_EQ(r.state, EventState::kPending);
  EXPECT_EQ(r.due_at, kT0 + hours{1});
  EXPECT_THAT(ids_of(lease(kT0 + hours{1})), ElementsAre(id));
}

TEST_P(StoreContractTest, RetryNowRefusesUnknownEvents) {
  enqueue_one(event("k1"));
  EXPECT_FALSE(store().retry_now("EV-00000000000000000000000000000000", kT0));
}

TEST_P(StoreContractTest, ListFiltersNewestFirst) {
  const auto a = enqueue_one(event("a", "1111111111"));
  const auto b = enqueue_one(event("b", "2222222222"));
  const auto c = enqueue_one(event("c", "1111111111"));
  const Outcome dead{Outcome::Kind::kDeadLetter, b, 1, kT0, "gone"};
  store().record({&dead, 1});

  EXPECT_THAT(ids_of(store().list({})), ElementsAre(c, b, a));
  EXPECT_THAT(ids_of(store().list(filter(EventState::kPending))), ElementsAre(c, a));
  EXPECT_THAT(ids_of(store().list(filter(EventState::kFailed))), ElementsAre(b));
  EXPECT_THAT(ids_of(store().list(filter(EventState::kDelivered))), IsEmpty());
  EXPECT_THAT(ids_of(store().list(filter(std::nullopt, "1111111111"))), ElementsAre(c, a));
  EXPECT_THAT(ids_of(store().list(filter(EventState::kFailed, "1111111111"))), IsEmpty());
  EXPECT_THAT(ids_of(store().list(filter(std::nullopt, "", 2))), ElementsAre(c, b));
}

TEST_P(StoreContractTest, PruneDeletesOnlyEventsFinishedBeforeTheCutoffs) {
  const auto old_delivered = enqueue_one(event("a"));
  const auto new_delivered = enqueue_one(event("b"));
  const auto old_failed = enqueue_one(event("c"));
  const auto new_failed = enqueue_one(event("d"));
  const auto pending = enqueue_one(event("e"));
  const std::vector<Outcome> outcomes = {
      {Outcome::Kind::kDelivered, old_delivered, 1, kT0 + hours{1}, ""},
      {Outcome::Kind::kDelivered, new_delivered, 1, kT0 + hours{3}, ""},
      {Outcome::Kind::kDeadLetter, old_failed, 16, kT0 + hours{1}, "x"},
      {Outcome::Kind::kDeadLetter, new_failed, 16, kT0 + hours{3}, "x"},
  };
  store().record(outcomes);

  EXPECT_EQ(store().prune(kT0 + hours{2}, kT0 + hours{2}), 2u);
  EXPECT_FALSE(store().find(old_delivered).has_value());
  EXPECT_FALSE(store().find(old_failed).has_value());
  EXPECT_TRUE(store().find(new_delivered).has_value());
  EXPECT_TRUE(store().find(new_failed).has_value());
  EXPECT_TRUE(store().find(pending).has_value());

  // Separate cutoffs: delivered ones go sooner than dead letters.
  EXPECT_EQ(store().prune(kT0 + hours{4}, kT0 + hours{2}), 1u);
  EXPECT_FALSE(store().find(new_delivered).has_value());
  EXPECT_TRUE(store().find(new_failed).has_value());
  EXPECT_EQ(store().prune(kT0 + hours{100}, kT0 + hours{100}), 1u);
  EXPECT_TRUE(store().find(pending).has_value());
}

TEST_P(StoreContractTest, StatsCountsDuePendingAndFailed) {
  EXPECT_EQ(store().stats(kT0).due, 0u);
  EXPECT_EQ(store().stats(kT0).oldest_due_seconds, 0.0);
  enqueue_one(event("a"), kT0);
  enqueue_one(event("b"), kT0 + seconds{10});
  enqueue_one(event("c"), kT0 + hours{1});
  const auto dead = enqueue_one(event("d"), kT0);
  const Outcome outcome{Outcome::Kind::kDeadLetter, dead, 16, kT0, "x"};
  store().record({&outcome, 1});

  const auto stats = store().stats(kT0 + seconds{30});
  EXPECT_EQ(stats.due, 2u);
  EXPECT_EQ(stats.pending, 3u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_DOUBLE_EQ(stats.oldest_due_seconds, 30.0);
}

TEST_P(StoreContractTest, LeasedEventsAreNotDue) {
  enqueue_one(event("a"), kT0);
  ASSERT_THAT(lease(kT0, minutes{1}), SizeIs(1));
  const auto stats = store().stats(kT0 + seconds{30});
  EXPECT_EQ(stats.due, 0u);
  EXPECT_EQ(stats.pending, 1u);
}

TEST_P(StoreContractTest, CommitsCountsTransactions) {
  EXPECT_EQ(store().commits(), 0u);
  const auto id = enqueue_one(event("a"));
  EXPECT_EQ(store().commits(), 1u);
  enqueue({event("b"), event("c"), event("d")});
  EXPECT_EQ(store().commits(), 2u);  // one commit for the whole batch
  lease(kT0);
  EXPECT_EQ(store().commits(), 3u);
  const Outcome outcome{Outcome::Kind::kDelivered, id, 1, kT0, ""};
  store().record({&outcome, 1});
  EXPECT_EQ(store().commits(), 4u);
}

TEST_P(StoreContractTest, ConnectionsOnTheSameOutboxShareEvents) {
  auto intake = open();
  auto dispatcher = open();
  std::vector<IntakeResult> results(1);
  const std::vector<NewEvent> events = {event("k1")};
  intake->enqueue(events, kT0, results);
  ASSERT_EQ(results[0].status, IntakeStatus::kCreated);

  const auto found = dispatcher->find(results[0].id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->event.idempotency_key, "k1");

  // Leasing is atomic across connections: the other one sees the lease.
  EXPECT_THAT(dispatcher->lease_due(kT0, kT0 + minutes{1}, 10, {}), SizeIs(1));
  EXPECT_THAT(intake->lease_due(kT0, kT0 + minutes{1}, 10, {}), IsEmpty());
  EXPECT_TRUE(intake->find(results[0].id)->leased);

  // And the idempotency key is shared.
  intake.reset();
  std::vector<IntakeResult> again(1);
  dispatcher->enqueue(events, kT0, again);
  EXPECT_EQ(again[0].status, IntakeStatus::kExisting);
  EXPECT_EQ(again[0].id, results[0].id);
}

TEST_P(StoreContractTest, CheckpointKeepsEveryEvent) {
  const auto id = enqueue_one(event("k1"));
  store().checkpoint();
  enqueue_one(event("k2"));
  store().checkpoint();
  auto other = open();
  EXPECT_TRUE(other->find(id).has_value());
  EXPECT_THAT(other->list({}), SizeIs(2));
}

TEST_P(StoreContractTest, EventsSurviveReopening) {
  const auto id = enqueue_one(event("k1"));
  store_.reset();
  EXPECT_EQ(find(id).event.idempotency_key, "k1");
}

TEST_P(StoreContractTest, FullStoreRefusesTheWholeBatch) {
  store_ = open(small_cap());
  std::size_t stored = 0;
  int batch = 0;
  std::vector<IntakeResult> results;
  for (; batch < 400; ++batch) {
    std::vector<NewEvent> events;
    for (int i = 0; i < 3; ++i) {
      auto e = event("b" + std::to_string(batch) + "-" + std::to_string(i));
      e.resource = R"({"padding":")" + incompressible(3000) + R"("})";
      events.push_back(std::move(e));
    }
    results = enqueue(events);
    if (results[0].status != IntakeStatus::kCreated) break;
    for (const auto& r : results) ASSERT_EQ(r.status, IntakeStatus::kCreated) << r.error;
    stored += results.size();
  }
  ASSERT_LT(batch, 400) << "the store never filled up";
  EXPECT_GT(stored, 0u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, IntakeStatus::kStoreFull) << r.error;
    EXPECT_EQ(r.id, "");
    EXPECT_FALSE(r.error.empty());
  }
  // Nothing of the refused batch was kept, and the store still answers.
  EXPECT_THAT(store().list(filter(std::nullopt, "", 1000)), SizeIs(stored));
  EXPECT_EQ(store().stats(kT0).pending, stored);
  // A repeated key needs no room: it is still answered with the stored event.
  EXPECT_EQ(enqueue({event("b0-0")})[0].status, IntakeStatus::kExisting);
}

// An id taken from a request path is a view into a longer text, with no NUL after it.
TEST_P(StoreContractTest, IdsMayBeViewsIntoLongerText) {
  const auto id = enqueue_one(event("k1"));
  const std::string path = id + "/retry";
  const std::string_view view = std::string_view(path).substr(0, id.size());
  ASSERT_TRUE(store().find(view).has_value());
  EXPECT_EQ(store().find(view)->id, id);
  EXPECT_TRUE(store().retry_now(view, kT0));
}

// Two dispatchers (two connections, two threads) lease the same outbox at once: every event is
// handed out exactly once while the leases last.
TEST_P(StoreContractTest, ConcurrentLeasesNeverHandOutAnEventTwice) {
  constexpr int kEvents = 600;
  for (int batch = 0; batch < kEvents / 100; ++batch) {
    std::vector<NewEvent> events;
    for (int i = 0; i < 100; ++i) {
      // (std::string::append: GCC 12 warns, wrongly, about "k" + std::to_string here.)
      std::string key = "k";
      key.append(std::to_string(batch * 100 + i));
      events.push_back(event(key, std::to_string(1000000000 + i % 7)));
    }
    for (const auto& r : enqueue(events)) ASSERT_EQ(r.status, IntakeStatus::kCreated) << r.error;
  }
  std::vector<std::string> taken[2];
  std::atomic<bool> failed{false};
  auto dispatch = [&](int which) {
    try {
      auto connection = open();
      for (;;) {
        auto leased = connection->lease_due(kT0, kT0 + minutes{5}, 7, {});
        if (leased.empty()) return;
        for (auto& r : leased) taken[which].push_back(r.id);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      failed = true;
    }
  };
  std::thread first(dispatch, 0);
  std::thread second(dispatch, 1);
  first.join();
  second.join();
  ASSERT_FALSE(failed);
  std::set<std::string> all(taken[0].begin(), taken[0].end());
  all.insert(taken[1].begin(), taken[1].end());
  EXPECT_EQ(taken[0].size() + taken[1].size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kEvents));
}

// Intakes on two connections with the same keys at once: each key is stored once, and both
// answers name the same event.
TEST_P(StoreContractTest, ConcurrentDuplicatesAreStoredOnce) {
  constexpr int kKeys = 200;
  std::vector<IntakeResult> answers[2];
  auto intake = [&](int which) {
    auto connection = open();
    for (int i = 0; i < kKeys; ++i) {
      auto results = enqueue({event("dup" + std::to_string(i))}, kT0, connection.get());
      answers[which].push_back(results[0]);
    }
  };
  store();  // the schema exists before the race
  std::thread first(intake, 0);
  std::thread second(intake, 1);
  first.join();
  second.join();
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_NE(answers[0][i].status, IntakeStatus::kStoreError) << answers[0][i].error;
    ASSERT_NE(answers[1][i].status, IntakeStatus::kStoreError) << answers[1][i].error;
    EXPECT_EQ(answers[0][i].id, answers[1][i].id);
  }
  EXPECT_THAT(store().list(filter(std::nullopt, "", 1000)), SizeIs(kKeys));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace paygate::notify
