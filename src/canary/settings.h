#pragma once
// Settings of a route's self-driving canary (routes[].canary): the cluster that receives the
// canary's share, the shares it climbs through, how long each lasts, and the guard that must hold
// for it to climb. Plain data with defaults; config/ fills and validates them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace paygate::canary {

struct Guard {
  // The canary's share of 5xx answers may exceed the baseline's by at most this much (0.01 =
  // one percentage point), so an outage both share is not blamed on the canary.
  double max_error_ratio = 0.01;
  // The canary's p99 latency may be at most this; 0 = not checked.
  std::chrono::milliseconds max_p99{0};
  // The canary requests a step needs before the guard judges it.
  std::uint64_t min_requests = 100;
};

struct CanarySettings {
  std::string route;              // the route it belongs to
  std::string cluster;            // the canary cluster (the route's own cluster is the baseline)
  std::size_t cluster_index = 0;  // of it in the snapshot's clusters (config/ links it)
  std::string version;            // default: the cluster's name
  std::string baseline_version;   // the route's cluster's name
  // The canary's share at each step, in basis points of the traffic (100 = 1 %), ascending;
  // the last is usually 10000.
  std::vector<std::uint32_t> steps{100, 500, 2'000, 5'000, 10'000};
  std::chrono::milliseconds interval{std::chrono::minutes{5}};
  Guard guard;

  // What identifies one roll-out: a change of any of these starts a new canary at step 0.
  std::string identity() const;
};

}  // namespace paygate::canary
