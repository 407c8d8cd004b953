#pragma once
// RequestMetrics: every per-request metric of one worker in one place. The request's metrics
// are kept from its context once it is answered (record()); a step that refuses a request
// counts why before it answers (count_auth_failure, count_rate_limited), so the counter has
// moved by the time the client reads the refusal. No handler keeps counters:
//   paygate_http_requests_total{route,code,protocol}, paygate_http_request_duration_seconds{route},
//   paygate_slo_requests_total / paygate_slo_bad_requests_total{route}     (listener.telemetry)
//   paygate_merchant_*{mchid} of verified merchants (MerchantMetrics)       (listener.telemetry)
//   paygate_signature_failures_total{reason}, paygate_rate_limited_total{mchid}      (always)
//   paygate_upstream_requests_total{cluster,outcome}                                  (always)
//   paygate_upstream_request_duration_seconds{cluster}                      (listener.telemetry)
//   paygate_degraded_requests_total{route}, paygate_faults_injected_total{route,kind} (always)
//   paygate_requests_shed_total{route,priority,reason}                                (always)
//   paygate_stress_requests_total{env,route,code}, _duration_seconds: stress traffic, counted
//     there only (never in the route, SLO, merchant or version series)     (listener.telemetry)
// and the worker's connection, pool and ejected-endpoint gauges, and, as the Forwarder's
// observer, connect errors, retries (made and refused) and ejections, which it also logs.
// Requests the server refused count under route "unmatched".
//
// Handles are looked up when a snapshot is adopted or on their first use (the registry takes a
// lock and allocates), never once per request afterwards; route handles are kept by route name
// across reloads. Confined to the worker's thread.

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/thread_checker.h"
#include "http/exchange.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"
#include "observe/slo.h"
#include "proxy/forwarder.h"
#include "proxy/upstreams.h"
#include "steps/context.h"
#include "steps/merchant_auth.h"
#include "steps/merchant_metrics.h"

namespace paygate::steps {

// The handles of one route on one worker.
struct RouteMetrics {
  std::string name;  // the route label
  observe::Histogram* duration = nullptr;
  // By protocol (http/1.1, h2) and status; filled on first use of each.
  std::array<std::array<observe::Counter*, 600>, 2> by_status{};
  // Set when the route has an SLO (observe/slo.h), else null.
  observe::Counter* slo_requests = nullptr;
  observe::Counter* slo_bad = nullptr;
  std::chrono::nanoseconds slo_latency{0};  // 0: availability only
  // paygate_requests_shed_total by priority and reason (queue_full, deadline); on first use.
  std::array<std::array<observe::Counter*, 2>, proxy::kPriorityCount> shed{};
  // Stress traffic of the route (env="stress"), on first use.
  observe::Histogram* stress_duration = nullptr;
  std::array<observe::Counter*, 600> stress_by_status{};
};

// The handles of one version of a split route on one worker (steps/split.h).
struct VersionMetrics {
  std::string route;
  std::string version;
  observe::Histogram* duration = nullptr;
  std::array<observe::Counter*, 600> by_status{};  // filled on first use of each
};

// The handles of one upstream cluster on one worker, made on first use.
struct UpstreamMetrics {
  std::string cluster;
  std::array<observe::Counter*, proxy::kOutcomeCount> outcomes{};  // by proxy::Outcome
  observe::Histogram* duration = nullptr;
  observe::Counter* connect_errors = nullptr;
  observe::Counter* h2_ping_timeouts = nullptr;
  observe::Counter* retried = nullptr;  // upstream_requests{outcome="retried"}
  static constexpr std::size_t kReasons = 4;          // proxy::RetryReason
  static constexpr std::size_t kDecisions = 6;        // proxy::RetryDecision
  std::array<observe::Counter*, kReasons> retries{};  // by reason
  std::array<std::array<observe::Counter*, kDecisions>, kReasons> refused{};  // by reason, why
  std::array<observe::Counter*, 4> ejections{};  // by proxy::EjectionReason
};

class RequestMetrics final : public proxy::ForwardObserver {
 public:
  using Duration = http::Clock::duration;

  RequestMetrics(observe::Shard& shard, const observe::EngineMetrics& names);

  // When a snapshot is adopted (allocates).
  void set_telemetry(bool on) { telemetry_ = on; }
  RouteMetrics& route(const std::string& name, const std::optional<observe::SloSpec>& slo);
  RouteMetrics& unmatched() { return *unmatched_; }
  UpstreamMetrics& upstream(const std::string& cluster);
  VersionMetrics& version(const std::string& route, const std::string& version);
  MerchantMetrics& merchants() { return merchants_; }
  // The per-route counters of steps that count as they answer (steps/degrade.h,
  // steps/inject_fault.h): made when a snapshot is adopted (allocates), kept by the step.
  observe::Counter* degraded(const std::string& route);
  observe::Counter* fields_encrypted(const std::string& route);
  observe::Counter* faults_injected(const std::string& route, std::string_view kind);

  // A request the pipeline answered.
  void record(const http::Exchange& exchange, const RequestContext& context, Duration elapsed);
  // Why a step refused a request, as it refuses it.
  void count_auth_failure(AuthFailure failure);
  void count_rate_limited(MerchantSeries* merchant);
  // A request its cluster's concurrency limit turned away (queue_full or deadline).
  void count_shed(RouteMetrics& route, proxy::Priority priority, proxy::Admission reason);
  // A request the server refused itself (malformed, over a limit, too slow).
  void record_refused(const http::Exchange& exchange, std::string_view reason, Duration elapsed);
  // A connection closed at accept: max_connections reached.
  void record_connection_refused();
  void connection_change(int delta) { active_->add(delta); }
  void record_tls_handshake(const http::TlsHandshake& handshake);
  // An early request answered 425 Too Early (steps/too_early.h).
  void count_too_early() { early_data_[2]->inc(); }
  // paygate_http2_abuse_total{kind}: an HTTP/2 client broke a limit (http/h2_session.h).
  void record_http2_abuse(std::string_view kind);
  // The merchant role (static labels): paygate_egress_app_refusals_total{reason}, a request
  // refused before it was signed; paygate_egress_reply_verifications_total{result}, how the
  // signature of each reply checked.
  void count_app_refusal(std::string_view reason) { app_refusals_.inc(reason); }
  void count_reply_verification(std::string_view result) { reply_verifications_.inc(result); }
  // paygate_callbacks_received_total{result}: what the callback receiver did with a callback.
  void count_callback(std::string_view result) { callbacks_received_.inc(result); }
  // paygate_shared_admission_total{result} and _fallbacks_total{action} (steps/shared_admission.h).
  void count_shared_admission(std::string_view result) { shared_admission_.inc(result); }
  void count_shared_admission_fallback(std::string_view action) {
    shared_admission_fallbacks_.inc(action);
  }
  // paygate_egress_bill_downloads_total{result}: how a bill download's hash check ended.
  void count_bill_download(std::string_view result) { bill_downloads_.inc(result); }
  // Idle and busy pooled connections per endpoint, ejected endpoints per cluster and each
  // cluster's concurrency limit (once a second, from the worker's tick).
  void publish_pool_gauges(proxy::WorkerUpstreams& upstreams);

  void on_connect_error(const proxy::ClusterSettings& cluster) override;
  void on_h2_ping_timeout(const std::string& cluster) override;
  void on_retry(const proxy::ClusterSettings& cluster, proxy::RetryReason reason,
                proxy::RetryDecision decision) override;
  void on_ejection(const proxy::ClusterSettings& cluster, std::string_view endpoint,
                   proxy::EjectionReason reason, http::Clock::duration cool_down) override;

 private:
  void count_route(RouteMetrics& m, const http::Exchange& ex, Duration elapsed);
  void count_upstream(UpstreamMetrics& m, proxy::Outcome outcome, Duration elapsed);
  void count_version(VersionMetrics& m, int status, Duration elapsed);
  void count_stress(RouteMetrics& m, int status, Duration elapsed);
  observe::Counter* status_counter(RouteMetrics& m, int status, std::size_t protocol);
  // paygate_http_rejected_total{reason}; reasons are the few kReject* labels.
  observe::Counter* rejected_counter(std::string_view reason);
  // Made on first use, so that a cluster without errors exports none.
  observe::Counter* counter_once(observe::Counter*& slot, observe::CounterFamily family,
                                 observe::LabelValues labels);
  void publish_concurrency_limits(const proxy::WorkerUpstreams& upstreams);

  observe::Shard& shard_;
  const observe::EngineMetrics& names_;
  bool telemetry_ = true;  // listener.telemetry of the current snapshot
  std::unordered_map<std::string, std::unique_ptr<RouteMetrics>> routes_;  // by route name
  RouteMetrics* unmatched_ = nullptr;  // requests no route matched or the server refused
  std::unordered_map<std::string, std::unique_ptr<UpstreamMetrics>> upstreams_;  // by cluster
  // paygate_upstream_concurrency_limit of the clusters that ever had a limit on this worker.
  std::unordered_map<std::string, observe::Gauge*> concurrency_limits_;
  // By route name and version, "route\nversion" (neither may hold a line break).
  std::unordered_map<std::string, std::unique_ptr<VersionMetrics>> versions_;
  MerchantMetrics merchants_;
  std::array<observe::Counter*, 16> auth_failures_{};                  // by AuthFailure
  observe::LabelledCounters rejected_;                                 // by reason
  observe::LabelledCounters http2_abuse_;                              // by kind
  observe::LabelledCounters app_refusals_;                             // by reason
  observe::LabelledCounters reply_verifications_;                      // by result
  observe::LabelledCounters callbacks_received_;                       // by result
  observe::LabelledCounters shared_admission_;                         // by result
  observe::LabelledCounters shared_admission_fallbacks_;               // by action
  observe::LabelledCounters bill_downloads_;                           // by result
  observe::Gauge* active_ = nullptr;
  std::array<observe::Counter*, 3> handshakes_{};  // full, resumed, failed
  std::array<observe::Counter*, 3> early_data_{};  // accepted, rejected, too_early
  core::ThreadChecker thread_;  // the worker's
};

}  // namespace paygate::steps
