#include "notify/metrics.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygate::notify {
namespace {

// Declares the families of one outbox: their names and fixed label differ, nothing else. Names
// are production's, "paygate_notify_..."; the stress outbox's are "paygate_stress_notify_...",
// the callbacks outbox's "paygate_callbacks_...".
class OutboxFamilies {
 public:
  OutboxFamilies(observe::Registry& registry, Outbox outbox)
      : registry_(registry), outbox_(outbox) {
    if (outbox == Outbox::kStress) fixed_ = observe::FixedLabel{"env", "stress"};
  }
  observe::CounterFamily counter(std::string_view name, std::string help,
                                 std::vector<std::string> labels = {}) {
    return registry_.declare_counter(full(name), std::move(help), std::move(labels), fixed_);
  }
  observe::GaugeFamily gauge(std::string_view name, std::string help) {
    return registry_.declare_gauge(full(name), std::move(help), {}, fixed_);
  }
  observe::HistogramFamily histogram(
      std::string_view name, std::string help,
      std::vector<double> bounds = observe::default_latency_buckets()) {
    return registry_.declare_histogram(full(name), std::move(help), {}, std::move(bounds), fixed_);
  }

 private:
  std::string full(std::string_view name) const {
    constexpr std::string_view kPaygate = "paygate_";
    constexpr std::string_view kNotify = "paygate_notify_";
    switch (outbox_) {
      case Outbox::kProduction:
        return std::string(name);
      case Outbox::kStress:
        return "paygate_stress_" + std::string(name.substr(kPaygate.size()));
      case Outbox::kCallbacks:
        return "paygate_callbacks_" + std::string(name.substr(kNotify.size()));
    }
    return std::string(name);
  }

  observe::Registry& registry_;
  Outbox outbox_;
  std::optional<observe::FixedLabel> fixed_;
};

}  // namespace

NotifyMetrics::NotifyMetrics(observe::Registry& registry, Outbox outbox) {
  OutboxFamilies families(registry, outbox);
  intakes = families.counter("paygate_notify_intakes_total", "Notification intake calls by result.",
                             {"result"});
  attempts = families.counter("paygate_notify_attempts_total", "Delivery attempts by outcome.",
                              {"outcome"});
  delivered = families.counter("paygate_notify_delivered_total",
                               "Notifications acknowledged by the merchant.");
  dead_letters =
      families.counter("paygate_notify_dead_letters_total",
                       "Notifications that exhausted the retry schedule without acknowledgement.");
  commits = families.counter("paygate_notify_store_commits_total",
                             "Outbox transactions committed, by connection.", {"connection"});
  due = families.gauge("paygate_notify_due", "Pending notifications whose delivery time has come.");
  pending = families.gauge("paygate_notify_pending", "Notifications not yet delivered nor failed.");
  failed = families.gauge("paygate_notify_dead_letters_stored",
                          "Failed notifications kept in the outbox.");
  oldest_due = families.gauge("paygate_notify_oldest_due_seconds",
                              "How long the oldest due notification has waited.");
  in_flight = families.gauge("paygate_notify_in_flight", "Notification deliveries under way.");
  latency = families.histogram(
      "paygate_notify_delivery_latency_seconds",
      "Time from intake to the merchant's acknowledgement.",
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 21600, 86400});
  attempt_time = families.histogram("paygate_notify_attempt_duration_seconds",
                                    "Duration of one delivery POST.");
}

}  // namespace paygate::notify
