#pragma once
// SloMonitor: the routes' SLO burn rates for /slo and the paygate_slo_burn_rate gauges. Every
// 10 s (on the control thread) it reads the cumulative paygate_slo_*_total counters the workers
// keep and records them into observe::BurnRates; a reader evaluates each window against the
// counts of that moment. adopt() takes the SLOs of a new snapshot; history is kept by route name,
// so burn rates span reloads. Control thread only (the admin listener runs there too).

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/snapshot.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"
#include "observe/slo.h"

namespace paygate::app {

class SloMonitor {
 public:
  static constexpr std::chrono::seconds kTick{10};

  // Adds the burn-rate collector to the registry: call at start-up, before serving.
  SloMonitor(observe::Registry& registry, const observe::EngineMetrics& names,
             boost::asio::any_io_executor control);

  void start();
  void stop();
  void adopt(const config::Snapshot& snapshot);
  // {"thresholds":{...},"routes":[{"route","objective","latency","page","ticket",
  //   "windows":[{"window","covered_seconds","requests","bad","burn_rate"}]}]}
  std::string json();

 private:
  void tick();
  observe::SloCountsByRoute read_counts() const;  // takes the registry's lock
  void collect(observe::Writer& writer) const;

  observe::Registry& registry_;
  const observe::EngineMetrics& names_;
  boost::asio::steady_timer timer_;
  std::vector<observe::SloSpec> specs_;
  observe::BurnRates rates_;
  observe::SloCountsByRoute last_counts_;  // of the latest tick: what scrapes evaluate
  observe::BurnRates::TimePoint last_tick_{};
};

}  // namespace paygate::app
