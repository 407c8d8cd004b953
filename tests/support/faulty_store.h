#pragma once
// FaultyStore: a notify::Store for fault injection by counting (as Beast's fail_count). It
// passes every call to a real store (normally the SQLite one, from notify::open_sqlite_store)
// and makes exactly one write fail: the one numbered `fail_at`, counting from 0. Calls before
// and after it reach the real store, so the store recovers at once, as SQLite does after a
// transient I/O error. A test loops fail_at = 0, 1, 2, ... until a run ends without reaching
// it (fault_injected() stays false), and checks its invariants after every run.
//
// Counted writes: enqueue(), lease_due() and record(), the calls that move an event through
// the outbox (in, out to a dispatcher, delivered or rescheduled). prune(), checkpoint() and
// retry_now() write too but are not counted: the first two run on the committer's one-second
// housekeeping clock, which would make "the n-th call" depend on timing, and the tests do not
// make operator calls. Reads are never failed.
//
// The failed call does not reach the real store, and reports the failure the way the SQLite
// store reports a COMMIT that hit an I/O error (its transaction rolled back, nothing written):
//   enqueue    every result kStoreError, with SQLite's message ("disk I/O error")
//   lease_due  throws notify::sqlite::Failure(SQLITE_IOERR, "disk I/O error")
//   record     the same
//
// Like any Store, one thread at a time; fault_injected() and failed_call() may be read from any
// thread, and once the component that owns the store has stopped they are final.

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

#include "notify/store.h"

namespace paygate::test {

class FaultyStore final : public notify::Store {
 public:
  enum class Call { kEnqueue, kLeaseDue, kRecord };

  FaultyStore(std::unique_ptr<notify::Store> real, std::size_t fail_at);

  // Whether the write numbered fail_at has happened (and failed).
  bool fault_injected() const { return failed_call_.load() >= 0; }
  // Which call failed, if one did.
  std::optional<Call> failed_call() const;

  void enqueue(std::span<const notify::NewEvent> events, notify::TimePoint now,
               std::span<notify::IntakeResult> results) override;
  std::vector<notify::EventRecord> lease_due(notify::TimePoint now, notify::TimePoint lease_until,
                                             std::size_t limit,
                                             std::span<const std::string> skip_mchids) override;
  void record(std::span<const notify::Outcome> outcomes) override;

  std::optional<notify::EventRecord> find(std::string_view id) override;
  std::vector<notify::EventRecord> list(const notify::ListFilter& filter) override;
  bool retry_now(std::string_view id, notify::TimePoint now) override;
  std::size_t prune(notify::TimePoint delivered_before, notify::TimePoint failed_before) override;
  notify::StoreStats stats(notify::TimePoint now) override;
  std::uint64_t commits() const override;
  void checkpoint() override;

 private:
  // Counts a write of kind `call`; true if it is the one to fail.
  bool fails(Call call);

  std::unique_ptr<notify::Store> real_;
  const std::size_t fail_at_;
  std::atomic<std::size_t> writes_{0};  // counted so far, the failed one included
  std::atomic<int> failed_call_{-1};  // a Call, once the fault was injected
};

}  // namespace paygate::test
