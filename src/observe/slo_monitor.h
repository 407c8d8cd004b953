#pragma once
// SloMonitor: the routes' SLO burn rates for /slo and the paygate_slo_burn_rate gauges. Its owner
// calls tick() every kTick; each tick reads the cumulative paygate_slo_*_total counters the
// workers keep and records them into BurnRates, and a reader evaluates each window against the
// counts of that moment. adopt() takes the route SLOs of a new configuration snapshot; history
// is kept by route name, so burn rates span reloads. Control thread only (the admin listener
// runs there too). No timer of its own: observe/ does no I/O (docs/architecture.md, modules).

#include <chrono>
#include <string>
#include <vector>

#include "observe/engine_metrics.h"
#include "observe/registry.h"
#include "observe/slo.h"

namespace paygate::observe {

class SloMonitor {
 public:
  static constexpr std::chrono::seconds kTick{10};

  // Adds the burn-rate collector to the registry: call at start-up, before serving.
  SloMonitor(Registry& registry, const EngineMetrics& names);

  // The zero point: the process starts with empty counters. Then tick() every kTick.
  void start();
  void tick();
  void adopt(std::vector<SloSpec> specs);
  // {"thresholds":{...},"routes":[{"route","objective","latency","page","ticket",
  //   "windows":[{"window","covered_seconds","requests","bad","burn_rate"}]}]}
  std::string json();
  // A core route whose verdict is page now (the first configured), "" when none; evaluated like
  // json(), on the counters of this moment. Reads no counter when no core route has an SLO.
  std::string paging_core_route();

 private:
  SloCountsByRoute read_counts() const;  // takes the registry's lock
  void collect(Writer& writer) const;

  Registry& registry_;
  const EngineMetrics& names_;
  std::vector<SloSpec> specs_;
  BurnRates rates_;
  SloCountsByRoute last_counts_;  // of the latest tick: what scrapes evaluate
  BurnRates::TimePoint last_tick_{};
};

}  // namespace paygate::observe
