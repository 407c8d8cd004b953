#include "support/faulty_store.h"

#include "notify/sqlite_handles.h"

namespace paygate::test {
namespace {

// What sqlite3_errmsg() says after a COMMIT that could not write or fsync the WAL.
std::string io_error_message() { return sqlite3_errstr(SQLITE_IOERR); }

}  // namespace

FaultyStore::FaultyStore(std::unique_ptr<notify::Store> real, std::size_t fail_at)
    : real_(std::move(real)), fail_at_(fail_at) {}

std::optional<FaultyStore::Call> FaultyStore::failed_call() const {
  const int call = failed_call_.load();
  if (call < 0) return std::nullopt;
  return static_cast<Call>(call);
}

bool FaultyStore::fails(Call call) {
  if (writes_.fetch_add(1) != fail_at_) return false;
  failed_call_.store(static_cast<int>(call));
  return true;
}

void FaultyStore::enqueue(std::span<const notify::NewEvent> events, notify::TimePoint now,
                          std::span<notify::IntakeResult> results) {
  if (!fails(Call::kEnqueue)) return real_->enqueue(events, now, results);
  // As SqliteStore::enqueue answers a sqlite::Failure other than SQLITE_FULL.
  for (auto& result : results) result = {notify::IntakeStatus::kStoreError, {}, io_error_message()};
}

std::vector<notify::EventRecord> FaultyStore::lease_due(notify::TimePoint now,
                                                        notify::TimePoint lease_until,
                                                        std::size_t limit,
                                                        std::span<const std::string> skip_mchids) {
  if (fails(Call::kLeaseDue)) throw notify::sqlite::Failure(SQLITE_IOERR, io_error_message());
  return real_->lease_due(now, lease_until, limit, skip_mchids);
}

void FaultyStore::record(std::span<const notify::Outcome> outcomes) {
  if (fails(Call::kRecord)) throw notify::sqlite::Failure(SQLITE_IOERR, io_error_message());
  real_->record(outcomes);
}

std::optional<notify::EventRecord> FaultyStore::find(std::string_view id) {
  return real_->find(id);
}

std::vector<notify::EventRecord> FaultyStore::list(const notify::ListFilter& filter) {
  return real_->list(filter);
}

bool FaultyStore::retry_now(std::string_view id, notify::TimePoint now) {
  return real_->retry_now(id, now);
}

std::size_t FaultyStore::prune(notify::TimePoint delivered_before,
                               notify::TimePoint failed_before) {
  return real_->prune(delivered_before, failed_before);
}

notify::StoreStats FaultyStore::stats(notify::TimePoint now) { return real_->stats(now); }

std::uint64_t FaultyStore::commits() const { return real_->commits(); }

void FaultyStore::checkpoint() { real_->checkpoint(); }

}  // namespace paygate::test
