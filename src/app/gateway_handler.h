#pragma once
// GatewayHandler: what a worker does with each downstream request: match a route in the
// worker's current snapshot, forward to the route's cluster, then count and log the result.
// Routes may run the platform steps: `verify: merchant` (MerchantAuth, then the merchant's rate
// limit: 429 FREQUENCY_LIMITED with Retry-After when it is exceeded) before forwarding and
// `sign: platform` (PlatformSigners: the key the request's Wechatpay-Serial names, else the
// default one) on every reply; GET /v3/certificates is answered here.
// One per worker, confined to its thread. adopt() installs a new snapshot between requests;
// a request in flight keeps the view (and snapshot) it started with.

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "admission/replay_guard.h"
#include "app/merchant_metrics.h"
#include "config/snapshot.h"
#include "http/exchange.h"
#include "observe/access_log.h"
#include "observe/access_log_batch.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"
#include "proxy/forwarder.h"
#include "proxy/upstreams.h"
#include "steps/certificates_endpoint.h"
#include "steps/merchant_auth.h"
#include "steps/platform_signers.h"

namespace paygate::app {

// Metric handles of one route on one worker; kept across reloads, keyed by route name.
struct RouteMetrics {
  std::string name;
  observe::Histogram* duration = nullptr;
  std::array<observe::Counter*, 600> by_status{};  // filled on first use of each status
  // Set by adopt() when the route has an SLO (observe/slo.h), else null.
  observe::Counter* slo_requests = nullptr;
  observe::Counter* slo_bad = nullptr;
  std::chrono::nanoseconds slo_latency{0};  // 0: availability only
};

class GatewayHandler final : public http::Handler, public proxy::ForwardObserver {
 public:
  GatewayHandler(observe::Shard& shard, const observe::EngineMetrics& names,
                 observe::AccessLog& access_log, admission::ReplayGuard& replay_guard,
                 std::function<void()> on_first_request);

  void adopt(std::shared_ptr<const config::Snapshot> snapshot);
  void sweep(http::Clock::time_point now) { upstreams_.sweep(now); }
  // Open downstream connections. Written on the worker thread as they open and close; any
  // thread may read it (the control thread does, to know when a drain is done).
  std::size_t active_connections() const {
    return active_connections_.load(std::memory_order_relaxed);
  }
  // Fills pool gauges (worker thread).
  void publish_pool_gauges();
  // Hands the access-log lines gathered so far to the log thread (worker thread).
  void flush_access_log() { access_log_.flush(); }

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void on_complete(const http::Exchange& exchange) override;
  void on_rejected(std::string_view reason) override;
  void on_connection_change(int delta) override;

  void on_connect_error(const proxy::ClusterSettings& cluster) override;
  void on_retry(const proxy::ClusterSettings& cluster, proxy::RetryDecision decision) override;

 private:
  struct RouteView {
    proxy::ForwardTarget target;
    steps::RouteSteps steps;
    RouteMetrics* metrics = nullptr;
    // upstream_requests{cluster, outcome} by proxy::Outcome, looked up on first use: the
    // registry takes a lock and allocates, so never once per request (observe/registry.h).
    mutable std::array<observe::Counter*, proxy::kOutcomeCount> outcomes{};
    mutable observe::Histogram* upstream_duration = nullptr;  // {cluster}, same reason
  };
  struct View {
    std::shared_ptr<const config::Snapshot> snapshot;
    std::vector<RouteView> routes;
    std::unique_ptr<steps::PlatformSigners> signers;  // null without a platform key
    // Parallel to snapshot->credentials->merchants(): where a verified merchant is counted.
    std::vector<MerchantSeries*> merchant_series;
  };

  RouteMetrics& route_metrics(const std::string& name);
  void adopt_slo(RouteMetrics& m, const std::optional<observe::SloSpec>& slo);
  void count(RouteMetrics& m, const http::Exchange& ex, http::Clock::duration elapsed);
  void observe_upstream_duration(const RouteView& route, http::Clock::duration elapsed);
  observe::Counter* status_counter(RouteMetrics& m, int status);
  // The verify step; on failure answers the exchange (401, or 503 when the replay store is
  // full) and returns null.
  boost::asio::awaitable<const credentials::MerchantCredentials*> authenticate(
      http::Exchange& ex, const View& view, std::string_view route);
  // The rate-limit step, after authenticate(); when the merchant is over its limit answers 429
  // and returns false.
  boost::asio::awaitable<bool> admit(http::Exchange& ex, const View& view,
                                     const credentials::MerchantCredentials& merchant);
  boost::asio::awaitable<void> serve_certificates(http::Exchange& ex, const View& view);
  // Sets the reply signer the request's Wechatpay-Serial selects (no-op without platform keys).
  static void sign_replies(http::Exchange& ex, const View& view);
  void count_auth_failure(steps::AuthFailure failure);

  observe::Shard& shard_;
  const observe::EngineMetrics& names_;
  observe::AccessLogBatch access_log_;
  proxy::WorkerUpstreams upstreams_;
  proxy::Forwarder forwarder_;
  steps::MerchantAuth auth_;
  steps::CertificatesEndpoint certificates_;
  std::array<observe::Counter*, 16> auth_failures_{};  // by steps::AuthFailure
  std::shared_ptr<const View> view_;
  std::unordered_map<std::string, std::unique_ptr<RouteMetrics>> route_metrics_;
  MerchantMetrics merchant_metrics_;
  RouteMetrics* unrouted_ = nullptr;  // requests no route matched or the server refused
  bool telemetry_ = true;  // listener.telemetry of the current snapshot
  observe::Gauge* active_gauge_ = nullptr;
  std::atomic<std::size_t> active_connections_{0};
  std::unordered_map<std::string, observe::Counter*> connect_errors_;
  std::function<void()> on_first_request_;  // called once, after the first completed request
};

}  // namespace paygate::app
