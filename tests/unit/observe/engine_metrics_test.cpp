#include "observe/engine_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "observe/access_log.h"
#include "observe/metric_names.h"

namespace paygate::observe {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(EngineMetrics, DeclaresEveryFamilyWithItsLabels) {
  Registry registry(1);
  const EngineMetrics m = declare_engine_metrics(registry);
  Shard& shard = registry.shard(0);
  shard.counter(m.http_requests, {"orders", "200"})->inc();
  shard.histogram(m.http_request_duration, {"orders"})->observe(0.1);
  shard.gauge(m.http_active_connections, {})->add(1);
  shard.counter(m.http_rejected, {names::kRejectUriTooLong})->inc();
  shard.counter(m.upstream_connect_errors, {"pay"})->inc();
  shard.counter(m.upstream_requests, {"pay", "success"})->inc();
  shard.gauge(m.upstream_pool_connections, {"pay", names::kPoolIdle})->add(3);
  registry.control_shard().counter(m.config_reloads, {names::kReloadSuccess})->inc();
  const std::string text = registry.render();
  EXPECT_TRUE(contains(text, "paygate_http_requests_total{route=\"orders\",code=\"200\"} 1\n"));
  EXPECT_TRUE(contains(text, "# TYPE paygate_http_request_duration_seconds histogram\n"));
  EXPECT_TRUE(contains(
      text, "paygate_http_request_duration_seconds_bucket{route=\"orders\",le=\"0.1\"} 1\n"));
  EXPECT_TRUE(contains(text, "paygate_http_active_connections 1\n"));
  EXPECT_TRUE(contains(text, "paygate_http_rejected_total{reason=\"uri_too_long\"} 1\n"));
  EXPECT_TRUE(contains(text, "paygate_upstream_connect_errors_total{cluster=\"pay\"} 1\n"));
  EXPECT_TRUE(
      contains(text, "paygate_upstream_requests_total{cluster=\"pay\",outcome=\"success\"} 1\n"));
  EXPECT_TRUE(
      contains(text, "paygate_upstream_pool_connections{endpoint=\"pay\",state=\"idle\"} 3\n"));
  EXPECT_TRUE(contains(text, "paygate_config_reloads_total{result=\"success\"} 1\n"));
}

TEST(EngineMetrics, ProcessCollectorsReportVersionAndStartTime) {
  Registry registry(1);
  const EngineMetrics m = declare_engine_metrics(registry);
  add_process_collectors(registry, m, "0.1.0",
                         std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  const std::string text = registry.render();
  EXPECT_TRUE(contains(text, "paygate_build_info{version=\"0.1.0\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "paygate_start_time_seconds 1700000000\n")) << text;
}

TEST(EngineMetrics, AccessLogCollectorReportsDrops) {
  Registry registry(1);
  const EngineMetrics m = declare_engine_metrics(registry);
  LogSettings settings;
  settings.access_log = "off";
  AccessLog log(settings);
  add_access_log_collector(registry, m, log);
  EXPECT_TRUE(contains(registry.render(), "paygate_access_log_dropped_total 0\n"));
}

}  // namespace
}  // namespace paygate::observe
