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
#include <utility>
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

// clusters[].outlier_detection: passive health from answers as well as connects. Each worker
// judges each endpoint alone (proxy/outlier_detector.h); the counts are per worker.
struct ErrorRatio {
  double threshold = 0.5;                    // the share of failed tries that ejects, 0-1
  std::chrono::milliseconds window{10'000};  // over about this long (sliding)
  unsigned min_requests = 20;                // fewer tries in the window decide nothing
};

struct OutlierDetection {
  unsigned consecutive_5xx = 5;             // 5xx answers and local failures in a row; 0 = off
  unsigned consecutive_gateway_errors = 5;  // 502/503/504 and local failures in a row; 0 = off
  std::optional<ErrorRatio> error_ratio;
  std::chrono::milliseconds base_ejection{10'000};  // the n-th ejection in a row rests n x this
  std::chrono::milliseconds max_ejection{300'000};  // but never longer than this
  double max_ejection_percent = 0.5;  // of the cluster's endpoints; at least one always stays
};

// What a failed try may be retried for (clusters[].retry.retry_on), a bit each.
enum class RetryOn : unsigned {
  kConnectFailure = 1,  // refused, unreachable, connect or TLS handshake timed out or failed
  kReset = 2,           // the connection ended before any byte of the answer
  k5xx = 4,             // the answer's head said 5xx (its body is discarded)
  kTimeout = 8,         // try_timeout passed before any byte of the answer
};

// How retry_on names them in the configuration.
inline constexpr std::pair<std::string_view, RetryOn> kRetryOnNames[] = {
    {"connect-failure", RetryOn::kConnectFailure},
    {"reset", RetryOn::kReset},
    {"5xx", RetryOn::k5xx},
    {"timeout", RetryOn::kTimeout}};

// clusters[].retry. Retries are for idempotent methods and routes marked idempotent only.
struct RetryPolicy {
  static constexpr unsigned kMostRetries = 10;  // the largest max_retries

  // RetryOn bits.
  unsigned retry_on = static_cast<unsigned>(RetryOn::kConnectFailure);
  unsigned max_retries = 1;                    // extra tries per request
  std::chrono::milliseconds backoff_base{25};  // exponential, full jitter
  std::chrono::milliseconds backoff_max{250};
  double backoff_multiplier = 2.0;  // the ceiling grows by this per retry (1.5: 100, 150, 225 ms)
  double budget_ratio = 0.2;            // retries at most this share of requests (sliding 10s)
  unsigned min_retries_per_second = 3;  // plus this many whatever the traffic

  bool on(RetryOn what) const { return (retry_on & static_cast<unsigned>(what)) != 0; }
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
  RetryPolicy retry;  // connect_retries: N is retry.max_retries, the older spelling
  unsigned eject_after_connect_failures = 5;         // consecutive, per worker
  std::chrono::milliseconds eject_duration{10'000};  // cool-down before the endpoint is tried again
  std::optional<OutlierDetection> outlier_detection;  // none: connect failures alone eject
  UpstreamProtocol protocol = UpstreamProtocol::kHttp1;
  // clusters[].h2_ping, for `h2`: a PING once a connection heard nothing for the interval, and
  // the connection closed when nothing answers it within the timeout. A zero interval: off.
  std::chrono::milliseconds h2_ping_interval{30'000};
  std::chrono::milliseconds h2_ping_timeout{5'000};
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

struct Sticky {
  StickyBy by = StickyBy::kMchid;
  std::string header;  // kHeader: the field's name
};

struct Split {
  std::vector<WeightedCluster> clusters;  // at least two, weights summing to more than 0
};

// The header that names the version a split chose, towards the upstream.
inline constexpr std::string_view kVersionHeader = "X-Pay-Gateway-Version";

// RouteAction: what a matched route does with the request.
struct RouteAction {
  std::string cluster;                               // name of a ClusterSettings; "" with split
  std::optional<Split> split;                        // instead of cluster: several, by weight
  Sticky sticky;  // what a split's (or a canary's) choice sticks to
  std::optional<std::chrono::milliseconds> timeout;  // overrides the cluster's total_timeout
  std::string rewrite_prefix;                        // replaces a prefix route's matched prefix
  bool idempotent = false;  // the route's POSTs may be retried (out_trade_no makes them safe)
  // routes[].idempotent_by: JSON body members (out_trade_no, out_refund_no) whose presence makes
  // a request safe to send twice (steps/business_key.h); empty: none.
  std::vector<std::string> idempotent_by;
};

}  // namespace paygate::proxy
