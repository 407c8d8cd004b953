#include "notify/metrics.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygate::notify {
namespace {

// Declares the families of one outbox: their names and fixed label differ, nothing else.
class Declarer {
 public:
  Declarer(observe::Registry& registry, Outbox outbox) : registry_(registry) {
    if (outbox == Outbox::kStress) {
      prefix_ = "paygate_stress_";
      fixed_ = observe::FixedLabel{"env", "stress"};
    }
  }
  // `name` without its "paygate_" prefix.
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
  std::string full(std::string_view name) const { return prefix_ + std::string(name); }

  observe::Registry& registry_;
  std::string prefix_ = "paygate_";
  std::optional<observe::FixedLabel> fixed_;
};

}  // namespace

NotifyMetrics::NotifyMetrics(observe::Registry& registry, Outbox outbox) {
  Declarer d(registry, outbox);
  intakes = d.counter("notify_intakes_total", "Notification intake calls by result.", {"result"});
  attempts = d.counter("notify_attempts_total", "Delivery attempts by outcome.", {"outcome"});
  delivered = d.counter("notify_delivered_total", "Notifications acknowledged by the merchant.");
  dead_letters =
      d.counter("notify_dead_letters_total",
                "Notifications that exhausted the retry schedule without acknowledgement.");
  commits = d.counter("notify_store_commits_total", "Outbox transactions committed, by connection.",
                      {"connection"});
  due = d.gauge("notify_due", "Pending notifications whose delivery time has come.");
  pending = d.gauge("notify_pending", "Notifications not yet delivered nor failed.");
  failed = d.gauge("notify_dead_letters_stored", "Failed notifications kept in the outbox.");
  oldest_due =
      d.gauge("notify_oldest_due_seconds", "How long the oldest due notification has waited.");
  in_flight = d.gauge("notify_in_flight", "Notification deliveries under way.");
  latency = d.histogram(
      "notify_delivery_latency_seconds", "Time from intake to the merchant's acknowledgement.",
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 21600, 86400});
  attempt_time = d.histogram("notify_attempt_duration_seconds", "Duration of one delivery POST.");
}

}  // namespace paygate::notify
