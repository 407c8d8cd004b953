#include "canary/state_store.h"

#include <chrono>
#include <cstdint>

namespace paygate::canary {

namespace sqlite = notify::sqlite;

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS canaries (
  route TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  phase TEXT NOT NULL,
  step INTEGER NOT NULL,
  reason TEXT NOT NULL,
  updated_at INTEGER NOT NULL
))";

}  // namespace

StateStore::StateStore(const std::string& path) : path_(path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    throw StateStoreError("state_file " + path + ": cannot open: " +
                          (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  try {
    sqlite3_busy_timeout(db_.get(), 2000);
    sqlite::execute(db_.get(), "PRAGMA journal_mode = WAL");
    sqlite::execute(db_.get(), kSchema);
  } catch (const sqlite::Failure& e) {
    throw StateStoreError("state_file " + path + ": " + e.what());
  }
}

std::map<std::string, StoredCanary> StateStore::load() {
  std::map<std::string, StoredCanary> canaries;
  sqlite::Statement rows(db_.get(), "SELECT route, identity, phase, step, reason FROM canaries");
  while (rows.step()) {
    StoredCanary& c = canaries[rows.text(0)];
    c.identity = rows.text(1);
    c.phase = rows.text(2);
    c.step = static_cast<std::size_t>(rows.integer(3));
    c.reason = rows.text(4);
  }
  return canaries;
}

void StateStore::save(const std::string& route, const StoredCanary& canary) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  sqlite::Statement upsert(db_.get(),
                           "INSERT INTO canaries (route, identity, phase, step, reason, "
                           "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(route) DO "
                           "UPDATE SET identity = ?2, phase = ?3, step = ?4, reason = ?5, "
                           "updated_at = ?6");
  upsert.bind(1, route)
      .bind(2, canary.identity)
      .bind(3, canary.phase)
      .bind(4, static_cast<std::int64_t>(canary.step))
      .bind(5, canary.reason)
      .bind(6, static_cast<std::int64_t>(now));
  upsert.run();
}

}  // namespace paygate::canary
