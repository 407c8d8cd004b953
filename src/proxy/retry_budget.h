#pragma once
// RetryBudget: how many retries one worker may still send to one cluster, so that retries cannot
// multiply the load on a cluster that is failing (clusters[].retry.budget). Over the last
// kWindow, retries stay within budget_ratio x the requests forwarded plus
// min_retries_per_second x the window's seconds (the floor lets a quiet cluster retry at all).
// Counts in one-second buckets of a ring: fixed size, no allocation, no locks; worker-confined
// like the ClusterState that holds it.
//
// backoff_delay(): the pause before retry n (1, 2, ...): full jitter, uniform in
// [0, min(backoff_max, backoff_base x multiplier^(n-1))], from the caller's random bits.

#include <array>
#include <chrono>
#include <cstdint>

#include "http/connection_pool.h"
#include "proxy/settings.h"

namespace paygate::proxy {

using http::Clock;

class RetryBudget {
 public:
  static constexpr auto kWindow = std::chrono::seconds{10};

  // A request forwarded to the cluster (its first try).
  void count_request(Clock::time_point now);
  // True, and the retry counted, when the policy's budget allows one more now.
  bool try_spend(const RetryPolicy& policy, Clock::time_point now);

 private:
  struct Bucket {
    std::int64_t second = -1;  // since the clock's epoch; -1: never used
    std::uint32_t requests = 0;
    std::uint32_t retries = 0;
  };
  Bucket& bucket(Clock::time_point now);

  std::array<Bucket, kWindow.count()> buckets_{};
};

Clock::duration backoff_delay(const RetryPolicy& policy, unsigned retry, std::uint64_t random);

}  // namespace paygate::proxy
