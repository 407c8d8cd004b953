#include "observe/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace paygate::observe {
namespace {

// The value after `prefix` in an exposition, 0 when absent.
std::uint64_t sample_value(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + prefix.size()));
}

TEST(Registry, HasOneShardPerWorkerPlusTheControlShard) {
  Registry registry(3);
  EXPECT_EQ(registry.worker_count(), 3u);
  EXPECT_NE(&registry.shard(2), &registry.control_shard());
  EXPECT_THROW(registry.shard(3), std::invalid_argument);
}

TEST(Registry, SameLabelsOnSameShardGiveTheSameHandle) {
  Registry registry(2);
  const auto requests = registry.declare_counter("requests_total", "Requests.", {"route", "code"});
  const auto latency = registry.declare_histogram("latency_seconds", "Latency.", {"route"});
  Counter* a = registry.shard(0).counter(requests, {"orders", "200"});
  EXPECT_EQ(registry.shard(0).counter(requests, {std::string("orders"), "200"}), a);
  EXPECT_NE(registry.shard(0).counter(requests, {"orders", "500"}), a);
  EXPECT_NE(registry.shard(1).counter(requests, {"orders", "200"}), a);
  Histogram* h = registry.shard(1).histogram(latency, {"orders"});
  EXPECT_EQ(registry.shard(1).histogram(latency, {"orders"}), h);
}

TEST(Registry, RendersTheExactExpositionText) {
  Registry registry(2);
  const auto requests =
      registry.declare_counter("paygate_requests_total", "Requests answered.", {"route", "code"});
  const auto active = registry.declare_gauge("paygate_active", "Open connections.");
  const auto latency =
      registry.declare_histogram("paygate_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  registry.shard(0).counter(requests, {"orders", "200"})->inc(2);
  registry.shard(1).counter(requests, {"orders", "200"})->inc(3);
  registry.shard(1).counter(requests, {"bills", "404"})->inc();
  registry.shard(0).gauge(active, {})->add(2);
  registry.control_shard().gauge(active, {})->add(-1);
  registry.shard(0).histogram(latency, {"orders"})->observe(0.05);
  registry.shard(1).histogram(latency, {"orders"})->observe(0.5);
  registry.shard(1).histogram(latency, {"orders"})->observe(3);

  EXPECT_EQ(registry.render(),
            "# HELP paygate_active Open connections.\n"
            "# TYPE paygate_active gauge\n"
            "paygate_active 1\n"
            "# HELP paygate_latency_seconds Latency.\n"
            "# TYPE paygate_latency_seconds histogram\n"
            "paygate_latency_seconds_bucket{route=\"orders\",le=\"0.1\"} 1\n"
            "paygate_latency_seconds_bucket{route=\"orders\",le=\"1\"} 2\n"
            "paygate_latency_seconds_bucket{route=\"orders\",le=\"+Inf\"} 3\n"
            "paygate_latency_seconds_sum{route=\"orders\"} 3.55\n"
            "paygate_latency_seconds_count{route=\"orders\"} 3\n"
            "# HELP paygate_requests_total Requests answered.\n"
            "# TYPE paygate_requests_total counter\n"
            "paygate_requests_total{route=\"bills\",code=\"404\"} 1\n"
            "paygate_requests_total{route=\"orders\",code=\"200\"} 5\n");
}

TEST(Registry, RendersAFixedLabelFirstOnEverySeriesWithoutTakingItsValue) {
  Registry registry(1);
  const FixedLabel stress{"env", "stress"};
  const auto requests =
      registry.declare_counter("stress_requests_total", "Requests.", {"route"}, stress);
  const auto pending = registry.declare_gauge("stress_pending", "Pending.", {}, stress);
  const auto latency =
      registry.declare_histogram("stress_latency_seconds", "Latency.", {}, {0.5}, stress);
  registry.shard(0).counter(requests, {"orders"})->inc();
  registry.shard(0).gauge(pending, {})->set(2);
  registry.shard(0).histogram(latency, {})->observe(0.25);
  const std::string text = registry.render();
  EXPECT_NE(text.find("stress_requests_total{env=\"stress\",route=\"orders\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("stress_pending{env=\"stress\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("stress_latency_seconds_bucket{env=\"stress\",le=\"0.5\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("stress_latency_seconds_count{env=\"stress\"} 1\n"), std::string::npos);
  // The fixed label is not a label value: asking with it is the wrong label count.
  EXPECT_THROW(registry.shard(0).counter(requests, {"stress", "orders"}), std::invalid_argument);
  EXPECT_THROW(registry.declare_counter("clash_total", "Clash.", {"env"}, stress),
               std::invalid_argument);
}

TEST(Registry, LeavesOutFamiliesWithoutSamples) {
  Registry registry(1);
  registry.declare_counter("unused_total", "Never touched.");
  EXPECT_EQ(registry.render(), "");
}

TEST(Registry, EscapesLabelValuesAndHelp) {
  Registry registry(1);
  const auto family = registry.declare_counter("odd_total", "Back\\slash\nnewline \"q\"", {"v"});
  registry.shard(0).counter(family, {"a\\b\"c\nd"})->inc();
  EXPECT_EQ(registry.render(),
            "# HELP odd_total Back\\\\slash\\nnewline \"q\"\n"
            "# TYPE odd_total counter\n"
            "odd_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(Registry, CollectorsAddProcessWideSamplesAtScrapeTime) {
  Registry registry(1);
  const auto info = registry.declare_gauge("build_info", "Build.", {"version"});
  const auto reloads = registry.declare_counter("reloads_total", "Reloads.", {"result"});
  double scrapes = 0;
  registry.add_collector([&](Writer& w) {
    w.sample(info, {"1.2.3"}, 1);
    w.sample(reloads, {"success"}, ++scrapes);
  });
  registry.control_shard().counter(reloads, {"success"})->inc(10);
  registry.render();
  EXPECT_EQ(registry.render(),
            "# HELP build_info Build.\n"
            "# TYPE build_info gauge\n"
            "build_info{version=\"1.2.3\"} 1\n"
            "# HELP reloads_total Reloads.\n"
            "# TYPE reloads_total counter\n"
            "reloads_total{result=\"success\"} 12\n");
}

TEST(Registry, RejectsMisuseAtDeclarationAndLookup) {
  Registry registry(1);
  const auto c = registry.declare_counter("c_total", "C.", {"a"});
  EXPECT_THROW(registry.declare_counter("c_total", "Again."), std::invalid_argument);
  EXPECT_THROW(registry.declare_gauge("bad-name", "B."), std::invalid_argument);
  EXPECT_THROW(registry.declare_gauge("g", "G.", {"x", "x"}), std::invalid_argument);
  EXPECT_THROW(registry.declare_histogram("h", "H.", {"le"}), std::invalid_argument);
  EXPECT_THROW(registry.declare_histogram("h", "H.", {}, {1, 0.5}), std::invalid_argument);
  EXPECT_THROW(registry.shard(0).counter(c, {}), std::invalid_argument);
  EXPECT_THROW(registry.shard(0).counter(CounterFamily{}, {"a"}), std::invalid_argument);
  Registry other(1);
  EXPECT_THROW(other.shard(0).counter(c, {"a"}), std::invalid_argument);
}

// Each worker updates only its own shard while a scraper renders in a loop; the final scrape
// must see every update exactly once. Run under TSan to check the lock-free path.
TEST(Registry, MergesShardsUpdatedConcurrentlyWithScrapes) {
  constexpr std::size_t kWorkers = 4;
  constexpr int kIterations = 20000;
  Registry registry(kWorkers);
  const auto requests = registry.declare_counter("req_total", "R.", {"route"});
  const auto active = registry.declare_gauge("active", "A.");
  const auto latency = registry.declare_histogram("lat_seconds", "L.", {}, {0.1});
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    std::uint64_t last = 0;
    while (!done.load()) {
      const std::uint64_t seen = sample_value(registry.render(), "req_total{route=\"orders\"} ");
      EXPECT_GE(seen, last);  // a counter never goes back, whatever the interleaving
      last = seen;
    }
  });
  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      Shard& shard = registry.shard(w);
      Counter* c = shard.counter(requests, {"orders"});
      Gauge* g = shard.gauge(active, {});
      Histogram* h = shard.histogram(latency, {});
      for (int i = 0; i < kIterations; ++i) {
        c->inc();
        g->add(1);
        h->observe(i % 2 == 0 ? 0.05 : 0.5);
      }
    });
  }
  for (auto& t : workers) t.join();
  done = true;
  scraper.join();
  const std::string text = registry.render();
  const std::string total = std::to_string(kWorkers * kIterations);
  const std::string half = std::to_string(kWorkers * kIterations / 2);
  EXPECT_NE(text.find("req_total{route=\"orders\"} " + total + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("active " + total + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} " + half + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count " + total + "\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace paygate::observe
