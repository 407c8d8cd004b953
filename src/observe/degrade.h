#pragma once
// DegradeSwitch: whether the gateway is degraded, that is whether routes marked `degradable`
// answer their fallback (or are shed) instead of their action, to leave the backends to the
// core routes (routes[].priority: core) while one of them burns its error budget.
//
//   a core route's SLO verdict is page        -> degraded (starts at once)
//   no core route has paged for recover_after -> not degraded (hysteresis: a verdict that
//                                                flickers around the threshold does not flap)
//
// The control thread evaluates the verdicts (SloMonitor::paging_core_route, once a second) and
// calls update(); workers read active() on every request of a degradable route: one relaxed
// atomic load, no lock (nothing else is published through the flag).

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace paygate::observe {

class DegradeSwitch {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Change { kNone, kStarted, kEnded };

  // Any thread.
  bool active() const { return active_.load(std::memory_order_relaxed); }

  // Control thread. `paging`: the name of a core route whose verdict is page now, "" when none.
  // Says whether degrade started or ended with this verdict, for the log.
  Change update(Clock::time_point now, std::string_view paging, Clock::duration recover_after);
  // The core route whose page started (or last kept up) the degrade; control thread.
  const std::string& cause() const { return cause_; }

 private:
  std::atomic<bool> active_{false};
  Clock::time_point last_page_{};
  std::string cause_;
};

}  // namespace paygate::observe
