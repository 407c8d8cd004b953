#pragma once
// The PostgreSQL outbox: the same Store as the SQLite one, shared by every gateway node that
// names the same database and schema. One Store object is one libpq connection, used by one
// thread at a time.
//
// - Intake batches commit in one transaction with synchronous_commit = on (group commit); the
//   transaction also NOTIFYs "<schema>_work", so dispatchers of every node wake at once.
// - Leasing is SELECT ... FOR UPDATE SKIP LOCKED: two dispatchers never take the same event.
// - The schema is created and migrated at open, in order, under a transaction-scoped advisory
//   lock, and each applied version is recorded in <schema>.schema_migrations.
// - A lost connection makes the call under way throw (intake: kStoreError, answered 503); the
//   next call reconnects. Nothing here aborts the process.

#include <memory>

#include "notify/store.h"

namespace paygate::notify {

// Throws StoreError (the URI's password hidden) when the server cannot be reached at open, the
// schema was written by a newer paygate, or a migration fails.
std::unique_ptr<Store> open_postgres_store(const StoreOptions& options);

// The schema version this build writes (the highest migration it knows).
int postgres_schema_version();

}  // namespace paygate::notify
