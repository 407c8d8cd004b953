#pragma once
// Histogram: latencies in log-linear buckets, in the manner of HdrHistogram: values below
// 2^kSubBits nanoseconds are exact, above that each power of two is split into 2^kSubBits
// buckets, so every value is kept within 1/128 (0.8 %) of itself, from 1 ns to centuries, in a
// fixed array. Recording is an index computation and an increment.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace paygate::bench {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBits;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSubBuckets;

  void record(std::chrono::nanoseconds value);
  void add(const Histogram& other);
  std::uint64_t count() const { return count_; }
  // The value at quantile q (0..1): the top of the bucket that holds it; 0 when empty.
  std::chrono::nanoseconds quantile(double q) const;
  std::chrono::nanoseconds max() const { return std::chrono::nanoseconds{max_}; }

  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t highest_in(std::size_t index);

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace paygate::bench
