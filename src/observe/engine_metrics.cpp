#include "observe/engine_metrics.h"

#include "observe/access_log.h"
#include "observe/degrade.h"
#include "observe/metric_names.h"
#include "observe/process_stats.h"

namespace paygate::observe {
namespace {

void declare_process_families(Registry& r, EngineMetrics& m) {
  using std::string;
  m.process_cpu = r.declare_counter(string(names::kProcessCpuSecondsTotal),
                                    "Total user and system CPU time spent in seconds.");
  m.process_resident_memory = r.declare_gauge(string(names::kProcessResidentMemoryBytes),
                                              "Resident memory size in bytes.");
  m.process_virtual_memory = r.declare_gauge(string(names::kProcessVirtualMemoryBytes),
                                             "Virtual memory size in bytes.");
  m.process_open_fds =
      r.declare_gauge(string(names::kProcessOpenFds), "Number of open file descriptors.");
  m.process_max_fds = r.declare_gauge(string(names::kProcessMaxFds),
                                      "Maximum number of open file descriptors.");
  m.process_start_time = r.declare_gauge(string(names::kProcessStartTimeSeconds),
                                         "Start time of the process since unix epoch in seconds.");
}

// Each value on its own: one that cannot be read leaves the others in the scrape.
void sample_process_stats(Writer& w, const EngineMetrics& m) {
  if (const auto stat = read_proc_stat()) {
    w.sample(m.process_cpu, {}, stat->cpu_seconds);
    w.sample(m.process_resident_memory, {}, stat->resident_memory_bytes);
    w.sample(m.process_virtual_memory, {}, stat->virtual_memory_bytes);
  }
  if (const auto open = count_open_fds()) {
    w.sample(m.process_open_fds, {}, static_cast<double>(*open));
  }
  if (const auto max = max_open_fds()) w.sample(m.process_max_fds, {}, static_cast<double>(*max));
}

}  // namespace

EngineMetrics declare_engine_metrics(Registry& r) {
  using std::string;
  EngineMetrics m;
  m.http_requests = r.declare_counter(string(names::kHttpRequestsTotal),
                                      "Downstream requests answered, by route, status code and "
                                      "protocol (http/1.1 or h2).",
                                      {"route", "code", "protocol"});
  m.http_request_duration = r.declare_histogram(
      string(names::kHttpRequestDurationSeconds),
      "Time from the first request byte to the last response byte, by route.", {"route"});
  m.version_requests = r.declare_counter(
      string(names::kVersionRequestsTotal),
      "Downstream requests of routes with a split or canary, by the version chosen and status.",
      {"route", "version", "code"});
  m.version_request_duration = r.declare_histogram(
      string(names::kVersionRequestDurationSeconds),
      "Time from the first request byte to the last response byte on routes with a split or "
      "canary, by the version chosen.",
      {"route", "version"});
  const FixedLabel stress{string(names::kEnvLabel), string(names::kStressEnv)};
  m.stress_requests = r.declare_counter(string(names::kStressRequestsTotal),
                                        "Stress-traffic requests answered, by route and status "
                                        "(never counted in production's request families).",
                                        {"route", "code"}, stress);
  m.stress_request_duration = r.declare_histogram(
      string(names::kStressRequestDurationSeconds),
      "Time from the first request byte to the last response byte of stress traffic, by route.",
      {"route"}, default_latency_buckets(), stress);
  m.canary_weight =
      r.declare_gauge(string(names::kCanaryWeight),
                      "The share of a route's traffic its canary gets now, percent.", {"route"});
  m.canary_transitions = r.declare_counter(
      string(names::kCanaryTransitionsTotal),
      "Canary transitions, by the share they moved to (percent) and why: advance, complete, "
      "error_ratio or p99 (the guard broke: rolled back), pause, resume, promote, abort.",
      {"route", "to", "reason"});
  m.http_active_connections = r.declare_gauge(string(names::kHttpActiveConnections),
                                              "Downstream connections currently open.");
  m.http_rejected =
      r.declare_counter(string(names::kHttpRejectedTotal),
                        "Downstream requests or connections refused by a limit.", {"reason"});
  m.tls_handshakes = r.declare_counter(
      string(names::kTlsHandshakesTotal),
      "Handshakes on TLS listeners: full, resumed (ticket or cache), or failed.", {"result"});
  m.tls_early_data = r.declare_counter(
      string(names::kTlsEarlyDataTotal),
      "TLS 1.3 early data: connections whose early data was accepted or rejected, and early "
      "requests answered 425 Too Early.",
      {"result"});
  m.http2_abuse = r.declare_counter(
      string(names::kHttp2AbuseTotal),
      "HTTP/2 connections or streams ended for breaking a limit or the protocol, by kind.",
      {"kind"});
  m.upstream_connect_errors = r.declare_counter(string(names::kUpstreamConnectErrorsTotal),
                                                "Failed upstream connect attempts.", {"cluster"});
  m.egress_app_refusals = r.declare_counter(
      string(names::kEgressAppRefusalsTotal),
      "Merchant-role requests refused before they were signed, by reason.", {"reason"});
  m.egress_reply_verifications = r.declare_counter(
      string(names::kEgressReplyVerificationsTotal),
      "Merchant-role replies whose platform signature was checked, by result.", {"result"});
  m.egress_bill_downloads = r.declare_counter(
      string(names::kEgressBillDownloadsTotal),
      "Merchant-role bill downloads whose hash_value was checked, by result.", {"result"});
  m.shared_admission = r.declare_counter(
      string(names::kSharedAdmissionTotal),
      "Verified requests checked against the cluster's shared nonces and rate limits (redis), by "
      "result: admitted, replay, over_limit, over_limit_cached (refused by the node's front "
      "cache), or redis_unavailable/redis_timeout/redis_broken/redis_error.",
      {"result"});
  m.shared_admission_fallbacks = r.declare_counter(
      string(names::kSharedAdmissionFallbacksTotal),
      "What the configured policy did with a request while Redis could not answer: "
      "nonce_refused, nonce_local, rate_limit_local, rate_limit_refused, rate_limit_admitted.",
      {"action"});
  m.callbacks_received = r.declare_counter(
      string(names::kCallbacksReceivedTotal),
      "Callbacks the merchant role's receiver took in (stored, duplicate) or refused, by result.",
      {"result"});
  m.egress_certificate_downloads = r.declare_counter(
      string(names::kEgressCertificateDownloadsTotal),
      "Merchant-role downloads of the platform certificates, by result (ok, failed).", {"result"});
  m.egress_fields_encrypted = r.declare_counter(
      string(names::kEgressFieldsEncryptedTotal),
      "Sensitive fields the merchant role encrypted to the platform key, by route.", {"route"});
  m.upstream_h2_ping_timeouts = r.declare_counter(
      string(names::kUpstreamH2PingTimeoutsTotal),
      "HTTP/2 upstream connections closed because a PING went unanswered.", {"cluster"});
  m.upstream_requests =
      r.declare_counter(string(names::kUpstreamRequestsTotal),
                        "Upstream request attempts, by outcome.", {"cluster", "outcome"});
  m.upstream_request_duration = r.declare_histogram(
      string(names::kUpstreamRequestDurationSeconds),
      "Time from a request's first upstream try to the last byte of the relayed response, all "
      "tries included, by cluster.",
      {"cluster"});
  m.upstream_retries =
      r.declare_counter(string(names::kUpstreamRetriesTotal),
                        "Upstream tries sent again by the cluster's retry policy, by what failed.",
                        {"cluster", "reason"});
  m.upstream_retries_refused = r.declare_counter(
      string(names::kUpstreamRetriesRefusedTotal),
      "Failed upstream tries the retry policy names but did not retry, by what failed and why "
      "not (not_idempotent, bytes_received, max_retries, deadline, budget).",
      {"cluster", "reason", "why"});
  m.upstream_ejections = r.declare_counter(
      string(names::kUpstreamEjectionsTotal),
      "Endpoints ejected by passive health checks, per worker, by reason.", {"cluster", "reason"});
  m.upstream_ejected_endpoints = r.declare_gauge(
      string(names::kUpstreamEjectedEndpoints),
      "Endpoints resting after an ejection, summed over the workers (each judges alone).",
      {"cluster"});
  m.upstream_pool_connections =
      r.declare_gauge(string(names::kUpstreamPoolConnections),
                      "Pooled upstream connections, idle or busy.", {"endpoint", "state"});
  m.config_reloads = r.declare_counter(string(names::kConfigReloadsTotal),
                                       "Configuration reloads, by result.", {"result"});
  m.config_watch_reconnects = r.declare_counter(
      string(names::kConfigWatchReconnectsTotal),
      "Retries of the etcd configuration watch after it broke (etcd unreachable, stream ended).");
  m.build_info = r.declare_gauge(string(names::kBuildInfo),
                                 "Always 1; the labels say what is running: version and commit.",
                                 {"version", "revision"});
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
  m.merchant_requests = r.declare_counter(
      string(names::kMerchantRequestsTotal),
      "Requests of verified merchants, by merchant (or \"other\") and status code.",
      {"mchid", "code"});
  m.merchant_request_duration = r.declare_histogram(
      string(names::kMerchantRequestDurationSeconds),
      "Time from the first request byte to the last response byte, by verified merchant.",
      {"mchid"});
  m.rate_limited = r.declare_counter(
      string(names::kRateLimitedTotal),
      "Requests refused with 429 because their merchant was over its rate limit.", {"mchid"});
  m.shadow_requests = r.declare_counter(
      string(names::kShadowRequestsTotal),
      "Copies of mirrored requests sent to a shadow cluster, by how the shadow's answer compared "
      "with the primary's: match, mismatch, error, or dropped (not sent).",
      {"route", "result"});
  m.degrade_active = r.declare_gauge(
      string(names::kDegradeActive),
      "1 while a core route's SLO pages (and for degrade.recover_after after): degradable routes "
      "answer their fallback.");
  m.degraded_requests = r.declare_counter(string(names::kDegradedRequestsTotal),
                                          "Requests a degradable route answered with its fallback "
                                          "or shed while the gateway was degraded.",
                                          {"route"});
  m.faults_injected = r.declare_counter(string(names::kFaultsInjectedTotal),
                                        "Faults injected for drills (routes[].fault), by kind: "
                                        "delay or abort.",
                                        {"route", "kind"});
  m.upstream_concurrency_limit = r.declare_gauge(
      string(names::kUpstreamConcurrencyLimit),
      "Requests the workers may have in flight to the cluster now (clusters[].concurrency), "
      "summed over workers.",
      {"cluster"});
  m.requests_shed = r.declare_counter(
      string(names::kRequestsShedTotal),
      "Requests answered 503 by their cluster's concurrency limit: the wait queue was full "
      "(queue_full) or no permit came within queue_deadline (deadline).",
      {"route", "priority", "reason"});
  declare_process_families(r, m);
  return m;
}

void add_process_collectors(Registry& registry, const EngineMetrics& metrics, BuildInfo build,
                            std::chrono::system_clock::time_point started) {
  using Seconds = std::chrono::duration<double>;
  const double start_seconds =
      std::chrono::duration_cast<Seconds>(started.time_since_epoch()).count();
  // The kernel's start time cannot change, so it is read once; `started` stands in without /proc.
  const double process_start = read_process_start_time().value_or(start_seconds);
  registry.add_collector(
      [metrics, build = std::move(build), start_seconds, process_start](Writer& w) {
        w.sample(metrics.build_info, {build.version, build.revision}, 1);
        w.sample(metrics.start_time, {}, start_seconds);
        w.sample(metrics.process_start_time, {}, process_start);
        sample_process_stats(w, metrics);
      });
}

void add_access_log_collector(Registry& registry, const EngineMetrics& metrics,
                              const AccessLog& log) {
  registry.add_collector([metrics, &log](Writer& w) {
    w.sample(metrics.access_log_dropped, {}, static_cast<double>(log.dropped()));
  });
}

void add_degrade_collector(Registry& registry, const EngineMetrics& metrics,
                           const DegradeSwitch& degrade) {
  registry.add_collector([metrics, &degrade](Writer& w) {
    w.sample(metrics.degrade_active, {}, degrade.active() ? 1 : 0);
  });
}

}  // namespace paygate::observe
