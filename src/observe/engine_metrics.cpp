#include "observe/engine_metrics.h"

#include "observe/access_log.h"
#include "observe/metric_names.h"

namespace paygate::observe {

EngineMetrics declare_engine_metrics(Registry& r) {
  using std::string;
  EngineMetrics m;
  m.http_requests = r.declare_counter(string(names::kHttpRequestsTotal),
                                      "Downstream requests answered, by route and status code.",
                                      {"route", "code"});
  m.http_request_duration = r.declare_histogram(
      string(names::kHttpRequestDurationSeconds),
      "Time from the first request byte to the last response byte, by route.", {"route"});
  m.http_active_connections = r.declare_gauge(string(names::kHttpActiveConnections),
                                              "Downstream connections currently open.");
  m.http_rejected =
      r.declare_counter(string(names::kHttpRejectedTotal),
                        "Downstream requests or connections refused by a limit.", {"reason"});
  m.upstream_connect_errors = r.declare_counter(string(names::kUpstreamConnectErrorsTotal),
                                                "Failed upstream connect attempts.", {"cluster"});
  m.upstream_requests =
      r.declare_counter(string(names::kUpstreamRequestsTotal),
                        "Upstream request attempts, by outcome.", {"cluster", "outcome"});
  m.upstream_pool_connections =
      r.declare_gauge(string(names::kUpstreamPoolConnections),
                      "Pooled upstream connections, idle or busy.", {"endpoint", "state"});
  m.config_reloads = r.declare_counter(string(names::kConfigReloadsTotal),
                                       "Configuration reloads, by result.", {"result"});
  m.build_info = r.declare_gauge(string(names::kBuildInfo),
                                 "Always 1; the version label says what is running.", {"version"});
  m.start_time = r.declare_gauge(string(names::kStartTimeSeconds),
                                 "Start time of the process, seconds since the Unix epoch.");
  m.access_log_dropped = r.declare_counter(string(names::kAccessLogDroppedTotal),
                                           "Access log lines dropped because the queue was full.");
  m.signature_failures = r.declare_counter(string(names::kSignatureFailuresTotal),
                                           "Signed requests refused, by the check that failed.",
                                           {"reason"});
  m.slo_requests = r.declare_counter(string(names::kSloRequestsTotal),
                                     "Requests of routes with an SLO.", {"route"});
  m.slo_bad_requests = r.declare_counter(
      string(names::kSloBadRequestsTotal),
      "Requests of routes with an SLO that missed it: 5xx, or slower than its latency.",
      {"route"});
  m.slo_burn_rate = r.declare_gauge(
      string(names::kSloBurnRate),
      "Error budget burn rate over the window: bad ratio / (1 - objective).",
      {"route", "window"});
  m.slo_objective = r.declare_gauge(string(names::kSloObjective),
                                    "The route's SLO objective, as a fraction of good requests.",
                                    {"route"});
  m.certificate_expiry = r.declare_gauge(
      string(names::kCertificateExpirySeconds),
      "Seconds until each certificate of the running configuration expires.",
      {"role", "mchid", "serial"});
  return m;
}

void add_process_collectors(Registry& registry, const EngineMetrics& metrics, std::string version,
                            std::chrono::system_clock::time_point started) {
  using Seconds = std::chrono::duration<double>;
  const double start_seconds =
      std::chrono::duration_cast<Seconds>(started.time_since_epoch()).count();
  registry.add_collector([metrics, version = std::move(version), start_seconds](Writer& w) {
    w.sample(metrics.build_info, {version}, 1);
    w.sample(metrics.start_time, {}, start_seconds);
  });
}

void add_access_log_collector(Registry& registry, const EngineMetrics& metrics,
                              const AccessLog& log) {
  registry.add_collector([metrics, &log](Writer& w) {
    w.sample(metrics.access_log_dropped, {}, static_cast<double>(log.dropped()));
  });
}

}  // namespace paygate::observe
