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
#include <string_view>
#include <vector>

#include "tls/client_context.h"
#include "tls/settings.h"

namespace paygate::proxy {

enum class LbPolicy { kRoundRobin, kLeastRequest };
// What a cluster speaks to its endpoints: HTTP/1.1 on pooled keep-alive connections, or HTTP/2
// with many requests on each connection (http/h2_client.h).
enum class UpstreamProtocol { kHttp1, kH2 };

// routes[].priority: which requests give way first when a cluster is overloaded (shedding,
// proxy/concurrency_limit.h) or a core route's SLO burns (degrade). Ordered: a lower value is
// more important. steps::Priority names the same type for the route's settings.
enum class Priority : std::uint8_t {
  kCore,    // the payment path itself: shed last, never degraded, watched for degrade
  kNormal,  // the default
  kLow,     // shed first
};
inline constexpr std::size_t kPriorityCount = 3;

// clusters[].concurrency: an adaptive limit on the requests a worker has in flight to the
// cluster, with a short queue in front of it (proxy/concurrency_limit.h). Per worker.
struct ConcurrencySettings {
  bool adaptive = true;           // false: the limit stays at initial_limit
  std::size_t min_limit = 4;      // the adaptive limit never goes below ...
  std::size_t max_limit = 1'000;  // ... nor above
  std::size_t initial_limit = 32;
  std::size_t queue_size = 256;  // requests waiting for a permit; over -> the lowest is shed
  std::chrono::milliseconds queue_deadline{20};  // the longest a request waits for a permit
};

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
  // clusters[].concurrency: absent, every request goes straight to the forwarder.
  std::optional<ConcurrencySettings> concurrency;
};

// routes[].split: one of the clusters a route sends to, with its share of the traffic and the
// version it is called (sent upstream as X-Pay-Gateway-Version, in logs and metrics).
struct WeightedCluster {
  std::string cluster;    // name of a ClusterSettings
  std::size_t index = 0;  // of it in the snapshot's clusters (config/ links it)
  unsigned weight = 0;    // share: weight / the sum of the split's weights
  std::string version;    // default: the cluster's name
};

// What a split's choice sticks to, so that one merchant's order, query and close land on the
// same version.
enum class StickyBy : std::uint8_t {
  kMchid,   // the verified merchant (the client address on routes that do not verify)
  kHeader,  // a request header's value (the client address when it is absent)
  kClient,  // the client address
};

struct Split {
  std::vector<WeightedCluster> clusters;  // at least two, weights summing to more than 0
  StickyBy sticky = StickyBy::kMchid;
  std::string sticky_header;  // kHeader: the field's name
};

// The header that names the version a split chose, towards the upstream.
inline constexpr std::string_view kVersionHeader = "X-Pay-Gateway-Version";

// RouteAction: what a matched route does with the request.
struct RouteAction {
  std::string cluster;                               // name of a ClusterSettings; "" with split
  std::optional<Split> split;                        // instead of cluster: several, by weight
  std::optional<std::chrono::milliseconds> timeout;  // overrides the cluster's total_timeout
  std::string rewrite_prefix;                        // replaces a prefix route's matched prefix
};

}  // namespace paygate::proxy
