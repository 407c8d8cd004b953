#pragma once
// GatewayHandler: what a worker does with each downstream request: pick the request's pipeline
// in the worker's current RoutePipelines, run it (steps/pipeline.h), then record its metrics
// (steps/request_metrics.h) and its access-log line. The request path itself is the pipeline;
// this file only wires it to the HTTP server.
// One per worker, confined to its thread. adopt() compiles a new snapshot between requests; a
// request in flight keeps the pipelines (and snapshot) it started with.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

#include "admission/replay_guard.h"
#include "app/route_pipelines.h"
#include "config/snapshot.h"
#include "core/thread_checker.h"
#include "http/exchange.h"
#include "observe/access_log.h"
#include "observe/access_log_batch.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"

namespace paygate::app {

class GatewayHandler final : public http::Handler {
 public:
  GatewayHandler(observe::Shard& shard, const observe::EngineMetrics& names,
                 observe::AccessLog& access_log, const ProcessShared& shared,
                 http::Watchdog& watchdog, std::function<void()> on_first_request);

  void adopt(std::shared_ptr<const config::Snapshot> snapshot);
  // The worker adopts its first snapshot on the control thread, then hands the handler to its
  // own thread: from here on only that thread may call it (checked in debug builds).
  void detach_from_thread() { thread_.detach(); }
  void sweep(http::Clock::time_point now) { worker_.upstreams.sweep(now); }
  // Open downstream connections. Written on the worker thread as they open and close; any
  // thread may read it (the control thread does, to know when a drain is done).
  std::size_t active_connections() const {
    return active_connections_.load(std::memory_order_relaxed);
  }
  // Fills pool gauges (worker thread).
  void publish_pool_gauges() { worker_.metrics.publish_pool_gauges(worker_.upstreams); }
  // Hands the access-log lines gathered so far to the log thread (worker thread).
  void flush_access_log() { access_log_.flush(); }

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void on_refused(const http::Exchange& exchange, std::string_view reason) override;
  void on_connection_refused() override { worker_.metrics.record_connection_refused(); }
  void on_tls_handshake(const http::TlsHandshake& handshake) override {
    worker_.metrics.record_tls_handshake(handshake);
  }
  void on_http2_abuse(std::string_view kind) override { worker_.metrics.record_http2_abuse(kind); }
  void on_connection_change(int delta) override;

 private:
  // The access-log line of a finished request; `route` is "" when none matched, `reason` ""
  // unless the gateway refused the request itself, `fault` "" unless one was injected.
  void log(const http::Exchange& exchange, std::string_view route, std::string_view reason,
           http::Clock::duration elapsed, std::string_view version = {},
           std::string_view fault = {}, bool stress = false, std::string_view app = {});

  WorkerSteps worker_;
  observe::AccessLogBatch access_log_;
  std::shared_ptr<const RoutePipelines> pipelines_;
  std::atomic<std::size_t> active_connections_{0};
  std::function<void()> on_first_request_;  // called once, after the first completed request
  core::ThreadChecker thread_;
};

}  // namespace paygate::app
