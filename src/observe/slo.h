#pragma once
// Service level objectives per route and their burn rates (the multi-window method of the
// Google SRE workbook, chapter 5). A request is bad when its status is 5xx or, with a latency
// objective, when it took longer than that; everything else is good. The burn rate of a window
// is its bad ratio divided by the error budget (1 - objective): 1 spends the budget exactly
// over the SLO period, 14.4 spends a 30-day budget's 2 % in one hour.
//
// BurnRates is the arithmetic, with no clock and no I/O: record() keeps cumulative (total, bad)
// counts per route every tick, evaluate() compares the counts of now with those of each window's
// start. Until a window's history exists, the oldest sample stands in and `covered` says how much
// of the window the figure spans. One thread (the control thread); not thread-safe.

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace paygate::observe {

struct SloSpec {
  std::string route;
  double objective = 0.999;            // fraction of good requests, in (0, 1)
  std::chrono::milliseconds latency{};  // 0: availability only
  bool core = false;  // of a core route (routes[].priority): its page degrades (observe/degrade.h)
};

struct SloCounts {
  double total = 0;
  double bad = 0;
};
using SloCountsByRoute = std::map<std::string, SloCounts, std::less<>>;

struct WindowBurn {
  std::chrono::seconds window{};
  // The span the figures cover: the window plus up to one tick, or less while the process is
  // younger than the window.
  std::chrono::seconds covered{};
  double requests = 0;
  double bad = 0;
  double burn_rate = 0;  // 0 when there were no requests
};

struct RouteBurn {
  SloSpec spec;
  std::vector<WindowBurn> windows;  // in the order of kBurnWindows
  bool page = false;    // 5m and 1h both burn faster than 14.4
  bool ticket = false;  // 30m and 6h both burn faster than 6
};

inline constexpr std::chrono::seconds kBurnWindows[] = {
    std::chrono::minutes(5), std::chrono::minutes(30), std::chrono::hours(1),
    std::chrono::hours(6)};
inline constexpr double kPageBurnRate = 14.4;
inline constexpr double kTicketBurnRate = 6.0;

std::string window_name(std::chrono::seconds window);  // "5m", "30m", "1h", "6h"

class BurnRates {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Keeps a sample; drops samples no window needs any more.
  void record(TimePoint now, SloCountsByRoute counts);
  // Burn rates of every spec, with `current` as the counts of `now`.
  std::vector<RouteBurn> evaluate(TimePoint now, const SloCountsByRoute& current,
                                  const std::vector<SloSpec>& specs) const;
  std::size_t samples() const { return history_.size(); }

 private:
  struct Sample {
    TimePoint at;
    SloCountsByRoute counts;
  };
  // The newest sample at least `window` old, else the oldest one; null without history.
  const Sample* start_of(TimePoint now, std::chrono::seconds window) const;

  std::deque<Sample> history_;  // oldest first
};

}  // namespace paygate::observe
