// What only the PostgreSQL outbox does: versioned migrations (applied once, also when several
// nodes start together; a newer schema refused), a lost server reported as a store error and
// reconnected to afterwards, LISTEN/NOTIFY waking a dispatcher's connection, the password kept
// out of messages, and batches committing on several connections at once (the committer's
// lanes): no deadlock between them, and a batch whose connection is lost mid-commit refused
// while another one is acknowledged. Against a real server; skipped when none can be started.
#include "notify/postgres_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>

#include <thread>

#include "notify/store.h"
#include "support/postgres_server.h"
#include "support/sample_event.h"

namespace paygate::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

NewEvent event(const std::string& key) {
  return test::sample_event("1230000109", key, "https://merchant.example.com/notify");
}

// One answer of SQL run on a connection of its own ("" when there is no row).
std::string query(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  PGresult* result = PQexec(connection, sql.c_str());
  std::string answer;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
    answer = PQgetvalue(result, 0, 0);
  }
  PQclear(result);
  PQfinish(connection);
  return answer;
}

// A connection of the test's own, for a transaction it holds open.
class Session {
 public:
  explicit Session(const std::string& url) : connection_(PQconnectdb(url.c_str())) {}
  ~Session() { PQfinish(connection_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  bool run(const std::string& sql) {
    PGresult* result = PQexec(connection_, sql.c_str());
    const auto status = PQresultStatus(result);
    PQclear(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

 private:
  PGconn* connection_;
};

IntakeStatus enqueue(Store& store, const std::string& key) {
  const std::vector<NewEvent> events = {event(key)};
  std::vector<IntakeResult> results(1);
  store.enqueue(events, now_ms(), results);
  return results[0].status;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = test::shared_postgres_url();
    if (url_.empty()) GTEST_SKIP() << test::postgres_unavailable_reason();
  }

  StoreOptions options(bool listen = false) const {
    StoreOptions o;
    o.path = url_;
    o.schema = schema_;
    o.listen_for_work = listen;
    return o;
  }

  std::string migrations() const {
    return query(url_, "SELECT string_agg(version::text, ',' ORDER BY version) FROM " + schema_ +
                           ".schema_migrations");
  }

  // Takes `key` in a transaction of `session`, left open: an intake of the same key waits for it.
  bool hold_key(Session& session, const std::string& key) const {
    return session.run("BEGIN") &&
           session.run("INSERT INTO " + schema_ +
                       ".events(id, mchid, idempotency_key, notify_url, event_type, "
                       "resource_type, summary, resource, traceparent, created_at, due_at) "
                       "VALUES('EV-held', '1230000109', '" +
                       key +
                       "', 'https://merchant.example.com/notify', 'TRANSACTION.SUCCESS', "
                       "'transaction', '', '{}', '', 0, 0)");
  }

  // The connections of this schema's outbox waiting for a lock (pg_stat_activity shows a
  // prepared statement's text, which names the schema).
  std::string lock_waiters(const std::string& what = "count(*)") const {
    return query(url_, "SELECT " + what +
                           " FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE "
                           "'%" +
                           schema_ + ".events%'");
  }

  bool wait_for_a_lock_waiter() const {
    for (int i = 0; i < 500; ++i) {
      if (lock_waiters() == "1") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::string all_versions() const {
    std::string versions;
    for (int v = 1; v <= postgres_schema_version(); ++v) {
      if (!versions.empty()) versions += ',';
      versions += std::to_string(v);
    }
    return versions;
  }

  std::string url_;
  std::string schema_ = test::unique_schema("pgstore");
};

TEST_F(PostgresStoreTest, MigrationsAreRecordedAndAppliedOnce) {
  auto first = open_store(options());
  EXPECT_EQ(migrations(), all_versions());
  ASSERT_EQ(enqueue(*first, "k1"), IntakeStatus::kCreated);
  auto second = open_store(options());  // finds nothing to do, keeps the events
  EXPECT_EQ(migrations(), all_versions());
  EXPECT_THAT(second->list({}), ::testing::SizeIs(1));
}

TEST_F(PostgresStoreTest, NodesStartingTogetherMigrateOnce) {
  constexpr int kNodes = 3;
  std::vector<std::thread> nodes;
  std::atomic<int> failures{0};
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&] {
      try {
        auto store = open_store(options());
        if (enqueue(*store, "k") == IntakeStatus::kStoreError) ++failures;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& node : nodes) node.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(migrations(), all_versions());
}

TEST_F(PostgresStoreTest, RefusesASchemaWrittenByANewerPaygate) {
  open_store(options());
  query(url_, "INSERT INTO " + schema_ + ".schema_migrations(version) VALUES(999) RETURNING 1");
  try {
    open_store(options());
    FAIL() << "opened a schema of version 999";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("newer paygate"));
  }
}

TEST_F(PostgresStoreTest, OutboxKindsInOneDatabaseKeepTheirOwnEvents) {
  auto notifications = open_store(options());
  StoreOptions other = options();
  other.schema = schema_ + "_callbacks";
  auto callbacks = open_store(other);
  ASSERT_EQ(enqueue(*notifications, "k1"), IntakeStatus::kCreated);
  EXPECT_EQ(enqueue(*callbacks, "k1"), IntakeStatus::kCreated);  // not a repeat there
  EXPECT_THAT(callbacks->list({}), ::testing::SizeIs(1));
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAStoreErrorWithoutThePassword) {
  StoreOptions o = options();
  o.path = "postgresql://paygate:s3cret-word@127.0.0.1:1/paygate?connect_timeout=2";
  try {
    open_store(o);
    FAIL() << "connected to port 1";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot connect"));
    EXPECT_THAT(e.what(), Not(HasSubstr("s3cret-word")));
  }
}

TEST_F(PostgresStoreTest, AnotherConnectionsIntakeWakesAListeningConnection) {
  auto dispatcher = open_store(options(/*listen=*/true));
  auto intake = open_store(options());
  ASSERT_TRUE(dispatcher->listens_for_work());
  ASSERT_GE(dispatcher->wakeup_fd(), 0);
  EXPECT_FALSE(dispatcher->take_wakeups());

  ASSERT_EQ(enqueue(*intake, "k1"), IntakeStatus::kCreated);
  pollfd readable{dispatcher->wakeup_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 5000), 1) << "no notice within 5 s";
  EXPECT_TRUE(dispatcher->take_wakeups());
  EXPECT_FALSE(dispatcher->take_wakeups());

  // A repeat creates nothing, and wakes nobody.
  ASSERT_EQ(enqueue(*intake, "k1"), IntakeStatus::kExisting);
  readable.revents = 0;
  EXPECT_EQ(::poll(&readable, 1, 200), 0);
}

TEST_F(PostgresStoreTest, TheSqliteStoreHasNoWakeups) {
  test::TempDir dir;
  StoreOptions o;
  o.path = dir.file("outbox.db");
  auto store = open_store(o);
  EXPECT_FALSE(store->listens_for_work());
  EXPECT_EQ(store->wakeup_fd(), -1);
}

std::vector<NewEvent> events_of(std::initializer_list<const char*> keys) {
  std::vector<NewEvent> events;
  for (const char* key : keys) events.push_back(event(key));
  return events;
}

// Two intake connections: one batch waits for a key another transaction holds, having taken
// nothing yet, while a second batch with two of its keys, in the opposite order, commits. In
// arrival order the first would have taken k1 before waiting, the second would wait for k1 while
// holding k2, and the first, let go, would wait for k2: a deadlock, failing one batch.
TEST_F(PostgresStoreTest, BatchesTakingKeysInOppositeOrdersOnTwoConnectionsBothCommit) {
  auto first = open_store(options());
  auto second = open_store(options());
  Session holder(url_);
  ASSERT_TRUE(hold_key(holder, "k0"));

  const auto first_events = events_of({"k1", "k0", "k2"});
  std::vector<IntakeResult> first_results(3);
  std::thread first_batch([&] { first->enqueue(first_events, now_ms(), first_results); });
  ASSERT_TRUE(wait_for_a_lock_waiter());
  const auto second_events = events_of({"k2", "k1"});
  std::vector<IntakeResult> second_results(2);
  std::thread second_batch([&] { second->enqueue(second_events, now_ms(), second_results); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // long enough to wait, if it did
  ASSERT_TRUE(holder.run("COMMIT"));
  first_batch.join();
  second_batch.join();

  for (const auto& r : second_results) EXPECT_EQ(r.status, IntakeStatus::kCreated) << r.error;
  EXPECT_EQ(first_results[1].status, IntakeStatus::kExisting) << first_results[1].error;
  EXPECT_EQ(first_results[1].id, "EV-held");
  EXPECT_EQ(first_results[0].status, IntakeStatus::kExisting) << first_results[0].error;
  EXPECT_EQ(first_results[0].id, second_results[1].id);  // k1
  EXPECT_EQ(first_results[2].status, IntakeStatus::kExisting) << first_results[2].error;
  EXPECT_EQ(first_results[2].id, second_results[0].id);  // k2
}

// A batch in flight when its connection is lost is refused, never acknowledged, and stored
// nothing; another connection's batch, in flight at the same time, is acknowledged.
TEST_F(PostgresStoreTest, ABatchWhoseConnectionIsLostMidCommitIsRefusedAndAnotherIsNot) {
  auto lost = open_store(options());
  auto other = open_store(options());
  Session holder(url_);
  ASSERT_TRUE(hold_key(holder, "k0"));

  const auto lost_events = events_of({"k0", "k1"});
  std::vector<IntakeResult> lost_results(2);
  std::thread lost_batch([&] { lost->enqueue(lost_events, now_ms(), lost_results); });
  ASSERT_TRUE(wait_for_a_lock_waiter());
  EXPECT_EQ(enqueue(*other, "k2"), IntakeStatus::kCreated);
  EXPECT_EQ(lock_waiters("bool_and(pg_terminate_backend(pid))"), "t");
  lost_batch.join();
  ASSERT_TRUE(holder.run("ROLLBACK"));

  for (const auto& r : lost_results) {
    EXPECT_EQ(r.status, IntakeStatus::kStoreError);
    EXPECT_TRUE(r.id.empty());
  }
  // Nothing of the lost batch was stored: its keys are new to the next intake, which reconnects.
  EXPECT_EQ(enqueue(*lost, "k1"), IntakeStatus::kCreated);
  EXPECT_EQ(enqueue(*other, "k0"), IntakeStatus::kCreated);
  EXPECT_EQ(other->stats(now_ms()).pending, 3u);
}

// A server of its own, stopped and restarted under the store.
class PostgresRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!server_.ok()) GTEST_SKIP() << test::postgres_unavailable_reason();
  }
  StoreOptions options(bool listen = false) const {
    StoreOptions o;
    o.path = server_.url();
    o.listen_for_work = listen;
    return o;
  }
  test::PostgresServer server_;
};

TEST_F(PostgresRestartTest, ReconnectsAfterTheServerRestarts) {
  auto intake = open_store(options());
  auto dispatcher = open_store(options(/*listen=*/true));
  ASSERT_EQ(enqueue(*intake, "before"), IntakeStatus::kCreated);
  ASSERT_TRUE(server_.restart());

  // The call that meets the lost connection fails as a store error; the next one reconnects.
  IntakeStatus status = enqueue(*intake, "after");
  if (status == IntakeStatus::kStoreError) status = enqueue(*intake, "after");
  EXPECT_EQ(status, IntakeStatus::kCreated);
  std::vector<EventRecord> leased;
  for (int attempt = 0; attempt < 2 && leased.empty(); ++attempt) {
    try {
      leased = dispatcher->lease_due(now_ms(), now_ms() + std::chrono::minutes{1}, 10, {});
    } catch (const std::exception&) {
      // The lost connection: reported once.
    }
  }
  EXPECT_EQ(leased.size(), 2u);
  EXPECT_GE(dispatcher->wakeup_fd(), 0);  // listening again on the new connection
}

TEST_F(PostgresRestartTest, WhileTheServerIsDownEveryCallFailsAndNothingCrashes) {
  auto intake = open_store(options());
  auto dispatcher = open_store(options(/*listen=*/true));
  ASSERT_EQ(enqueue(*intake, "before"), IntakeStatus::kCreated);
  ASSERT_TRUE(server_.kill());

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(enqueue(*intake, "down" + std::to_string(i)), IntakeStatus::kStoreError);
    EXPECT_ANY_THROW(dispatcher->lease_due(now_ms(), now_ms(), 10, {}));
    EXPECT_ANY_THROW(intake->stats(now_ms()));
  }
  EXPECT_EQ(dispatcher->wakeup_fd(), -1);

  ASSERT_TRUE(server_.start_again());
  EXPECT_EQ(enqueue(*intake, "back"), IntakeStatus::kCreated);
  // Only what was acknowledged is there: nothing of the refused intakes.
  EXPECT_EQ(intake->stats(now_ms()).pending, 2u);
}

}  // namespace
}  // namespace paygate::notify
