#pragma once
// Per-worker upstream state: for each endpoint its keep-alive pool, in-flight count and passive
// health (ejected for a cool-down after N consecutive connect failures); for each cluster the
// load-balancing cursor. Owned by one worker, no locks. State is keyed by endpoint address and
// cluster name, so pools and health survive a config reload that keeps them.

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/connection_pool.h"
#include "http/h2_client.h"
#include "proxy/concurrency_limit.h"
#include "proxy/settings.h"

namespace paygate::proxy {

using http::Clock;

struct EndpointState {
  EndpointState(std::string key, boost::asio::ip::tcp::endpoint address, std::size_t max_idle,
                Clock::duration idle_timeout)
      : key(std::move(key)), address(address), pool(max_idle, idle_timeout) {}

  bool ejected(Clock::time_point now) const { return now < ejected_until; }
  void record_connect_failure(const ClusterSettings& cluster, Clock::time_point now);
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
};

class ClusterState {
 public:
  // Picks an endpoint by the cluster's policy, skipping ejected ones. If every endpoint is
  // ejected, returns the one whose cool-down ends first (a probe), so traffic can recover.
  EndpointState* pick(LbPolicy policy, Clock::time_point now);
  std::vector<EndpointState*>& endpoints() { return endpoints_; }
  // clusters[].concurrency on this worker; lives as long as the state, so permits outlive reloads.
  ConcurrencyLimiter& limiter() { return limiter_; }
  const ConcurrencyLimiter& limiter() const { return limiter_; }

 private:
  EndpointState* pick_round_robin(Clock::time_point now);
  EndpointState* pick_least_request(Clock::time_point now);
  EndpointState* soonest_back();

  std::vector<EndpointState*> endpoints_;
  std::size_t next_ = 0;
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
  // fn(cluster name, state) for every cluster this worker has seen.
  template <typename Fn>
  void for_each_cluster(Fn&& fn) const {
    for (const auto& [name, state] : clusters_) fn(name, *state);
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<EndpointState>> endpoints_;
  std::unordered_map<std::string, std::unique_ptr<ClusterState>> clusters_;
};

}  // namespace paygate::proxy
