#pragma once
// Registry: the process's Prometheus metrics, hand-written (docs/architecture.md, "Libraries"),
// one shard per worker plus one for the control thread, merged only when scraped.
//
// Start-up, one thread: construct with the worker count, declare every family, add collectors.
// Running: shard(w) belongs to worker w and control_shard() to the control thread. A thread asks
// its own shard for handles (this may allocate and lock: do it once per route per snapshot, never
// per request) and then updates them without locks (observe/metrics.h). The same (family, label
// values) on the same shard always yields the same handle; handles live as long as the registry.
// Scrape, any thread: render() sums every shard and every collector per label set and writes the
// text exposition format 0.0.4.
// Misuse (invalid or duplicate names, wrong number of label values, a family of another registry
// or type) throws std::invalid_argument: a programming error surfaced at start-up.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "observe/metrics.h"

namespace paygate::observe {

enum class MetricType { kCounter, kGauge, kHistogram };

// A histogram's counts at one moment: bounds (ascending, finite) and the count per bucket, not
// cumulative, the +Inf bucket last. Counts of two moments subtract into the counts between.
struct HistogramCounts {
  std::vector<double> bounds;
  std::vector<std::uint64_t> buckets;  // bounds.size() + 1 entries

  std::uint64_t total() const;
  // `earlier` is of the same series at an earlier moment (or empty): the counts since.
  HistogramCounts since(const HistogramCounts& earlier) const;
  // The q-quantile (0 < q < 1), interpolated linearly inside its bucket as Prometheus'
  // histogram_quantile does: the bucket's lower bound is the previous bound (0 for the first);
  // in the +Inf bucket, the highest finite bound. 0 without observations.
  double quantile(double q) const;
};

// Typed family ids, so a counter family cannot be asked for a gauge handle.
template <MetricType kType>
struct FamilyId {
  std::uint32_t index = UINT32_MAX;  // default: not declared
};
using CounterFamily = FamilyId<MetricType::kCounter>;
using GaugeFamily = FamilyId<MetricType::kGauge>;
using HistogramFamily = FamilyId<MetricType::kHistogram>;

// Label values in the order of the family's label names; copied, so views may be temporary.
using LabelValues = std::initializer_list<std::string_view>;

// A label every series of a family carries with one value (env="stress"), given when the family
// is declared and never with the label values: two environments' families then differ in name
// and in this label, and no query over one ever sums the other.
struct FixedLabel {
  std::string name;
  std::string value;
};

// Request latency buckets in seconds.
std::vector<double> default_latency_buckets();

class Registry;

// Shard: one thread's handles. Obtained from Registry; not copyable.
class Shard {
 public:
  Counter* counter(CounterFamily family, LabelValues labels);
  Gauge* gauge(GaugeFamily family, LabelValues labels);
  Histogram* histogram(HistogramFamily family, LabelValues labels);

  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

 private:
  friend class Registry;
  Shard(Registry& registry, std::size_t index) : registry_(registry), index_(index) {}
  Registry& registry_;
  std::size_t index_;
};

// The counters of a family with one label whose values are static strings (reasons, results),
// each made on its first count: the registry's lock is taken once per value, not once per count,
// which matters when refusals come in floods. Confined to the shard's thread.
class LabelledCounters {
 public:
  LabelledCounters(Shard& shard, CounterFamily family) : shard_(shard), family_(family) {}
  // `label` must outlive the shard (a string literal).
  Counter* of(std::string_view label);
  void inc(std::string_view label) { of(label)->inc(); }

 private:
  Shard& shard_;
  CounterFamily family_;
  std::vector<std::pair<std::string_view, Counter*>> made_;
};

// Writer: what a collector uses at scrape time to add process-wide samples. Values are added to
// whatever the shards hold for the same label set. Valid only during the collector call.
class Writer {
 public:
  virtual void sample(CounterFamily family, LabelValues labels, double value) = 0;
  virtual void sample(GaugeFamily family, LabelValues labels, double value) = 0;

 protected:
  ~Writer() = default;
};

// A collector runs on the scraping thread under the registry's lock: it must be quick and must
// not call back into the registry.
using Collector = std::function<void(Writer&)>;

class Registry {
 public:
  // `services`: shards for the process's other threads that update metrics (the notification
  // intake, committer and dispatcher), one each.
  explicit Registry(std::size_t workers, std::size_t services = 0);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily declare_counter(std::string name, std::string help,
                                std::vector<std::string> label_names = {},
                                std::optional<FixedLabel> fixed = {});
  GaugeFamily declare_gauge(std::string name, std::string help,
                            std::vector<std::string> label_names = {},
                            std::optional<FixedLabel> fixed = {});
  // bounds: strictly increasing, finite; +Inf is implied.
  HistogramFamily declare_histogram(std::string name, std::string help,
                                    std::vector<std::string> label_names = {},
                                    std::vector<double> bounds = default_latency_buckets(),
                                    std::optional<FixedLabel> fixed = {});

  void add_collector(Collector collector);

  std::size_t worker_count() const { return workers_; }
  Shard& shard(std::size_t worker);           // worker < worker_count()
  Shard& service_shard(std::size_t service);  // service < services
  Shard& control_shard() { return *shards_.back(); }

  std::string render() const;

  // One counter family's values by label set, summed over the shards (collectors excluded).
  // Takes the registry's lock, like render(): for periodic readers, never the request path.
  std::map<std::vector<std::string>, double> counter_values(CounterFamily family) const;
  // The same for a histogram family: per label set, its bucket counts summed over the shards.
  std::map<std::vector<std::string>, HistogramCounts> histogram_values(
      HistogramFamily family) const;

 private:
  friend class Shard;
  struct State;
  std::unique_ptr<State> state_;
  std::vector<std::unique_ptr<Shard>> shards_;  // workers, then services, then control
  std::size_t workers_;
};

}  // namespace paygate::observe
