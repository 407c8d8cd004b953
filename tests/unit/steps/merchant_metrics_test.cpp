// The merchant label rule (first N in configuration order keep their mchid, the rest fold into
// "other") and MerchantMetrics on a real Registry: folded merchants share one series, a
// merchant's handles are reused, and the exposition carries the counts.
#include "steps/merchant_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "observe/registry.h"

namespace paygate::steps {
namespace {

using std::chrono::milliseconds;

std::vector<credentials::MerchantSettings> configured(std::vector<std::string> mchids) {
  std::vector<credentials::MerchantSettings> out;
  for (std::string& mchid : mchids) {
    credentials::MerchantSettings m;
    m.mchid = std::move(mchid);
    out.push_back(std::move(m));
  }
  return out;
}

// What a snapshot says of its merchants: these, in this configuration order (keys are not needed
// here), and the label limit.
struct Merchants {
  std::vector<credentials::MerchantSettings> configured;
  std::shared_ptr<credentials::Credentials> credentials;
  std::size_t limit = 0;
};

Merchants merchants_of(std::vector<std::string> mchids, std::size_t limit) {
  Merchants merchants;
  merchants.limit = limit;
  merchants.configured = configured(mchids);
  std::vector<credentials::MerchantCredentials> loaded;
  for (const std::string& mchid : mchids) {
    loaded.push_back({mchid,
                      *crypto::ApiV3Key::from_text("0123456789abcdefghijABCDEFGHIJ_+", "test"),
                      {},
                      {},
                      {}});
  }
  merchants.credentials = std::make_shared<credentials::Credentials>(
      std::move(loaded), std::vector<credentials::PlatformIdentity>{}, std::chrono::seconds{300},
      16);
  return merchants;
}

std::vector<MerchantSeries*> series_of(MerchantMetrics& metrics, const Merchants& merchants) {
  return metrics.series_by_merchant(merchants.configured, merchants.credentials.get(),
                                    merchants.limit);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MerchantLabels, FirstMerchantsInConfigurationOrderKeepTheirMchid) {
  const auto merchants = configured({"300", "100", "200"});
  const MerchantLabels labels(merchants, 2);
  EXPECT_EQ(labels.label("300"), "300");
  EXPECT_EQ(labels.label("100"), "100");
  EXPECT_EQ(labels.label("200"), "other");  // third in the file, although not the largest
  EXPECT_EQ(labels.label("999"), "other");  // not configured at all
}

TEST(MerchantLabels, LimitZeroFoldsEveryoneAndALargeLimitNobody) {
  const auto merchants = configured({"1", "2"});
  EXPECT_EQ(MerchantLabels(merchants, 0).label("1"), "other");
  EXPECT_EQ(MerchantLabels(merchants, 10'000).label("2"), "2");
}

TEST(MerchantMetrics, FoldedMerchantsShareOneSeries) {
  observe::Registry registry(1);
  const observe::EngineMetrics names = observe::declare_engine_metrics(registry);
  MerchantMetrics metrics(registry.shard(0), names);
  // Credentials sort by mchid: "100", "200", "300", "400"; only "300" keeps its label.
  const auto table = series_of(metrics, merchants_of({"300", "100", "200", "400"}, 1));
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[2]->label, "300");
  EXPECT_EQ(table[0]->label, "other");
  EXPECT_EQ(table[0], table[1]);
  EXPECT_EQ(table[0], table[3]);
}

TEST(MerchantMetrics, CountsByLabelAndStatus) {
  observe::Registry registry(1);
  const observe::EngineMetrics names = observe::declare_engine_metrics(registry);
  MerchantMetrics metrics(registry.shard(0), names);
  const auto table = series_of(metrics, merchants_of({"100", "200", "300"}, 1));
  metrics.count(*table[0], 200, milliseconds{50});
  metrics.count(*table[0], 200, milliseconds{50});
  metrics.count(*table[1], 200, milliseconds{50});
  metrics.count(*table[2], 404, milliseconds{50});
  EXPECT_EQ(table[0]->by_status.size(), 1u);  // the second 200 reused the handle
  const std::string text = registry.render();
  EXPECT_TRUE(contains(text, "paygate_merchant_requests_total{mchid=\"100\",code=\"200\"} 2\n"))
      << text;
  EXPECT_TRUE(contains(text, "paygate_merchant_requests_total{mchid=\"other\",code=\"200\"} 1\n"))
      << text;
  EXPECT_TRUE(contains(text, "paygate_merchant_requests_total{mchid=\"other\",code=\"404\"} 1\n"))
      << text;
  EXPECT_TRUE(
      contains(text, "paygate_merchant_request_duration_seconds_count{mchid=\"other\"} 2\n"))
      << text;
}

TEST(MerchantMetrics, RateLimitedCountsFoldLikeRequests) {
  observe::Registry registry(1);
  const observe::EngineMetrics names = observe::declare_engine_metrics(registry);
  MerchantMetrics metrics(registry.shard(0), names);
  const auto table = series_of(metrics, merchants_of({"100", "200", "300"}, 1));
  metrics.count_rate_limited(*table[0]);
  metrics.count_rate_limited(*table[1]);
  metrics.count_rate_limited(*table[2]);
  const std::string text = registry.render();
  EXPECT_TRUE(contains(text, "paygate_rate_limited_total{mchid=\"100\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "paygate_rate_limited_total{mchid=\"other\"} 2\n")) << text;
  EXPECT_FALSE(contains(text, "paygate_merchant_requests_total{")) << text;  // not a request count
}

TEST(MerchantMetrics, SeriesOutliveAReloadThatChangesTheRule) {
  observe::Registry registry(1);
  const observe::EngineMetrics names = observe::declare_engine_metrics(registry);
  MerchantMetrics metrics(registry.shard(0), names);
  MerchantSeries* before = series_of(metrics, merchants_of({"100", "200"}, 1))[1];
  const auto after = series_of(metrics, merchants_of({"200", "100"}, 1));
  EXPECT_EQ(before->label, "other");
  EXPECT_EQ(after[1]->label, "200");
  EXPECT_EQ(after[0], before);  // "100" is now the folded one: the same "other" series
}

TEST(MerchantMetrics, NoCredentialsNoTable) {
  observe::Registry registry(1);
  const observe::EngineMetrics names = observe::declare_engine_metrics(registry);
  MerchantMetrics metrics(registry.shard(0), names);
  EXPECT_TRUE(series_of(metrics, Merchants{}).empty());
  EXPECT_FALSE(contains(registry.render(), "paygate_merchant_requests_total{"));
}

}  // namespace
}  // namespace paygate::steps
