#include "proxy/upstreams.h"

#include <limits>

namespace paygate::proxy {

void EndpointState::record_connect_failure(const ClusterSettings& cluster, Clock::time_point now) {
  ++consecutive_failures;
  if (cluster.eject_after_connect_failures > 0 &&
      consecutive_failures >= cluster.eject_after_connect_failures) {
    ejected_until = now + cluster.eject_duration;
    consecutive_failures = 0;
  }
}

EndpointState* ClusterState::pick(LbPolicy policy, Clock::time_point now) {
  if (endpoints_.empty()) return nullptr;
  EndpointState* chosen = policy == LbPolicy::kLeastRequest ? pick_least_request(now)
                                                            : pick_round_robin(now);
  return chosen ? chosen : soonest_back();
}

EndpointState* ClusterState::pick_round_robin(Clock::time_point now) {
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointState* ep = endpoints_[next_++ % endpoints_.size()];
    if (!ep->ejected(now)) return ep;
  }
  return nullptr;
}

EndpointState* ClusterState::pick_least_request(Clock::time_point now) {
  EndpointState* best = nullptr;
  const std::size_t start = next_++;  // rotate the start so ties spread evenly
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointState* ep = endpoints_[(start + i) % endpoints_.size()];
    if (ep->ejected(now)) continue;
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
