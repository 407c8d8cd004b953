#include "notify/metrics.h"

namespace paygate::notify {

NotifyMetrics::NotifyMetrics(observe::Registry& registry)
    : intakes(registry.declare_counter("paygate_notify_intakes_total",
                                       "Notification intake calls by result.", {"result"})),
      attempts(registry.declare_counter("paygate_notify_attempts_total",
                                        "Delivery attempts by outcome.", {"outcome"})),
      delivered(registry.declare_counter("paygate_notify_delivered_total",
                                         "Notifications acknowledged by the merchant.")),
      dead_letters(registry.declare_counter(
          "paygate_notify_dead_letters_total",
          "Notifications that exhausted the retry schedule without acknowledgement.")),
      commits(registry.declare_counter("paygate_notify_store_commits_total",
                                       "Outbox transactions committed, by connection.",
                                       {"connection"})),
      due(registry.declare_gauge("paygate_notify_due",
                                 "Pending notifications whose delivery time has come.")),
      pending(registry.declare_gauge("paygate_notify_pending",
                                     "Notifications not yet delivered nor failed.")),
      failed(registry.declare_gauge("paygate_notify_dead_letters_stored",
                                    "Failed notifications kept in the outbox.")),
      oldest_due(registry.declare_gauge("paygate_notify_oldest_due_seconds",
                                        "How long the oldest due notification has waited.")),
      in_flight(registry.declare_gauge("paygate_notify_in_flight",
                                       "Notification deliveries under way.")),
      latency(registry.declare_histogram(
          "paygate_notify_delivery_latency_seconds",
          "Time from intake to the merchant's acknowledgement.", {},
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 21600,
           86400})),
      attempt_time(registry.declare_histogram("paygate_notify_attempt_duration_seconds",
                                              "Duration of one delivery POST.")) {}

}  // namespace paygate::notify
