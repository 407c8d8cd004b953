#pragma once
// Metric handles: Counter, Gauge and Histogram for one label set on one shard.
//
// A handle is obtained from Shard (observe/registry.h) and is owned by the registry; it stays
// valid for the registry's lifetime. Only the thread that owns the shard may change a handle:
// every update is a relaxed load plus a relaxed store (plain moves, no lock prefix), which is
// enough because that thread is the only writer. Any thread may read the values (the scrape).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace paygate::observe {

// Handles of different shards must not share a cache line, or workers would still contend.
inline constexpr std::size_t kCacheLineBytes = 64;

class alignas(kCacheLineBytes) Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.store(value_.load(kRelaxed) + n, kRelaxed); }
  std::uint64_t value() const { return value_.load(kRelaxed); }

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  std::atomic<std::uint64_t> value_{0};
};

// Gauge: the merged value is the sum over shards, so each shard holds its own contribution
// (a worker adds +1/-1 for its connections; set() replaces only this shard's part).
class alignas(kCacheLineBytes) Gauge {
 public:
  void add(double delta) { value_.store(value_.load(kRelaxed) + delta, kRelaxed); }
  void set(double value) { value_.store(value, kRelaxed); }
  double value() const { return value_.load(kRelaxed); }

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  std::atomic<double> value_{0.0};
};

// Histogram with fixed upper bounds (owned by the family, sorted ascending, finite). A value v
// lands in the first bucket whose bound is >= v (Prometheus `le`), else in the +Inf bucket.
// Counts are kept per bucket, not cumulative; the exposition accumulates them.
class alignas(kCacheLineBytes) Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);

  void observe(double value);

  std::span<const double> bounds() const { return bounds_; }
  // i in [0, bounds().size()]; the last index is the +Inf bucket.
  std::uint64_t bucket_count(std::size_t i) const { return counts_[i].load(kRelaxed); }
  double sum() const { return sum_.load(kRelaxed); }

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

}  // namespace paygate::observe
