// One test per kind of configuration problem, through parse_document (no router needed), plus
// defaults and a full file.
#include "config/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "support/temp_dir.h"

namespace paygate::config {
namespace {

using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr LoadOptions kNoDns{.resolve_names = false};

ParseResult parse(std::string_view yaml, LoadOptions options = kNoDns) {
  return parse_document(yaml, "t.yaml", options);
}

std::vector<ConfigError> errors_of(std::string_view yaml, LoadOptions options = kNoDns) {
  return parse(yaml, options).errors;
}

auto error_at(std::string path, std::string message_part) {
  return AllOf(Field(&ConfigError::path, path),
               Field(&ConfigError::message, HasSubstr(message_part)));
}

// A valid cluster to which test routes can point.
constexpr std::string_view kCluster = "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']}]\n";

std::string with_cluster(std::string_view routes) { return std::string(kCluster) + std::string(routes); }

// Admin and intake answer anyone who can reach them: off loopback they must ask for a token.
TEST(Parse, InternalListenersOffLoopbackNeedAToken) {
  const auto errors = errors_of("log: {level: info}\nadmin: {address: 0.0.0.0, port: 9901}\n");
  ASSERT_THAT(errors, ElementsAre(error_at("admin.address", "expected a loopback address")));
  EXPECT_THAT(to_string(errors[0]), HasSubstr("t.yaml:2:"));
  EXPECT_THAT(errors[0].message, HasSubstr("token_env or token_file"));
  EXPECT_THAT(errors_of("admin: {address: '::'}\n"),
              ElementsAre(error_at("admin.address", "'::' is reachable from other hosts")));
  EXPECT_THAT(errors_of("notifications: {store: o.db, address: 10.1.2.3}\n"),
              Contains(error_at("notifications.address", "expected a loopback address")));
  for (const char* loopback : {"127.0.0.1", "127.0.0.2", "'::1'", "'::ffff:127.0.0.1'"}) {
    EXPECT_THAT(errors_of(std::string("admin: {address: ") + loopback + "}\n"), IsEmpty())
        << loopback;
  }
}

TEST(Parse, AdminTokenFromTheEnvironmentOrAFile) {
  ::setenv("PAYGATE_TEST_ADMIN_TOKEN", "s3cret-admin", 1);
  auto from_env = parse("admin: {address: 0.0.0.0, token_env: PAYGATE_TEST_ADMIN_TOKEN}\n");
  ASSERT_THAT(from_env.errors, IsEmpty());
  EXPECT_EQ(from_env.document.admin.token.view(), "s3cret-admin");
  ::unsetenv("PAYGATE_TEST_ADMIN_TOKEN");

  test::TempDir dir;
  const std::string file = dir.write("admin.token", "from-file\nignored\n");
  auto from_file = parse("admin: {address: 0.0.0.0, token_file: " + file + "}\n");
  ASSERT_THAT(from_file.errors, IsEmpty());
  EXPECT_EQ(from_file.document.admin.token.view(), "from-file");
  EXPECT_TRUE(parse("admin: {port: 9901}\n").document.admin.token.empty());

  // A token that cannot be read is the only error: not also "needs a token".
  EXPECT_THAT(errors_of("admin: {address: 0.0.0.0, token_env: PAYGATE_TEST_UNSET_TOKEN}\n"),
              ElementsAre(error_at("admin.token_env", "is not set or empty")));
  EXPECT_THAT(errors_of("admin: {token_env: A, token_file: b}\n"),
              ElementsAre(error_at("admin.token_file", "not both")));
}

TEST(Parse, EmptyFileGivesDefaults) {
  auto result = parse("");
  ASSERT_THAT(result.errors, IsEmpty());
  const Document& doc = result.document;
  EXPECT_EQ(doc.process.workers, 0u);
  EXPECT_EQ(doc.process.drain_timeout, milliseconds{10'000});
  EXPECT_EQ(doc.listeners[0].address, "0.0.0.0");
  EXPECT_EQ(doc.listeners[0].port, 8080);
  EXPECT_EQ(doc.listeners[0].limits.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(doc.admin.port, 9901);
  EXPECT_EQ(doc.log.level, "info");
  EXPECT_THAT(doc.clusters, IsEmpty());
  EXPECT_THAT(doc.routes, IsEmpty());
}

TEST(Parse, ClusterDefaultsAreTheStructDefaults) {
  auto result = parse(kCluster);
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& cluster = result.document.clusters.at(0);
  const proxy::ClusterSettings defaults;
  EXPECT_EQ(cluster.lb, defaults.lb);
  EXPECT_EQ(cluster.connect_timeout, defaults.connect_timeout);
  EXPECT_EQ(cluster.total_timeout, defaults.total_timeout);
  EXPECT_EQ(cluster.max_response_bytes, defaults.max_response_bytes);
  EXPECT_EQ(cluster.retry.max_retries, defaults.retry.max_retries);
  EXPECT_EQ(cluster.retry.retry_on, defaults.retry.retry_on);
  EXPECT_FALSE(cluster.outlier_detection);
  EXPECT_EQ(cluster.endpoints.at(0).address.address().to_string(), "127.0.0.1");
  EXPECT_FALSE(cluster.concurrency.has_value());  // off unless written
}

TEST(Parse, YamlSyntaxErrorHasItsPosition) {
  auto errors = errors_of("listener:\n  port: [8080\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0].message, HasSubstr("YAML syntax error"));
  EXPECT_GT(errors[0].line, 0);
}

TEST(Parse, DeepNestingIsAnErrorNotACrash) {
  auto errors = errors_of(std::string(100'000, '['));
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0].message, HasSubstr("YAML syntax error"));
}

TEST(Parse, TooLargeInputIsRefused) {
  auto errors = errors_of(std::string(kMaxConfigBytes + 1, '#'));
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0].message, HasSubstr("larger than"));
}

TEST(Parse, UnknownKeySaysWhichAreAllowed) {
  auto errors = errors_of("listner: {port: 1}\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(to_string(errors[0]),
            "t.yaml:1:1: listner: unknown key 'listner' (allowed: workers, drain_timeout, "
            "io_backend, state_file, listener, listeners, admin, log, reload, degrade, platform, "
            "notifications, merchant, merchants, clusters, routes, stress, redis)");
}

TEST(Parse, UnknownNestedKeyHasItsPath) {
  auto errors = errors_of("listener:\n  limits:\n    max_bdy: 1MiB\n");
  EXPECT_THAT(errors, ElementsAre(error_at("listener.limits.max_bdy", "unknown key 'max_bdy'")));
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].column, 5);
}

TEST(Parse, WrongTypeIsReported) {
  auto errors = errors_of("workers: many\nlistener: [8080]\nclusters: {name: pay}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("workers", "expected a whole number, got 'many'"),
                                  error_at("listener", "expected a mapping, got a sequence"),
                                  error_at("clusters", "expected a sequence, got a mapping")));
}

TEST(Parse, OutOfRangeValueIsReported) {
  auto errors = errors_of("workers: 5000\nlistener: {port: 70000}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("workers", "must be between 0 and 1024, got 5000"),
                                  error_at("listener.port", "must be between 0 and 65535")));
}

TEST(Parse, MerchantLabelLimitHasADefaultAndARange) {
  EXPECT_EQ(parse("").document.listeners[0].merchant_label_limit, 100u);
  auto result = parse("listener: {merchant_label_limit: 0}\n");
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_EQ(result.document.listeners[0].merchant_label_limit, 0u);
  EXPECT_EQ(
      parse("listener: {merchant_label_limit: 10000}\n").document.listeners[0].merchant_label_limit,
      10'000u);
  EXPECT_THAT(errors_of("listener: {merchant_label_limit: 10001}\n"),
              ElementsAre(error_at("listener.merchant_label_limit",
                                   "must be between 0 and 10000, got 10001")));
}

TEST(Parse, PathPolicyHasSafeDefaultsAndItsChoices) {
  const http::PathPolicy defaults = parse("").document.listeners[0].limits.path;
  EXPECT_TRUE(defaults.merge_slashes);
  EXPECT_EQ(defaults.escaped_slashes, http::EscapedSlashes::kReject);
  auto result = parse("listener: {path: {merge_slashes: false, escaped_slashes: unescape}}\n");
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_FALSE(result.document.listeners[0].limits.path.merge_slashes);
  EXPECT_EQ(result.document.listeners[0].limits.path.escaped_slashes,
            http::EscapedSlashes::kUnescape);
  EXPECT_THAT(errors_of("listener: {path: {escaped_slashes: decode}}\n"),
              ElementsAre(error_at("listener.path.escaped_slashes", "reject, keep, unescape")));
}

TEST(Parse, BadDurationIsReported) {
  auto errors = errors_of("drain_timeout: 10\n");
  EXPECT_THAT(errors, ElementsAre(error_at("drain_timeout", "expected a duration like 250ms")));
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_EQ(errors[0].column, 16);
}

TEST(Parse, BadSizeIsReported) {
  auto errors = errors_of("listener: {limits: {max_body: 1MB}}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("listener.limits.max_body", "expected a size")));
}

TEST(Parse, BadEnumerationListsTheChoices) {
  auto errors = errors_of("log: {level: verbose}\n");
  EXPECT_THAT(errors, ElementsAre(error_at(
                          "log.level",
                          "expected one of trace, debug, info, warn, error, critical, off")));
}

TEST(Parse, LogRotationAndSamplingDefaults) {
  const observe::LogSettings log = parse("").document.log;
  EXPECT_EQ(log.access_log_rotate, observe::LogRotation::kSize);
  EXPECT_EQ(log.access_log_sample, 1.0);
  EXPECT_EQ(log.error_log_rotate, observe::LogRotation::kNone);
  EXPECT_EQ(log.error_log_max_bytes, 100u << 20);
  EXPECT_EQ(log.error_log_max_files, 10u);
}

TEST(Parse, LogRotationAndSamplingKeys) {
  auto result = parse(
      "log: {access_log_rotate: hourly, access_log_max_files: 48, access_log_sample: 0.05,\n"
      "      error_log: /tmp/e.log, error_log_rotate: daily, error_log_max_size: 5MiB,\n"
      "      error_log_max_files: 7}\n");
  ASSERT_THAT(result.errors, IsEmpty());
  const observe::LogSettings& log = result.document.log;
  EXPECT_EQ(log.access_log_rotate, observe::LogRotation::kHourly);
  EXPECT_EQ(log.access_log_max_files, 48u);
  EXPECT_DOUBLE_EQ(log.access_log_sample, 0.05);
  EXPECT_EQ(log.error_log_rotate, observe::LogRotation::kDaily);
  EXPECT_EQ(log.error_log_max_bytes, 5u << 20);
  EXPECT_EQ(log.error_log_max_files, 7u);
  EXPECT_EQ(parse("log: {access_log_sample: 0}").document.log.access_log_sample, 0.0);
  EXPECT_EQ(parse("log: {access_log_sample: 1}").document.log.access_log_sample, 1.0);
}

TEST(Parse, BadLogSampleIsReported) {
  for (const char* value : {"1.5", "-0.1", "half", "0.5x", "nan", "''"}) {
    auto errors = errors_of("log: {access_log_sample: " + std::string(value) + "}\n");
    EXPECT_THAT(errors, ElementsAre(error_at("log.access_log_sample",
                                             "expected a number from 0 to 1")))
        << value;
  }
  EXPECT_THAT(errors_of("log: {access_log_sample: [0.5]}\n"), SizeIs(1));
}

TEST(Parse, BadLogRotationListsTheChoices) {
  EXPECT_THAT(errors_of("log: {error_log_rotate: weekly}\n"),
              ElementsAre(error_at("log.error_log_rotate",
                                   "expected one of none, size, daily, hourly")));
  EXPECT_THAT(errors_of("log: {error_log_max_files: 0, error_log_max_size: 1B}\n"),
              ElementsAre(error_at("log.error_log_max_files", "must be between"),
                          error_at("log.error_log_max_size", "must be between")));
}

TEST(Parse, DuplicateClusterNameIsReported) {
  auto errors = errors_of(
      "clusters:\n"
      "  - {name: pay, endpoints: ['127.0.0.1:1']}\n"
      "  - {name: pay, endpoints: ['127.0.0.1:2']}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("clusters[1].name",
                                           "duplicate cluster name 'pay' (first at line 2)")));
}

TEST(Parse, DuplicateRouteNameIsReported) {
  auto errors = errors_of(with_cluster(
      "routes:\n"
      "  - {name: r, path: /a, cluster: pay}\n"
      "  - {name: r, path: /b, cluster: pay}\n"));
  EXPECT_THAT(errors, ElementsAre(error_at("routes[1].name", "duplicate route name 'r'")));
}

TEST(Parse, RouteNamingUnknownClusterIsReported) {
  auto errors = errors_of(with_cluster("routes:\n  - {name: r, path: /a, cluster: x}\n"));
  ASSERT_THAT(errors, ElementsAre(error_at("routes[0].cluster", "no cluster named 'x'")));
  EXPECT_EQ(to_string(errors[0]), "t.yaml:3:34: routes[0].cluster: no cluster named 'x'");
}

TEST(Parse, RouteLinksToItsCluster) {
  auto result = parse(
      "clusters: [{name: a, endpoints: ['127.0.0.1:1']}, {name: b, endpoints: ['127.0.0.1:2']}]\n"
      "routes: [{name: r, prefix: /, cluster: b}]\n");
  ASSERT_THAT(result.errors, IsEmpty());
  std::vector<std::size_t> route_clusters;
  for (const Route& route : result.document.routes) route_clusters.push_back(route.cluster);
  EXPECT_EQ(route_clusters, std::vector<std::size_t>{1});
}

TEST(Parse, RouteWithoutPathPrefixOrRegexIsReported) {
  auto errors = errors_of(with_cluster("routes:\n  - {name: r, cluster: pay}\n"));
  EXPECT_THAT(errors, ElementsAre(error_at(
                          "routes[0]", "a route needs exactly one of path, prefix or regex")));
}

TEST(Parse, RouteWithSeveralPathKindsIsReported) {
  auto errors = errors_of(with_cluster("routes:\n  - {name: r, path: /a, prefix: /b, cluster: pay}\n"));
  EXPECT_THAT(errors, ElementsAre(error_at("routes[0]", "got both path and prefix")));
}

TEST(Parse, RouteReadsEveryField) {
  auto result = parse(with_cluster(
      "routes:\n"
      "  - name: r\n"
      "    prefix: /v3/\n"
      "    methods: [GET, POST]\n"
      "    hosts: [api.example.com]\n"
      "    headers: [{name: X-Env, value: canary}, {name: X-Debug, present: true}]\n"
      "    cluster: pay\n"
      "    timeout: 3s\n"
      "    rewrite_prefix: /internal/\n"));
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& spec = result.document.routes.at(0).match;
  EXPECT_EQ(spec.kind, router::PathKind::kPrefix);
  EXPECT_EQ(spec.pattern, "/v3/");
  EXPECT_EQ(spec.methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(spec.hosts, std::vector<std::string>{"api.example.com"});
  ASSERT_THAT(spec.headers, SizeIs(2));
  EXPECT_EQ(spec.headers[0].value, "canary");
  EXPECT_TRUE(spec.headers[1].present_only);
  const auto& action = result.document.routes.at(0).action;
  EXPECT_EQ(action.timeout, milliseconds{3000});
  EXPECT_EQ(action.rewrite_prefix, "/internal/");
}

constexpr std::string_view kTwoClusters =
    "clusters:\n"
    "  - {name: v1, endpoints: ['127.0.0.1:9000']}\n"
    "  - {name: v2, endpoints: ['127.0.0.1:9001']}\n";

TEST(Parse, SplitRouteReadsItsClustersWeightsAndStickyKey) {
  auto result = parse(std::string(kTwoClusters) +
                      "routes:\n"
                      "  - name: pay\n"
                      "    prefix: /v3/pay/\n"
                      "    split: [{cluster: v1, weight: 95}, {cluster: v2, weight: 5, version: "
                      "green}]\n"
                      "    sticky: {by: header, header: X-Openid}\n");
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& split = result.document.routes.at(0).action.split;
  ASSERT_TRUE(split.has_value());
  ASSERT_THAT(split->clusters, SizeIs(2));
  EXPECT_EQ(split->clusters[0].version, "v1");  // the cluster's name by default
  EXPECT_EQ(split->clusters[1].version, "green");
  EXPECT_EQ(split->clusters[1].index, 1u);
  EXPECT_EQ(split->clusters[0].weight, 95u);
  const auto& sticky = result.document.routes.at(0).action.sticky;
  EXPECT_EQ(sticky.by, proxy::StickyBy::kHeader);
  EXPECT_EQ(sticky.header, "X-Openid");
}

TEST(Parse, SplitProblemsAreReported) {
  EXPECT_THAT(
      errors_of(std::string(kTwoClusters) +
                "routes:\n"
                "  - {name: a, path: /a, split: [{cluster: v1, weight: 1}]}\n"
                "  - {name: b, path: /b, split: [{cluster: v1, weight: 0}, {cluster: v2, "
                "weight: 0}]}\n"
                "  - {name: c, path: /c, split: [{cluster: v1, weight: 1}, {cluster: v9, "
                "weight: 1}]}\n"
                "  - {name: d, path: /d, cluster: v1, split: [{cluster: v1, weight: 1}, "
                "{cluster: v2, weight: 1}]}\n"
                "  - {name: e, path: /e, cluster: v1, sticky: {by: client}}\n"
                "  - {name: f, path: /f, split: [{cluster: v1, weight: 1, version: x}, "
                "{cluster: v2, weight: 1, version: x}], sticky: {by: header}}\n"),
      UnorderedElementsAre(error_at("routes[0].split", "at least two"),
                           error_at("routes[1].split", "add up to 0"),
                           error_at("routes[3].split", "got both cluster and split"),
                           error_at("routes[4].sticky", "only a route with a split or canary"),
                           error_at("routes[5].split", "two entries are version 'x'"),
                           error_at("routes[5].sticky.header", "needs the header's name"),
                           error_at("routes[2].split[1].cluster", "no cluster named 'v9'")));
}

TEST(Parse, RoutePriorityDefaultsToNormal) {
  auto result =
      parse(with_cluster("routes:\n"
                         "  - {name: pay, path: /a, cluster: pay, priority: core}\n"
                         "  - {name: bill, path: /b, cluster: pay, priority: low}\n"
                         "  - {name: other, path: /c, cluster: pay}\n"));
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_EQ(result.document.routes.at(0).steps.priority, steps::Priority::kCore);
  EXPECT_EQ(result.document.routes.at(1).steps.priority, steps::Priority::kLow);
  EXPECT_EQ(result.document.routes.at(2).steps.priority, steps::Priority::kNormal);
  EXPECT_THAT(
      errors_of(with_cluster("routes: [{name: r, path: /a, cluster: pay, priority: high}]\n")),
      ElementsAre(error_at("routes[0].priority", "core")));
}

TEST(Parse, ClusterConcurrencyIsReadWithItsDefaults) {
  auto result = parse(
      "clusters:\n"
      "  - {name: a, endpoints: ['127.0.0.1:1'], concurrency: {}}\n"
      "  - name: b\n"
      "    endpoints: ['127.0.0.1:2']\n"
      "    concurrency: {adaptive: false, min_limit: 2, max_limit: 50, initial_limit: 10,\n"
      "                  queue_size: 0, queue_deadline: 5ms}\n");
  ASSERT_THAT(result.errors, IsEmpty());
  const proxy::ConcurrencySettings defaults;
  const auto& a = result.document.clusters.at(0).concurrency;
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->adaptive);
  EXPECT_EQ(a->initial_limit, defaults.initial_limit);
  EXPECT_EQ(a->queue_deadline, defaults.queue_deadline);
  const auto& b = result.document.clusters.at(1).concurrency;
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->adaptive);
  EXPECT_EQ(b->min_limit, 2u);
  EXPECT_EQ(b->max_limit, 50u);
  EXPECT_EQ(b->initial_limit, 10u);
  EXPECT_EQ(b->queue_size, 0u);
  EXPECT_EQ(b->queue_deadline, milliseconds{5});
}

TEST(Parse, ClusterConcurrencyProblemsAreReported) {
  auto errors_for = [](std::string_view concurrency) {
    return errors_of("clusters: [{name: a, endpoints: ['127.0.0.1:1'], concurrency: " +
                     std::string(concurrency) + "}]\n");
  };
  EXPECT_THAT(errors_for("{min_limit: 0}"),
              ElementsAre(error_at("clusters[0].concurrency.min_limit", "1")));
  EXPECT_THAT(errors_for("{min_limit: 10, max_limit: 5}"),
              ElementsAre(error_at("clusters[0].concurrency.min_limit",
                                   "must not exceed max_limit (5), got 10")));
  EXPECT_THAT(errors_for("{initial_limit: 2000}"),
              ElementsAre(error_at("clusters[0].concurrency.initial_limit",
                                   "from min_limit to max_limit (4 to 1000), got 2000")));
  EXPECT_THAT(errors_for("{queue_deadline: 0ms}"),
              ElementsAre(error_at("clusters[0].concurrency.queue_deadline", "1ms")));
  EXPECT_THAT(errors_for("{adaptive: maybe}"),
              ElementsAre(error_at("clusters[0].concurrency.adaptive", "")));
  EXPECT_THAT(errors_for("{limit: 5}"),
              ElementsAre(error_at("clusters[0].concurrency.limit", "queue_deadline")));
  EXPECT_THAT(errors_for("[8]"), ElementsAre(error_at("clusters[0].concurrency", "mapping")));
}

TEST(Parse, RouteFieldProblemsAreReported) {
  auto errors = errors_of(with_cluster(
      "routes:\n"
      "  - name: r\n"
      "    path: v3/x\n"
      "    methods: [get]\n"
      "    headers: [{name: X-A}, {name: 'bad name', value: v}]\n"
      "    cluster: pay\n"
      "    rewrite_prefix: /x/\n"));
  EXPECT_THAT(errors, ElementsAre(error_at("routes[0].path", "must start with '/'"),
                                  error_at("routes[0].methods", "upper-case tokens"),
                                  error_at("routes[0].headers[0]", "either a value or"),
                                  error_at("routes[0].headers[1].name", "not a valid header"),
                                  error_at("routes[0].rewrite_prefix", "only prefix routes")));
}

TEST(Parse, RespondRouteReadsStatusBodyAndContentType) {
  auto result = parse(
      "routes:\n"
      "  - name: deny\n"
      "    prefix: /v3/internal/\n"
      "    respond: {status: 403, body: '{\"code\":\"NO_AUTH\",\"message\":\"no\"}'}\n"
      "  - name: health\n"
      "    path: /health\n"
      "    respond: {status: 200, body: ok, content_type: text/plain; charset=utf-8}\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const auto& deny = result.document.routes.at(0);
  ASSERT_TRUE(deny.respond.has_value());
  EXPECT_EQ(deny.respond->status, 403);
  EXPECT_EQ(deny.respond->body, R"({"code":"NO_AUTH","message":"no"})");
  EXPECT_EQ(deny.respond->content_type, "application/json");  // the default
  EXPECT_TRUE(deny.action.cluster.empty());
  const auto& health = result.document.routes.at(1);
  EXPECT_EQ(health.respond->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(health.respond->body, "ok");
}

TEST(Parse, ARouteHasExactlyOneOfClusterSplitRespondAndReceive) {
  auto errors = errors_of(
      with_cluster("routes:\n"
                   "  - {name: both, path: /a, cluster: pay, respond: {status: 403}}\n"
                   "  - {name: neither, path: /b}\n"
                   "  - {name: extras, path: /c, timeout: 1s, respond: {status: 403}}\n"));
  EXPECT_THAT(errors, ElementsAre(error_at("routes[0].respond", "got both cluster and respond"),
                                  error_at("routes[1].cluster", "missing required key 'cluster'"),
                                  error_at("routes[2].timeout", "only routes with a cluster")));
  EXPECT_EQ(to_string(errors[0]),
            "t.yaml:3:51: routes[0].respond: a route has one of cluster, split, respond and "
            "receive; got both cluster and respond");
}

// Two clusters: a route's own and a shadow for its copies.
constexpr std::string_view kShadowClusters =
    "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']},\n"
    "           {name: shadow, endpoints: ['127.0.0.1:9100']}]\n";

TEST(Parse, MirrorReadsItsKeysWithDefaults) {
  auto result = parse(std::string(kShadowClusters) +
                      "routes:\n"
                      "  - {name: plain, prefix: /a/, cluster: pay, mirror: {cluster: shadow}}\n"
                      "  - name: full\n"
                      "    prefix: /b/\n"
                      "    cluster: pay\n"
                      "    mirror:\n"
                      "      cluster: shadow\n"
                      "      percent: 2.5%\n"
                      "      methods: [GET]\n"
                      "      compare: {ignore: [/create_time, /a~1b/0]}\n"
                      "      max_in_flight: 8\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_THAT(result.warnings, IsEmpty());
  const Route& plain = result.document.routes.at(0);
  ASSERT_TRUE(plain.mirror.has_value());
  EXPECT_EQ(plain.mirror->cluster, "shadow");
  EXPECT_EQ(plain.mirror_cluster, 1u);
  EXPECT_EQ(plain.mirror->percent, 100);
  EXPECT_THAT(plain.mirror->methods.names(), ElementsAre("GET", "HEAD"));
  EXPECT_THAT(plain.mirror->ignore, IsEmpty());
  EXPECT_EQ(plain.mirror->max_in_flight, 64u);
  const Route& full = result.document.routes.at(1);
  EXPECT_EQ(full.mirror->percent, 2.5);
  EXPECT_THAT(full.mirror->methods.names(), ElementsAre("GET"));
  EXPECT_THAT(full.mirror->ignore, ElementsAre("/create_time", "/a~1b/0"));
  EXPECT_EQ(full.mirror->max_in_flight, 8u);
  EXPECT_FALSE(parse(with_cluster("routes: [{name: r, prefix: /, cluster: pay}]\n"))
                   .document.routes.at(0)
                   .mirror.has_value());
}

TEST(Parse, MirrorProblemsAreReportedWithTheirPaths) {
  auto errors = errors_of(
      std::string(kShadowClusters) +
      "routes:\n"
      "  - {name: a, prefix: /a/, cluster: pay, mirror: {percent: 10%}}\n"
      "  - {name: b, prefix: /b/, cluster: pay, mirror: {cluster: nowhere}}\n"
      "  - {name: c, prefix: /c/, cluster: pay, mirror: {cluster: pay}}\n"
      "  - {name: d, prefix: /d/, cluster: pay, mirror: {cluster: shadow, percent: 0%}}\n"
      "  - {name: e, prefix: /e/, cluster: pay, mirror: {cluster: shadow, percent: 101}}\n"
      "  - {name: f, prefix: /f/, cluster: pay, mirror: {cluster: shadow, methods: [BREW]}}\n"
      "  - {name: g, prefix: /g/, cluster: pay, mirror: {cluster: shadow, max_in_flight: 0}}\n"
      "  - {name: h, prefix: /h/, cluster: pay, mirror: {cluster: shadow, compare: {ignore: "
      "[create_time]}}}\n"
      "  - {name: i, prefix: /i/, cluster: pay, mirror: {cluster: shadow, compare: {ignore: "
      "['/a~2']}}}\n"
      "  - {name: j, path: /j, respond: {status: 200}, mirror: {cluster: shadow}}\n"
      "  - {name: k, prefix: /k/, cluster: pay, mirror: {cluster: shadow, colour: red}}\n");
  EXPECT_THAT(errors,
              ElementsAre(error_at("routes[0].mirror.cluster", "missing required key 'cluster'"),
                          error_at("routes[1].mirror.cluster", "no cluster named 'nowhere'"),
                          error_at("routes[2].mirror.cluster", "another cluster than the route's"),
                          error_at("routes[3].mirror.percent", "above 0% up to 100%"),
                          error_at("routes[4].mirror.percent", "above 0% up to 100%"),
                          error_at("routes[5].mirror.methods", "not a method paygate knows"),
                          error_at("routes[6].mirror.max_in_flight", "1"),
                          error_at("routes[7].mirror.compare.ignore", "expected a JSON pointer"),
                          error_at("routes[8].mirror.compare.ignore", "expected a JSON pointer"),
                          error_at("routes[9].mirror", "only routes with a cluster mirror"),
                          error_at("routes[10].mirror.colour", "unknown key")));
}

TEST(Parse, AShadowIsNoneOfASplitRoutesClusters) {
  const std::string split =
      "  - {name: s, prefix: /s/, split: [{cluster: pay, weight: 1}, {cluster: shadow, "
      "weight: 1}],\n"
      "     mirror: {cluster: ";
  EXPECT_THAT(errors_of(std::string(kShadowClusters) + "routes:\n" + split + "shadow}}\n"),
              ElementsAre(error_at("routes[0].mirror.cluster", "another cluster")));
  const std::string three =
      "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']},\n"
      "           {name: shadow, endpoints: ['127.0.0.1:9100']},\n"
      "           {name: elsewhere, endpoints: ['127.0.0.1:9200']}]\n";
  EXPECT_THAT(errors_of(three + "routes:\n" + split + "elsewhere}}\n"), IsEmpty());
}

// POST creates orders and refunds: copying it is allowed, and warned about.
TEST(Parse, MirroringAMethodWithSideEffectsIsAWarning) {
  auto result = parse(std::string(kShadowClusters) +
                      "routes:\n"
                      "  - {name: w, prefix: /w/, cluster: pay,\n"
                      "     mirror: {cluster: shadow, methods: [GET, POST]}}\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_THAT(result.warnings, ElementsAre(error_at("routes[0].mirror.methods",
                                                    "mirroring POST repeats its side "
                                                    "effects")));
}

TEST(Parse, RespondProblemsAreReported) {
  const std::string big(64 * 1024 + 1, 'x');
  auto errors = errors_of(
      "routes:\n"
      "  - {name: a, path: /a, respond: {body: x}}\n"
      "  - {name: b, path: /b, respond: {status: 199}}\n"
      "  - {name: c, path: /c, respond: {status: 600}}\n"
      "  - {name: d, path: /d, respond: {status: 204}}\n"
      "  - {name: e, path: /e, respond: {status: 200, content_type: \"text/plain\\r\\nX-A: 1\"}}\n"
      "  - {name: f, path: /f, respond: {status: 200, body: " +
      big +
      "}}\n"
      "  - {name: g, path: /g, respond: {status: 200, colour: red}}\n");
  EXPECT_THAT(errors,
              ElementsAre(error_at("routes[0].respond.status", "missing required key 'status'"),
                          error_at("routes[1].respond.status", "200"),
                          error_at("routes[2].respond.status", "599"),
                          error_at("routes[3].respond.status", "204 and 304"),
                          error_at("routes[4].respond.content_type", "expected a media type"),
                          error_at("routes[5].respond.body", "at most 64KiB"),
                          error_at("routes[6].respond.colour", "unknown key")));
}

TEST(Parse, ListenerMethodsAreAnAllowListOfKnownMethods) {
  auto result = parse("listener: {methods: [GET, POST, PROPFIND]}\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  EXPECT_EQ(result.document.listeners[0].limits.methods.allow(), "GET, POST, PROPFIND");
  EXPECT_EQ(parse("").document.listeners[0].limits.methods.allow(),
            "DELETE, GET, HEAD, POST, PUT, OPTIONS, PATCH");
  auto errors = errors_of("listener: {methods: [GET, CONNECT, get, BREW, TRACE]}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("listener.methods", "CONNECT is never allowed"),
                                  error_at("listener.methods", "(upper-case, like GET): 'get'"),
                                  error_at("listener.methods", "'BREW'"),
                                  error_at("listener.methods", "TRACE is never allowed")));
  EXPECT_THAT(errors_of("listener: {methods: []}\n"),
              ElementsAre(error_at("listener.methods", "at least one method")));
}

TEST(Parse, MissingRequiredKeysAreReported) {
  auto errors = errors_of("clusters: [{lb: round_robin}]\nroutes: [{path: /}]\n");
  EXPECT_THAT(errors, ElementsAre(error_at("clusters[0].name", "missing required key 'name'"),
                                  error_at("clusters[0].endpoints", "missing required key"),
                                  error_at("routes[0].name", "missing required key 'name'"),
                                  error_at("routes[0].cluster", "missing required key")));
}

TEST(Parse, BadNameIsReported) {
  auto errors = errors_of("clusters: [{name: 'pay cluster', endpoints: ['127.0.0.1:1']}]\n");
  EXPECT_THAT(errors, ElementsAre(error_at("clusters[0].name", "a name is 1 to 128 of")));
}

TEST(Parse, ClusterWithNoEndpointsIsReported) {
  auto errors = errors_of("clusters: [{name: pay, endpoints: []}]\n");
  EXPECT_THAT(errors,
              ElementsAre(error_at("clusters[0].endpoints", "needs at least one endpoint")));
}

TEST(Parse, EndpointThatIsNotHostPortIsReported) {
  auto errors = errors_of("clusters: [{name: pay, endpoints: ['127.0.0.1', 'h:0', '::1:80']}]\n");
  EXPECT_THAT(errors, ElementsAre(error_at("clusters[0].endpoints[0]", "expected host:port"),
                                  error_at("clusters[0].endpoints[1]", "port must be a number"),
                                  error_at("clusters[0].endpoints[2]", "IPv6 in brackets")));
}

TEST(Parse, EndpointThatCannotBeResolvedIsReported) {
  auto errors = errors_of("clusters: [{name: pay, endpoints: ['no-such-host.invalid:80']}]\n",
                          LoadOptions{});
  EXPECT_THAT(errors, ElementsAre(error_at("clusters[0].endpoints[0]",
                                           "cannot resolve 'no-such-host.invalid'")));
}

TEST(Parse, NumericEndpointsNeedNoDns) {
  // With DNS off, only literals can succeed: they are never looked up.
  auto result = parse("clusters: [{name: pay, endpoints: ['10.0.0.1:80', '[::1]:81']}]\n");
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& endpoints = result.document.clusters.at(0).endpoints;
  EXPECT_EQ(endpoints.at(0).address.address().to_string(), "10.0.0.1");
  EXPECT_EQ(endpoints.at(1).address.address().to_string(), "::1");
  EXPECT_EQ(endpoints.at(1).address.port(), 81);
}

TEST(Parse, NamedEndpointIsResolvedOnce) {
  auto result = parse("clusters: [{name: pay, endpoints: ['localhost:9001']}]\n", LoadOptions{});
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& endpoint = result.document.clusters.at(0).endpoints.at(0);
  EXPECT_EQ(endpoint.host, "localhost");
  EXPECT_TRUE(endpoint.address.address().is_loopback());
  EXPECT_EQ(endpoint.address.port(), 9001);
}

TEST(Parse, AdminOnTheListenerAddressIsReported) {
  auto errors = errors_of("listener: {address: 127.0.0.1, port: 8080}\nadmin: {port: 8080}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("admin.port", "same address and port")));
}

TEST(Parse, AdminOverlappingAWildcardListenerIsReported) {
  auto errors = errors_of("listener: {port: 9000}\nadmin: {address: 127.0.0.1, port: 9000}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("admin.port", "same address and port")));
}

TEST(Parse, AdminOnAnotherPortOrAddressIsFine) {
  EXPECT_THAT(errors_of("listener: {port: 8080}\nadmin: {port: 8081}\n"), IsEmpty());
  EXPECT_THAT(errors_of("listener: {address: 10.0.0.1, port: 80}\nadmin: {address: 127.0.0.1, "
                        "port: 80}\n"),
              IsEmpty());
  EXPECT_THAT(errors_of("listener: {port: 0}\nadmin: {port: 0}\n"), IsEmpty());
}

TEST(Parse, ListenAddressMustBeAnIp) {
  auto errors = errors_of("listener: {address: localhost}\n");
  EXPECT_THAT(errors, ElementsAre(error_at("listener.address", "expected an IP address")));
}

TEST(Parse, DuplicateYamlKeyIsReported) {
  auto errors = errors_of("workers: 1\nworkers: 2\n");
  EXPECT_THAT(errors, ElementsAre(error_at("workers", "duplicate key (first at line 1)")));
}

TEST(Parse, EveryProblemIsCollected) {
  auto errors = errors_of(
      "workers: -1\n"
      "drain_timeout: soon\n"
      "clusters: [{name: pay, endpoints: []}]\n"
      "routes: [{name: r, cluster: nope}]\n");
  EXPECT_THAT(errors, SizeIs(5));
  EXPECT_THAT(errors, Contains(error_at("routes[0].cluster", "no cluster named 'nope'")));
}

TEST(Parse, DegradeRecoverAfterHasADefaultAndARange) {
  EXPECT_EQ(parse("").document.process.degrade_recover_after, milliseconds(300'000));
  EXPECT_EQ(parse("degrade: {recover_after: 30s}\n").document.process.degrade_recover_after,
            milliseconds(30'000));
  EXPECT_THAT(parse("degrade: {recover_after: 500ms}\n").errors,
              ElementsAre(error_at("degrade.recover_after", "1s")));
  EXPECT_THAT(parse("degrade: {recover_after: 2h}\n").errors,
              ElementsAre(error_at("degrade.recover_after", "1h")));
}

TEST(Parse, DegradableReadsAFallbackOrShed) {
  auto result = parse(with_cluster(
      "routes:\n"
      "  - {name: coupons, path: /a, cluster: pay,\n"
      "     degradable: {respond: {status: 200, body: '{\"coupons\":[]}'}}}\n"
      "  - {name: bills, path: /b, cluster: pay, priority: low, degradable: {shed: true}}\n"
      "  - {name: pay, path: /c, cluster: pay, priority: core, slo: {objective: 99%}}\n"
      "  - {name: other, path: /d, cluster: pay, slo: {objective: 99%}}\n"));
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const auto& routes = result.document.routes;
  ASSERT_TRUE(routes[0].degradable && routes[0].degradable->respond);
  EXPECT_EQ(routes[0].degradable->respond->status, 200);
  EXPECT_EQ(routes[0].degradable->respond->body, R"({"coupons":[]})");
  EXPECT_EQ(routes[0].degradable->respond->content_type, "application/json");
  ASSERT_TRUE(routes[1].degradable);
  EXPECT_FALSE(routes[1].degradable->respond);  // shed
  EXPECT_FALSE(routes[2].degradable);
  // A core route's SLO is what degrade watches; another route's is not.
  EXPECT_TRUE(routes[2].slo->core);
  EXPECT_FALSE(routes[3].slo->core);
}

TEST(Parse, DegradableProblemsAreReported) {
  auto errors =
      parse(with_cluster(
                "routes:\n"
                "  - {name: a, path: /a, cluster: pay, priority: core,\n"
                "     degradable: {shed: true}}\n"
                "  - {name: b, path: /b, cluster: pay, degradable: {}}\n"
                "  - {name: c, path: /c, cluster: pay,\n"
                "     degradable: {shed: true, respond: {status: 200}}}\n"
                "  - {name: d, path: /d, cluster: pay, degradable: {respond: {status: 204}}}\n"))
          .errors;
  EXPECT_THAT(errors, ElementsAre(error_at("routes[0].degradable", "never degraded"),
                                  error_at("routes[1].degradable", "either respond"),
                                  error_at("routes[2].degradable", "either respond"),
                                  error_at("routes[3].degradable.respond.status", "204")));
}

TEST(Parse, FaultReadsDelayAbortAndTheTrigger) {
  auto result = parse(
      with_cluster("routes:\n"
                   "  - name: a\n"
                   "    path: /a\n"
                   "    cluster: pay\n"
                   "    fault:\n"
                   "      delay: {percent: 10%, duration: 200ms}\n"
                   "      abort: {percent: 0.5%, status: 429}\n"
                   "      header: X-Fault-Inject\n"
                   "      trusted_sources: [127.0.0.1/32, 10.0.0.0/8, 'fd00::/8', 192.0.2.7]\n"
                   "  - {name: b, path: /b, cluster: pay, fault: {abort: {percent: 100}}}\n"));
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const auto& a = *result.document.routes.at(0).fault;
  ASSERT_TRUE(a.delay && a.abort);
  EXPECT_EQ(a.delay->per_million, 100'000u);
  EXPECT_EQ(a.delay->duration, milliseconds(200));
  EXPECT_EQ(a.abort->per_million, 5'000u);
  EXPECT_EQ(a.abort->status, 429);
  EXPECT_EQ(a.header, "X-Fault-Inject");
  ASSERT_EQ(a.trusted_sources.size(), 4u);
  EXPECT_EQ(a.trusted_sources[0].prefix, 128u);  // IPv4 as IPv4-mapped IPv6
  EXPECT_EQ(a.trusted_sources[1].prefix, 104u);
  EXPECT_EQ(a.trusted_sources[1].bytes[12], 10);
  EXPECT_EQ(a.trusted_sources[1].bytes[10], 0xff);
  EXPECT_EQ(a.trusted_sources[2].prefix, 8u);
  EXPECT_EQ(a.trusted_sources[3].prefix, 128u);  // one address
  const auto& b = *result.document.routes.at(1).fault;
  EXPECT_FALSE(b.delay);
  EXPECT_EQ(b.abort->per_million, 1'000'000u);
  EXPECT_EQ(b.abort->status, 503);  // the default
  EXPECT_TRUE(b.header.empty());
}

TEST(Parse, FaultProblemsAreReported) {
  auto errors =
      parse(
          with_cluster(
              "routes:\n"
              "  - {name: a, path: /a, cluster: pay, fault: {}}\n"
              "  - {name: b, path: /b, cluster: pay, fault: {abort: {percent: 101%}}}\n"
              "  - {name: c, path: /c, cluster: pay, fault: {abort: {percent: 5%, status: 302}}}\n"
              "  - {name: d, path: /d, cluster: pay, fault: {delay: {percent: 5%}}}\n"
              "  - {name: e, path: /e, cluster: pay, fault: {abort: {status: 503}}}\n"
              "  - {name: f, path: /f, cluster: pay, fault: {abort: {percent: 1%}, header: X-F}}\n"
              "  - {name: g, path: /g, cluster: pay,\n"
              "     fault: {abort: {percent: 1%}, trusted_sources: [10.0.0.0/8]}}\n"
              "  - {name: h, path: /h, cluster: pay, fault: {abort: {percent: 1%},\n"
              "     header: 'X F', trusted_sources: [10.0.0.1/8, 10.0.0.0/33, nowhere]}}\n"))
          .errors;
  EXPECT_THAT(errors,
              ElementsAre(error_at("routes[0].fault", "delay, abort or both"),
                          error_at("routes[1].fault.abort.percent", "0% to 100%"),
                          error_at("routes[2].fault.abort.status", "400"),
                          error_at("routes[3].fault.delay.duration", "missing required key"),
                          error_at("routes[4].fault.abort.percent", "missing required key"),
                          error_at("routes[5].fault.trusted_sources", "go together"),
                          error_at("routes[6].fault.trusted_sources", "go together"),
                          error_at("routes[7].fault.header", "not a valid header name"),
                          error_at("routes[7].fault.trusted_sources", "'10.0.0.1/8'"),
                          error_at("routes[7].fault.trusted_sources", "'10.0.0.0/33'"),
                          error_at("routes[7].fault.trusted_sources", "'nowhere'")));
}

}  // namespace
}  // namespace paygate::config

namespace paygate::config {
namespace {

std::string cluster_with(std::string_view keys) {
  return "clusters: [{name: pay, endpoints: ['127.0.0.1:9000', '127.0.0.1:9001'], " +
         std::string(keys) + "}]\n";
}

TEST(Parse, OutlierDetectionAndRetry) {
  auto result = parse(cluster_with(
      "outlier_detection: {consecutive_5xx: 7, consecutive_gateway_errors: 0, "
      "error_ratio: {threshold: 40%, window: 30s, min_requests: 50}, base_ejection: 2s, "
      "max_ejection: 1m, max_ejection_percent: 34%}, "
      "retry: {retry_on: [connect-failure, reset, 5xx, timeout], max_retries: 3, "
      "backoff: {base: 10ms, max: 1s}, budget: {ratio: 10%, min_retries_per_second: 0}}"));
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& cluster = result.document.clusters.at(0);
  ASSERT_TRUE(cluster.outlier_detection);
  const proxy::OutlierDetection& od = *cluster.outlier_detection;
  EXPECT_EQ(od.consecutive_5xx, 7u);
  EXPECT_EQ(od.consecutive_gateway_errors, 0u);
  ASSERT_TRUE(od.error_ratio);
  EXPECT_DOUBLE_EQ(od.error_ratio->threshold, 0.4);
  EXPECT_EQ(od.error_ratio->window, milliseconds{30'000});
  EXPECT_EQ(od.error_ratio->min_requests, 50u);
  EXPECT_EQ(od.base_ejection, milliseconds{2'000});
  EXPECT_EQ(od.max_ejection, milliseconds{60'000});
  EXPECT_DOUBLE_EQ(od.max_ejection_percent, 0.34);
  const proxy::RetryPolicy& retry = cluster.retry;
  for (auto on : {proxy::RetryOn::kConnectFailure, proxy::RetryOn::kReset, proxy::RetryOn::k5xx,
                  proxy::RetryOn::kTimeout}) {
    EXPECT_TRUE(retry.on(on));
  }
  EXPECT_EQ(retry.max_retries, 3u);
  EXPECT_EQ(retry.backoff_base, milliseconds{10});
  EXPECT_EQ(retry.backoff_max, milliseconds{1'000});
  EXPECT_DOUBLE_EQ(retry.budget_ratio, 0.1);
  EXPECT_EQ(retry.min_retries_per_second, 0u);
}

TEST(Parse, OutlierDetectionDefaultsWhenTheSectionIsEmpty) {
  auto result = parse(cluster_with("outlier_detection: {}, retry: {retry_on: [5xx]}"));
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& cluster = result.document.clusters.at(0);
  ASSERT_TRUE(cluster.outlier_detection);
  const proxy::OutlierDetection defaults;
  EXPECT_EQ(cluster.outlier_detection->consecutive_5xx, defaults.consecutive_5xx);
  EXPECT_FALSE(cluster.outlier_detection->error_ratio);
  EXPECT_EQ(cluster.outlier_detection->max_ejection, defaults.max_ejection);
  // retry_on written: only what it lists, connect failures included.
  EXPECT_TRUE(cluster.retry.on(proxy::RetryOn::k5xx));
  EXPECT_FALSE(cluster.retry.on(proxy::RetryOn::kConnectFailure));
  EXPECT_EQ(cluster.retry.max_retries, proxy::RetryPolicy{}.max_retries);
}

TEST(Parse, MerchantRoleStepsNeedTheMerchantSection) {
  EXPECT_THAT(
      errors_of(with_cluster("routes: [{name: e, prefix: /v3/, cluster: pay, sign: merchant, "
                             "verify: platform}]\n")),
      UnorderedElementsAre(error_at("routes[0].sign", "needs the 'merchant' section"),
                           error_at("routes[0].verify", "needs the 'merchant' section")));
  EXPECT_THAT(errors_of(with_cluster("routes: [{name: e, prefix: /v3/, cluster: pay, "
                                     "sign: merchant, early_data: safe}]\n")),
              Contains(error_at("routes[0].early_data", "sign: merchant never serves early")));
  EXPECT_THAT(errors_of(with_cluster("merchant: {identities: []}\n"
                                     "routes: [{name: e, prefix: /v3/, cluster: pay, "
                                     "sign: merchant}]\n")),
              Contains(error_at("routes[0].sign", "at least one app under merchant.apps")));
}

TEST(Parse, MerchantRoleProblemsPointAtTheirLines) {
  const auto errors = errors_of(with_cluster(
      "merchant:\n"
      "  identities:\n"
      "    - {mchid: '1900000001', serial: 'AB12', private_key: /nonexistent/key.pem,\n"
      "       apiv3_key_file: /nonexistent/apiv3}\n"
      "  platform_keys: [{certificate: /nonexistent/platform.pem}]\n"
      "  apps: [{name: shop, mchids: ['1900000002']}]\n"
      "routes: [{name: e, prefix: /v3/, cluster: pay, sign: merchant, verify: platform}]\n"));
  EXPECT_THAT(errors,
              Contains(AllOf(error_at("merchant.identities[0].private_key", "/nonexistent/key.pem"),
                             Field(&ConfigError::line, 4))));
  EXPECT_THAT(errors, Contains(error_at("merchant.platform_keys[0].certificate",
                                        "/nonexistent/platform.pem")));
  EXPECT_THAT(errors, Contains(error_at("merchant.apps[0].mchids[0]",
                                        "no identity under merchant.identities")));
  EXPECT_THAT(errors, Contains(error_at("merchant.apps[0]", "needs its token")));
  EXPECT_THAT(errors_of(with_cluster("merchant: {certificates: {cluster: nope}}\n")),
              Contains(error_at("merchant.certificates.cluster", "no cluster named 'nope'")));
  EXPECT_THAT(errors_of(with_cluster("merchant: {certificates: {cluster: pay, refresh: 1s}}\n")),
              Contains(error_at("merchant.certificates.refresh", "must be between")));
}

TEST(Parse, CallbacksReadTheirOutboxWithTheirOwnDefaults) {
  auto result = parse(
      with_cluster("merchant:\n"
                   "  callbacks: {store: /tmp/cb.db, forward_to: 'http://127.0.0.1:8300/events'}\n"
                   "routes: [{name: cb, path: /notify, receive: callbacks}]\n"));
  const notify::NotifySettings& c = result.document.callbacks;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.form, notify::DeliveryForm::kPlain);
  EXPECT_EQ(c.store_path, "/tmp/cb.db");
  EXPECT_EQ(c.forward_to, "http://127.0.0.1:8300/events");
  EXPECT_EQ(c.port, 9903);
  EXPECT_EQ(c.schedule.front(), std::chrono::seconds{1});
  EXPECT_NE(c.schedule, notify::official_schedule());
  EXPECT_TRUE(result.document.routes.at(0).receives_callbacks);
  EXPECT_TRUE(result.document.routes.at(0).answers_itself());
}

TEST(Parse, CallbacksProblemsNameTheirKeys) {
  EXPECT_THAT(errors_of(with_cluster("merchant: {callbacks: {store: /tmp/cb.db}}\n")),
              Contains(error_at("merchant.callbacks.forward_to", "missing required key")));
  EXPECT_THAT(errors_of(with_cluster("merchant: {callbacks: {store: /tmp/cb.db, "
                                     "forward_to: 'ftp://app/x'}}\n")),
              Contains(error_at("merchant.callbacks.forward_to", "expected an http://")));
  EXPECT_THAT(errors_of(with_cluster("merchant: {callbacks: {store: /tmp/cb.db, "
                                     "forward_to: 'http://app/x', retention: 1h}}\n")),
              Contains(error_at("merchant.callbacks.retention", "at least 25h")));
  EXPECT_THAT(errors_of(with_cluster("routes: [{name: cb, path: /n, receive: callbacks}]\n")),
              Contains(error_at("routes[0].receive", "needs the 'merchant' section with")));
  EXPECT_THAT(errors_of(with_cluster("routes: [{name: cb, path: /n, receive: everything}]\n")),
              Contains(error_at("routes[0].receive", "callbacks")));
  EXPECT_THAT(errors_of(with_cluster("routes: [{name: cb, path: /n, receive: callbacks, "
                                     "timeout: 1s, stress_cluster: pay}]\n")),
              IsSupersetOf({error_at("routes[0].timeout", "only routes with a cluster"),
                            error_at("routes[0].stress_cluster", "answers by itself")}));
}

TEST(Parse, H2PingIsReadForH2ClustersOnly) {
  auto result = parse(cluster_with("protocol: h2, h2_ping: {interval: 10s, timeout: 2s}"));
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_EQ(result.document.clusters.at(0).h2_ping_interval, milliseconds{10'000});
  EXPECT_EQ(result.document.clusters.at(0).h2_ping_timeout, milliseconds{2'000});
  EXPECT_THAT(errors_of(cluster_with("h2_ping: {interval: 10s}")),
              ElementsAre(error_at("clusters[0].h2_ping", "only for clusters with protocol: h2")));
  EXPECT_THAT(errors_of(cluster_with("protocol: h2, h2_ping: {timeout: 0s}")),
              ElementsAre(error_at("clusters[0].h2_ping.timeout", "")));
}

TEST(Parse, BackoffMultiplierAndBusinessKeys) {
  auto result = parse(cluster_with("retry: {backoff: {base: 100ms, max: 500ms, multiplier: 1.5}}"));
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_DOUBLE_EQ(result.document.clusters.at(0).retry.backoff_multiplier, 1.5);
  EXPECT_THAT(errors_of(cluster_with("retry: {backoff: {multiplier: 0.5}}")),
              ElementsAre(error_at("clusters[0].retry.backoff.multiplier",
                                   "must be between 1 and 10, got 0.5")));
  EXPECT_THAT(errors_of(cluster_with("retry: {backoff: {multiplier: fast}}")),
              ElementsAre(error_at("clusters[0].retry.backoff.multiplier", "a number like 1.5")));
  auto keyed = parse(with_cluster(
      "routes: [{name: r, prefix: /, cluster: pay, idempotent_by: [out_trade_no]}]\n"));
  ASSERT_THAT(keyed.errors, IsEmpty());
  EXPECT_THAT(keyed.document.routes.at(0).action.idempotent_by, ElementsAre("out_trade_no"));
  EXPECT_THAT(errors_of(with_cluster("routes: [{name: r, prefix: /, cluster: pay, idempotent: "
                                     "true, idempotent_by: [out_trade_no]}]\n")),
              ElementsAre(error_at("routes[0].idempotent_by", "not both")));
}

TEST(Parse, ConnectRetriesIsTheOlderSpellingOfMaxRetries) {
  auto result = parse(cluster_with("connect_retries: 4"));
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_EQ(result.document.clusters.at(0).retry.max_retries, 4u);
  EXPECT_TRUE(result.document.clusters.at(0).retry.on(proxy::RetryOn::kConnectFailure));
  EXPECT_THAT(errors_of(cluster_with("connect_retries: 1, retry: {max_retries: 2}")),
              ElementsAre(error_at("clusters[0].connect_retries", "not both")));
}

TEST(Parse, OutlierDetectionAndRetryProblems) {
  EXPECT_THAT(errors_of(cluster_with("outlier_detection: {max_ejection_percent: 120%}")),
              ElementsAre(error_at("clusters[0].outlier_detection.max_ejection_percent",
                                   "between 0% and 100%, got 120%")));
  EXPECT_THAT(errors_of(cluster_with("outlier_detection: {error_ratio: {threshold: half}}")),
              ElementsAre(error_at("clusters[0].outlier_detection.error_ratio.threshold",
                                   "a percentage like 20%")));
  EXPECT_THAT(errors_of(cluster_with("outlier_detection: {error_ratio: {window: 10ms}}")),
              ElementsAre(error_at("clusters[0].outlier_detection.error_ratio.window", "between")));
  EXPECT_THAT(errors_of(cluster_with("outlier_detection: {base_ejection: 1m, max_ejection: 30s}")),
              ElementsAre(error_at("clusters[0].outlier_detection.max_ejection",
                                   "at least base_ejection (1m), got 30s")));
  EXPECT_THAT(errors_of(cluster_with("outlier_detection: {consecutive_5xx: 5000}")),
              ElementsAre(error_at("clusters[0].outlier_detection.consecutive_5xx", "between")));
  EXPECT_THAT(errors_of(cluster_with("retry: {retry_on: [5xx, gateway-error]}")),
              ElementsAre(error_at("clusters[0].retry.retry_on",
                                   "expected connect-failure, reset, 5xx or timeout, got "
                                   "'gateway-error'")));
  EXPECT_THAT(errors_of(cluster_with("retry: {max_retries: 11}")),
              ElementsAre(error_at("clusters[0].retry.max_retries", "between 0 and 10")));
  EXPECT_THAT(errors_of(cluster_with("retry: {backoff: {base: 1s, max: 100ms}}")),
              ElementsAre(error_at("clusters[0].retry.backoff.max", "at least base (1s)")));
  EXPECT_THAT(errors_of(cluster_with("retry: {budget: {ratio: -5%}}")),
              ElementsAre(error_at("clusters[0].retry.budget.ratio", "between 0% and 100%")));
  EXPECT_THAT(errors_of(cluster_with("retry: {budget: {per_second: 3}}")),
              ElementsAre(error_at("clusters[0].retry.budget.per_second", "unknown key")));
}

TEST(Parse, IdempotentRoutes) {
  auto result = parse(with_cluster(
      "routes: [{name: create, path: /v3/pay/transactions/jsapi, cluster: pay, idempotent: true},"
      " {name: other, prefix: /, cluster: pay}]\n"));
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_TRUE(result.document.routes.at(0).action.idempotent);
  EXPECT_FALSE(result.document.routes.at(1).action.idempotent);
  EXPECT_THAT(errors_of("routes: [{name: deny, prefix: /, respond: {status: 403}, "
                        "idempotent: true}]\n"),
              ElementsAre(error_at("routes[0].idempotent", "only routes with a cluster")));
  EXPECT_THAT(errors_of(with_cluster(
                  "routes: [{name: c, prefix: /, cluster: pay, idempotent: sometimes}]\n")),
              ElementsAre(error_at("routes[0].idempotent", "")));
}

constexpr std::string_view kStressClusters =
    "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']},\n"
    "           {name: pay-stress, endpoints: ['127.0.0.1:9100']}]\n";

TEST(Parse, StressReadsWhoMaySendItAndEachRoutesStressCluster) {
  auto result = parse(std::string(kStressClusters) +
                      "routes:\n"
                      "  - {name: a, path: /a, cluster: pay, stress_cluster: pay-stress}\n"
                      "  - {name: b, path: /b, cluster: pay}\n"
                      "stress: {value: stress-v2, allowed_sources: [10.0.0.0/8, '::1/128']}\n");
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const auto& stress = *result.document.stress;
  EXPECT_EQ(stress.header, "X-Test-Env");  // the default
  EXPECT_EQ(stress.value, "stress-v2");
  ASSERT_EQ(stress.allowed_sources.size(), 2u);
  EXPECT_EQ(stress.allowed_sources[0].prefix, 104u);
  EXPECT_TRUE(stress.allowed_merchants.empty());
  EXPECT_FALSE(result.document.stress_notify.enabled);
  EXPECT_EQ(result.document.routes.at(0).stress_cluster_index, 1u);
  EXPECT_TRUE(result.document.routes.at(1).stress_cluster.empty());
}

TEST(Parse, StressClustersServeNoProductionTrafficAndNeedTheSection) {
  auto errors =
      parse(std::string(kStressClusters) +
            "routes:\n"
            "  - {name: a, path: /a, cluster: pay, stress_cluster: pay}\n"
            "  - {name: b, path: /b, cluster: pay, stress_cluster: nowhere}\n"
            "  - {name: c, path: /c, respond: {status: 200}, stress_cluster: pay-stress}\n"
            "stress: {value: stress-v2, allowed_sources: [10.0.0.0/8]}\n")
          .errors;
  EXPECT_THAT(errors, ElementsAre(error_at("routes[0].stress_cluster", "serves production"),
                                  error_at("routes[1].stress_cluster", "no cluster named"),
                                  error_at("routes[2].stress_cluster", "answers by itself")));
  EXPECT_THAT(
      errors_of(std::string(kStressClusters) +
                "routes: [{name: a, path: /a, cluster: pay, stress_cluster: pay-stress}]\n"),
      ElementsAre(error_at("routes[0].stress_cluster", "top-level stress section")));
}

TEST(Parse, StressProblemsAreReported) {
  EXPECT_THAT(errors_of(with_cluster("stress: {}\n")),
              ElementsAre(error_at("stress.value", "missing required key"),
                          error_at("stress", "allowed_merchants, allowed_sources or both")));
  EXPECT_THAT(errors_of(with_cluster("stress: {header: 'X Env', value: 'a b',\n"
                                     "         allowed_merchants: ['1900000109'],\n"
                                     "         allowed_sources: [10.0.0.1/8]}\n")),
              ElementsAre(error_at("stress.header", "not a valid header name"),
                          error_at("stress.value", "expected a token"),
                          error_at("stress.allowed_merchants", "no merchant with mchid"),
                          error_at("stress.allowed_sources", "'10.0.0.1/8'")));
  EXPECT_THAT(
      errors_of(with_cluster("stress: {value: s, allowed_sources: [10.0.0.0/8],\n"
                             "         notifications: {store: s.db, sink: 'https://s/'}}\n")),
      ElementsAre(error_at("stress.notifications", "needs the notifications section")));
  EXPECT_THAT(errors_of(with_cluster("notifications: {store: o.db, port: 9902}\n"
                                     "stress: {value: s, allowed_sources: [10.0.0.0/8],\n"
                                     "         notifications: {store: o.db, port: 9902,\n"
                                     "                         sink: 'ftp://x/'}}\n")),
              ElementsAre(error_at("notifications", "need at least one key"),
                          error_at("stress.notifications.store", "another file"),
                          error_at("stress.notifications.port", "another port"),
                          error_at("stress.notifications.sink", "http:// or https://")));
}

TEST(Parse, StressNotificationsStartFromTheNotificationSettings) {
  auto result = parse(with_cluster(
      "notifications: {store: o.db, port: 9902, schedule: [1s, 2s], dispatchers: 2}\n"
      "stress: {value: s, allowed_sources: [10.0.0.0/8],\n"
      "         notifications: {store: s.db, port: 9903, sink: 'https://sink.test/n'}}\n"));
  // Only the platform key the notifications section needs is missing.
  ASSERT_THAT(result.errors, ElementsAre(error_at("notifications", "need at least one key")));
  const auto& n = result.document.stress_notify;
  EXPECT_TRUE(n.enabled);
  EXPECT_EQ(n.store_path, "s.db");
  EXPECT_EQ(n.port, 9903);
  EXPECT_EQ(n.sink, "https://sink.test/n");
  EXPECT_EQ(n.dispatchers, 2u);
  EXPECT_EQ(n.schedule.size(), 2u);
  EXPECT_TRUE(result.document.notify.sink.empty());
}

// A postgresql:// store is kept as written (not made a path), each outbox kind in its own schema;
// libpq's parser judges the URI without connecting.
TEST(Parse, PostgresqlStoreIsAUriWithASchemaPerOutboxKind) {
  auto result = parse(with_cluster(
      "notifications: {store: 'postgresql://paygate@db:5432/pay?sslmode=require'}\n"
      "stress: {value: s, allowed_sources: [10.0.0.0/8],\n"
      "         notifications: {store: 'postgresql://paygate@db:5432/pay?sslmode=require',\n"
      "                         port: 9903, sink: 'https://sink.test/n'}}\n"));
  ASSERT_THAT(result.errors, ElementsAre(error_at("notifications", "need at least one key")));
  EXPECT_EQ(result.document.notify.store_path, "postgresql://paygate@db:5432/pay?sslmode=require");
  EXPECT_EQ(result.document.notify.store_schema, "paygate_notifications");
  EXPECT_EQ(result.document.stress_notify.store_schema, "paygate_stress");
  EXPECT_EQ(parse("notifications: {store: 'postgres://db/pay', store_schema: node_a}\n")
                .document.notify.store_schema,
            "node_a");
}

TEST(Parse, BadPostgresqlStoreIsReportedAtItsKey) {
  auto errors = errors_of("notifications:\n  store: 'postgresql://db/pay?no_such_option=1'\n");
  ASSERT_THAT(errors, Contains(error_at("notifications.store", "PostgreSQL connection URI")));
  EXPECT_THAT(errors, Contains(Field(&ConfigError::line, 2)));
  EXPECT_THAT(errors_of("notifications: {store: 'postgresql://db:notaport/pay'}\n"),
              Contains(error_at("notifications.store", "PostgreSQL connection URI")));
  EXPECT_THAT(errors_of("notifications: {store: 'postgresql://db/pay', store_schema: Bad-Name}\n"),
              Contains(error_at("notifications.store_schema", "expected a schema name")));
  EXPECT_THAT(errors_of("notifications: {store: o.db, store_schema: s}\n"),
              Contains(error_at("notifications.store_schema", "only for a PostgreSQL store")));
  // The same database and schema for both outboxes is the same outbox.
  EXPECT_THAT(
      errors_of(with_cluster("notifications: {store: 'postgresql://db/pay', port: 9902}\n"
                             "stress: {value: s, allowed_sources: [10.0.0.0/8],\n"
                             "         notifications: {store: 'postgresql://db/pay', port: 9903,\n"
                             "                         store_schema: paygate_notifications,\n"
                             "                         sink: 'https://s/'}}\n")),
      Contains(error_at("stress.notifications.store", "another file (or PostgreSQL schema)")));
}

}  // namespace
}  // namespace paygate::config
