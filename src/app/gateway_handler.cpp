#include "app/gateway_handler.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>

#include "http/wire.h"
#include "router/route_table.h"
#include "wechatpay/headers.h"

namespace paygate::app {

namespace {
std::string status_text(int status) { return std::to_string(status); }

// The index of `merchant`, an element of credentials.merchants().
std::size_t index_of(const credentials::Credentials& credentials,
                     const credentials::MerchantCredentials& merchant) {
  return static_cast<std::size_t>(&merchant - credentials.merchants().data());
}

// Adds Retry-After (whole seconds, rounded up) to a 429, then what the route's own decorator
// adds (the platform signature, which covers the body only).
class RetryAfter final : public http::ResponseDecorator {
 public:
  RetryAfter(std::chrono::nanoseconds wait, http::ResponseDecorator* inner)
      : seconds_(std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count())),
        inner_(inner) {}

  void decorate(std::string_view body, std::string& head) override {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, seconds_).ptr;
    http::append_field(head, "Retry-After", std::string_view(digits, end - digits));
    if (inner_) inner_->decorate(body, head);
  }
  http::ResponseDecorator* inner() const { return inner_; }

 private:
  std::int64_t seconds_;
  http::ResponseDecorator* inner_;
};
}  // namespace

GatewayHandler::GatewayHandler(observe::Shard& shard, const observe::EngineMetrics& names,
                               observe::AccessLog& access_log, admission::ReplayGuard& replay_guard,
                               std::function<void()> on_first_request)
    : shard_(shard),
      names_(names),
      access_log_(access_log),
      forwarder_(*this),
      auth_(replay_guard),
      merchant_metrics_(shard, names),
      on_first_request_(std::move(on_first_request)) {
  unrouted_ = &route_metrics("unmatched");
  active_gauge_ = shard_.gauge(names_.http_active_connections, {});
}

RouteMetrics& GatewayHandler::route_metrics(const std::string& name) {
  auto& slot = route_metrics_[name];
  if (!slot) {
    slot = std::make_unique<RouteMetrics>();
    slot->name = name;
    slot->duration = shard_.histogram(names_.http_request_duration, {name});
  }
  return *slot;
}

observe::Counter* GatewayHandler::status_counter(RouteMetrics& m, int status) {
  if (status < 0 || status >= static_cast<int>(m.by_status.size())) status = 0;
  auto& c = m.by_status[static_cast<std::size_t>(status)];
  if (!c) c = shard_.counter(names_.http_requests, {m.name, status_text(status)});
  return c;
}

void GatewayHandler::adopt_slo(RouteMetrics& m, const std::optional<observe::SloSpec>& slo) {
  if (!slo) {
    m.slo_requests = m.slo_bad = nullptr;
    return;
  }
  m.slo_requests = shard_.counter(names_.slo_requests, {m.name});
  m.slo_bad = shard_.counter(names_.slo_bad_requests, {m.name});
  m.slo_latency = slo->latency;
}

// Per-request metrics, SLO counts and the verified merchant's counts (listener.telemetry).
void GatewayHandler::count(RouteMetrics& m, const http::Exchange& ex,
                           http::Clock::duration elapsed) {
  status_counter(m, ex.status())->inc();
  m.duration->observe(std::chrono::duration<double>(elapsed).count());
  if (m.slo_requests) {
    m.slo_requests->inc();
    const bool slow = m.slo_latency.count() > 0 && elapsed > m.slo_latency;
    if (ex.status() >= 500 || slow) m.slo_bad->inc();
  }
  if (ex.merchant_context) {  // set by authenticate(): only verified merchants count
    auto* series = static_cast<MerchantSeries*>(const_cast<void*>(ex.merchant_context));
    merchant_metrics_.count(*series, ex.status(), elapsed);
  }
}

void GatewayHandler::adopt(std::shared_ptr<const config::Snapshot> snapshot) {
  telemetry_ = snapshot->listener.telemetry;
  auto view = std::make_shared<View>();
  std::vector<proxy::ClusterState*> clusters;
  for (const proxy::ClusterSettings& c : snapshot->clusters) clusters.push_back(&upstreams_.adopt(c));
  for (std::size_t i = 0; i < snapshot->routes.size(); ++i) {
    const router::RouteSpec& spec = snapshot->routes[i];
    const proxy::RouteAction& action = snapshot->actions[i];
    const std::size_t ci = snapshot->route_cluster[i];
    const proxy::ClusterSettings& cluster = snapshot->clusters[ci];
    RouteView rv;
    if (i < snapshot->route_steps.size()) rv.steps = snapshot->route_steps[i];
    rv.target.cluster = &cluster;
    rv.target.state = clusters[ci];
    rv.target.total_timeout = action.timeout.value_or(cluster.total_timeout);
    if (spec.kind == router::PathKind::kPrefix) rv.target.matched_prefix = spec.pattern;
    rv.target.rewrite_prefix = action.rewrite_prefix;
    rv.metrics = &route_metrics(spec.name);
    adopt_slo(*rv.metrics, i < snapshot->route_slos.size() ? snapshot->route_slos[i]
                                                            : std::nullopt);
    view->routes.push_back(rv);
  }
  if (snapshot->credentials && snapshot->credentials->signing_identity()) {
    view->signers = std::make_unique<steps::PlatformSigners>(*snapshot->credentials);
  }
  view->merchant_series = merchant_metrics_.series_by_merchant(*snapshot);
  view->snapshot = std::move(snapshot);
  view_ = std::move(view);
}

boost::asio::awaitable<void> GatewayHandler::handle(http::Exchange& ex) {
  std::shared_ptr<const View> view = view_;  // kept for the whole request, across reloads
  const http::RequestHead& req = ex.request();
  if (view->snapshot->credentials && req.path == steps::kCertificatesPath) {
    co_await serve_certificates(ex, *view);
    co_return;
  }
  const router::Request match_input{req.method_text, req.host, req.path, req.fields.all()};
  router::Match match;
  if (!view->snapshot->table->match(match_input, match)) {
    ex.route_context = unrouted_;
    co_await ex.respond_error(core::ErrorKind::kNotFound, "no route matches this request");
    co_return;
  }
  const RouteView& route = view->routes[match.route];
  ex.route = route.metrics->name;
  ex.route_context = route.metrics;
  if (route.steps.sign_platform) sign_replies(ex, *view);
  std::string_view mchid;
  if (route.steps.verify_merchant) {
    const credentials::MerchantCredentials* merchant = co_await authenticate(ex, *view, ex.route);
    if (!merchant || !co_await admit(ex, *view, *merchant)) co_return;
    mchid = merchant->mchid;
  }
  const auto forward_started = http::Clock::now();
  const proxy::Outcome outcome = co_await forwarder_.forward(ex, route.target, mchid);
  if (telemetry_) observe_upstream_duration(route, http::Clock::now() - forward_started);
  observe::Counter*& counter = route.outcomes[static_cast<std::size_t>(outcome)];
  if (!counter) {
    counter = shard_.counter(names_.upstream_requests,
                             {route.target.cluster->name, proxy::to_string(outcome)});
  }
  counter->inc();
}

void GatewayHandler::observe_upstream_duration(const RouteView& route,
                                               http::Clock::duration elapsed) {
  if (!route.upstream_duration) {
    route.upstream_duration =
        shard_.histogram(names_.upstream_request_duration, {route.target.cluster->name});
  }
  route.upstream_duration->observe(std::chrono::duration<double>(elapsed).count());
}

void GatewayHandler::sign_replies(http::Exchange& ex, const View& view) {
  if (!view.signers) return;
  ex.set_decorator(view.signers->for_serial(ex.request().fields.find(wechatpay::kSerialHeader)));
}

boost::asio::awaitable<const credentials::MerchantCredentials*> GatewayHandler::authenticate(
    http::Exchange& ex, const View& view, std::string_view route) {
  const credentials::Credentials* credentials = view.snapshot->credentials.get();
  if (!credentials) {  // config validation requires merchants for verify; belt and braces
    co_await ex.respond_error(core::ErrorKind::kUnauthorized, "no merchants configured");
    co_return nullptr;
  }
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const http::RequestHead& req = ex.request();
  const steps::SignedRequest signed_request{req.fields.find(http::Field::authorization),
                                            req.method_text, req.target, ex.body()};
  const steps::AuthResult result = auth_.check(signed_request, *credentials, route, now);
  if (result.ok()) {
    const std::size_t index = index_of(*credentials, *result.merchant);
    if (index < view.merchant_series.size()) ex.merchant_context = view.merchant_series[index];
    co_return result.merchant;
  }
  count_auth_failure(result.failure);
  const core::ErrorKind kind = result.failure == steps::AuthFailure::kReplayStoreFull
                                   ? core::ErrorKind::kUnavailable
                                   : core::ErrorKind::kUnauthorized;
  co_await ex.respond_error(kind, result.message);
  co_return nullptr;
}

boost::asio::awaitable<bool> GatewayHandler::admit(
    http::Exchange& ex, const View& view, const credentials::MerchantCredentials& merchant) {
  admission::RateLimiter* limiter = view.snapshot->rate_limiter.get();
  if (!limiter) co_return true;
  const std::size_t index = index_of(*view.snapshot->credentials, merchant);
  const admission::RateDecision decision =
      limiter->admit(index, admission::RateLimiter::Clock::now());
  if (decision.admitted) co_return true;
  if (ex.merchant_context) {  // counted whatever listener.telemetry says, like signature failures
    merchant_metrics_.count_rate_limited(
        *static_cast<MerchantSeries*>(const_cast<void*>(ex.merchant_context)));
  }
  RetryAfter retry_after(decision.retry_after, ex.decorator());
  ex.set_decorator(&retry_after);
  co_await ex.respond_error(core::ErrorKind::kRateLimited,
                            "too many requests for this merchant, retry later");
  ex.set_decorator(retry_after.inner());  // retry_after ends with this frame
  co_return false;
}

boost::asio::awaitable<void> GatewayHandler::serve_certificates(http::Exchange& ex,
                                                                const View& view) {
  ex.route = steps::kCertificatesPath;
  ex.route_context = &route_metrics(std::string(steps::kCertificatesPath));
  sign_replies(ex, view);
  if (ex.request().method != http::Verb::get) {
    co_await ex.respond_error(core::ErrorKind::kMethodNotAllowed, "use GET");
    co_return;
  }
  const credentials::MerchantCredentials* merchant = co_await authenticate(ex, view, {});
  if (!merchant || !co_await admit(ex, view, *merchant)) co_return;
  std::string& document = ex.scratch().body;
  using Result = steps::CertificatesEndpoint::Result;
  switch (certificates_.build(*view.snapshot->credentials, *merchant, ex.request().query,
                              document)) {
    case Result::kOk:
      co_await ex.respond(200, "application/json", document);
      break;
    case Result::kBadAlgorithmType:
      co_await ex.respond_error(core::ErrorKind::kBadRequest, "algorithm_type must be RSA or SM2");
      break;
    case Result::kNoCertificates:
      co_await ex.respond_error(core::ErrorKind::kNotFound, "no platform certificate of that type");
      break;
    case Result::kEncryptionFailed:
      co_await ex.respond_error(core::ErrorKind::kInternal, "could not encrypt the certificates");
      break;
  }
  document.clear();
}

void GatewayHandler::count_auth_failure(steps::AuthFailure failure) {
  auto& c = auth_failures_[static_cast<std::size_t>(failure)];
  if (!c) c = shard_.counter(names_.signature_failures, {steps::reason_label(failure)});
  c->inc();
}

void GatewayHandler::on_complete(const http::Exchange& ex) {
  auto* m = static_cast<RouteMetrics*>(const_cast<void*>(ex.route_context));
  if (!m) m = unrouted_;
  const auto elapsed = http::Clock::now() - ex.started();
  if (telemetry_) count(*m, ex, elapsed);
  const http::RequestHead& req = ex.request();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);
  access_log_.write({std::chrono::system_clock::now() - micros, ex.request_id(),
                     ex.trace().trace_id(), req.method_text, req.path, ex.route, ex.upstream,
                     ex.status(), ex.body().size(), ex.bytes_out(), micros});
  if (on_first_request_) {
    on_first_request_();
    on_first_request_ = nullptr;
  }
}

void GatewayHandler::on_rejected(std::string_view reason) {
  shard_.counter(names_.http_rejected, {reason})->inc();
}

void GatewayHandler::on_connection_change(int delta) {
  active_connections_.fetch_add(static_cast<std::size_t>(delta), std::memory_order_relaxed);
  active_gauge_->add(delta);
}

void GatewayHandler::on_connect_error(const proxy::ClusterSettings& cluster) {
  auto& c = connect_errors_[cluster.name];
  if (!c) c = shard_.counter(names_.upstream_connect_errors, {cluster.name});
  c->inc();
}

void GatewayHandler::on_retry(const proxy::ClusterSettings& cluster, proxy::RetryDecision decision) {
  if (decision != proxy::RetryDecision::kRetry) return;
  shard_.counter(names_.upstream_requests, {cluster.name, "retried"})->inc();
}

void GatewayHandler::publish_pool_gauges() {
  upstreams_.for_each_endpoint([&](const proxy::EndpointState& ep) {
    const double idle = static_cast<double>(ep.pool.idle());
    shard_.gauge(names_.upstream_pool_connections, {ep.key, "idle"})->set(idle);
    shard_.gauge(names_.upstream_pool_connections, {ep.key, "busy"})
        ->set(static_cast<double>(ep.pool.open()) - idle);
  });
}

}  // namespace paygate::app
