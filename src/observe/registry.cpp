#include "observe/registry.h"

#include <algorithm>
#include <cmath>
#include <compare>
#include <deque>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "observe/exposition.h"

namespace paygate::observe {
namespace {

struct Family {
  std::string name;
  std::string help;
  MetricType type;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // histograms only; handles keep a span into it
  std::optional<FixedLabel> fixed;  // rendered first on every series
};

struct SeriesKey {
  std::uint32_t family;
  std::vector<std::string> labels;
  auto operator<=>(const SeriesKey&) const = default;
};

template <typename Handle>
using HandleMap = std::map<SeriesKey, std::unique_ptr<Handle>>;

struct ShardSeries {
  HandleMap<Counter> counters;
  HandleMap<Gauge> gauges;
  HandleMap<Histogram> histograms;
};

// One label set of one family, summed over shards and collectors.
struct MergedSeries {
  double value = 0;
  std::vector<std::uint64_t> buckets;  // histograms: per bucket, +Inf last
  double sum = 0;
};
using MergedFamily = std::map<std::vector<std::string>, MergedSeries>;

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void fail(const std::string& what) { throw std::invalid_argument("observe: " + what); }

void check_label_names(const std::string& family, const std::vector<std::string>& names,
                       MetricType type) {
  for (const auto& name : names) {
    if (!is_valid_label_name(name)) fail("invalid label name '" + name + "' in " + family);
    if (type == MetricType::kHistogram && name == "le") fail("'le' is reserved in " + family);
    if (std::count(names.begin(), names.end(), name) > 1) fail("duplicate label " + name);
  }
}

void check_bounds(const std::string& family, const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) fail("non-finite bucket bound in " + family);
    if (i > 0 && bounds[i] <= bounds[i - 1]) fail("bucket bounds not increasing in " + family);
  }
}

}  // namespace

std::vector<double> default_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

struct Registry::State {
  mutable std::mutex mutex;
  std::deque<Family> families;  // deque: a family never moves once declared
  std::vector<ShardSeries> shards;
  std::vector<Collector> collectors;

  std::uint32_t declare(Family family);
  const Family& family_for(std::uint32_t index, MetricType type, std::size_t label_count) const;
  template <typename Handle, typename Make>
  Handle* find_or_create(HandleMap<Handle>& map, std::uint32_t index, MetricType type,
                         LabelValues labels, Make make);
  std::vector<MergedFamily> merge_shards() const;
  void run_collectors(std::vector<MergedFamily>& merged) const;
  std::string write(const std::vector<MergedFamily>& merged) const;
};

std::uint32_t Registry::State::declare(Family family) {
  if (!is_valid_metric_name(family.name)) fail("invalid metric name '" + family.name + "'");
  std::vector<std::string> every_label = family.label_names;
  if (family.fixed) every_label.push_back(family.fixed->name);
  check_label_names(family.name, every_label, family.type);
  check_bounds(family.name, family.bounds);
  std::lock_guard lock(mutex);
  for (const auto& existing : families) {
    if (existing.name == family.name) fail("family declared twice: " + family.name);
  }
  families.push_back(std::move(family));
  return static_cast<std::uint32_t>(families.size() - 1);
}

const Family& Registry::State::family_for(std::uint32_t index, MetricType type,
                                          std::size_t label_count) const {
  if (index >= families.size() || families[index].type != type) fail("unknown family");
  const Family& family = families[index];
  if (label_count != family.label_names.size()) fail("wrong label count for " + family.name);
  return family;
}

template <typename Handle, typename Make>
Handle* Registry::State::find_or_create(HandleMap<Handle>& map, std::uint32_t index,
                                        MetricType type, LabelValues labels, Make make) {
  std::lock_guard lock(mutex);
  const Family& family = family_for(index, type, labels.size());
  SeriesKey key{index, std::vector<std::string>(labels.begin(), labels.end())};
  auto [it, inserted] = map.try_emplace(std::move(key));
  if (inserted) it->second = make(family);
  return it->second.get();
}

Registry::Registry(std::size_t workers, std::size_t services)
    : state_(std::make_unique<State>()), workers_(workers) {
  const std::size_t total = workers + services + 1;
  state_->shards.resize(total);
  for (std::size_t i = 0; i < total; ++i) shards_.emplace_back(new Shard(*this, i));
}

Registry::~Registry() = default;

CounterFamily Registry::declare_counter(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::optional<FixedLabel> fixed) {
  return {state_->declare({std::move(name),
                           std::move(help),
                           MetricType::kCounter,
                           std::move(label_names),
                           {},
                           std::move(fixed)})};
}

GaugeFamily Registry::declare_gauge(std::string name, std::string help,
                                    std::vector<std::string> label_names,
                                    std::optional<FixedLabel> fixed) {
  return {state_->declare({std::move(name),
                           std::move(help),
                           MetricType::kGauge,
                           std::move(label_names),
                           {},
                           std::move(fixed)})};
}

HistogramFamily Registry::declare_histogram(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds,
                                            std::optional<FixedLabel> fixed) {
  return {state_->declare({std::move(name), std::move(help), MetricType::kHistogram,
                           std::move(label_names), std::move(bounds), std::move(fixed)})};
}

void Registry::add_collector(Collector collector) {
  std::lock_guard lock(state_->mutex);
  state_->collectors.push_back(std::move(collector));
}

Shard& Registry::shard(std::size_t worker) {
  if (worker >= worker_count()) fail("no shard for worker " + std::to_string(worker));
  return *shards_[worker];
}

Shard& Registry::service_shard(std::size_t service) {
  if (workers_ + service + 1 >= shards_.size()) {
    fail("no shard for service " + std::to_string(service));
  }
  return *shards_[workers_ + service];
}

Counter* LabelledCounters::of(std::string_view label) {
  for (const auto& [known, counter] : made_) {
    if (known == label) return counter;
  }
  made_.emplace_back(label, shard_.counter(family_, {label}));
  return made_.back().second;
}

Counter* Shard::counter(CounterFamily family, LabelValues labels) {
  auto& state = *registry_.state_;
  return state.find_or_create(state.shards[index_].counters, family.index, MetricType::kCounter,
                              labels, [](const Family&) { return std::make_unique<Counter>(); });
}

Gauge* Shard::gauge(GaugeFamily family, LabelValues labels) {
  auto& state = *registry_.state_;
  return state.find_or_create(state.shards[index_].gauges, family.index, MetricType::kGauge, labels,
                              [](const Family&) { return std::make_unique<Gauge>(); });
}

Histogram* Shard::histogram(HistogramFamily family, LabelValues labels) {
  auto& state = *registry_.state_;
  return state.find_or_create(
      state.shards[index_].histograms, family.index, MetricType::kHistogram, labels,
      [](const Family& f) { return std::make_unique<Histogram>(f.bounds); });
}

std::vector<MergedFamily> Registry::State::merge_shards() const {
  std::vector<MergedFamily> merged(families.size());
  for (const auto& shard : shards) {
    for (const auto& [key, counter] : shard.counters) {
      merged[key.family][key.labels].value += static_cast<double>(counter->value());
    }
    for (const auto& [key, gauge] : shard.gauges)
      merged[key.family][key.labels].value += gauge->value();
    for (const auto& [key, histogram] : shard.histograms) {
      auto& series = merged[key.family][key.labels];
      series.buckets.resize(histogram->bounds().size() + 1);
      for (std::size_t i = 0; i < series.buckets.size(); ++i) {
        series.buckets[i] += histogram->bucket_count(i);
      }
      series.sum += histogram->sum();
    }
  }
  return merged;
}

namespace {

class MergingWriter final : public Writer {
 public:
  MergingWriter(const std::deque<Family>& families, std::vector<MergedFamily>& merged)
      : families_(families), merged_(merged) {}

  void sample(CounterFamily family, LabelValues labels, double value) override {
    add(family.index, MetricType::kCounter, labels, value);
  }
  void sample(GaugeFamily family, LabelValues labels, double value) override {
    add(family.index, MetricType::kGauge, labels, value);
  }

 private:
  void add(std::uint32_t index, MetricType type, LabelValues labels, double value) {
    if (index >= families_.size() || families_[index].type != type) fail("unknown family");
    if (labels.size() != families_[index].label_names.size()) {
      fail("wrong label count for " + families_[index].name);
    }
    merged_[index][std::vector<std::string>(labels.begin(), labels.end())].value += value;
  }

  const std::deque<Family>& families_;
  std::vector<MergedFamily>& merged_;
};

// A family's label names and one series' values as rendered: the fixed label first.
struct RenderedLabels {
  std::vector<std::string> names;
  std::vector<std::string> values;
};

RenderedLabels rendered_labels(const Family& family, const std::vector<std::string>& labels) {
  if (!family.fixed) return {family.label_names, labels};
  RenderedLabels rendered{{family.fixed->name}, {family.fixed->value}};
  rendered.names.insert(rendered.names.end(), family.label_names.begin(), family.label_names.end());
  rendered.values.insert(rendered.values.end(), labels.begin(), labels.end());
  return rendered;
}

void write_histogram_series(std::string& out, const Family& family,
                            const std::vector<std::string>& series_labels,
                            const MergedSeries& series) {
  const auto [names, labels] = rendered_labels(family, series_labels);
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < series.buckets.size(); ++i) {
    cumulative += series.buckets[i];
    le.clear();
    if (i < family.bounds.size())
      append_value(le, family.bounds[i]);
    else
      le = "+Inf";
    out += family.name + "_bucket";
    append_labels(out, names, labels, le);
    out += ' ' + std::to_string(cumulative) + '\n';
  }
  out += family.name + "_sum";
  append_labels(out, names, labels);
  out += ' ';
  append_value(out, series.sum);
  out += '\n' + family.name + "_count";
  append_labels(out, names, labels);
  out += ' ' + std::to_string(cumulative) + '\n';
}

void write_family(std::string& out, const Family& family, const MergedFamily& series) {
  out += "# HELP " + family.name + ' ';
  append_escaped_help(out, family.help);
  out += "\n# TYPE " + family.name + ' ';
  out += type_name(family.type);
  out += '\n';
  for (const auto& [labels, merged] : series) {
    if (family.type == MetricType::kHistogram) {
      write_histogram_series(out, family, labels, merged);
      continue;
    }
    out += family.name;
    const auto [names, values] = rendered_labels(family, labels);
    append_labels(out, names, values);
    out += ' ';
    append_value(out, merged.value);
    out += '\n';
  }
}

}  // namespace

void Registry::State::run_collectors(std::vector<MergedFamily>& merged) const {
  MergingWriter writer(families, merged);
  for (const auto& collector : collectors) collector(writer);
}

std::string Registry::State::write(const std::vector<MergedFamily>& merged) const {
  // Sorted by name, like the reference Go client, so the order never depends on declaration.
  std::vector<std::size_t> order(families.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return families[a].name < families[b].name; });
  std::string out;
  for (std::size_t index : order) {
    if (!merged[index].empty()) write_family(out, families[index], merged[index]);
  }
  return out;
}

std::map<std::vector<std::string>, double> Registry::counter_values(CounterFamily family) const {
  std::lock_guard lock(state_->mutex);
  std::map<std::vector<std::string>, double> values;
  for (const auto& shard : state_->shards) {
    for (const auto& [key, counter] : shard.counters) {
      if (key.family == family.index) values[key.labels] += static_cast<double>(counter->value());
    }
  }
  return values;
}

std::map<std::vector<std::string>, HistogramCounts> Registry::histogram_values(
    HistogramFamily family) const {
  std::lock_guard lock(state_->mutex);
  std::map<std::vector<std::string>, HistogramCounts> values;
  for (const auto& shard : state_->shards) {
    for (const auto& [key, histogram] : shard.histograms) {
      if (key.family != family.index) continue;
      HistogramCounts& counts = values[key.labels];
      const auto bounds = histogram->bounds();
      counts.bounds.assign(bounds.begin(), bounds.end());
      counts.buckets.resize(bounds.size() + 1);
      for (std::size_t i = 0; i < counts.buckets.size(); ++i) {
        counts.buckets[i] += histogram->bucket_count(i);
      }
    }
  }
  return values;
}

std::uint64_t HistogramCounts::total() const {
  std::uint64_t total = 0;
  for (const std::uint64_t count : buckets) total += count;
  return total;
}

HistogramCounts HistogramCounts::since(const HistogramCounts& earlier) const {
  HistogramCounts delta = *this;
  for (std::size_t i = 0; i < delta.buckets.size() && i < earlier.buckets.size(); ++i) {
    // Counters only grow; a series that restarted (a new process) counts from zero.
    delta.buckets[i] = buckets[i] >= earlier.buckets[i] ? buckets[i] - earlier.buckets[i] : 0;
  }
  return delta;
}

double HistogramCounts::quantile(double q) const {
  const std::uint64_t count = total();
  if (count == 0 || bounds.empty()) return 0;
  const double rank = q * static_cast<double>(count);
  double below = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const double in_bucket = static_cast<double>(buckets[i]);
    if (below + in_bucket < rank) {
      below += in_bucket;
      continue;
    }
    if (i == bounds.size()) return bounds.back();
    const double lower = i == 0 ? 0 : bounds[i - 1];
    return lower + (bounds[i] - lower) * (rank - below) / in_bucket;
  }
  return bounds.back();
}

std::string Registry::render() const {
  std::lock_guard lock(state_->mutex);
  auto merged = state_->merge_shards();
  state_->run_collectors(merged);
  return state_->write(merged);
}

}  // namespace paygate::observe
