// What only the SQLite outbox does: upgrading a version-1 file and refusing files it cannot use.
// What every store does is in store_contract_test.cpp. Each test works on its own file in a
// fresh temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "notify/store.h"
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

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_ / "outbox.db").string(); }

  std::unique_ptr<Store> open(std::uint64_t max_store_bytes = 0) {
    StoreOptions options;
    options.path = path();
    options.max_store_bytes = max_store_bytes;
    return open_sqlite_store(options);
  }

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
  std::unique_ptr<Store> store_;  // closed before the directory goes
};

// A file of the first schema (before events.version) is upgraded in place, its events kept.
TEST_F(SqliteStoreTest, UpgradesAVersionOneFileInPlace) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  const char* v1 =
      "CREATE TABLE events(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, mchid TEXT NOT "
      "NULL, idempotency_key TEXT NOT NULL, notify_url TEXT NOT NULL, event_type TEXT NOT NULL, "
      "resource_type TEXT NOT NULL, summary TEXT NOT NULL, resource TEXT NOT NULL, traceparent "
      "TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, "
      "leased INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, due_at INTEGER NOT NULL, "
      "finished_at INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', "
      "UNIQUE(mchid, idempotency_key));"
      "INSERT INTO events(id, mchid, idempotency_key, notify_url, event_type, resource_type, "
      "summary, resource, traceparent, created_at, due_at) VALUES('EV-old', '1230000109', "
      "'k0', 'https://merchant.example.com/notify', 'TRANSACTION.SUCCESS', 'transaction', "
      "'s', '{}', '', 1, 1);"
      "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);

  const auto old = find("EV-old");
  EXPECT_EQ(old.event.idempotency_key, "k0");
  EXPECT_EQ(old.event.version, "");
  NewEvent green = event("k1");
  green.version = "green";
  EXPECT_EQ(find(enqueue({green}).at(0).id).event.version, "green");
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  {
    std::ofstream garbage(path(), std::ios::binary);
    for (int i = 0; i < 4096; ++i) garbage.put(static_cast<char>((i * 37 + 11) & 0xff));
  }
  try {
    open();
    FAIL() << "opened a file of garbage";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path()));
  }
}

TEST_F(SqliteStoreTest, RefusesAReadOnlyFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  enqueue_one(event("k1"));
  store_.reset();
  ASSERT_EQ(::chmod(path().c_str(), 0444), 0);
  try {
    open();
    FAIL() << "opened a read-only outbox";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path()));
  }
}

TEST_F(SqliteStoreTest, RefusesAPathInAMissingDirectory) {
  StoreOptions options;
  options.path = (dir_ / "missing" / "outbox.db").string();
  EXPECT_THROW(open_sqlite_store(options), StoreError);
}

TEST_F(SqliteStoreTest, IntegrityCheckPassesOnAHealthyFile) {
  enqueue_one(event("k1"));
  store_.reset();
  StoreOptions options;
  options.path = path();
  options.check_integrity = true;
  EXPECT_NO_THROW(open_sqlite_store(options));
}

}  // namespace
}  // namespace paygate::notify
