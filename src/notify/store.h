#pragma once
// Store: the outbox behind a small interface, so that SQLite (embedded) and PostgreSQL
// (scale-out) can both hold it. One Store object is one connection, used by one thread at a
// time; each thread that needs the outbox opens its own. Several connections, in this process or
// others, may use the same outbox at once: leasing is atomic, so no event is handed to two
// dispatchers while its lease lasts.
//
// Durability: enqueue() returns only after the events are committed to stable storage (one
// fsync for the whole batch: group commit). Outcomes and leases may be committed lazily: losing
// them in a power cut only repeats a delivery, which at-least-once delivery allows.

#include <memory>
#include <optional>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notify/event.h"

namespace paygate::notify {

class Store {
 public:
  virtual ~Store() = default;

  // Stores each event (or finds the one with the same mchid + idempotency key) in a single
  // transaction; results[i] answers events[i]. On a storage error every result says so.
  virtual void enqueue(std::span<const NewEvent> events, TimePoint now,
                       std::span<IntakeResult> results) = 0;

  // Takes up to `limit` due events, oldest first, skipping the given merchants, and leases
  // them until `lease_until`.
  virtual std::vector<EventRecord> lease_due(TimePoint now, TimePoint lease_until,
                                             std::size_t limit,
                                             std::span<const std::string> skip_mchids) = 0;

  // Applies the outcomes of delivery attempts in one transaction.
  virtual void record(std::span<const Outcome> outcomes) = 0;

  virtual std::optional<EventRecord> find(std::string_view id) = 0;
  virtual std::vector<EventRecord> list(const ListFilter& filter) = 0;
  // Makes the event due at `now`, whatever its state: a failed one gets one more attempt, a
  // delivered one is delivered again (a merchant that lost it). False when there is no such event.
  virtual bool retry_now(std::string_view id, TimePoint now) = 0;
  // Deletes events finished before the given times, a bounded batch per call (call it
  // periodically); returns how many.
  virtual std::size_t prune(TimePoint delivered_before, TimePoint failed_before) = 0;
  virtual StoreStats stats(TimePoint now) = 0;
  // Transactions committed on this connection (the fsync count for intakes).
  virtual std::uint64_t commits() const = 0;
  // Moves committed WAL content into the database file, as far as readers allow.
  virtual void checkpoint() = 0;

  // Waking idle dispatchers across processes. A store that hears of new work from other
  // connections (PostgreSQL LISTEN) offers a descriptor that becomes readable when it may have
  // come; take_wakeups() then reads it and says whether there was a notice. The SQLite store has
  // none (-1): its dispatchers are woken by their own process's committer and their poll period.
  // wakeup_fd() is -1 too while the connection is down; it may change after a reconnection.
  virtual bool listens_for_work() const { return false; }
  virtual int wakeup_fd() const { return -1; }
  virtual bool take_wakeups() { return false; }
};

struct StoreOptions {
  std::string path;                   // a file (SQLite) or a postgresql:// connection URI
  bool durable_commits = true;        // fsync each commit (intake); false: lazy (dispatcher)
  std::uint64_t max_store_bytes = 0;  // 0 = unbounded
  bool check_integrity = false;       // PRAGMA quick_check at open (once per process)
  // PostgreSQL: the schema holding this outbox's tables (each outbox kind its own, so that they
  // may share a database), and whether this connection LISTENs for new work (a dispatcher's).
  std::string schema = "paygate";
  bool listen_for_work = false;
};

// Opens (creating if absent) the SQLite outbox. Throws StoreError with the file and what is
// wrong: unreadable, not a database, corrupt, or not writable.
std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options);

// Opens the PostgreSQL outbox (notify/postgres_store.h), or the SQLite one for a path.
std::unique_ptr<Store> open_store(const StoreOptions& options);

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace paygate::notify
