#include "steps/request_metrics.h"

#include <spdlog/spdlog.h>

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "observe/metric_names.h"
#include "steps/pipeline.h"
#include "steps/split.h"

namespace paygate::steps {

namespace names = observe::names;

namespace {

// The counter of `status` in a per-status array of handles, made by `make(code)` (the status as
// its label) on first use. A status beyond the array counts as "0".
template <std::size_t kStatuses, typename Make>
observe::Counter* counter_of_status(std::array<observe::Counter*, kStatuses>& by_status, int status,
                                    Make make) {
  if (status < 0 || status >= static_cast<int>(kStatuses)) status = 0;
  observe::Counter*& counter = by_status[static_cast<std::size_t>(status)];
  if (!counter) counter = make(std::to_string(status));
  return counter;
}

}  // namespace

RequestMetrics::RequestMetrics(observe::Shard& shard, const observe::EngineMetrics& names)
    : shard_(shard),
      names_(names),
      merchants_(shard, names),
      rejected_(shard, names.http_rejected),
      http2_abuse_(shard, names.http2_abuse),
      app_refusals_(shard, names.egress_app_refusals),
      reply_verifications_(shard, names.egress_reply_verifications),
      callbacks_received_(shard, names.callbacks_received),
      shared_admission_(shard, names.shared_admission),
      shared_admission_fallbacks_(shard, names.shared_admission_fallbacks),
      bill_downloads_(shard, names.egress_bill_downloads),
      active_(shard.gauge(names.http_active_connections, {})),
      handshakes_{shard.counter(names.tls_handshakes, {names::kHandshakeFull}),
                  shard.counter(names.tls_handshakes, {names::kHandshakeResumed}),
                  shard.counter(names.tls_handshakes, {names::kHandshakeFailed})},
      early_data_{shard.counter(names.tls_early_data, {names::kEarlyDataAccepted}),
                  shard.counter(names.tls_early_data, {names::kEarlyDataRejected}),
                  shard.counter(names.tls_early_data, {names::kEarlyDataTooEarly})} {
  unmatched_ = &route("unmatched", std::nullopt);
}

RouteMetrics& RequestMetrics::route(const std::string& name,
                                    const std::optional<observe::SloSpec>& slo) {
  auto& slot = routes_[name];
  if (!slot) {
    slot = std::make_unique<RouteMetrics>();
    slot->name = name;
    slot->duration = shard_.histogram(names_.http_request_duration, {name});
  }
  RouteMetrics& m = *slot;
  if (slo) {
    m.slo_requests = shard_.counter(names_.slo_requests, {m.name});
    m.slo_bad = shard_.counter(names_.slo_bad_requests, {m.name});
    m.slo_latency = slo->latency;
  } else {
    m.slo_requests = m.slo_bad = nullptr;
  }
  return m;
}

UpstreamMetrics& RequestMetrics::upstream(const std::string& cluster) {
  auto& slot = upstreams_[cluster];
  if (!slot) {
    slot = std::make_unique<UpstreamMetrics>();
    slot->cluster = cluster;
  }
  return *slot;
}

VersionMetrics& RequestMetrics::version(const std::string& route, const std::string& version) {
  auto& slot = versions_[route + '\n' + version];
  if (!slot) {
    slot = std::make_unique<VersionMetrics>();
    slot->route = route;
    slot->version = version;
    slot->duration = shard_.histogram(names_.version_request_duration, {route, version});
  }
  return *slot;
}

void RequestMetrics::record(const http::Exchange& ex, const RequestContext& context,
                            Duration elapsed) {
  PAYGATE_ASSERT_CONFINED(thread_);
  UpstreamMetrics* upstream = context.choice ? context.choice->upstream : context.route->upstream;
  if (context.upstream && upstream) {
    count_upstream(*upstream, *context.upstream, context.upstream_elapsed);
  }
  if (context.stress) {
    if (telemetry_) count_stress(*context.route->metrics, ex.status(), elapsed);
    return;
  }
  // A split route's canary guard reads the version counts: kept whatever telemetry says.
  if (context.choice) count_version(*context.choice->metrics, ex.status(), elapsed);
  if (telemetry_) {
    count_route(*context.route->metrics, ex, elapsed);
    if (context.merchant_series) merchants_.count(*context.merchant_series, ex.status(), elapsed);
  }
}

void RequestMetrics::count_stress(RouteMetrics& m, int status, Duration elapsed) {
  counter_of_status(m.stress_by_status, status, [&](const std::string& code) {
    return shard_.counter(names_.stress_requests, {m.name, code});
  })->inc();
  if (!m.stress_duration)
    m.stress_duration = shard_.histogram(names_.stress_request_duration, {m.name});
  m.stress_duration->observe(std::chrono::duration<double>(elapsed).count());
}

void RequestMetrics::count_version(VersionMetrics& m, int status, Duration elapsed) {
  counter_of_status(m.by_status, status, [&](const std::string& code) {
    return shard_.counter(names_.version_requests, {m.route, m.version, code});
  })->inc();
  m.duration->observe(std::chrono::duration<double>(elapsed).count());
}

void RequestMetrics::record_refused(const http::Exchange& ex, std::string_view reason,
                                    Duration elapsed) {
  rejected_counter(reason)->inc();
  if (telemetry_) count_route(*unmatched_, ex, elapsed);
}

void RequestMetrics::record_tls_handshake(const http::TlsHandshake& handshake) {
  handshakes_[!handshake.ok ? 2 : handshake.resumed ? 1 : 0]->inc();
  using EarlyData = http::TlsHandshake::EarlyData;
  if (handshake.early_data != EarlyData::kNone) {
    early_data_[handshake.early_data == EarlyData::kAccepted ? 0 : 1]->inc();
  }
}

void RequestMetrics::record_http2_abuse(std::string_view kind) { http2_abuse_.inc(kind); }

void RequestMetrics::record_connection_refused() {
  rejected_counter(names::kRejectTooManyConnections)->inc();
}

observe::Counter* RequestMetrics::rejected_counter(std::string_view reason) {
  return rejected_.of(reason);
}

observe::Counter* RequestMetrics::counter_once(observe::Counter*& slot,
                                               observe::CounterFamily family,
                                               observe::LabelValues labels) {
  if (!slot) slot = shard_.counter(family, labels);
  return slot;
}

void RequestMetrics::count_route(RouteMetrics& m, const http::Exchange& ex, Duration elapsed) {
  const int status = ex.status();
  status_counter(m, status, ex.protocol() == "h2" ? 1 : 0)->inc();
  m.duration->observe(std::chrono::duration<double>(elapsed).count());
  if (m.slo_requests) {
    m.slo_requests->inc();
    const bool slow = m.slo_latency.count() > 0 && elapsed > m.slo_latency;
    if (status >= 500 || slow) m.slo_bad->inc();
  }
}

observe::Counter* RequestMetrics::status_counter(RouteMetrics& m, int status,
                                                 std::size_t protocol) {
  static constexpr std::string_view kProtocols[] = {"http/1.1", "h2"};
  return counter_of_status(m.by_status[protocol], status, [&](const std::string& code) {
    return shard_.counter(names_.http_requests, {m.name, code, kProtocols[protocol]});
  });
}

// The outcome is counted whatever listener.telemetry says (an operator's first look at an
// upstream); its duration only with telemetry.
void RequestMetrics::count_upstream(UpstreamMetrics& m, proxy::Outcome outcome, Duration elapsed) {
  observe::Counter*& counter = m.outcomes[static_cast<std::size_t>(outcome)];
  if (!counter) {
    counter = shard_.counter(names_.upstream_requests, {m.cluster, proxy::to_string(outcome)});
  }
  counter->inc();
  if (!telemetry_) return;
  if (!m.duration) m.duration = shard_.histogram(names_.upstream_request_duration, {m.cluster});
  m.duration->observe(std::chrono::duration<double>(elapsed).count());
}

observe::Counter* RequestMetrics::degraded(const std::string& route) {
  return shard_.counter(names_.degraded_requests, {route});
}

observe::Counter* RequestMetrics::fields_encrypted(const std::string& route) {
  return shard_.counter(names_.egress_fields_encrypted, {route});
}

observe::Counter* RequestMetrics::faults_injected(const std::string& route, std::string_view kind) {
  return shard_.counter(names_.faults_injected, {route, kind});
}

void RequestMetrics::count_rate_limited(MerchantSeries* merchant) {
  if (merchant) merchants_.count_rate_limited(*merchant);
}

void RequestMetrics::count_shed(RouteMetrics& route, proxy::Priority priority,
                                proxy::Admission reason) {
  static constexpr std::string_view kPriorities[] = {"core", "normal", "low"};
  const bool deadline = reason == proxy::Admission::kDeadline;
  const auto p = static_cast<std::size_t>(priority);
  observe::Counter*& slot = route.shed[p][deadline ? 1 : 0];
  counter_once(
      slot, names_.requests_shed,
      {route.name, kPriorities[p], deadline ? names::kShedDeadline : names::kShedQueueFull})
      ->inc();
}

void RequestMetrics::count_auth_failure(AuthFailure failure) {
  observe::Counter*& slot = auth_failures_[static_cast<std::size_t>(failure)];
  counter_once(slot, names_.signature_failures, {reason_label(failure)})->inc();
}

void RequestMetrics::on_connect_error(const proxy::ClusterSettings& cluster) {
  UpstreamMetrics& m = upstream(cluster.name);
  counter_once(m.connect_errors, names_.upstream_connect_errors, {m.cluster})->inc();
}

void RequestMetrics::on_h2_ping_timeout(const std::string& cluster) {
  UpstreamMetrics& m = upstream(cluster);
  counter_once(m.h2_ping_timeouts, names_.upstream_h2_ping_timeouts, {m.cluster})->inc();
}

void RequestMetrics::on_retry(const proxy::ClusterSettings& cluster, proxy::RetryReason reason,
                              proxy::RetryDecision decision) {
  UpstreamMetrics& m = upstream(cluster.name);
  const auto r = static_cast<std::size_t>(reason);
  const std::string_view reason_label = proxy::to_string(reason);
  if (decision != proxy::RetryDecision::kRetry) {
    observe::Counter*& slot = m.refused[r][static_cast<std::size_t>(decision)];
    counter_once(slot, names_.upstream_retries_refused,
                 {m.cluster, reason_label, proxy::to_string(decision)})
        ->inc();
    return;
  }
  counter_once(m.retried, names_.upstream_requests, {m.cluster, "retried"})->inc();
  counter_once(m.retries[r], names_.upstream_retries, {m.cluster, reason_label})->inc();
}

// Rare (a cool-down of seconds per endpoint and worker), so worth a line each: the operator
// sees which endpoint went out, why and for how long.
void RequestMetrics::on_ejection(const proxy::ClusterSettings& cluster, std::string_view endpoint,
                                 proxy::EjectionReason reason, http::Clock::duration cool_down) {
  UpstreamMetrics& m = upstream(cluster.name);
  const std::string_view label = proxy::to_string(reason);
  counter_once(m.ejections[static_cast<std::size_t>(reason)], names_.upstream_ejections,
               {m.cluster, label})
      ->inc();
  spdlog::warn("upstream {} of cluster {} ejected for {}ms: {}", endpoint, cluster.name,
               std::chrono::duration_cast<std::chrono::milliseconds>(cool_down).count(), label);
}

void RequestMetrics::publish_pool_gauges(proxy::WorkerUpstreams& upstreams) {
  // Several pools may serve one address (clusters speaking TLS or HTTP/2 to it, or not): the
  // gauges are per address, so they are summed rather than set by whichever came last.
  std::map<std::string_view, std::pair<double, double>> per_address;  // idle, busy
  upstreams.for_each_endpoint([&](const proxy::EndpointState& ep) {
    const double idle = static_cast<double>(ep.pool.idle());
    auto& [i, b] = per_address[ep.key];
    i += idle;
    b += static_cast<double>(ep.pool.open()) - idle;
  });
  for (const auto& [key, counts] : per_address) {
    shard_.gauge(names_.upstream_pool_connections, {key, names::kPoolIdle})->set(counts.first);
    shard_.gauge(names_.upstream_pool_connections, {key, names::kPoolBusy})->set(counts.second);
  }
  const auto now = http::Clock::now();
  upstreams.for_each_cluster([&](const std::string& name, const proxy::ClusterState& state) {
    const auto ejected = static_cast<double>(state.ejected_count(now));
    shard_.gauge(names_.upstream_ejected_endpoints, {name})->set(ejected);
  });
  publish_concurrency_limits(upstreams);
}

// A cluster whose limit a reload removed reads 0 rather than its last limit.
void RequestMetrics::publish_concurrency_limits(const proxy::WorkerUpstreams& upstreams) {
  upstreams.for_each_cluster([&](const std::string& name, const proxy::ClusterState& state) {
    const proxy::ConcurrencyLimiter& limiter = state.limiter();
    auto found = concurrency_limits_.find(name);
    if (found == concurrency_limits_.end()) {
      if (!limiter.enabled()) return;
      found =
          concurrency_limits_.emplace(name, shard_.gauge(names_.upstream_concurrency_limit, {name}))
              .first;
    }
    found->second->set(static_cast<double>(limiter.limit()));
  });
}

}  // namespace paygate::steps
