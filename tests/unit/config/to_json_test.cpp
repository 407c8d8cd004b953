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

}  // namespace
}  // namespace paygate::config
