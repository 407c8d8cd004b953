#include "proxy/retry_budget.h"

#include <algorithm>

namespace paygate::proxy {

namespace {
std::int64_t second_of(Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}
}  // namespace

RetryBudget::Bucket& RetryBudget::bucket(Clock::time_point now) {
  const std::int64_t second = second_of(now);
  Bucket& b = buckets_[static_cast<std::size_t>(second) % buckets_.size()];
  if (b.second != second) b = Bucket{second, 0, 0};  // a second of an older turn of the ring
  return b;
}

void RetryBudget::count_request(Clock::time_point now) { ++bucket(now).requests; }

bool RetryBudget::try_spend(const RetryPolicy& policy, Clock::time_point now) {
  Bucket& current = bucket(now);
  const std::int64_t oldest = current.second - static_cast<std::int64_t>(buckets_.size()) + 1;
  double requests = 0;
  double retries = 0;
  for (const Bucket& b : buckets_) {
    if (b.second < oldest) continue;
    requests += b.requests;
    retries += b.retries;
  }
  const double allowed = policy.budget_ratio * requests +
                         static_cast<double>(policy.min_retries_per_second) * kWindow.count();
  if (retries + 1 > allowed) return false;
  ++current.retries;
  return true;
}

Clock::duration backoff_delay(const RetryPolicy& policy, unsigned retry, std::uint64_t random) {
  using std::chrono::microseconds;
  const microseconds base = policy.backoff_base;
  const microseconds cap = policy.backoff_max;
  // Grown step by step and stopped at the cap: no power can overflow, whatever the retry number.
  double grown = static_cast<double>(base.count());
  for (unsigned n = 1; n < retry && grown < static_cast<double>(cap.count()); ++n) {
    grown *= policy.backoff_multiplier;
  }
  const microseconds ceiling = std::min(
      cap,
      microseconds{static_cast<std::int64_t>(std::min(grown, static_cast<double>(cap.count())))});
  if (ceiling.count() <= 0) return Clock::duration::zero();
  return microseconds{
      static_cast<std::int64_t>(random % (static_cast<std::uint64_t>(ceiling.count()) + 1))};
}

}  // namespace paygate::proxy
