#pragma once
// Names of the metrics the engine exports, and the label values it uses, in one place so
// dashboards, alert rules and code agree. Families are declared by declare_engine_metrics()
// (observe/engine_metrics.h); code outside observe/ should not need the names themselves.

#include <string_view>

namespace paygate::observe::names {

// Families; the labels are in braces.
inline constexpr std::string_view kHttpRequestsTotal =
    "paygate_http_requests_total";  // {route,code,protocol}
inline constexpr std::string_view kHttpRequestDurationSeconds =
    "paygate_http_request_duration_seconds";  // {route}, histogram
inline constexpr std::string_view kVersionRequestsTotal =
    "paygate_version_requests_total";  // {route,version,code}: routes with a split or canary
inline constexpr std::string_view kVersionRequestDurationSeconds =
    "paygate_version_request_duration_seconds";  // {route,version}, histogram
// Stress traffic (steps/stress_route.h) is counted only here, every series labelled env="stress".
inline constexpr std::string_view kStressRequestsTotal =
    "paygate_stress_requests_total";  // {env,route,code}
inline constexpr std::string_view kStressRequestDurationSeconds =
    "paygate_stress_request_duration_seconds";  // {env,route}, histogram
inline constexpr std::string_view kEnvLabel = "env";
inline constexpr std::string_view kStressEnv = "stress";
inline constexpr std::string_view kCanaryWeight = "paygate_canary_weight";  // {route}, percent
inline constexpr std::string_view kCanaryTransitionsTotal =
    "paygate_canary_transitions_total";  // {route,to,reason}
inline constexpr std::string_view kHttpActiveConnections = "paygate_http_active_connections";
inline constexpr std::string_view kHttpRejectedTotal = "paygate_http_rejected_total";  // {reason}
inline constexpr std::string_view kTlsHandshakesTotal =
    "paygate_tls_handshakes_total";  // {result}: full, resumed, failed
inline constexpr std::string_view kTlsEarlyDataTotal =
    "paygate_tls_early_data_total";  // {result}: accepted, rejected, too_early
inline constexpr std::string_view kUpstreamConnectErrorsTotal =
    "paygate_upstream_connect_errors_total";  // {cluster}
inline constexpr std::string_view kEgressAppRefusalsTotal =
    "paygate_egress_app_refusals_total";  // {reason}
inline constexpr std::string_view kEgressReplyVerificationsTotal =
    "paygate_egress_reply_verifications_total";  // {result}
inline constexpr std::string_view kEgressBillDownloadsTotal =
    "paygate_egress_bill_downloads_total";  // {result}
inline constexpr std::string_view kSharedAdmissionTotal =
    "paygate_shared_admission_total";  // {result}
inline constexpr std::string_view kSharedAdmissionFallbacksTotal =
    "paygate_shared_admission_fallbacks_total";  // {action}
inline constexpr std::string_view kCallbacksReceivedTotal =
    "paygate_callbacks_received_total";  // {result}
inline constexpr std::string_view kEgressCertificateDownloadsTotal =
    "paygate_egress_certificate_downloads_total";  // {result}
inline constexpr std::string_view kEgressFieldsEncryptedTotal =
    "paygate_egress_fields_encrypted_total";  // {route}
inline constexpr std::string_view kUpstreamH2PingTimeoutsTotal =
    "paygate_upstream_h2_ping_timeouts_total";  // {cluster}
inline constexpr std::string_view kUpstreamRequestsTotal =
    "paygate_upstream_requests_total";  // {cluster,outcome}
inline constexpr std::string_view kUpstreamRequestDurationSeconds =
    "paygate_upstream_request_duration_seconds";  // {cluster}, histogram
inline constexpr std::string_view kUpstreamRetriesTotal =
    "paygate_upstream_retries_total";  // {cluster,reason}
inline constexpr std::string_view kUpstreamRetriesRefusedTotal =
    "paygate_upstream_retries_refused_total";  // {cluster,reason,why}
inline constexpr std::string_view kUpstreamEjectionsTotal =
    "paygate_upstream_ejections_total";  // {cluster,reason}
inline constexpr std::string_view kUpstreamEjectedEndpoints =
    "paygate_upstream_ejected_endpoints";  // {cluster}, gauge, summed over workers
inline constexpr std::string_view kUpstreamPoolConnections =
    "paygate_upstream_pool_connections";  // {endpoint,state}, gauge
inline constexpr std::string_view kConfigReloadsTotal = "paygate_config_reloads_total";  // {result}
inline constexpr std::string_view kConfigWatchReconnectsTotal =
    "paygate_config_watch_reconnects_total";  // retries of a broken etcd config watch
inline constexpr std::string_view kBuildInfo =
    "paygate_build_info";  // {version,revision}, gauge = 1
inline constexpr std::string_view kStartTimeSeconds = "paygate_start_time_seconds";  // gauge

// The process_* families every Prometheus client library exports, under their usual names.
inline constexpr std::string_view kProcessCpuSecondsTotal = "process_cpu_seconds_total";
inline constexpr std::string_view kProcessResidentMemoryBytes = "process_resident_memory_bytes";
inline constexpr std::string_view kProcessVirtualMemoryBytes = "process_virtual_memory_bytes";
inline constexpr std::string_view kProcessOpenFds = "process_open_fds";
inline constexpr std::string_view kProcessMaxFds = "process_max_fds";
inline constexpr std::string_view kProcessStartTimeSeconds = "process_start_time_seconds";
inline constexpr std::string_view kAccessLogDroppedTotal = "paygate_access_log_dropped_total";
inline constexpr std::string_view kSignatureFailuresTotal = "paygate_signature_failures_total";
inline constexpr std::string_view kCertificateExpirySeconds =
    "paygate_certificate_expiry_seconds";  // {role,mchid,serial}, gauge
inline constexpr std::string_view kSloRequestsTotal = "paygate_slo_requests_total";  // {route}
inline constexpr std::string_view kSloBadRequestsTotal = "paygate_slo_bad_requests_total";
inline constexpr std::string_view kSloBurnRate = "paygate_slo_burn_rate";  // {route, window}
inline constexpr std::string_view kSloObjective = "paygate_slo_objective";  // {route}
inline constexpr std::string_view kMerchantRequestsTotal =
    "paygate_merchant_requests_total";  // {mchid,code}
inline constexpr std::string_view kMerchantRequestDurationSeconds =
    "paygate_merchant_request_duration_seconds";  // {mchid}, histogram
inline constexpr std::string_view kRateLimitedTotal = "paygate_rate_limited_total";  // {mchid}
inline constexpr std::string_view kShadowRequestsTotal =
    "paygate_shadow_requests_total";  // {route,result}: match, mismatch, error, dropped
inline constexpr std::string_view kDegradeActive = "paygate_degrade_active";  // gauge, 0 or 1
inline constexpr std::string_view kDegradedRequestsTotal =
    "paygate_degraded_requests_total";  // {route}
inline constexpr std::string_view kFaultsInjectedTotal =
    "paygate_faults_injected_total";  // {route,kind}: kFault*

// Values of paygate_faults_injected_total{kind} (steps/inject_fault.h).
inline constexpr std::string_view kFaultDelay = "delay";
inline constexpr std::string_view kFaultAbort = "abort";

inline constexpr std::string_view kUpstreamConcurrencyLimit =
    "paygate_upstream_concurrency_limit";  // {cluster}, gauge, summed over workers
inline constexpr std::string_view kRequestsShedTotal =
    "paygate_requests_shed_total";  // {route,priority,reason}
// Values of paygate_requests_shed_total{reason} (proxy/concurrency_limit.h).
inline constexpr std::string_view kShedQueueFull = "queue_full";
inline constexpr std::string_view kShedDeadline = "deadline";

// Values of paygate_tls_handshakes_total{result}.
inline constexpr std::string_view kHandshakeFull = "full";
inline constexpr std::string_view kHandshakeResumed = "resumed";
inline constexpr std::string_view kHandshakeFailed = "failed";

// Values of paygate_tls_early_data_total{result}: connections whose early data the handshake
// took or refused, and early requests answered 425 Too Early.
inline constexpr std::string_view kEarlyDataAccepted = "accepted";
inline constexpr std::string_view kEarlyDataRejected = "rejected";
inline constexpr std::string_view kEarlyDataTooEarly = "too_early";

// Values of paygate_http_rejected_total{reason}.
inline constexpr std::string_view kRejectHeaderTooLarge = "header_too_large";
inline constexpr std::string_view kRejectUriTooLong = "uri_too_long";
inline constexpr std::string_view kRejectBodyTooLarge = "body_too_large";
inline constexpr std::string_view kRejectBadRequest = "bad_request";
inline constexpr std::string_view kRejectBadPath = "bad_path";  // http/path_normaliser.h
inline constexpr std::string_view kRejectTimeout = "timeout";
inline constexpr std::string_view kRejectMethodNotAllowed = "method_not_allowed";
inline constexpr std::string_view kRejectUnknownMethod = "unknown_method";
inline constexpr std::string_view kRejectHttpVersion = "http_version";
inline constexpr std::string_view kRejectTooManyConnections = "too_many_connections";
// paygate_http2_abuse_total{kind}: what an HTTP/2 client did that ended its connection or stream
// (http/h2_session.h).
inline constexpr std::string_view kHttp2AbuseTotal = "paygate_http2_abuse_total";
inline constexpr std::string_view kHttp2RapidReset = "rapid_reset";
inline constexpr std::string_view kHttp2ControlFlood = "control_flood";
inline constexpr std::string_view kHttp2ContinuationFlood = "continuation_flood";
inline constexpr std::string_view kHttp2RefusedStream = "refused_stream";
inline constexpr std::string_view kHttp2StalledStream = "stalled_stream";
inline constexpr std::string_view kHttp2ProtocolError = "protocol_error";

// Values of paygate_upstream_pool_connections{state}.
inline constexpr std::string_view kPoolIdle = "idle";
inline constexpr std::string_view kPoolBusy = "busy";

// Values of paygate_config_reloads_total{result}.
inline constexpr std::string_view kReloadSuccess = "success";
inline constexpr std::string_view kReloadFailure = "failure";

// paygate_merchant_*{mchid} of every verified merchant beyond listener.merchant_label_limit.
inline constexpr std::string_view kMerchantOther = "other";

// Values of paygate_certificate_expiry_seconds{role}.
inline constexpr std::string_view kRolePlatform = "platform";
inline constexpr std::string_view kRoleMerchant = "merchant";
inline constexpr std::string_view kRoleTls = "tls";  // served by a TLS listener
// A platform certificate the merchant role verifies replies against (merchant.platform_keys).
inline constexpr std::string_view kRolePlatformTrust = "platform_trust";

}  // namespace paygate::observe::names
