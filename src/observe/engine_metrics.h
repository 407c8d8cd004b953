#pragma once
// The engine's metric families, declared once at start-up on a Registry, and the collectors of
// process-wide values. Call both from the start-up thread, before workers run.
//
//   Registry registry(workers);
//   const EngineMetrics m = declare_engine_metrics(registry);
//   add_process_collectors(registry, m, {"0.1.0", "1a2b3c4d5e6f"}, system_clock::now());
//   Counter* ok = registry.shard(w).counter(m.http_requests, {"orders", "200"});

#include <chrono>
#include <string>
#include <string_view>

#include "observe/registry.h"

namespace paygate::observe {

class AccessLog;
class DegradeSwitch;

struct EngineMetrics {
  CounterFamily http_requests;            // {route, code, protocol}
  HistogramFamily http_request_duration;  // {route}, seconds
  CounterFamily version_requests;         // {route, version, code}: split and canary routes
  HistogramFamily version_request_duration;  // {route, version}, seconds
  // {env="stress", route, code} and {env="stress", route}: stress traffic, never counted above.
  CounterFamily stress_requests;
  HistogramFamily stress_request_duration;
  GaugeFamily canary_weight;                 // {route}: the canary's share now, percent
  CounterFamily canary_transitions;          // {route, to, reason}: canary/controller.h
  GaugeFamily http_active_connections;    // no labels
  CounterFamily http_rejected;            // {reason}: names::kReject*
  CounterFamily tls_handshakes;           // {result}: names::kHandshake*
  CounterFamily tls_early_data;           // {result}: names::kEarlyData*
  CounterFamily http2_abuse;              // {kind}: names::kHttp2*
  CounterFamily upstream_connect_errors;  // {cluster}
  CounterFamily upstream_h2_ping_timeouts;  // {cluster}
  CounterFamily egress_app_refusals;        // {reason}
  CounterFamily egress_reply_verifications;  // {result}
  CounterFamily callbacks_received;          // {result}
  // The redis section (steps/shared_admission.h): what the cluster's shared store said of each
  // verified request, and what the configured policy did while it could not say.
  CounterFamily shared_admission;            // {result}
  CounterFamily shared_admission_fallbacks;  // {action}
  CounterFamily egress_bill_downloads;       // {result}
  CounterFamily egress_certificate_downloads;  // {result}
  CounterFamily egress_fields_encrypted;       // {route}
  CounterFamily upstream_requests;        // {cluster, outcome}
  HistogramFamily upstream_request_duration;  // {cluster}, seconds, all tries of a request
  CounterFamily upstream_retries;             // {cluster, reason}: proxy::RetryReason
  CounterFamily upstream_retries_refused;     // {cluster, reason, why}: proxy::RetryDecision
  CounterFamily upstream_ejections;           // {cluster, reason}: proxy::EjectionReason
  GaugeFamily upstream_ejected_endpoints;     // {cluster}: endpoints resting, summed over workers
  GaugeFamily upstream_pool_connections;  // {endpoint, state}: names::kPoolIdle / kPoolBusy
  CounterFamily config_reloads;           // {result}: names::kReload*
  CounterFamily config_watch_reconnects;  // retries of a broken etcd watch (config/etcd_watch.h)
  GaugeFamily build_info;                 // {version, revision}, always 1
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
  // {mchid, code} and {mchid}, seconds: requests of a merchant a verified signature
  // established; mchid folds to names::kMerchantOther beyond listener.merchant_label_limit.
  CounterFamily merchant_requests;
  HistogramFamily merchant_request_duration;
  // {mchid}, folded like merchant_requests: requests refused with 429 by the merchant's limit.
  CounterFamily rate_limited;
  // {route, result}: copies of mirrored requests and how they compared (steps/shadow_traffic.h).
  CounterFamily shadow_requests;
  // Degrade (observe/degrade.h): 1 while degradable routes answer their fallback, and {route}
  // the requests they answered so.
  GaugeFamily degrade_active;
  CounterFamily degraded_requests;
  // {route, kind}: faults injected for drills (routes[].fault), kind names::kFault*.
  CounterFamily faults_injected;
  // {cluster}: clusters[].concurrency's limit now, summed over workers.
  GaugeFamily upstream_concurrency_limit;
  // {route, priority, reason}: requests answered 503 by their cluster's concurrency limit.
  CounterFamily requests_shed;
  // The standard process_* families, read from /proc/self at scrape time: observe/process_stats.h.
  CounterFamily process_cpu;            // seconds, user + system
  GaugeFamily process_resident_memory;  // bytes
  GaugeFamily process_virtual_memory;   // bytes
  GaugeFamily process_open_fds;         // descriptors open now
  GaugeFamily process_max_fds;          // the soft RLIMIT_NOFILE
  GaugeFamily process_start_time;       // seconds since the Unix epoch, as the kernel recorded it
};

// What paygate_build_info says about the binary.
struct BuildInfo {
  std::string version;   // e.g. "0.1.0"
  std::string revision;  // the git commit it was built from (short hash), or "unknown"
};

EngineMetrics declare_engine_metrics(Registry& registry);

// paygate_build_info{version,revision} 1, paygate_start_time_seconds (`started`) and the
// process_* families, computed at scrape time. A process_* value that cannot be read is left out
// of that scrape.
void add_process_collectors(Registry& registry, const EngineMetrics& metrics, BuildInfo build,
                            std::chrono::system_clock::time_point started);

// paygate_access_log_dropped_total from log.dropped(); log must outlive the registry's scrapes.
void add_access_log_collector(Registry& registry, const EngineMetrics& metrics,
                              const AccessLog& log);

// paygate_degrade_active from degrade.active(); degrade must outlive the registry's scrapes.
void add_degrade_collector(Registry& registry, const EngineMetrics& metrics,
                           const DegradeSwitch& degrade);

}  // namespace paygate::observe
