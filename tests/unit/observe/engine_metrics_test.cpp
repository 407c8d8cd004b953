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
  shard.counter(m.http_requests, {"orders", "200", "h2"})->inc();
  shard.histogram(m.http_request_duration, {"orders"})->observe(0.1);
  shard.gauge(m.http_active_connections, {})->add(1);
  shard.counter(m.http_rejected, {names::kRejectUriTooLong})->inc();
  shard.counter(m.upstream_connect_errors, {"pay"})->inc();
  shard.counter(m.upstream_requests, {"pay", "success"})->inc();
  shard.gauge(m.upstream_pool_connections, {"pay", names::kPoolIdle})->add(3);
  registry.control_shard().counter(m.config_reloads, {names::kReloadSuccess})->inc();
  const std::string text = registry.render();
  EXPECT_TRUE(contains(
      text, "paygate_http_requests_total{route=\"orders\",code=\"200\",protocol=\"h2\"} 1\n"));
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

TEST(EngineMetrics, DeclaresTheMerchantFamilies) {
  Registry registry(1);
  const EngineMetrics m = declare_engine_metrics(registry);
  registry.shard(0).counter(m.merchant_requests, {names::kMerchantOther, "200"})->inc();
  registry.shard(0).histogram(m.merchant_request_duration, {"1230000109"})->observe(0.1);
  registry.shard(0).counter(m.rate_limited, {"1230000109"})->inc();
  const std::string text = registry.render();
  EXPECT_TRUE(contains(text, "paygate_rate_limited_total{mchid=\"1230000109\"} 1\n")) << text;
  EXPECT_TRUE(
      contains(text, "paygate_merchant_requests_total{mchid=\"other\",code=\"200\"} 1\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "paygate_merchant_request_duration_seconds_bucket{mchid=\"1230000109\","
                       "le=\"0.1\"} 1\n"))
      << text;
}

TEST(EngineMetrics, ProcessCollectorsReportVersionAndStartTime) {
  Registry registry(1);
  const EngineMetrics m = declare_engine_metrics(registry);
  add_process_collectors(registry, m, {"0.1.0", "1a2b3c4d5e6f"},
                         std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  const std::string text = registry.render();
  EXPECT_TRUE(
      contains(text, "paygate_build_info{version=\"0.1.0\",revision=\"1a2b3c4d5e6f\"} 1\n"))
      << text;
  EXPECT_TRUE(contains(text, "paygate_start_time_seconds 1700000000\n")) << text;
}

// The value of an unlabelled sample `name`, or -1 when the scrape has none.
double sample_value(const std::string& text, const std::string& name) {
  std::string prefix = "\n";
  prefix += name;
  prefix += ' ';
  const std::size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

TEST(EngineMetrics, ProcessCollectorsReportThisProcess) {
  Registry registry(1);
  const EngineMetrics m = declare_engine_metrics(registry);
  add_process_collectors(registry, m, {"0.1.0", "unknown"}, std::chrono::system_clock::now());
  const std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# TYPE process_cpu_seconds_total counter\n")) << text;
  EXPECT_GE(sample_value(text, "process_cpu_seconds_total"), 0) << text;
  EXPECT_GT(sample_value(text, "process_resident_memory_bytes"), 0) << text;
  EXPECT_GT(sample_value(text, "process_virtual_memory_bytes"), 0) << text;
  EXPECT_GT(sample_value(text, "process_open_fds"), 0) << text;
  EXPECT_GT(sample_value(text, "process_max_fds"), 0) << text;
  const double started = sample_value(text, "process_start_time_seconds");
  const double now = sample_value(text, "paygate_start_time_seconds");
  EXPECT_GT(started, now - 3600) << text;  // this test binary started within the hour
  EXPECT_LE(started, now + 1) << text;
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
