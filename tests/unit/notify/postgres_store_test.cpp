// What only the PostgreSQL outbox does: versioned migrations (applied once, also when several
// nodes start together; a newer schema refused), a lost server reported as a store error and
// reconnected to afterwards, LISTEN/NOTIFY waking a dispatcher's connection, and the password
// kept out of messages. Against a real server; skipped when none can be started.
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
