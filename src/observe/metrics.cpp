#include "observe/metrics.h"

#include <algorithm>
#include <cmath>

namespace paygate::observe {

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;  // would otherwise poison the sum forever
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  auto& count = counts_[static_cast<std::size_t>(bucket)];
  count.store(count.load(kRelaxed) + 1, kRelaxed);
  sum_.store(sum_.load(kRelaxed) + value, kRelaxed);
}

}  // namespace paygate::observe
