#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace paygate::bench {

std::size_t Histogram::index_of(std::uint64_t value) {
  if (value < kSubBuckets) return static_cast<std::size_t>(value);
  const unsigned top = static_cast<unsigned>(std::bit_width(value)) - 1;  // >= kSubBits
  const unsigned shift = top - kSubBits;
  // The kSubBits bits below the top one say where in [2^top, 2^(top+1)) the value is.
  const std::uint64_t mantissa = (value >> shift) & (kSubBuckets - 1);
  return static_cast<std::size_t>((shift + 1) * kSubBuckets + mantissa);
}

std::uint64_t Histogram::highest_in(std::size_t index) {
  if (index < kSubBuckets) return index;
  const std::uint64_t shift = index / kSubBuckets - 1;
  const std::uint64_t mantissa = index % kSubBuckets;
  const std::uint64_t lowest = (kSubBuckets + mantissa) << shift;
  return lowest + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::record(std::chrono::nanoseconds value) {
  const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(0, value.count()));
  ++buckets_[index_of(v)];
  ++count_;
  max_ = std::max(max_, v);
}

void Histogram::add(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::chrono::nanoseconds Histogram::quantile(double q) const {
  if (count_ == 0) return std::chrono::nanoseconds{0};
  // The rank of the value at q, counted from 1: the smallest value with that many at or below.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      return std::chrono::nanoseconds{static_cast<std::int64_t>(std::min(highest_in(i), max_))};
    }
  }
  return max();
}

}  // namespace paygate::bench
