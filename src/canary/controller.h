#pragma once
// Controller: drives every route's canary (routes[].canary) through its steps.
//
//   running ──(interval passed, guard holds)──► running at the next step ... ──► complete
//      │  ▲                                                                        (last share
//      kept)
//  pause  resume                 any phase ──promote──► promoted (100 %)
//      ▼  │                      any phase ──abort────► aborted (0 %)
//   paused (share kept, never climbs)
//   running or paused ──(guard breaks)──► rolled_back (0 %, at once)
//   rolled_back or aborted ──resume──► running from the first step
//
// Each tick (once a second) it reads what the baseline and canary versions answered since the
// current step began (paygate_version_requests_total and _duration_seconds, which the workers
// keep) and judges the guard (canary/guard.h). Transitions set the share the workers' Split steps
// read (canary/shares.h), count paygate_canary_transitions_total{route,to,reason}, set
// paygate_canary_weight{route} (percent), log one line saying why, and are saved to the state
// store, so a reload or restart keeps the phase and step (a restarted step begins its interval
// anew: its counts went with the old process). A change of the canary's cluster, version or
// steps is a new roll-out and starts at the first step. Control thread only.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canary/guard.h"
#include "canary/settings.h"
#include "canary/shares.h"
#include "canary/state_store.h"
#include "core/error.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"

namespace paygate::canary {

enum class Phase { kRunning, kPaused, kComplete, kPromoted, kRolledBack, kAborted };
std::string_view phase_name(Phase phase);
std::optional<Phase> parse_phase(std::string_view name);

enum class Command { kPause, kResume, kPromote, kAbort };
std::optional<Command> parse_command(std::string_view name);  // "pause", "resume", ...

class Controller {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kTick{1};

  // `store` may be null: progress then lasts as long as the process.
  Controller(observe::Registry& registry, const observe::EngineMetrics& names, Shares& shares,
             std::unique_ptr<StateStore> store);

  // The canaries of a new configuration snapshot; those of routes it no longer has stop (their
  // share goes to 0). Keeps the progress of a roll-out whose identity is unchanged.
  void adopt(std::vector<CanarySettings> canaries, Clock::time_point now);
  void tick(Clock::time_point now);
  // An operator's command; kNotFound when the route has no canary, kUnprocessable when the
  // command does not apply to its phase.
  std::optional<core::Error> command(std::string_view route, Command command,
                                     Clock::time_point now);
  // {"canaries":[{"route","cluster","version","phase","step","weight_percent","reason",
  //   "step_age_seconds","last_guard":{...}}]}
  std::string json(Clock::time_point now) const;

 private:
  struct Canary {
    CanarySettings settings;
    std::shared_ptr<Share> share;
    Phase phase = Phase::kRunning;
    std::size_t step = 0;
    std::string reason;
    Clock::time_point step_started{};
    VersionWindow baseline_at_start;
    VersionWindow canary_at_start;
    std::optional<Judgement> last;
  };
  using Counts = std::map<std::pair<std::string, std::string>, VersionWindow>;  // route, version

  Counts read_counts() const;
  void judge(Canary& canary, const Counts& counts, Clock::time_point now);
  // Moves the canary to `phase` at `step`, saying why; `reason` is the metric's label.
  void transition(Canary& canary, Phase phase, std::size_t step, std::string_view reason,
                  const std::string& detail, const Counts& counts, Clock::time_point now);
  void restore(Canary& canary, Clock::time_point now);
  void publish(const Canary& canary);
  std::uint32_t share_of(const Canary& canary) const;

  observe::Registry& registry_;
  const observe::EngineMetrics& names_;
  Shares& shares_;
  std::unique_ptr<StateStore> store_;
  std::map<std::string, StoredCanary> stored_;           // as loaded at start-up, by route
  std::map<std::string, Canary, std::less<>> canaries_;  // by route
};

}  // namespace paygate::canary
