// The SQLite outbox: one table of events, WAL journal, one connection per Store object.
// Intake connections commit with synchronous=FULL (the WAL is fsynced at each commit, so a
// committed batch survives power loss); the dispatcher's connection uses NORMAL (its leases and
// outcomes may be lost in a power cut, which only repeats a delivery).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json/serialize.hpp>
#include <boost/json/array.hpp>

#include "notify/event_ids.h"
#include "notify/sqlite_handles.h"
#include "notify/store.h"

namespace paygate::notify {
namespace {

// The busy handler of every outbox connection. The outbox has several writers (the committer,
// each dispatcher), and SQLite's default handler sleeps ever longer between looks at the lock,
// up to 100 ms: a commit that meets a dispatcher's short transaction would then wait far longer
// than the transaction lasts, which is what a callback's or an intake's p99 showed. This one
// looks again every 200 us for the first 20 ms, then every millisecond, and gives up after
// about 10 s, as before.
int wait_for_the_lock(void*, int tries) {
  constexpr int kQuickTries = 100;   // x 200 us = 20 ms
  constexpr int kMostTries = 10'000;  // then 1 ms each: about 10 s in all
  if (tries >= kMostTries) return 0;
  std::this_thread::sleep_for(tries < kQuickTries ? std::chrono::microseconds(200)
                                                  : std::chrono::milliseconds(1));
  return 1;
}


using sqlite::Statement;

// 1: the first; 2: events.version (the version a split or canary chose for the request that
// caused the event), added in place to a version-1 file.
constexpr int kSchemaVersion = 2;
constexpr std::size_t kPruneBatch = 2000;  // per state and call

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  mchid TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  notify_url TEXT NOT NULL,
  event_type TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  summary TEXT NOT NULL,
  resource TEXT NOT NULL,
  traceparent TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  leased INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL DEFAULT '',
  UNIQUE(mchid, idempotency_key));
CREATE INDEX IF NOT EXISTS events_due ON events(due_at) WHERE state = 0;
CREATE INDEX IF NOT EXISTS events_finished ON events(state, finished_at) WHERE state <> 0;
)sql";

constexpr const char* kColumns =
    "id, mchid, idempotency_key, notify_url, event_type, resource_type, summary, resource, "
    "traceparent, state, attempts, leased, created_at, due_at, finished_at, last_error, version";

std::int64_t millis(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint time_at(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }

EventRecord read_record(const Statement& row) {
  EventRecord r;
  r.id = row.text(0);
  r.event.mchid = row.text(1);
  r.event.idempotency_key = row.text(2);
  r.event.notify_url = row.text(3);
  r.event.event_type = row.text(4);
  r.event.resource_type = row.text(5);
  r.event.summary = row.text(6);
  r.event.resource = row.text(7);
  r.event.traceparent = row.text(8);
  r.state = static_cast<EventState>(row.integer(9));
  r.attempts = static_cast<unsigned>(row.integer(10));
  r.leased = row.integer(11) != 0;
  r.created_at = time_at(row.integer(12));
  r.due_at = time_at(row.integer(13));
  r.finished_at = time_at(row.integer(14));
  r.last_error = row.text(15);
  r.event.version = row.text(16);
  return r;
}

// A torn or overwritten file is refused at start, never discovered halfway through a delivery.
void check_integrity(sqlite3* db, const std::string& where) {
  Statement check(db, "PRAGMA quick_check(1)");
  std::string verdict = check.step() ? check.text(0) : "no answer";
  check.reset();
  if (verdict != "ok") throw StoreError(where + ": corrupt: " + verdict);
}

std::string select_sql(std::string_view where) {
  return std::string("SELECT ") + kColumns + " FROM events " + std::string(where);
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const StoreOptions& options) : db_(open(options)), statements_(db_.get()) {}

  void enqueue(std::span<const NewEvent> events, TimePoint now,
               std::span<IntakeResult> results) override;
  std::vector<EventRecord> lease_due(TimePoint now, TimePoint lease_until, std::size_t limit,
                                     std::span<const std::string> skip_mchids) override;
  void record(std::span<const Outcome> outcomes) override;
  std::optional<EventRecord> find(std::string_view id) override;
  std::vector<EventRecord> list(const ListFilter& filter) override;
  bool retry_now(std::string_view id, TimePoint now) override;
  std::size_t prune(TimePoint delivered_before, TimePoint failed_before) override;
  StoreStats stats(TimePoint now) override;
  std::uint64_t commits() const override { return commits_; }

 private:
  static sqlite::Database open(const StoreOptions& options);

  // Prepared once per connection.
  struct Statements {
    explicit Statements(sqlite3* db)
        : insert(db,
                 "INSERT INTO events(id, mchid, idempotency_key, notify_url, event_type, "
                 "resource_type, summary, resource, traceparent, created_at, due_at, version) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11) "
                 "ON CONFLICT(mchid, idempotency_key) DO NOTHING"),
          existing(db, "SELECT id FROM events WHERE mchid = ?1 AND idempotency_key = ?2"),
          lease(db,
                "UPDATE events SET leased = 1, due_at = ?2 WHERE seq IN (SELECT seq FROM "
                "events WHERE state = 0 AND due_at <= ?1 AND mchid NOT IN (SELECT value "
                "FROM json_each(?4)) ORDER BY due_at LIMIT ?3) RETURNING " +
                    std::string(kColumns)),
          delivered(db,
                    "UPDATE events SET state = 1, attempts = ?2, leased = 0, "
                    "finished_at = ?3, last_error = '' WHERE id = ?1 AND state = 0"),
          retry(db,
                "UPDATE events SET attempts = ?2, leased = 0, due_at = ?3, last_error = ?4 "
                "WHERE id = ?1 AND state = 0"),
          dead(db,
               "UPDATE events SET state = 2, attempts = ?2, leased = 0, finished_at = ?3, "
               "last_error = ?4 WHERE id = ?1 AND state = 0"),
          release(db, "UPDATE events SET leased = 0, due_at = ?3 WHERE id = ?1 AND state = 0"),
          find(db, select_sql("WHERE id = ?1")),
          list(db, select_sql("WHERE (?1 IS NULL OR state = ?1) AND (?2 = '' OR mchid = ?2) "
                              "ORDER BY seq DESC LIMIT ?3")),
          retry_now(db,
                    "UPDATE events SET state = 0, leased = 0, due_at = ?2, finished_at = 0 "
                    "WHERE id = ?1"),
          // "state <> 0" lets SQLite use the partial index events_finished (a range search).
          // At most ?3 rows per call, so that pruning never holds the write lock for long.
          prune(db,
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state <> 0 "
                "AND state = ?1 AND finished_at < ?2 LIMIT ?3)"),
          due(db, "SELECT COUNT(*), MIN(due_at) FROM events WHERE state = 0 AND due_at <= ?1"),
          // Both counts are read from the partial indexes, not by scanning the table (this runs
          // every second on the committer thread).
          pending(db, "SELECT COUNT(*) FROM events WHERE state = 0"),
          failed(db, "SELECT COUNT(*) FROM events WHERE state <> 0 AND state = 2") {}
    Statement insert, existing, lease, delivered, retry, dead, release, find, list, retry_now,
        prune, due, pending, failed;
  };

  void commit(sqlite::Transaction& transaction) {
    transaction.commit();
    ++commits_;
  }

 public:
  void checkpoint() override {
    // PASSIVE: copies what it can without waiting for readers; never blocks intake for long.
    sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

 private:

  sqlite::Database db_;
  Statements statements_;
  std::uint64_t commits_ = 0;
};

sqlite::Database SqliteStore::open(const StoreOptions& options) {
  const auto where = "outbox " + options.path;
  const auto directory = std::filesystem::path(options.path).parent_path();
  std::error_code ec;
  if (!directory.empty() && !std::filesystem::is_directory(directory, ec)) {
    throw StoreError(where + ": directory " + directory.string() + " does not exist");
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  sqlite::Database db(raw);
  if (rc != SQLITE_OK) {
    throw StoreError(where + ": cannot open: " +
                     (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  try {
    sqlite3_busy_handler(db.get(), wait_for_the_lock, nullptr);
    if (sqlite3_db_readonly(db.get(), "main") == 1) {
      throw StoreError(where + ": not writable by this process");
    }
    if (options.check_integrity) check_integrity(db.get(), where);
    sqlite::execute(db.get(), "PRAGMA journal_mode = WAL");
    sqlite::execute(db.get(), options.durable_commits ? "PRAGMA synchronous = FULL"
                                                      : "PRAGMA synchronous = NORMAL");
    Statement version(db.get(), "PRAGMA user_version");
    version.step();
    const auto found = version.integer(0);
    version.reset();
    if (found > kSchemaVersion) {
      throw StoreError(where + ": written by a newer paygate (schema version " +
                       std::to_string(found) + ", this one knows " +
                       std::to_string(kSchemaVersion) + ")");
    }
    // A file at the current version has the whole schema (every change to kSchema bumps
    // kSchemaVersion): each connection of the process (the committer, every dispatcher) would
    // otherwise run the DDL and rewrite the version, a write transaction and a sync apiece, all
    // contending for the lock at start-up.
    if (found < kSchemaVersion) {
      if (found == 1) {
        sqlite::execute(db.get(), "ALTER TABLE events ADD COLUMN version TEXT NOT NULL DEFAULT ''");
      }
      sqlite::execute(db.get(), kSchema);
      sqlite::execute(db.get(),
                      ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    }
    // The committer checkpoints once a second (Store::checkpoint) instead of after every 1000
    // WAL pages in the middle of an intake batch.
    if (options.durable_commits) sqlite::execute(db.get(), "PRAGMA wal_autocheckpoint = 0");
    if (options.max_store_bytes > 0) {
      Statement page_size(db.get(), "PRAGMA page_size");
      page_size.step();
      const auto pages = options.max_store_bytes / static_cast<std::uint64_t>(page_size.integer(0));
      page_size.reset();
      sqlite::execute(db.get(),
                      ("PRAGMA max_page_count = " + std::to_string(std::max<std::uint64_t>(pages, 8)))
                          .c_str());
    }
  } catch (const sqlite::Failure& failure) {
    throw StoreError(where + ": " + failure.what());
  }
  return db;
}

void SqliteStore::enqueue(std::span<const NewEvent> events, TimePoint now,
                          std::span<IntakeResult> results) {
  try {
    sqlite::Transaction transaction(db_.get());
    std::vector<std::string> ids = new_event_ids(now, events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      const NewEvent& e = events[i];
      std::string& id = ids[i];
      statements_.insert.bind(1, id)
          .bind(2, e.mchid)
          .bind(3, e.idempotency_key)
          .bind(4, e.notify_url)
          .bind(5, e.event_type)
          .bind(6, e.resource_type)
          .bind(7, e.summary)
          .bind(8, e.resource)
          .bind(9, e.traceparent)
          .bind(10, millis(now))
          .bind(11, e.version);
      statements_.insert.run();
      if (sqlite3_changes(db_.get()) == 1) {
        results[i] = {IntakeStatus::kCreated, std::move(id), {}};
        continue;
      }
      auto& existing = statements_.existing.bind(1, e.mchid).bind(2, e.idempotency_key);
      if (!existing.step()) throw sqlite::Failure(SQLITE_INTERNAL, "idempotency key vanished");
      results[i] = {IntakeStatus::kExisting, existing.text(0), {}};
      existing.reset();
    }
    commit(transaction);
  } catch (const sqlite::Failure& failure) {
    const bool full = (failure.code & 0xff) == SQLITE_FULL;
    for (auto& r : results) {
      r = {full ? IntakeStatus::kStoreFull : IntakeStatus::kStoreError, {}, failure.what()};
    }
  } catch (const std::exception& e) {
    for (auto& r : results) r = {IntakeStatus::kStoreError, {}, e.what()};
  }
}

std::vector<EventRecord> SqliteStore::lease_due(TimePoint now, TimePoint lease_until,
                                                std::size_t limit,
                                                std::span<const std::string> skip_mchids) {
  boost::json::array skip;
  for (const auto& m : skip_mchids) skip.emplace_back(m);
  const std::string skip_json = boost::json::serialize(skip);
  std::vector<EventRecord> leased;
  sqlite::Transaction transaction(db_.get());
  auto& lease = statements_.lease.bind(1, millis(now)).bind(2, millis(lease_until))
                    .bind(3, static_cast<std::int64_t>(limit)).bind(4, skip_json);
  while (lease.step()) leased.push_back(read_record(lease));
  commit(transaction);
  // RETURNING gives no order, and due_at now holds the lease end: deliver oldest events first.
  std::sort(leased.begin(), leased.end(), [](const EventRecord& a, const EventRecord& b) {
    return a.created_at < b.created_at;
  });
  return leased;
}

void SqliteStore::record(std::span<const Outcome> outcomes) {
  sqlite::Transaction transaction(db_.get());
  for (const Outcome& o : outcomes) {
    Statement* s = nullptr;
    switch (o.kind) {
      case Outcome::Kind::kDelivered: s = &statements_.delivered; break;
      case Outcome::Kind::kRetry: s = &statements_.retry; break;
      case Outcome::Kind::kDeadLetter: s = &statements_.dead; break;
      case Outcome::Kind::kRelease: s = &statements_.release; break;
    }
    s->bind(1, o.id).bind(2, static_cast<std::int64_t>(o.attempts)).bind(3, millis(o.at));
    if (o.kind == Outcome::Kind::kRetry || o.kind == Outcome::Kind::kDeadLetter) s->bind(4, o.error);
    s->run();
  }
  commit(transaction);
}

std::optional<EventRecord> SqliteStore::find(std::string_view id) {
  auto& find = statements_.find.bind(1, id);
  if (!find.step()) return std::nullopt;
  auto record = read_record(find);
  find.reset();
  return record;
}

std::vector<EventRecord> SqliteStore::list(const ListFilter& filter) {
  auto& list = statements_.list;
  if (filter.state) {
    list.bind(1, static_cast<std::int64_t>(*filter.state));
  } else {
    list.bind_null(1);
  }
  list.bind(2, filter.mchid).bind(3, static_cast<std::int64_t>(filter.limit));
  std::vector<EventRecord> records;
  while (list.step()) records.push_back(read_record(list));
  return records;
}

bool SqliteStore::retry_now(std::string_view id, TimePoint now) {
  statements_.retry_now.bind(1, id).bind(2, millis(now)).run();
  return sqlite3_changes(db_.get()) > 0;
}

std::size_t SqliteStore::prune(TimePoint delivered_before, TimePoint failed_before) {
  std::size_t deleted = 0;
  for (auto [state, before] : {std::pair{EventState::kDelivered, delivered_before},
                               std::pair{EventState::kFailed, failed_before}}) {
    statements_.prune.bind(1, static_cast<std::int64_t>(state)).bind(2, millis(before))
        .bind(3, static_cast<std::int64_t>(kPruneBatch)).run();
    deleted += static_cast<std::size_t>(sqlite3_changes(db_.get()));
  }
  return deleted;
}

StoreStats SqliteStore::stats(TimePoint now) {
  StoreStats stats;
  auto& due = statements_.due.bind(1, millis(now));
  if (due.step()) {
    stats.due = static_cast<std::uint64_t>(due.integer(0));
    if (stats.due > 0) stats.oldest_due_seconds = (millis(now) - due.integer(1)) / 1000.0;
    due.reset();
  }
  if (statements_.pending.step()) {
    stats.pending = static_cast<std::uint64_t>(statements_.pending.integer(0));
    statements_.pending.reset();
  }
  if (statements_.failed.step()) {
    stats.failed = static_cast<std::uint64_t>(statements_.failed.integer(0));
    statements_.failed.reset();
  }
  return stats;
}

}  // namespace

std::string_view state_name(EventState state) {
  switch (state) {
    case EventState::kPending: return "pending";
    case EventState::kDelivered: return "delivered";
    case EventState::kFailed: return "failed";
  }
  return "unknown";
}

std::optional<EventState> parse_state(std::string_view name) {
  for (auto s : {EventState::kPending, EventState::kDelivered, EventState::kFailed}) {
    if (state_name(s) == name) return s;
  }
  return std::nullopt;
}

std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options) {
  return std::make_unique<SqliteStore>(options);
}

}  // namespace paygate::notify
