#pragma once
// Settings of upstream clusters and of what a route does. Plain data with defaults; config/
// fills and validates them.

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls/client_context.h"
#include "tls/settings.h"

namespace paygate::proxy {

enum class LbPolicy { kRoundRobin, kLeastRequest };
// What a cluster speaks to its endpoints: HTTP/1.1 on pooled keep-alive connections, or HTTP/2
// with many requests on each connection (http/h2_client.h).
enum class UpstreamProtocol { kHttp1, kH2 };

struct EndpointSettings {
  std::string host;  // IP literal or a name resolved once per snapshot
  std::uint16_t port = 0;
  boost::asio::ip::tcp::endpoint address;  // filled by config/ when the snapshot is built
};

struct ClusterSettings {
  std::string name;
  std::vector<EndpointSettings> endpoints;
  LbPolicy lb = LbPolicy::kRoundRobin;
  std::chrono::milliseconds connect_timeout{1'000};  // per connect attempt
  std::chrono::milliseconds try_timeout{5'000};      // request sent -> response complete, per try
  std::chrono::milliseconds total_timeout{15'000};   // whole upstream exchange incl. retries
  std::chrono::milliseconds pool_idle_timeout{60'000};  // idle pooled connection is closed after
  std::size_t max_idle_per_endpoint = 64;            // per worker
  std::size_t max_connections_per_endpoint = 1'024;  // per worker; over -> 503
  std::size_t max_response_bytes = 64 * 1024 * 1024; // over -> 502
  unsigned connect_retries = 1;                      // extra tries, idempotent methods only
  unsigned eject_after_connect_failures = 5;         // consecutive, per worker
  std::chrono::milliseconds eject_duration{10'000};  // cool-down before the endpoint is tried again
  UpstreamProtocol protocol = UpstreamProtocol::kHttp1;
  // clusters[].tls: TLS to every endpoint (certificate and name verified); cleartext without.
  std::optional<tls::ClientSettings> tls;
  std::shared_ptr<const tls::ClientContext> tls_context;  // built from `tls` by config/
};

// RouteAction: what a matched route does with the request.
struct RouteAction {
  std::string cluster;                               // name of a ClusterSettings
  std::optional<std::chrono::milliseconds> timeout;  // overrides the cluster's total_timeout
  std::string rewrite_prefix;                        // replaces a prefix route's matched prefix
};

}  // namespace paygate::proxy
