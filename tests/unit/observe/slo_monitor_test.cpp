// SloMonitor::paging_core_route: which core route's SLO verdict is page, read from the workers'
// counters of this moment; routes that are not core never degrade anything.
#include "observe/slo_monitor.h"

#include <gtest/gtest.h>

#include "observe/engine_metrics.h"

namespace paygate::observe {
namespace {

class SloMonitorTest : public ::testing::Test {
 protected:
  SloMonitorTest() {
    monitor_.adopt({{"pay", 0.99, {}, true}, {"refund", 0.99, {}, true}, {"bills", 0.99, {}, false}});
    monitor_.start();
  }
  // `bad` of `total` requests of `route`, counted as a worker counts them.
  void count(std::string_view route, int total, int bad) {
    registry_.shard(0).counter(names_.slo_requests, {route})->inc(total);
    registry_.shard(0).counter(names_.slo_bad_requests, {route})->inc(bad);
  }

  Registry registry_{1};
  const EngineMetrics names_ = declare_engine_metrics(registry_);
  SloMonitor monitor_{registry_, names_};
};

TEST_F(SloMonitorTest, NoCoreRoutePagesWhileTheirBudgetsLast) {
  count("pay", 1000, 100);  // burn 10 < 14.4
  count("bills", 100, 100);  // pages, but is not core
  EXPECT_EQ(monitor_.paging_core_route(), "");
}

TEST_F(SloMonitorTest, ACoreRouteBurningFasterThanThePageRatePages) {
  count("pay", 1000, 100);
  count("refund", 100, 20);  // burn 20 in 5m and 1h (a young process: both span its life)
  EXPECT_EQ(monitor_.paging_core_route(), "refund");
  count("refund", 1000, 0);  // diluted: 20 of 1100, burn 1.8
  EXPECT_EQ(monitor_.paging_core_route(), "");
}

}  // namespace
}  // namespace paygate::observe
