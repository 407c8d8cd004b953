#pragma once
// A cluster of one endpoint on 127.0.0.1 (a ScriptedUpstream's port), a ForwardTarget for it,
// and a ForwardObserver that ignores what it hears, for unit tests that forward through a
// proxy::Forwarder without counting connect errors or retries. Header-only; a test that includes it
// links the proxy module through its own.

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "proxy/forwarder.h"
#include "proxy/settings.h"
#include "proxy/upstreams.h"

namespace paygate::test_support {

class QuietObserver final : public proxy::ForwardObserver {
 public:
  void on_connect_error(const proxy::ClusterSettings&) override {}
  void on_h2_ping_timeout(const std::string&) override {}
  void on_retry(const proxy::ClusterSettings&, proxy::RetryReason, proxy::RetryDecision) override {}
  void on_ejection(const proxy::ClusterSettings&, std::string_view, proxy::EjectionReason,
                   proxy::Clock::duration) override {}
};

inline proxy::ClusterSettings loopback_cluster(std::string name, std::uint16_t port) {
  proxy::EndpointSettings endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port;
  endpoint.address = {boost::asio::ip::make_address("127.0.0.1"), port};
  proxy::ClusterSettings cluster;
  cluster.name = std::move(name);
  cluster.endpoints = {endpoint};
  return cluster;
}

// `cluster` as a route forwards to it, its state adopted by `upstreams`.
inline proxy::ForwardTarget forward_target(
    const proxy::ClusterSettings& cluster, proxy::WorkerUpstreams& upstreams,
    http::Clock::duration total_timeout = std::chrono::seconds(5)) {
  proxy::ForwardTarget target;
  target.cluster = &cluster;
  target.state = &upstreams.adopt(cluster);
  target.total_timeout = total_timeout;
  return target;
}

}  // namespace paygate::test_support
