// load_file / load_string: the whole path from YAML to a Snapshot with a compiled route table.
#include "config/loader.h"

#include <array>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace paygate::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr LoadOptions kNoDns{.resolve_names = false};

// Every key of the schema, none at its default.
constexpr std::string_view kFullConfig = R"(
workers: 3
drain_timeout: 20s
listener:
  address: 127.0.0.1
  port: 18080
  limits:
    max_request_line: 4KiB
    max_header_bytes: 32KiB
    max_header_count: 50
    max_body: 2MiB
    header_read_timeout: 5s
    body_read_timeout: 20s
    idle_timeout: 2m
    write_timeout: 15s
    max_connections: 500
    max_requests_per_connection: 1000
admin: { address: 127.0.0.1, port: 19901 }
log:
  level: debug
  error_log: /var/log/paygate/error.log
  access_log: "off"
  access_log_rotate: daily
  access_log_max_size: 10MiB
  access_log_max_files: 3
  access_log_sample: 0.5
  access_log_queue_lines: 1024
  error_log_rotate: size
  error_log_max_size: 20MiB
  error_log_max_files: 5
  error_log_queue_lines: 512
clusters:
  - name: pay
    endpoints: [127.0.0.1:9000, "[::1]:9001"]
    lb: least_request
    connect_timeout: 250ms
    try_timeout: 2s
    total_timeout: 6s
    pool_idle_timeout: 30s
    max_idle_per_endpoint: 8
    max_connections_per_endpoint: 100
    max_response_size: 8MiB
    connect_retries: 2
    eject_after_connect_failures: 3
    eject_duration: 20s
  - name: bill
    endpoints: [10.0.0.7:80]
routes:
  - name: order-by-id
    path: /v3/pay/transactions/id/{transaction_id}
    methods: [GET]
    hosts: ["api.example.com"]
    headers: [{ name: X-Env, value: canary }, { name: X-Debug, present: true }]
    cluster: pay
    timeout: 3s
  - name: bills
    prefix: /v3/bill/
    cluster: bill
    rewrite_prefix: /internal/
  - name: numbered
    regex: /v3/n/[0-9]+
    cluster: bill
)";

TEST(Loader, FullFileFillsEverySetting) {
  auto result = load_string(kFullConfig, "full.yaml", 7, kNoDns);
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const Snapshot& s = *result.snapshot;
  EXPECT_EQ(s.source_path, "full.yaml");
  EXPECT_EQ(s.generation, 7u);
  EXPECT_EQ(s.process.workers, 3u);
  EXPECT_EQ(s.process.drain_timeout, milliseconds{20'000});
  EXPECT_EQ(s.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(s.listeners[0].port, 18080);
  EXPECT_EQ(s.listeners[0].limits.max_request_line_bytes, 4096u);
  EXPECT_EQ(s.listeners[0].limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(s.listeners[0].limits.max_header_count, 50u);
  EXPECT_EQ(s.listeners[0].limits.max_body_bytes, 2u << 20);
  EXPECT_EQ(s.listeners[0].limits.header_read_timeout, milliseconds{5'000});
  EXPECT_EQ(s.listeners[0].limits.body_read_timeout, milliseconds{20'000});
  EXPECT_EQ(s.listeners[0].limits.idle_timeout, milliseconds{120'000});
  EXPECT_EQ(s.listeners[0].limits.write_timeout, milliseconds{15'000});
  EXPECT_EQ(s.listeners[0].limits.max_connections, 500u);
  EXPECT_EQ(s.listeners[0].limits.max_requests_per_connection, 1000u);
  EXPECT_EQ(s.admin.port, 19901);
  EXPECT_EQ(s.log.level, "debug");
  EXPECT_EQ(s.log.error_log, "/var/log/paygate/error.log");
  EXPECT_EQ(s.log.access_log, "off");
  EXPECT_EQ(s.log.access_log_max_bytes, 10u << 20);
  EXPECT_EQ(s.log.access_log_max_files, 3u);
  EXPECT_EQ(s.log.access_log_queue_lines, 1024u);
  EXPECT_EQ(s.log.access_log_rotate, observe::LogRotation::kDaily);
  EXPECT_EQ(s.log.access_log_sample, 0.5);
  EXPECT_EQ(s.log.error_log_rotate, observe::LogRotation::kSize);
  EXPECT_EQ(s.log.error_log_max_bytes, 20u << 20);
  EXPECT_EQ(s.log.error_log_max_files, 5u);
  EXPECT_EQ(s.log.error_log_queue_lines, 512u);

  ASSERT_THAT(s.clusters, SizeIs(2));
  const auto& pay = s.clusters[0];
  EXPECT_EQ(pay.name, "pay");
  ASSERT_THAT(pay.endpoints, SizeIs(2));
  EXPECT_EQ(pay.endpoints[1].host, "::1");
  EXPECT_EQ(pay.endpoints[1].address.port(), 9001);
  EXPECT_EQ(pay.lb, proxy::LbPolicy::kLeastRequest);
  EXPECT_EQ(pay.connect_timeout, milliseconds{250});
  EXPECT_EQ(pay.try_timeout, milliseconds{2'000});
  EXPECT_EQ(pay.total_timeout, milliseconds{6'000});
  EXPECT_EQ(pay.pool_idle_timeout, milliseconds{30'000});
  EXPECT_EQ(pay.max_idle_per_endpoint, 8u);
  EXPECT_EQ(pay.max_connections_per_endpoint, 100u);
  EXPECT_EQ(pay.max_response_bytes, 8u << 20);
  EXPECT_EQ(pay.retry.max_retries, 2u);
  EXPECT_EQ(pay.eject_after_connect_failures, 3u);
  EXPECT_EQ(pay.eject_duration, milliseconds{20'000});

  ASSERT_THAT(s.routes, SizeIs(3));
  EXPECT_EQ(s.routes[0].match.kind, router::PathKind::kTemplate);
  EXPECT_EQ(s.routes[1].match.kind, router::PathKind::kPrefix);
  EXPECT_EQ(s.routes[2].match.kind, router::PathKind::kRegex);
  EXPECT_EQ(s.routes[0].action.timeout, milliseconds{3'000});
  EXPECT_EQ(s.routes[1].action.rewrite_prefix, "/internal/");
  std::vector<std::size_t> route_clusters;
  for (const Route& route : s.routes) route_clusters.push_back(route.cluster);
  EXPECT_EQ(route_clusters, (std::vector<std::size_t>{0, 1, 1}));
  ASSERT_NE(s.table, nullptr);
}

TEST(Loader, RouteTableMatchesTheConfiguredRoutes) {
  auto result = load_string(kFullConfig, "full.yaml", 1, kNoDns);
  ASSERT_NE(result.snapshot, nullptr);
  const std::array<core::HeaderField, 2> headers{{{"X-Env", "canary"}, {"X-Debug", "1"}}};
  router::Match match;
  ASSERT_TRUE(result.snapshot->table->match(
      {"GET", "api.example.com", "/v3/pay/transactions/id/42", headers}, match));
  EXPECT_EQ(match.route, 0u);
  ASSERT_TRUE(result.snapshot->table->match({"GET", "x", "/v3/bill/trade", {}}, match));
  EXPECT_EQ(match.route, 1u);
}

TEST(Loader, RouterBuildErrorsPointAtTheRoute) {
  auto result = load_string(
      "clusters: [{name: pay, endpoints: ['127.0.0.1:1']}]\n"
      "routes:\n"
      "  - {name: ok, prefix: /, cluster: pay}\n"
      "  - {name: bad, regex: '([', cluster: pay}\n",
      "r.yaml", 1, kNoDns);
  EXPECT_EQ(result.snapshot, nullptr);
  ASSERT_THAT(result.errors, SizeIs(1));
  EXPECT_EQ(result.errors[0].path, "routes[1]");
  EXPECT_EQ(result.errors[0].line, 4);
  EXPECT_EQ(result.errors[0].file, "r.yaml");
}

TEST(Loader, AnyErrorMeansNoSnapshot) {
  auto result = load_string("workers: lots\n", "bad.yaml", 2, kNoDns);
  EXPECT_EQ(result.snapshot, nullptr);
  ASSERT_THAT(result.errors, SizeIs(1));
  EXPECT_EQ(to_string(result.errors[0]),
            "bad.yaml:1:10: workers: expected a whole number, got 'lots'");
}

TEST(Loader, MissingFileIsAnError) {
  auto result = load_file("/nonexistent/paygate.yaml", 1);
  EXPECT_EQ(result.snapshot, nullptr);
  ASSERT_THAT(result.errors, SizeIs(1));
  EXPECT_EQ(to_string(result.errors[0]),
            "/nonexistent/paygate.yaml: cannot open: No such file or directory");
}

TEST(Loader, DirectoryIsAnError) {
  auto result = load_file("/tmp", 1);
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_THAT(result.errors, SizeIs(1));
}

TEST(Loader, LoadsAFile) {
  const test::TempDir dir;
  const auto path = dir.path() / "paygate.yaml";
  std::ofstream(path) << kFullConfig;
  auto result = load_file(path.string(), 5, kNoDns);
  ASSERT_NE(result.snapshot, nullptr);
  EXPECT_EQ(result.snapshot->source_path, path.string());
}

TEST(Loader, DemoConfigLoads) {
  auto result = load_file(PAYGATE_SOURCE_DIR "/examples/demo.yaml", 1);
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const Snapshot& s = *result.snapshot;
  EXPECT_EQ(s.process.workers, 1u);
  EXPECT_EQ(s.listeners[0].port, 8080);
  EXPECT_EQ(s.admin.port, 9901);
  ASSERT_THAT(s.clusters, SizeIs(1));
  EXPECT_EQ(s.clusters[0].name, "mockpay");
  router::Match match;
  ASSERT_TRUE(s.table->match({"POST", "h", "/v3/pay/transactions/out-trade-no/T1/close", {}},
                             match));
  EXPECT_EQ(s.routes[match.route].name(), "close-order");
  ASSERT_TRUE(s.table->match({"GET", "h", "/v3/merchant/media", {}}, match));
  EXPECT_EQ(s.routes[match.route].name(), "v3-catch-all");
  ASSERT_TRUE(s.table->match({"POST", "h", "/mock/reset", {}}, match));
  EXPECT_EQ(s.routes[match.route].name(), "mock-control");
}

}  // namespace
}  // namespace paygate::config
