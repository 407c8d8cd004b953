#pragma once
// The outbox's records: what a backend hands over (NewEvent), what the store keeps about each
// event (EventRecord), and what one delivery attempt came to (Outcome). Plain data.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::notify {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

inline TimePoint now_ms() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// kPending covers both "due" and "being delivered": a leased event is pending with its due time
// moved to the end of the lease, so a crash mid-delivery makes it due again by itself.
enum class EventState { kPending = 0, kDelivered = 1, kFailed = 2 };

std::string_view state_name(EventState state);  // "pending", "delivered", "failed"
std::optional<EventState> parse_state(std::string_view name);

struct NewEvent {
  std::string mchid;
  std::string notify_url;
  std::string event_type;     // "TRANSACTION.SUCCESS"
  std::string resource_type;  // the resource's original_type: "transaction", "refund"
  std::string summary;
  std::string resource;       // the plaintext resource JSON (sealed only when delivered)
  std::string idempotency_key;  // unique per merchant: a repeat returns the first event
  std::string traceparent;    // W3C trace context of the intake call, if any
  // The version of the backend that caused it (X-Pay-Gateway-Version of the intake call, which
  // a backend passes on from the request a split or canary sent it), "" when not given.
  std::string version;
};

struct EventRecord {
  std::string id;  // "EV-" + 32 hex digits (time-ordered: see sqlite_store.cpp)
  NewEvent event;
  EventState state = EventState::kPending;
  unsigned attempts = 0;
  TimePoint created_at{};
  TimePoint due_at{};       // pending: next attempt (or lease end); otherwise unused
  TimePoint finished_at{};  // delivered or failed: when
  bool leased = false;      // pending and taken by a dispatcher
  std::string last_error;   // of the latest failed attempt
};

enum class IntakeStatus { kCreated, kExisting, kStoreFull, kStoreError };

struct IntakeResult {
  IntakeStatus status = IntakeStatus::kStoreError;
  std::string id;     // created or existing
  std::string error;  // kStoreFull / kStoreError: what the store said
};

// The result of one delivery attempt, recorded by the dispatcher.
struct Outcome {
  enum class Kind { kDelivered, kRetry, kDeadLetter, kRelease };
  Kind kind = Kind::kRetry;
  std::string id;
  unsigned attempts = 0;  // attempts made, this one included (unchanged for kRelease)
  TimePoint at{};         // kDelivered/kDeadLetter: now; kRetry/kRelease: next due time
  std::string error;      // kRetry/kDeadLetter: why the attempt failed
};

struct ListFilter {
  std::optional<EventState> state;
  std::string mchid;  // "" = any
  std::size_t limit = 100;
};

struct StoreStats {
  std::uint64_t due = 0;           // pending events whose due time has passed
  std::uint64_t pending = 0;       // all pending events (due, scheduled or leased)
  std::uint64_t failed = 0;        // dead letters kept
  double oldest_due_seconds = 0;   // how long the oldest due event has waited
};

}  // namespace paygate::notify
