#include "proxy/upstreams.h"

#include <algorithm>
#include <limits>

namespace paygate::proxy {

bool EndpointState::record_connect_failure(const ClusterSettings& cluster, Clock::time_point now) {
  ++consecutive_failures;
  if (cluster.eject_after_connect_failures == 0 ||
      consecutive_failures < cluster.eject_after_connect_failures) {
    return false;
  }
  ejected_until = now + cluster.eject_duration;
  consecutive_failures = 0;
  return true;
}

namespace {
bool in(std::span<const EndpointState* const> avoid, const EndpointState* ep) {
  return std::find(avoid.begin(), avoid.end(), ep) != avoid.end();
}
}  // namespace

EndpointState* ClusterState::pick(LbPolicy policy, Clock::time_point now, Avoid avoid) {
  if (endpoints_.empty()) return nullptr;
  auto pick_by_policy = [&](Avoid skip) {
    return policy == LbPolicy::kLeastRequest ? pick_least_request(now, skip)
                                             : pick_round_robin(now, skip);
  };
  EndpointState* chosen = pick_by_policy(avoid);
  if (!chosen && !avoid.empty()) chosen = pick_by_policy({});
  return chosen ? chosen : soonest_back();
}

EndpointState* ClusterState::pick_round_robin(Clock::time_point now, Avoid avoid) {
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointState* ep = endpoints_[next_++ % endpoints_.size()];
    if (!ep->ejected(now) && !in(avoid, ep)) return ep;
  }
  return nullptr;
}

EndpointState* ClusterState::pick_least_request(Clock::time_point now, Avoid avoid) {
  EndpointState* best = nullptr;
  const std::size_t start = next_++;  // rotate the start so ties spread evenly
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointState* ep = endpoints_[(start + i) % endpoints_.size()];
    if (ep->ejected(now) || in(avoid, ep)) continue;
    if (!best || ep->outstanding < best->outstanding) best = ep;
  }
  return best;
}

EndpointState* ClusterState::soonest_back() {
  EndpointState* best = endpoints_.front();
  for (EndpointState* ep : endpoints_) {
    if (ep->ejected_until < best->ejected_until) best = ep;
  }
  return best;
}

std::optional<Ejection> ClusterState::record(const OutlierDetection& settings,
                                             EndpointState& endpoint, TryResult result,
                                             Clock::time_point now) {
  const auto reason = endpoint.outlier.record(settings, result, now);
  // A probe of an endpoint still resting (every other one was out) is not judged again.
  if (!reason || endpoint.ejected(now) || !may_eject(settings, now)) return std::nullopt;
  const Clock::duration rest = endpoint.outlier.eject(settings, now);
  endpoint.ejected_until = now + rest;
  return Ejection{*reason, rest};
}

std::size_t ClusterState::ejected_count(Clock::time_point now) const {
  return static_cast<std::size_t>(
      std::count_if(endpoints_.begin(), endpoints_.end(),
                    [&](const EndpointState* ep) { return ep->ejected(now); }));
}

// Ejecting on answers can take out endpoints that are only slow or overloaded, which would push
// their load onto the rest: the cap keeps a share of the cluster in, and always one endpoint.
bool ClusterState::may_eject(const OutlierDetection& settings, Clock::time_point now) const {
  const std::size_t total = endpoints_.size();
  const auto cap =
      static_cast<std::size_t>(settings.max_ejection_percent * static_cast<double>(total) + 1e-9);
  const std::size_t after = ejected_count(now) + 1;
  return after <= cap && after < total;
}

namespace {
std::string tls_name(const ClusterSettings& cluster, const EndpointSettings& endpoint) {
  return cluster.tls->server_name.empty() ? endpoint.host : cluster.tls->server_name;
}

std::string pool_suffix(const ClusterSettings& cluster, const EndpointSettings& endpoint) {
  // An h2 cluster's failures (an upstream that does not choose h2 by ALPN fails the connect)
  // must not eject the endpoint for an HTTP/1.1 cluster, nor drop its TLS session.
  std::string protocol = cluster.protocol == UpstreamProtocol::kH2 ? " h2" : "";
  if (!cluster.tls) return protocol;
  const tls::ClientSettings& t = *cluster.tls;
  return protocol + " tls " + tls_name(cluster, endpoint) + " " + t.ca_file + " " +
         (t.verify ? "1" : "0") + " " + t.client_certificate.certificate_file + " " +
         std::to_string(static_cast<int>(t.min_version));
}
}  // namespace

ClusterState& WorkerUpstreams::adopt(const ClusterSettings& cluster) {
  auto& state = clusters_[cluster.name];
  if (!state) state = std::make_unique<ClusterState>();
  state->limiter().configure(cluster.concurrency);
  auto& list = state->endpoints();
  list.clear();
  for (const EndpointSettings& e : cluster.endpoints) {
    std::string key = e.address.address().to_string() + ":" + std::to_string(e.address.port());
    // Clusters share an endpoint's pool only when they speak to it alike: a TLS connection is
    // never lent to a cleartext cluster, nor one verified against another CA or name.
    auto& ep = endpoints_[key + pool_suffix(cluster, e)];
    if (!ep) {
      ep = std::make_unique<EndpointState>(key, e.address, cluster.max_idle_per_endpoint,
                                           cluster.pool_idle_timeout);
      if (cluster.tls) ep->tls_name = tls_name(cluster, e);
    }
    ep->pool.set_limits(cluster.max_idle_per_endpoint, cluster.pool_idle_timeout);
    list.push_back(ep.get());
  }
  return *state;
}

// HTTP/2 connections idle as long are closed too. They stay listed until a request's connect
// drops them: a try may hold one it has chosen and not opened its stream on yet, and finds it
// closed (refused, so sent again).
void WorkerUpstreams::sweep(Clock::time_point now) {
  for (auto& [key, ep] : endpoints_) {
    ep->pool.sweep(now);
    for (const auto& session : ep->h2_sessions) {
      if (session->alive() && session->active_streams() == 0 &&
          now - session->idle_since() >= ep->pool.idle_timeout()) {
        session->close();
      }
    }
  }
}

}  // namespace paygate::proxy
