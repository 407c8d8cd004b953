#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"

namespace paygate::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr LoadOptions kNoDns{.resolve_names = false};

constexpr std::string_view kConfig = R"(
workers: 2
listener: { port: 8443, limits: { max_body: 3MiB, idle_timeout: 90s } }
clusters:
  - { name: pay, endpoints: ['127.0.0.1:9000', '[::1]:9001'], lb: least_request, eject_duration: 0s }
routes:
  - name: signed
    prefix: /v3/
    methods: [POST]
    headers:
      - { name: Authorization, value: "WECHATPAY2-SHA256-RSA2048 mchid=1" }
      - { name: X-Api-Key, value: k-123 }
      - { name: X-Env, value: canary }
      - { name: X-Debug, present: true }
    cluster: pay
    timeout: 1500ms
    rewrite_prefix: /internal/
)";

std::shared_ptr<const Snapshot> load(std::string_view yaml) {
  auto result = load_string(yaml, "j.yaml", 4, kNoDns);
  EXPECT_TRUE(result.errors.empty()) << to_string(result.errors.at(0));
  return result.snapshot;
}

TEST(ToJson, ShowsTheMerchantLabelLimit) {
  auto snapshot = load("listener: { merchant_label_limit: 7 }\n");
  ASSERT_NE(snapshot, nullptr);
  auto json = boost::json::parse(to_json(*snapshot));
  EXPECT_EQ(json.at("config").at("listeners").at(0).at("merchant_label_limit"), 7);
}

TEST(ToJson, UsesTheSchemaKeysAndUnits) {
  auto snapshot = load(kConfig);
  ASSERT_NE(snapshot, nullptr);
  auto json = boost::json::parse(to_json(*snapshot));
  EXPECT_EQ(json.at("generation"), 4);
  EXPECT_EQ(json.at("source"), "j.yaml");
  const auto& config = json.at("config");
  EXPECT_EQ(config.at("workers"), 2);
  EXPECT_EQ(config.at("drain_timeout"), "10s");
  EXPECT_EQ(config.at("listeners").at(0).at("limits").at("max_body"), "3MiB");
  EXPECT_EQ(config.at("listeners").at(0).at("limits").at("idle_timeout"), "90s");
  const auto& cluster = config.at("clusters").at(0);
  EXPECT_EQ(cluster.at("lb"), "least_request");
  EXPECT_EQ(cluster.at("endpoints").at(1), "[::1]:9001");
  const auto& route = config.at("routes").at(0);
  EXPECT_EQ(route.at("prefix"), "/v3/");
  EXPECT_EQ(route.at("timeout"), "1500ms");
  EXPECT_EQ(json.at("resolved").at("pay").at(0), "127.0.0.1:9000");
  const auto& log = config.at("log");
  EXPECT_EQ(log.at("access_log_rotate"), "size");
  EXPECT_EQ(log.at("access_log_sample"), "1");
  EXPECT_EQ(log.at("error_log_rotate"), "none");
  EXPECT_EQ(log.at("error_log_max_size"), "100MiB");
  EXPECT_EQ(log.at("error_log_max_files"), 10);
}

TEST(ToJson, ShowsARoutesMirror) {
  auto snapshot = load(
      "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']},"
      " {name: shadow, endpoints: ['127.0.0.1:9100']}]\n"
      "routes:\n"
      "  - {name: m, prefix: /, cluster: pay,\n"
      "     mirror: {cluster: shadow, percent: 12.5%, compare: {ignore: [/create_time]}}}\n");
  ASSERT_NE(snapshot, nullptr);
  auto json = boost::json::parse(to_json(*snapshot));
  const auto& mirror = json.at("config").at("routes").at(0).at("mirror");
  EXPECT_EQ(mirror.at("cluster"), "shadow");
  EXPECT_EQ(mirror.at("percent"), "12.5%");
  EXPECT_EQ(mirror.at("methods"), boost::json::parse(R"(["GET","HEAD"])"));
  EXPECT_EQ(mirror.at("compare").at("ignore").at(0), "/create_time");
  EXPECT_EQ(mirror.at("max_in_flight"), 64);
}

TEST(ToJson, CredentialHeaderValuesAreRedacted) {
  auto snapshot = load(kConfig);
  ASSERT_NE(snapshot, nullptr);
  const std::string text = to_json(*snapshot);
  EXPECT_THAT(text, Not(HasSubstr("WECHATPAY2")));
  EXPECT_THAT(text, Not(HasSubstr("k-123")));
  EXPECT_THAT(text, HasSubstr("canary"));
  auto headers = boost::json::parse(text).at("config").at("routes").at(0).at("headers");
  EXPECT_EQ(headers.at(0).at("value"), "<redacted>");
  EXPECT_EQ(headers.at(1).at("value"), "<redacted>");
  EXPECT_EQ(headers.at(3).at("present"), true);
}

TEST(ToJson, ConfigPartReadsBackUnchanged) {
  // Without secrets, the JSON (which is YAML) loads to the same configuration.
  constexpr std::string_view kPlain =
      "log: {access_log_rotate: hourly, access_log_sample: 0.25, error_log_rotate: daily}\n"
      "clusters: [{name: pay, endpoints: ['127.0.0.1:9000'], max_response_size: 1536,\n"
      "            concurrency: {adaptive: false, initial_limit: 8, queue_deadline: 1500ms}}]\n"
      "routes:\n"
      "  - {name: a, path: '/v3/x/{id}', methods: [GET], hosts: ['*.example.com'], cluster: pay}\n"
      "  - {name: b, regex: '/n/[0-9]+', headers: [{name: X-Env, value: c}], cluster: pay}\n";
  auto first = load(kPlain);
  ASSERT_NE(first, nullptr);
  const std::string json = to_json(*first);
  const auto config = boost::json::serialize(boost::json::parse(json).at("config"));
  auto second = load(config);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(boost::json::parse(to_json(*second)).at("config"),
            boost::json::parse(json).at("config"));
  const boost::json::value parsed = boost::json::parse(json);
  const auto& limit = parsed.at("config").at("clusters").at(0).at("concurrency");
  EXPECT_EQ(limit.at("adaptive"), false);
  EXPECT_EQ(limit.at("initial_limit"), 8);
  EXPECT_EQ(limit.at("queue_deadline"), "1500ms");
}

TEST(ToJson, RetryAndOutlierDetectionReadBackUnchanged) {
  constexpr std::string_view kResilient =
      "clusters:\n"
      "  - name: pay\n"
      "    endpoints: ['127.0.0.1:9000', '127.0.0.1:9001']\n"
      "    outlier_detection: {consecutive_5xx: 3, error_ratio: {threshold: 12.5%, window: 20s},\n"
      "                        max_ejection_percent: 33%}\n"
      "    retry: {retry_on: [reset, 5xx], max_retries: 2, budget: {ratio: 20%}}\n"
      "routes: [{name: create, prefix: /v3/, cluster: pay, idempotent: true}]\n";
  auto first = load(kResilient);
  ASSERT_NE(first, nullptr);
  const auto json = boost::json::parse(to_json(*first)).at("config");
  const auto& cluster = json.at("clusters").at(0);
  EXPECT_EQ(cluster.at("retry").at("retry_on"), boost::json::parse(R"(["reset","5xx"])"));
  EXPECT_EQ(cluster.at("retry").at("budget").at("ratio"), "20%");
  EXPECT_EQ(cluster.at("outlier_detection").at("error_ratio").at("threshold"), "12.5%");
  EXPECT_EQ(cluster.at("outlier_detection").at("max_ejection_percent"), "33%");
  EXPECT_EQ(json.at("routes").at(0).at("idempotent"), true);
  auto second = load(boost::json::serialize(json));
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(boost::json::parse(to_json(*second)).at("config"), json);
}

TEST(ToJson, ShowsDegradeAndFaultsAsWritten) {
  auto snapshot = load(
      "degrade: {recover_after: 90s}\n"
      "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']}]\n"
      "routes:\n"
      "  - name: a\n"
      "    path: /a\n"
      "    cluster: pay\n"
      "    degradable: {shed: true}\n"
      "    fault:\n"
      "      delay: {percent: 12.5%, duration: 2s}\n"
      "      abort: {percent: 1%, status: 500}\n"
      "      header: X-Fault-Inject\n"
      "      trusted_sources: [10.0.0.0/8, '::1/128']\n"
      "  - {name: b, path: /b, cluster: pay, degradable: {respond: {status: 200, body: x}}}\n");
  ASSERT_NE(snapshot, nullptr);
  const auto json = boost::json::parse(to_json(*snapshot));
  const auto& config = json.at("config");
  EXPECT_EQ(config.at("degrade").at("recover_after"), "90s");
  const auto& a = config.at("routes").at(0);
  EXPECT_EQ(a.at("degradable").at("shed"), true);
  const auto& fault = a.at("fault");
  EXPECT_EQ(fault.at("delay").at("percent"), "12.5%");
  EXPECT_EQ(fault.at("delay").at("duration"), "2s");
  EXPECT_EQ(fault.at("abort").at("percent"), "1%");
  EXPECT_EQ(fault.at("abort").at("status"), 500);
  EXPECT_EQ(fault.at("header"), "X-Fault-Inject");
  EXPECT_EQ(fault.at("trusted_sources"), boost::json::parse(R"(["10.0.0.0/8","::1/128"])"));
  const auto& b = config.at("routes").at(1);
  EXPECT_EQ(b.at("degradable").at("respond").at("body"), "x");
  EXPECT_FALSE(b.as_object().contains("fault"));
}

}  // namespace
}  // namespace paygate::config
