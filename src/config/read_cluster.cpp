// The clusters[] section: one upstream cluster and its endpoints.
#include <algorithm>
#include <iterator>
#include <utility>
#include <variant>

#include "config/endpoint.h"
#include "config/sections.h"
#include "config/units.h"

namespace paygate::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr std::size_t kMaxResponse = std::size_t{16} << 30;  // 16GiB
constexpr DurationRange kUpstreamTimeout{milliseconds{1}, hours{1}};

void read_endpoints(MapReader& map, proxy::ClusterSettings& cluster, std::vector<Where>& places) {
  std::size_t written = 0;
  map.sequence("endpoints", [&](const YAML::Node& item, const Where& where) {
    ++written;
    auto text = read_string(item, where, map.diagnostics());
    if (!text) return;
    auto parsed = split_host_port(*text);
    if (auto* message = std::get_if<std::string>(&parsed)) {
      map.diagnostics().add(where, std::move(*message));
      return;
    }
    auto& host_port = std::get<HostPort>(parsed);
    cluster.endpoints.push_back({std::move(host_port.host), host_port.port, {}});
    places.push_back(where);
  });
  if (map.has("endpoints") && written == 0) {
    map.diagnostics().add(map.where_of("endpoints"), "a cluster needs at least one endpoint");
  }
}

// outlier_detection: {consecutive_5xx, consecutive_gateway_errors, error_ratio, base_ejection,
// max_ejection, max_ejection_percent} (proxy/outlier_detector.h).
void read_outlier_detection(MapReader& map, proxy::OutlierDetection& od) {
  map.count("consecutive_5xx", od.consecutive_5xx, {0, 1'000});
  map.count("consecutive_gateway_errors", od.consecutive_gateway_errors, {0, 1'000});
  if (map.has("error_ratio")) {
    map.mapping("error_ratio", [&](MapReader& ratio) {
      proxy::ErrorRatio& r = od.error_ratio.emplace();
      ratio.percent("threshold", r.threshold, {1, 100});
      ratio.duration("window", r.window, {milliseconds{1'000}, hours{1}});
      ratio.count("min_requests", r.min_requests, {1, 1'000'000});
    });
  }
  map.duration("base_ejection", od.base_ejection, {milliseconds{1}, hours{1}});
  map.duration("max_ejection", od.max_ejection, {milliseconds{1}, hours{24}});
  map.percent("max_ejection_percent", od.max_ejection_percent, {0, 100});
  if (od.max_ejection < od.base_ejection) {
    map.diagnostics().add(map.where_of("max_ejection"),
                          "must be at least base_ejection (" + format_duration(od.base_ejection) +
                              "), got " + format_duration(od.max_ejection));
  }
}

void read_retry_on(MapReader& map, unsigned& retry_on) {
  std::vector<std::string> names;
  map.strings("retry_on", names);
  if (!map.has("retry_on")) return;
  retry_on = 0;
  for (const std::string& name : names) {
    const auto& names_known = proxy::kRetryOnNames;
    const auto* known = std::find_if(std::begin(names_known), std::end(names_known),
                                     [&](const auto& entry) { return entry.first == name; });
    if (known == std::end(names_known)) {
      map.diagnostics().add(map.where_of("retry_on"),
                            "expected connect-failure, reset, 5xx or timeout, got '" + name + "'");
      continue;
    }
    retry_on |= static_cast<unsigned>(known->second);
  }
}

// retry: {retry_on, max_retries, backoff: {base, max}, budget: {ratio, min_retries_per_second}}
// (proxy/retry_budget.h).
void read_retry(MapReader& map, proxy::RetryPolicy& retry) {
  read_retry_on(map, retry.retry_on);
  map.count("max_retries", retry.max_retries, {0, proxy::RetryPolicy::kMostRetries});
  map.mapping("backoff", [&](MapReader& backoff) {
    backoff.duration("base", retry.backoff_base, {milliseconds{0}, hours{1}});
    backoff.duration("max", retry.backoff_max, {milliseconds{0}, hours{1}});
    backoff.number("multiplier", retry.backoff_multiplier, {1.0, 10.0});
    if (retry.backoff_max < retry.backoff_base) {
      backoff.diagnostics().add(backoff.where_of("max"),
                                "must be at least base (" + format_duration(retry.backoff_base) +
                                    "), got " + format_duration(retry.backoff_max));
    }
  });
  map.mapping("budget", [&](MapReader& budget) {
    budget.percent("ratio", retry.budget_ratio, {0, 100});
    budget.count("min_retries_per_second", retry.min_retries_per_second, {0, 100'000});
  });
}

// retry, or connect_retries (its older spelling: retry_on connect failures, that many), not both.
void read_retries(MapReader& map, proxy::RetryPolicy& retry) {
  map.count("connect_retries", retry.max_retries, {0, proxy::RetryPolicy::kMostRetries});
  if (!map.has("retry")) return;
  if (map.has("connect_retries")) {
    map.diagnostics().add(map.where_of("connect_retries"),
                          "write retry.max_retries instead: a cluster has retry or "
                          "connect_retries, not both");
  }
  map.mapping("retry", [&](MapReader& fields) { read_retry(fields, retry); });
}

// concurrency: {adaptive, min_limit, max_limit, initial_limit, queue_size, queue_deadline}
// (proxy/concurrency_limit.h); each key has its default, an empty mapping turns the limit on.
void read_concurrency(MapReader& map, proxy::ConcurrencySettings& limit) {
  constexpr CountRange kLimit{1, 1'000'000};
  map.boolean("adaptive", limit.adaptive);
  map.count("min_limit", limit.min_limit, kLimit);
  map.count("max_limit", limit.max_limit, kLimit);
  map.count("initial_limit", limit.initial_limit, kLimit);
  map.count("queue_size", limit.queue_size, {0, 1'000'000});
  map.duration("queue_deadline", limit.queue_deadline, {milliseconds{1}, std::chrono::seconds{60}});
  if (limit.min_limit > limit.max_limit) {
    map.diagnostics().add(map.where_of("min_limit"),
                          "must not exceed max_limit (" + std::to_string(limit.max_limit) +
                              "), got " + std::to_string(limit.min_limit));
  } else if (limit.initial_limit < limit.min_limit || limit.initial_limit > limit.max_limit) {
    map.diagnostics().add(map.where_of("initial_limit"),
                          "expected a value from min_limit to max_limit (" +
                              std::to_string(limit.min_limit) + " to " +
                              std::to_string(limit.max_limit) + "), got " +
                              std::to_string(limit.initial_limit));
  }
}

// Read after `protocol`: a ping is an HTTP/2 frame, so the section is refused on http1.
void read_h2_ping(MapReader& map, proxy::ClusterSettings& cluster) {
  if (cluster.protocol != proxy::UpstreamProtocol::kH2) {
    map.diagnostics().add(map.where_of("h2_ping"), "is only for clusters with protocol: h2");
    return;
  }
  map.mapping("h2_ping", [&](MapReader& ping) {
    ping.duration("interval", cluster.h2_ping_interval, {milliseconds{0}, hours{1}});
    ping.duration("timeout", cluster.h2_ping_timeout, {milliseconds{1}, hours{1}});
  });
}

void read_cluster_fields(MapReader& map, const std::string& directory,
                         proxy::ClusterSettings& cluster, std::vector<Where>& endpoint_places,
                         Where& tls_place) {
  map.require("name");
  map.string("name", cluster.name);
  if (map.has("name")) check_name(map, "name", cluster.name);
  map.require("endpoints");
  read_endpoints(map, cluster, endpoint_places);
  map.choice("lb", cluster.lb,
             {{"round_robin", proxy::LbPolicy::kRoundRobin},
              {"least_request", proxy::LbPolicy::kLeastRequest}});
  map.choice("protocol", cluster.protocol,
             {{"http1", proxy::UpstreamProtocol::kHttp1}, {"h2", proxy::UpstreamProtocol::kH2}});
  if (map.has("h2_ping")) read_h2_ping(map, cluster);
  map.duration("connect_timeout", cluster.connect_timeout, kUpstreamTimeout);
  map.duration("try_timeout", cluster.try_timeout, kUpstreamTimeout);
  map.duration("total_timeout", cluster.total_timeout, kUpstreamTimeout);
  map.duration("pool_idle_timeout", cluster.pool_idle_timeout, kUpstreamTimeout);
  map.count("max_idle_per_endpoint", cluster.max_idle_per_endpoint, {0, 100'000});
  map.count("max_connections_per_endpoint", cluster.max_connections_per_endpoint, {1, 1'000'000});
  map.size("max_response_size", cluster.max_response_bytes, {1, kMaxResponse});
  read_retries(map, cluster.retry);
  map.count("eject_after_connect_failures", cluster.eject_after_connect_failures, {0, 1'000});
  map.duration("eject_duration", cluster.eject_duration, {milliseconds{0}, hours{1}});
  if (map.has("outlier_detection")) {
    map.mapping("outlier_detection", [&](MapReader& od) {
      read_outlier_detection(od, cluster.outlier_detection.emplace());
    });
  }
  map.mapping("tls", [&](MapReader& tls) {
    tls_place = map.where_of("tls");
    read_client_tls(tls, directory, cluster.tls.emplace());
  });
  map.mapping("concurrency",
              [&](MapReader& limit) { read_concurrency(limit, cluster.concurrency.emplace()); });
}

}  // namespace

void read_cluster(const YAML::Node& node, const Where& where, Document& document,
                  Diagnostics& diagnostics) {
  proxy::ClusterSettings cluster;
  std::vector<Where> endpoint_places;
  Where name_place = where;
  Where tls_place;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    read_cluster_fields(map, document.directory, cluster, endpoint_places, tls_place);
    name_place = map.where_of("name");
  });
  // Kept even when invalid, so that routes naming it are not reported a second time.
  document.clusters.push_back(std::move(cluster));
  document.places.clusters.push_back(std::move(name_place));
  document.places.endpoints.push_back(std::move(endpoint_places));
  document.places.cluster_tls.push_back(std::move(tls_place));
}

}  // namespace paygate::config
