#include "app/gateway_handler.h"

#include <chrono>

#include "steps/split.h"

namespace paygate::app {

GatewayHandler::GatewayHandler(observe::Shard& shard, const observe::EngineMetrics& names,
                               observe::AccessLog& access_log, const ProcessShared& shared,
                               http::Watchdog& watchdog, std::function<void()> on_first_request)
    : worker_(shard, names, shared, watchdog),
      access_log_(access_log),
      on_first_request_(std::move(on_first_request)) {}

void GatewayHandler::adopt(std::shared_ptr<const config::Snapshot> snapshot) {
  PAYGATE_ASSERT_CONFINED(thread_);
  pipelines_ = std::make_shared<const RoutePipelines>(std::move(snapshot), worker_);
}

boost::asio::awaitable<void> GatewayHandler::handle(http::Exchange& ex) {
  PAYGATE_ASSERT_CONFINED(thread_);
  std::shared_ptr<const RoutePipelines> pipelines = pipelines_;  // kept across reloads
  steps::RequestContext context;
  context.route = &pipelines->select(ex.request());
  co_await steps::run_pipeline(ex, context);
  const auto elapsed = http::Clock::now() - ex.started();
  worker_.metrics.record(ex, context, elapsed);
  log(ex, context.route->name, context.refusal, elapsed,
      context.choice ? context.choice->version : std::string_view{}, context.fault, context.stress,
      context.app ? std::string_view(context.app->name) : std::string_view{});
}

void GatewayHandler::on_refused(const http::Exchange& ex, std::string_view reason) {
  PAYGATE_ASSERT_CONFINED(thread_);
  const auto elapsed = http::Clock::now() - ex.started();
  worker_.metrics.record_refused(ex, reason, elapsed);
  log(ex, {}, reason, elapsed);
}

void GatewayHandler::log(const http::Exchange& ex, std::string_view route, std::string_view reason,
                         http::Clock::duration elapsed, std::string_view version,
                         std::string_view fault, bool stress, std::string_view app) {
  const http::RequestHead& req = ex.request();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);
  if (access_log_.enabled()) {
    access_log_.write({std::chrono::system_clock::now() - micros, ex.request_id(),
                       ex.trace().trace_id(), req.method_text, req.path, route, ex.upstream,
                       ex.status(), ex.body().size(), ex.bytes_out(), micros, reason, ex.protocol(),
                       ex.early(), version, fault, stress, app, ex.upstream_tries});
  }
  if (on_first_request_) {
    on_first_request_();
    on_first_request_ = nullptr;
  }
}

void GatewayHandler::on_connection_change(int delta) {
  active_connections_.fetch_add(static_cast<std::size_t>(delta), std::memory_order_relaxed);
  worker_.metrics.connection_change(delta);
}

}  // namespace paygate::app
