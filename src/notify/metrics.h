#pragma once
// The notification path's metric families, declared once per process. Each notify thread
// (intake, committer, every dispatcher) updates its own registry shard.

#include "observe/registry.h"

namespace paygate::notify {

// Which outbox the families count: production's paygate_notify_*, or the stress outbox's
// paygate_stress_notify_*, every series labelled env="stress", so that no production query or
// alert ever sees stress traffic; or the merchant role's callbacks outbox, paygate_callbacks_*.
enum class Outbox { kProduction, kStress, kCallbacks };

struct NotifyMetrics {
  explicit NotifyMetrics(observe::Registry& registry, Outbox outbox = Outbox::kProduction);

  observe::CounterFamily intakes;        // {result}: created, existing, rejected, store_full, ...
  observe::CounterFamily attempts;       // {outcome}: delivered, rejected, timeout, network, ...
  observe::CounterFamily delivered;      // events delivered
  observe::CounterFamily dead_letters;   // events that exhausted the schedule
  observe::CounterFamily commits;        // {connection}: intake or dispatch transactions
  observe::GaugeFamily due;              // pending events whose time has come
  observe::GaugeFamily pending;          // pending events, due or not
  observe::GaugeFamily failed;           // dead letters kept in the store
  observe::GaugeFamily oldest_due;       // seconds the oldest due event has waited
  observe::GaugeFamily in_flight;        // deliveries under way
  observe::HistogramFamily latency;      // intake to delivery, seconds
  observe::HistogramFamily attempt_time; // one POST, seconds
};

}  // namespace paygate::notify
