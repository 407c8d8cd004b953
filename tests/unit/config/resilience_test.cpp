// routes[].degradable, routes[].fault and the top-level degrade section: what they read into,
// each kind of problem with its key path, and how the admin /config view shows them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config/loader.h"
#include "config/parse.h"

namespace paygate::config {
namespace {

using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr LoadOptions kNoDns{.resolve_names = false};

ParseResult parse(std::string_view yaml) { return parse_document(yaml, "t.yaml", kNoDns); }

auto error_at(std::string path, std::string message_part) {
  return AllOf(Field(&ConfigError::path, path),
               Field(&ConfigError::message, HasSubstr(message_part)));
}

std::string with_cluster(std::string_view rest) {
  return "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']}]\n" + std::string(rest);
}

TEST(Resilience, DegradeRecoverAfterHasADefaultAndARange) {
  EXPECT_EQ(parse("").document.process.degrade_recover_after, milliseconds(300'000));
  EXPECT_EQ(parse("degrade: {recover_after: 30s}\n").document.process.degrade_recover_after,
            milliseconds(30'000));
  EXPECT_THAT(parse("degrade: {recover_after: 500ms}\n").errors,
              ElementsAre(error_at("degrade.recover_after", "1s")));
  EXPECT_THAT(parse("degrade: {recover_after: 2h}\n").errors,
              ElementsAre(error_at("degrade.recover_after", "1h")));
}

TEST(Resilience, DegradableReadsAFallbackOrShed) {
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

TEST(Resilience, DegradableProblemsAreReported) {
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

TEST(Resilience, FaultReadsDelayAbortAndTheTrigger) {
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

TEST(Resilience, FaultProblemsAreReported) {
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

TEST(Resilience, TheConfigViewShowsThemAsWritten) {
  auto result = load_string(with_cluster("degrade: {recover_after: 90s}\n"
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
                                         "  - {name: b, path: /b, cluster: pay,\n"
                                         "     degradable: {respond: {status: 200, body: x}}}\n"),
                            "j.yaml", 1, kNoDns);
  ASSERT_THAT(result.errors, IsEmpty()) << to_string(result.errors.at(0));
  const auto json = boost::json::parse(to_json(*result.snapshot));
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
