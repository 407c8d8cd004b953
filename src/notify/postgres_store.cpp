#include "notify/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/uri_password.h"
#include "notify/event_ids.h"
#include "notify/postgres_handles.h"

namespace paygate::notify {
namespace {

namespace pg = postgres;

constexpr std::size_t kPruneBatch = 2000;  // per state and call, as the SQLite store
// pg_total_relation_size stats every file of the table and its indexes: it is looked at once a
// second, and sooner only when the bytes taken in since could have reached the bound. An outbox
// may overshoot the bound by about one batch per intake connection.
constexpr auto kSizeCheckPeriod = std::chrono::seconds(1);
constexpr std::uint64_t kRowOverhead = 200;  // a row's header, seq, times and index entries
constexpr std::string_view kDiskFull = "53100";

// The migrations, in order; "@" stands for the outbox's schema. A migration is never edited
// once released: a change is a new version.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE @.events(
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  mchid text NOT NULL,
  idempotency_key text NOT NULL,
  notify_url text NOT NULL,
  event_type text NOT NULL,
  resource_type text NOT NULL,
  summary text NOT NULL,
  resource text NOT NULL,
  traceparent text NOT NULL,
  state smallint NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  leased boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  due_at bigint NOT NULL,
  finished_at bigint NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  version text NOT NULL DEFAULT '',
  UNIQUE(mchid, idempotency_key));
CREATE INDEX events_due ON @.events(due_at) WHERE state = 0;
CREATE INDEX events_finished ON @.events(state, finished_at) WHERE state <> 0;
)sql"},
};

constexpr const char* kColumns =
    "id, mchid, idempotency_key, notify_url, event_type, resource_type, summary, resource, "
    "traceparent, state, attempts, leased, created_at, due_at, finished_at, last_error, version";

std::string in_schema(std::string_view sql, const std::string& schema) {
  std::string out;
  for (char c : sql) {
    if (c == '@') {
      out += schema;
    } else {
      out += c;
    }
  }
  return out;
}

std::int64_t millis(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint time_at(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }

EventRecord read_record(const PGresult* result, int row) {
  auto text = [&](int column) { return pg::text(result, row, column); };
  auto integer = [&](int column) { return pg::integer(result, row, column); };
  EventRecord r;
  r.id = text(0);
  r.event.mchid = text(1);
  r.event.idempotency_key = text(2);
  r.event.notify_url = text(3);
  r.event.event_type = text(4);
  r.event.resource_type = text(5);
  r.event.summary = text(6);
  r.event.resource = text(7);
  r.event.traceparent = text(8);
  r.state = static_cast<EventState>(integer(9));
  r.attempts = static_cast<unsigned>(integer(10));
  r.leased = text(11) == "t";
  r.created_at = time_at(integer(12));
  r.due_at = time_at(integer(13));
  r.finished_at = time_at(integer(14));
  r.last_error = text(15);
  r.event.version = text(16);
  return r;
}

std::vector<EventRecord> read_records(const PGresult* result) {
  std::vector<EventRecord> records;
  records.reserve(static_cast<std::size_t>(pg::rows(result)));
  for (int row = 0; row < pg::rows(result); ++row) records.push_back(read_record(result, row));
  return records;
}

// The statements every connection prepares once, by name; "@" is the schema.
struct Prepared {
  const char* name;
  const char* sql;
  int parameters;
};
const Prepared kStatements[] = {
    // The whole batch in one statement, its own transaction (one round trip): each column an
    // array ($1..$9, $11). Rows go in ordered by key, and of two events with one key in a batch
    // the first is created. The key order matters with several intake connections: a batch
    // waits for another's uncommitted row of the same key, and batches taking keys in one order
    // cannot wait for each other in a cycle (a deadlock would fail both). The notice to
    // listeners is an InitPlan, evaluated once and only if a row was created; it is delivered at
    // commit, and only if it commits.
    {"insert",
     "WITH created AS (INSERT INTO @.events(id, mchid, idempotency_key, notify_url, event_type, "
     "resource_type, summary, resource, traceparent, created_at, due_at, version) "
     "SELECT i, m, k, u, et, rt, s, r, t, $10, $10, v FROM unnest($1::text[], $2::text[], "
     "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
     "$11::text[]) WITH ORDINALITY AS b(i, m, k, u, et, rt, s, r, t, v, n) "
     "ORDER BY m COLLATE \"C\", k COLLATE \"C\", n "
     "ON CONFLICT(mchid, idempotency_key) DO NOTHING RETURNING id) "
     "SELECT id, (SELECT pg_notify('@_work', '')) FROM created",
     11},
    {"existing",
     "SELECT e.mchid, e.idempotency_key, e.id FROM @.events e JOIN unnest($1::text[], "
     "$2::text[]) AS k(m, key) ON e.mchid = k.m AND e.idempotency_key = k.key",
     2},
    {"notify", "SELECT pg_notify('@_work', '')", 0},
    // SKIP LOCKED: rows another node's dispatcher is leasing right now are passed over, not
    // waited for; the UPDATE then moves due_at past the lease, so they are not due for others.
    {"lease",
     "WITH due AS (SELECT seq FROM @.events WHERE state = 0 AND due_at <= $1 "
     "AND NOT (mchid = ANY($4::text[])) ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) "
     "UPDATE @.events e SET leased = true, due_at = $2 FROM due WHERE e.seq = due.seq "
     "RETURNING id, mchid, idempotency_key, notify_url, event_type, resource_type, summary, "
     "resource, traceparent, state, attempts, leased, created_at, e.due_at, finished_at, "
     "last_error, version",
     4},
    {"delivered",
     "UPDATE @.events SET state = 1, attempts = $2, leased = false, finished_at = $3, "
     "last_error = '' WHERE id = $1 AND state = 0",
     3},
    {"retry",
     "UPDATE @.events SET attempts = $2, leased = false, due_at = $3, last_error = $4 "
     "WHERE id = $1 AND state = 0",
     4},
    {"dead",
     "UPDATE @.events SET state = 2, attempts = $2, leased = false, finished_at = $3, "
     "last_error = $4 WHERE id = $1 AND state = 0",
     4},
    // $2 (the attempts, unchanged) is sent for every outcome; a release ignores it.
    {"release",
     "UPDATE @.events SET leased = false, due_at = $3 WHERE id = $1 AND state = 0 "
     "AND $2::integer IS NOT NULL",
     3},
    {"find", "SELECT @columns FROM @.events WHERE id = $1", 1},
    {"list",
     "SELECT @columns FROM @.events WHERE ($1::smallint IS NULL OR state = $1) "
     "AND ($2 = '' OR mchid = $2) ORDER BY seq DESC LIMIT $3",
     3},
    {"retry_now",
     "UPDATE @.events SET state = 0, leased = false, due_at = $2, finished_at = 0 WHERE id = $1",
     2},
    {"prune",
     "DELETE FROM @.events WHERE seq IN (SELECT seq FROM @.events WHERE state <> 0 "
     "AND state = $1 AND finished_at < $2 LIMIT $3)",
     3},
    {"due", "SELECT COUNT(*), MIN(due_at) FROM @.events WHERE state = 0 AND due_at <= $1", 1},
    {"pending", "SELECT COUNT(*) FROM @.events WHERE state = 0", 0},
    {"failed", "SELECT COUNT(*) FROM @.events WHERE state <> 0 AND state = 2", 0},
    {"size", "SELECT pg_total_relation_size('@.events')", 0},
};

std::string statement_sql(const Prepared& statement, const std::string& schema) {
  std::string sql = statement.sql;
  const std::string_view columns_mark = "@columns";
  if (const auto at = sql.find(columns_mark); at != std::string::npos) {
    sql.replace(at, columns_mark.size(), kColumns);
  }
  return in_schema(sql, schema);
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const StoreOptions& options)
      : options_(options), where_("outbox " + core::redact_uri_password(options.path)) {
    connect();
    migrate();
    schema_ready_ = true;
    prepare_session();
  }

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
  void checkpoint() override {}  // the server checkpoints by itself

  bool listens_for_work() const override { return options_.listen_for_work; }
  int wakeup_fd() const override;
  bool take_wakeups() override;

 private:
  void connect();
  void migrate();
  void prepare_session();
  // The connection, made afresh first if the last one was lost. Throws StoreError while the
  // server cannot be reached; a call that fails on a lost connection throws pg::Failure.
  PGconn* connection();
  // Runs a prepared statement on the current connection. Never reconnects: a transaction must
  // not go on over a new connection. Each public call begins with connection() instead.
  pg::Result run(const char* statement, const pg::Params& params) {
    if (!connection_ || libpq().PQstatus(connection_.get()) != CONNECTION_OK) {
      throw pg::Failure("", "the connection to the server was lost");
    }
    return pg::execute_prepared(connection_.get(), statement, params);
  }
  void insert_batch(std::span<const NewEvent> events, TimePoint now,
                    std::span<IntakeResult> results);
  bool over_size_cap();
  void answer_existing_or_full(std::span<const NewEvent> events, std::span<IntakeResult> results);
  bool answer_existing(std::span<const NewEvent> events, std::span<const std::size_t> which,
                       std::span<IntakeResult> results);

  StoreOptions options_;
  std::string where_;  // for messages: the URI without its password
  pg::Connection connection_;
  bool schema_ready_ = false;
  std::uint64_t commits_ = 0;
  std::chrono::steady_clock::time_point next_size_check_{};
  std::uint64_t measured_bytes_ = 0;  // the outbox's size at the last check
  std::uint64_t taken_since_ = 0;     // bytes of events created since (an estimate)
};

void PostgresStore::connect() {
  // Defaults the URI may override (it is expanded after them): a bounded connect, and a name
  // that shows in pg_stat_activity. A password comes from the URI, PGPASSWORD or the passfile
  // (PGPASSFILE, `passfile=`, ~/.pgpass), as libpq finds it; it is never logged.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "paygate", options_.path.c_str(), nullptr};
  try {
    libpq();  // loaded here, before any connection exists to be freed by it
  } catch (const LibpqUnavailable& missing) {
    throw StoreError(where_ + ": " + missing.what());
  }
  connection_.reset(libpq().PQconnectdbParams(keywords, values, 1));
  if (!connection_) throw StoreError(where_ + ": out of memory");
  if (libpq().PQstatus(connection_.get()) != CONNECTION_OK) {
    std::string message = libpq().PQerrorMessage(connection_.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    connection_.reset();
    throw StoreError(where_ + ": cannot connect: " + message);
  }
  // libpq prints the server's notices ("schema already exists, skipping") on stderr by
  // default; none of them is worth a log line.
  libpq().PQsetNoticeProcessor(
      connection_.get(), [](void*, const char*) {}, nullptr);
  if (schema_ready_) prepare_session();
}

void PostgresStore::prepare_session() {
  PGconn* c = connection_.get();
  try {
    // Intake: a batch is acknowledged only once its commit is flushed (and replicated, if the
    // server is set up so). Dispatcher: leases and outcomes may be lost in a crash, which only
    // repeats a delivery; not waiting for their flush keeps deliveries fast.
    pg::execute(c, options_.durable_commits ? "SET synchronous_commit = on"
                                            : "SET synchronous_commit = off");
    for (const Prepared& statement : kStatements) {
      pg::prepare(c, statement.name, statement_sql(statement, options_.schema),
                  statement.parameters);
    }
    if (options_.listen_for_work) {
      pg::execute(c, in_schema("LISTEN @_work", options_.schema).c_str());
    }
  } catch (const pg::Failure& failure) {
    connection_.reset();
    throw StoreError(where_ + ": preparing the session: " + failure.what());
  }
}

void PostgresStore::migrate() {
  PGconn* c = connection_.get();
  const auto& schema = options_.schema;
  try {
    pg::Transaction transaction(c);
    // One lock per schema, held to the end of the transaction: nodes starting together
    // migrate one after the other, and the later ones find nothing left to do.
    const std::string lock_name = "paygate outbox " + schema;
    pg::Params lock;
    lock.add(lock_name);
    pg::execute(c, "SELECT pg_advisory_xact_lock(hashtext($1))", lock);
    pg::execute(c, in_schema("CREATE SCHEMA IF NOT EXISTS @; CREATE TABLE IF NOT EXISTS "
                             "@.schema_migrations(version integer PRIMARY KEY, "
                             "applied_at timestamptz NOT NULL DEFAULT now())",
                             schema)
                       .c_str());
    const auto found = pg::execute(
        c, in_schema("SELECT COALESCE(MAX(version), 0) FROM @.schema_migrations", schema).c_str());
    const auto applied = pg::integer(found.get(), 0, 0);
    if (applied > postgres_schema_version()) {
      throw StoreError(where_ + ": schema " + schema + " was written by a newer paygate (version " +
                       std::to_string(applied) + ", this one knows " +
                       std::to_string(postgres_schema_version()) + ")");
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= applied) continue;
      pg::execute(c, in_schema(m.sql, schema).c_str());
      pg::execute(c, in_schema("INSERT INTO @.schema_migrations(version) VALUES(" +
                                   std::to_string(m.version) + ")",
                               schema)
                         .c_str());
    }
    transaction.commit();
  } catch (const pg::Failure& failure) {
    throw StoreError(where_ + ": migrating schema " + schema + ": " + failure.what());
  }
}

PGconn* PostgresStore::connection() {
  if (!connection_ || libpq().PQstatus(connection_.get()) != CONNECTION_OK) connect();
  return connection_.get();
}

bool PostgresStore::over_size_cap() {
  if (options_.max_store_bytes == 0) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_size_check_ || measured_bytes_ + taken_since_ >= options_.max_store_bytes) {
    next_size_check_ = now + kSizeCheckPeriod;
    measured_bytes_ = static_cast<std::uint64_t>(pg::integer(run("size", {}).get(), 0, 0));
    taken_since_ = 0;
  }
  return measured_bytes_ >= options_.max_store_bytes;
}

// A full outbox still answers a repeated key with its stored event, as SQLite does (a row that
// exists needs no room); a batch with any new event is refused whole.
void PostgresStore::answer_existing_or_full(std::span<const NewEvent> events,
                                            std::span<IntakeResult> results) {
  std::vector<std::size_t> all(events.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (!answer_existing(events, all, results)) {
    for (auto& r : results) r = {IntakeStatus::kStoreFull, {}, where_ + ": max_store_size reached"};
  }
}

// Answers events[i] for each i of `which` with the stored event of its key; false if one has none.
bool PostgresStore::answer_existing(std::span<const NewEvent> events,
                                    std::span<const std::size_t> which,
                                    std::span<IntakeResult> results) {
  std::vector<std::string> mchids, keys;
  for (std::size_t i : which) {
    mchids.push_back(events[i].mchid);
    keys.push_back(events[i].idempotency_key);
  }
  const std::string mchid_array = pg::text_array(mchids), key_array = pg::text_array(keys);
  pg::Params params;
  params.add(mchid_array).add(key_array);
  const auto found = run("existing", params);
  std::map<std::pair<std::string, std::string>, std::string> stored;
  for (int row = 0; row < pg::rows(found.get()); ++row) {
    stored[{pg::text(found.get(), row, 0), pg::text(found.get(), row, 1)}] =
        pg::text(found.get(), row, 2);
  }
  for (std::size_t i : which) {
    const auto it = stored.find({events[i].mchid, events[i].idempotency_key});
    if (it == stored.end()) return false;
    results[i] = {IntakeStatus::kExisting, it->second, {}};
  }
  return true;
}

// One round trip for the batch (inserts, notice and commit), one more only for repeated keys,
// which are looked up once the batch is committed.
void PostgresStore::insert_batch(std::span<const NewEvent> events, TimePoint now,
                                 std::span<IntakeResult> results) {
  std::vector<std::string> ids = new_event_ids(now, events.size());
  // Column arrays, in the order of the statement's parameters $1..$9 and $11.
  std::vector<std::string> columns[10];
  for (std::size_t i = 0; i < events.size(); ++i) {
    const NewEvent& e = events[i];
    const std::string* fields[] = {
        &ids[i],          &e.mchid,   &e.idempotency_key, &e.notify_url,  &e.event_type,
        &e.resource_type, &e.summary, &e.resource,        &e.traceparent, &e.version};
    for (int c = 0; c < 10; ++c) columns[c].push_back(*fields[c]);
  }
  std::vector<std::string> arrays;
  for (const auto& column : columns) arrays.push_back(pg::text_array(column));
  pg::Params params;
  for (int c = 0; c < 9; ++c) params.add(arrays[c]);
  params.add(millis(now)).add(arrays[9]);

  const auto inserted = run("insert", params);
  std::set<std::string, std::less<>> created;
  for (int row = 0; row < pg::rows(inserted.get()); ++row) {
    created.insert(pg::text(inserted.get(), row, 0));
  }
  std::vector<std::size_t> repeats;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!created.contains(ids[i])) {
      repeats.push_back(i);
      continue;
    }
    const NewEvent& e = events[i];
    taken_since_ += kRowOverhead + e.resource.size() + e.summary.size() + e.notify_url.size();
    results[i] = {IntakeStatus::kCreated, std::move(ids[i]), {}};
  }
  ++commits_;
  if (!repeats.empty() && !answer_existing(events, repeats, results)) {
    throw pg::Failure("", "idempotency key vanished");
  }
}

void PostgresStore::enqueue(std::span<const NewEvent> events, TimePoint now,
                            std::span<IntakeResult> results) {
  try {
    connection();
    if (over_size_cap()) {
      answer_existing_or_full(events, results);
      return;
    }
    insert_batch(events, now, results);
  } catch (const pg::Failure& failure) {
    const bool full = failure.sqlstate == kDiskFull;
    for (auto& r : results) {
      r = {full ? IntakeStatus::kStoreFull : IntakeStatus::kStoreError,
           {},
           where_ + ": " + failure.what()};
    }
  } catch (const std::exception& e) {
    for (auto& r : results) r = {IntakeStatus::kStoreError, {}, e.what()};
  }
}

std::vector<EventRecord> PostgresStore::lease_due(TimePoint now, TimePoint lease_until,
                                                  std::size_t limit,
                                                  std::span<const std::string> skip_mchids) {
  connection();
  pg::Params params;
  const std::string skip = pg::text_array(skip_mchids);
  params.add(millis(now)).add(millis(lease_until)).add(static_cast<std::int64_t>(limit)).add(skip);
  // A single statement is its own transaction.
  auto leased = read_records(run("lease", params).get());
  ++commits_;
  std::sort(leased.begin(), leased.end(),
            [](const EventRecord& a, const EventRecord& b) { return a.created_at < b.created_at; });
  return leased;
}

void PostgresStore::record(std::span<const Outcome> outcomes) {
  pg::Transaction transaction(connection());
  for (const Outcome& o : outcomes) {
    const char* statement = nullptr;
    switch (o.kind) {
      case Outcome::Kind::kDelivered:
        statement = "delivered";
        break;
      case Outcome::Kind::kRetry:
        statement = "retry";
        break;
      case Outcome::Kind::kDeadLetter:
        statement = "dead";
        break;
      case Outcome::Kind::kRelease:
        statement = "release";
        break;
    }
    pg::Params params;
    params.add(o.id).add(static_cast<std::int64_t>(o.attempts)).add(millis(o.at));
    if (o.kind == Outcome::Kind::kRetry || o.kind == Outcome::Kind::kDeadLetter)
      params.add(o.error);
    run(statement, params);
  }
  transaction.commit();
  ++commits_;
}

std::optional<EventRecord> PostgresStore::find(std::string_view id) {
  connection();
  pg::Params params;
  params.add(id);
  const auto found = run("find", params);
  if (pg::rows(found.get()) == 0) return std::nullopt;
  return read_record(found.get(), 0);
}

std::vector<EventRecord> PostgresStore::list(const ListFilter& filter) {
  connection();
  pg::Params params;
  if (filter.state) {
    params.add(static_cast<std::int64_t>(*filter.state));
  } else {
    params.add_null();
  }
  params.add(filter.mchid).add(static_cast<std::int64_t>(filter.limit));
  return read_records(run("list", params).get());
}

bool PostgresStore::retry_now(std::string_view id, TimePoint now) {
  connection();
  pg::Params params;
  params.add(id).add(millis(now));
  const bool changed = pg::changed(run("retry_now", params).get()) > 0;
  // A due event wakes the dispatchers of every node, as an intake does.
  if (changed) run("notify", {});
  return changed;
}

std::size_t PostgresStore::prune(TimePoint delivered_before, TimePoint failed_before) {
  connection();
  std::size_t deleted = 0;
  for (auto [state, before] : {std::pair{EventState::kDelivered, delivered_before},
                               std::pair{EventState::kFailed, failed_before}}) {
    pg::Params params;
    params.add(static_cast<std::int64_t>(state))
        .add(millis(before))
        .add(static_cast<std::int64_t>(kPruneBatch));
    deleted += static_cast<std::size_t>(pg::changed(run("prune", params).get()));
  }
  return deleted;
}

StoreStats PostgresStore::stats(TimePoint now) {
  connection();
  StoreStats stats;
  pg::Params params;
  params.add(millis(now));
  const auto due = run("due", params);
  stats.due = static_cast<std::uint64_t>(pg::integer(due.get(), 0, 0));
  if (stats.due > 0)
    stats.oldest_due_seconds = (millis(now) - pg::integer(due.get(), 0, 1)) / 1000.0;
  stats.pending = static_cast<std::uint64_t>(pg::integer(run("pending", {}).get(), 0, 0));
  stats.failed = static_cast<std::uint64_t>(pg::integer(run("failed", {}).get(), 0, 0));
  return stats;
}

int PostgresStore::wakeup_fd() const {
  if (!options_.listen_for_work || !connection_ ||
      libpq().PQstatus(connection_.get()) != CONNECTION_OK) {
    return -1;
  }
  return libpq().PQsocket(connection_.get());
}

// Notices that arrived during a command were already read into libpq's queue: they count too.
bool PostgresStore::take_wakeups() {
  if (!connection_) return false;
  if (libpq().PQconsumeInput(connection_.get()) == 0)
    return true;  // lost: the caller's next call says so
  bool any = false;
  while (PGnotify* notice = libpq().PQnotifies(connection_.get())) {
    libpq().PQfreemem(notice);
    any = true;
  }
  return any;
}

}  // namespace

int postgres_schema_version() { return std::end(kMigrations)[-1].version; }

std::unique_ptr<Store> open_postgres_store(const StoreOptions& options) {
  return std::make_unique<PostgresStore>(options);
}

std::unique_ptr<Store> open_store(const StoreOptions& options) {
  if (core::is_postgres_uri(options.path)) return open_postgres_store(options);
  return open_sqlite_store(options);
}

}  // namespace paygate::notify
