#include "app/gateway_handler.h"

#include <charconv>

#include "router/route_table.h"

namespace paygate::app {

namespace {
std::string status_text(int status) { return std::to_string(status); }
}  // namespace

GatewayHandler::GatewayHandler(observe::Shard& shard, const observe::EngineMetrics& names,
                               observe::AccessLog& access_log,
                               std::function<void()> on_first_request)
    : shard_(shard),
      names_(names),
      access_log_(access_log),
      forwarder_(*this),
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

void GatewayHandler::adopt(std::shared_ptr<const config::Snapshot> snapshot) {
  auto view = std::make_shared<View>();
  std::vector<proxy::ClusterState*> clusters;
  for (const proxy::ClusterSettings& c : snapshot->clusters) clusters.push_back(&upstreams_.adopt(c));
  for (std::size_t i = 0; i < snapshot->routes.size(); ++i) {
    const router::RouteSpec& spec = snapshot->routes[i];
    const proxy::RouteAction& action = snapshot->actions[i];
    const std::size_t ci = snapshot->route_cluster[i];
    const proxy::ClusterSettings& cluster = snapshot->clusters[ci];
    RouteView rv;
    rv.target.cluster = &cluster;
    rv.target.state = clusters[ci];
    rv.target.total_timeout = action.timeout.value_or(cluster.total_timeout);
    if (spec.kind == router::PathKind::kPrefix) rv.target.matched_prefix = spec.pattern;
    rv.target.rewrite_prefix = action.rewrite_prefix;
    rv.metrics = &route_metrics(spec.name);
    view->routes.push_back(rv);
  }
  view->snapshot = std::move(snapshot);
  view_ = std::move(view);
}

boost::asio::awaitable<void> GatewayHandler::handle(http::Exchange& ex) {
  std::shared_ptr<const View> view = view_;  // kept for the whole request, across reloads
  const http::RequestHead& req = ex.request();
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
  const proxy::Outcome outcome = co_await forwarder_.forward(ex, route.target);
  observe::Counter*& counter = route.outcomes[static_cast<std::size_t>(outcome)];
  if (!counter) {
    counter = shard_.counter(names_.upstream_requests,
                             {route.target.cluster->name, proxy::to_string(outcome)});
  }
  counter->inc();
}

void GatewayHandler::on_complete(const http::Exchange& ex) {
  auto* m = static_cast<RouteMetrics*>(const_cast<void*>(ex.route_context));
  if (!m) m = unrouted_;
  const auto elapsed = http::Clock::now() - ex.started();
  status_counter(*m, ex.status())->inc();
  m->duration->observe(std::chrono::duration<double>(elapsed).count());
  const http::RequestHead& req = ex.request();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);
  access_log_.write({std::chrono::system_clock::now() - micros, ex.request_id(), req.method_text,
                     req.path, ex.route, ex.upstream, ex.status(), ex.body().size(),
                     ex.bytes_out(), micros});
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
        ->set(static_cast<double>(ep.open) - idle);
  });
}

}  // namespace paygate::app
