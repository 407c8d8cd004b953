#pragma once
// Per-worker upstream state: for each endpoint its keep-alive pool, in-flight count and passive
// health (ejected for a cool-down after N consecutive connect failures, and by the cluster's
// outlier detection: proxy/outlier_detector.h); for each cluster the load-balancing cursor and
// the retry budget (proxy/retry_budget.h). Owned by one worker, no locks: each worker ejects and
// budgets on what it saw itself. State is keyed by endpoint address and cluster name, so pools,
// health and budgets survive a config reload that keeps them.

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/connection_pool.h"
#include "http/h2_client.h"
#include "proxy/concurrency_limit.h"
#include "proxy/outlier_detector.h"
#include "proxy/retry_budget.h"
#include "proxy/settings.h"

namespace paygate::proxy {

using http::Clock;

struct EndpointState {
  EndpointState(std::string key, boost::asio::ip::tcp::endpoint address, std::size_t max_idle,
                Clock::duration idle_timeout)
      : key(std::move(key)), address(address), pool(max_idle, idle_timeout) {}

  bool ejected(Clock::time_point now) const { return now < ejected_until; }
  // True when this failure ejected the endpoint (for eject_duration).
  bool record_connect_failure(const ClusterSettings& cluster, Clock::time_point now);
  void record_success() { consecutive_failures = 0; }

  std::string key;  // "ip:port", also the access log's upstream field
  // For a TLS cluster: the name sent as SNI and verified, and the session of the last
  // connection, which the next one resumes (so a pool refilling costs abbreviated handshakes).
  std::string tls_name;
  tls::SessionHandle tls_session;
  // HTTP/2 clusters: the connections to the endpoint, each carrying many requests.
  std::vector<std::shared_ptr<http::H2ClientSession>> h2_sessions;
  // While one try opens a connection, the others wait on this rather than open their own.
  bool h2_connecting = false;
  std::unique_ptr<boost::asio::steady_timer> h2_connected;
  boost::asio::ip::tcp::endpoint address;
  http::ConnectionPool pool;
  std::size_t outstanding = 0;  // requests in flight from this worker
  unsigned consecutive_failures = 0;
  Clock::time_point ejected_until{};
  OutlierDetector outlier;  // for clusters with outlier_detection
};

// An ejection by outlier detection, for the caller to count and log.
struct Ejection {
  EjectionReason reason;
  Clock::duration cool_down;
};

class ClusterState {
 public:
  // Picks an endpoint by the cluster's policy, skipping ejected ones. If every endpoint is
  // ejected, returns the one whose cool-down ends first (a probe), so traffic can recover.
  // `avoid` (the endpoints a request's earlier tries failed on) are picked only when no other
  // endpoint is in.
  EndpointState* pick(LbPolicy policy, Clock::time_point now,
                      std::span<const EndpointState* const> avoid = {});
  std::vector<EndpointState*>& endpoints() { return endpoints_; }
  RetryBudget& retry_budget() { return retry_budget_; }

  // A try's result on `endpoint`, for the cluster's outlier detection: the ejection when it
  // ejected the endpoint. Never ejects past max_ejection_percent of the endpoints (rounded
  // down), nor the last endpoint in.
  std::optional<Ejection> record(const OutlierDetection& settings, EndpointState& endpoint,
                                 TryResult result, Clock::time_point now);
  std::size_t ejected_count(Clock::time_point now) const;

  // clusters[].concurrency on this worker; lives as long as the state, so permits outlive reloads.
  ConcurrencyLimiter& limiter() { return limiter_; }
  const ConcurrencyLimiter& limiter() const { return limiter_; }

 private:
  using Avoid = std::span<const EndpointState* const>;
  EndpointState* pick_round_robin(Clock::time_point now, Avoid avoid);
  EndpointState* pick_least_request(Clock::time_point now, Avoid avoid);
  EndpointState* soonest_back();
  bool may_eject(const OutlierDetection& settings, Clock::time_point now) const;

  std::vector<EndpointState*> endpoints_;
  std::size_t next_ = 0;
  RetryBudget retry_budget_;
  ConcurrencyLimiter limiter_;
};

class WorkerUpstreams {
 public:
  // The state for a cluster as configured now (creates endpoints it has not seen, keeps the
  // rest with their pools). Called when a worker adopts a snapshot, not per request.
  ClusterState& adopt(const ClusterSettings& cluster);
  // Closes pooled connections idle for too long.
  void sweep(Clock::time_point now);
  template <typename Fn>
  void for_each_endpoint(Fn&& fn) const {
    for (const auto& [key, ep] : endpoints_) fn(*ep);
  }
  // fn(cluster name, state), for every cluster adopted so far.
  template <typename Fn>
  void for_each_cluster(Fn&& fn) const {
    for (const auto& [name, state] : clusters_) fn(name, *state);
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<EndpointState>> endpoints_;
  std::unordered_map<std::string, std::unique_ptr<ClusterState>> clusters_;
};

}  // namespace paygate::proxy
