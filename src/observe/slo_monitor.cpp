#include "observe/slo_monitor.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace paygate::observe {

namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;

json::object route_json(const RouteBurn& burn) {
  json::array windows;
  for (const WindowBurn& w : burn.windows) {
    windows.push_back(json::object{{"window", window_name(w.window)},
                                   {"covered_seconds", w.covered.count()},
                                   {"requests", w.requests},
                                   {"bad", w.bad},
                                   {"burn_rate", w.burn_rate}});
  }
  json::object out{{"route", burn.spec.route},
                   {"objective", fmt::format("{:g}%", burn.spec.objective * 100)},
                   {"page", burn.page},
                   {"ticket", burn.ticket},
                   {"windows", std::move(windows)}};
  if (burn.spec.latency.count() > 0) out["latency_ms"] = burn.spec.latency.count();
  return out;
}

}  // namespace

SloMonitor::SloMonitor(Registry& registry, const EngineMetrics& names)
    : registry_(registry), names_(names) {
  registry_.add_collector([this](Writer& writer) { collect(writer); });
}

void SloMonitor::start() {
  last_tick_ = Clock::now();
  rates_.record(last_tick_, last_counts_);  // zero: the process starts with empty counters
}

void SloMonitor::adopt(std::vector<SloSpec> specs) { specs_ = std::move(specs); }

void SloMonitor::tick() {
  last_counts_ = read_counts();
  last_tick_ = Clock::now();
  rates_.record(last_tick_, last_counts_);
}

SloCountsByRoute SloMonitor::read_counts() const {
  SloCountsByRoute counts;
  for (const auto& [labels, value] : registry_.counter_values(names_.slo_requests)) {
    counts[labels.at(0)].total = value;
  }
  for (const auto& [labels, value] : registry_.counter_values(names_.slo_bad_requests)) {
    counts[labels.at(0)].bad = value;
  }
  return counts;
}

// Runs inside a scrape, under the registry's lock: it must not read the registry again, so it
// evaluates the counts of the latest tick.
void SloMonitor::collect(Writer& writer) const {
  for (const RouteBurn& burn : rates_.evaluate(last_tick_, last_counts_, specs_)) {
    writer.sample(names_.slo_objective, {burn.spec.route}, burn.spec.objective);
    for (const WindowBurn& w : burn.windows) {
      writer.sample(names_.slo_burn_rate, {burn.spec.route, window_name(w.window)}, w.burn_rate);
    }
  }
}

std::string SloMonitor::json() {
  json::array routes;
  for (const RouteBurn& burn : rates_.evaluate(Clock::now(), read_counts(), specs_)) {
    routes.push_back(route_json(burn));
  }
  return json::serialize(json::object{
      {"thresholds", json::object{{"page", kPageBurnRate}, {"ticket", kTicketBurnRate}}},
      {"routes", std::move(routes)}});
}

std::string SloMonitor::paging_core_route() {
  std::vector<SloSpec> core;
  for (const SloSpec& spec : specs_) {
    if (spec.core) core.push_back(spec);
  }
  if (core.empty()) return {};
  for (const RouteBurn& burn : rates_.evaluate(Clock::now(), read_counts(), core)) {
    if (burn.page) return burn.spec.route;
  }
  return {};
}

}  // namespace paygate::observe
