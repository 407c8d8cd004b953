#pragma once
// The engine's metric families, declared once at start-up on a Registry, and the collectors of
// process-wide values. Call both from the start-up thread, before workers run.
//
//   Registry registry(workers);
//   const EngineMetrics m = declare_engine_metrics(registry);
//   add_process_collectors(registry, m, "0.1.0", std::chrono::system_clock::now());
//   Counter* ok = registry.shard(w).counter(m.http_requests, {"orders", "200"});

#include <chrono>
#include <string>
#include <string_view>

#include "observe/registry.h"

namespace paygate::observe {

class AccessLog;

struct EngineMetrics {
  CounterFamily http_requests;            // {route, code}
  HistogramFamily http_request_duration;  // {route}, seconds
  GaugeFamily http_active_connections;    // no labels
  CounterFamily http_rejected;            // {reason}: names::kReject*
  CounterFamily upstream_connect_errors;  // {cluster}
  CounterFamily upstream_requests;        // {cluster, outcome}
  GaugeFamily upstream_pool_connections;  // {endpoint, state}: names::kPoolIdle / kPoolBusy
  CounterFamily config_reloads;           // {result}: names::kReload*
  GaugeFamily build_info;                 // {version}, always 1
  GaugeFamily start_time;                 // seconds since the Unix epoch
  CounterFamily access_log_dropped;       // lines dropped because the queue was full
  CounterFamily signature_failures;       // {reason}: requests refused by the verify step
  CounterFamily slo_requests;             // {route}: requests of routes with an SLO
  CounterFamily slo_bad_requests;         // {route}: of those, 5xx or slower than the objective
  GaugeFamily slo_burn_rate;              // {route, window}: observe/slo.h
  GaugeFamily slo_objective;              // {route}: the objective, a fraction
  // {role, mchid, serial}: seconds until a certificate of the running configuration expires
  // (negative once expired; mchid empty for the platform). Sampled by a collector in app/.
  GaugeFamily certificate_expiry;
};

EngineMetrics declare_engine_metrics(Registry& registry);

// paygate_build_info{version} 1 and paygate_start_time_seconds, computed at scrape time.
void add_process_collectors(Registry& registry, const EngineMetrics& metrics, std::string version,
                            std::chrono::system_clock::time_point started);

// paygate_access_log_dropped_total from log.dropped(); log must outlive the registry's scrapes.
void add_access_log_collector(Registry& registry, const EngineMetrics& metrics,
                              const AccessLog& log);

}  // namespace paygate::observe
