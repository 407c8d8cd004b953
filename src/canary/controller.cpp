#include "canary/controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/json.hpp>
#include <utility>

namespace paygate::canary {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, Phase>, 6> kPhases{{
    {"running", Phase::kRunning},
    {"paused", Phase::kPaused},
    {"complete", Phase::kComplete},
    {"promoted", Phase::kPromoted},
    {"rolled_back", Phase::kRolledBack},
    {"aborted", Phase::kAborted},
}};

constexpr std::array<std::pair<std::string_view, Command>, 4> kCommands{{
    {"pause", Command::kPause},
    {"resume", Command::kResume},
    {"promote", Command::kPromote},
    {"abort", Command::kAbort},
}};

bool judged(Phase phase) { return phase == Phase::kRunning || phase == Phase::kPaused; }

std::string percent(std::uint32_t points) { return fmt::format("{:g}", points / 100.0); }

json::object judgement_json(const Judgement& j) {
  return {{"canary_requests", j.canary_requests},
          {"canary_error_ratio", j.canary_error_ratio},
          {"baseline_error_ratio", j.baseline_error_ratio},
          {"canary_p99_seconds", j.canary_p99_seconds}};
}

}  // namespace

std::string_view phase_name(Phase phase) {
  for (const auto& [name, value] : kPhases) {
    if (value == phase) return name;
  }
  return "running";
}

std::optional<Phase> parse_phase(std::string_view name) {
  for (const auto& [known, value] : kPhases) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::optional<Command> parse_command(std::string_view name) {
  for (const auto& [known, value] : kCommands) {
    if (known == name) return value;
  }
  return std::nullopt;
}

Controller::Controller(observe::Registry& registry, const observe::EngineMetrics& names,
                       Shares& shares, std::unique_ptr<StateStore> store)
    : registry_(registry), names_(names), shares_(shares), store_(std::move(store)) {
  if (store_) stored_ = store_->load();
}

Controller::Counts Controller::read_counts() const {
  Counts counts;
  for (const auto& [labels, value] : registry_.counter_values(names_.version_requests)) {
    // {route, version, code}
    VersionWindow& w = counts[{labels.at(0), labels.at(1)}];
    const auto n = static_cast<std::uint64_t>(value);
    w.requests += n;
    if (labels.at(2).size() == 3 && labels.at(2)[0] == '5') w.errors += n;
  }
  for (auto& [labels, histogram] : registry_.histogram_values(names_.version_request_duration)) {
    counts[{labels.at(0), labels.at(1)}].latency = std::move(histogram);
  }
  return counts;
}

void Controller::adopt(std::vector<CanarySettings> canaries, Clock::time_point now) {
  const Counts counts = read_counts();
  std::map<std::string, Canary, std::less<>> next;
  for (CanarySettings& settings : canaries) {
    const std::string route = settings.route;
    Canary canary;
    auto running = canaries_.find(route);
    if (running != canaries_.end() && running->second.settings.identity() == settings.identity()) {
      canary = std::move(running->second);  // the same roll-out: its progress goes on
      canary.settings = std::move(settings);
    } else {
      canary.settings = std::move(settings);
      canary.share = shares_.of(route);
      canary.step_started = now;
      canary.baseline_at_start = counts.contains({route, canary.settings.baseline_version})
                                     ? counts.at({route, canary.settings.baseline_version})
                                     : VersionWindow{};
      canary.canary_at_start = counts.contains({route, canary.settings.version})
                                   ? counts.at({route, canary.settings.version})
                                   : VersionWindow{};
      canary.reason = "started";
      // At 0 from the start, so that the first rollback is an increase a rule can see.
      for (const char* broke : {"error_ratio", "p99"}) {
        registry_.control_shard().counter(names_.canary_transitions, {route, "0", broke});
      }
      restore(canary, now);
      publish(canary);
    }
    next.emplace(route, std::move(canary));
  }
  for (auto& [route, gone] : canaries_) {
    if (!next.contains(route)) gone.share->store(0, std::memory_order_relaxed);
  }
  canaries_ = std::move(next);
}

// A roll-out the state file knows (the same identity) resumes its phase and step.
void Controller::restore(Canary& canary, Clock::time_point now) {
  auto stored = stored_.find(canary.settings.route);
  if (stored == stored_.end() || stored->second.identity != canary.settings.identity()) {
    if (store_) {
      store_->save(canary.settings.route, {canary.settings.identity(), "running", 0, "started"});
    }
    spdlog::info("canary {}: started: {} at {}% of the traffic, {} per step", canary.settings.route,
                 canary.settings.version, percent(canary.settings.steps.front()),
                 fmt::format("{}s", canary.settings.interval.count() / 1000.0));
    return;
  }
  const auto phase = parse_phase(stored->second.phase);
  canary.phase = phase.value_or(Phase::kRunning);
  canary.step = std::min(stored->second.step, canary.settings.steps.size() - 1);
  canary.reason = stored->second.reason;
  canary.step_started = now;
  spdlog::info("canary {}: restored: {} at step {} ({}%)", canary.settings.route,
               phase_name(canary.phase), canary.step + 1, percent(share_of(canary)));
}

std::uint32_t Controller::share_of(const Canary& canary) const {
  switch (canary.phase) {
    case Phase::kRunning:
    case Phase::kPaused:
    case Phase::kComplete:
      return canary.settings.steps[canary.step];
    case Phase::kPromoted:
      return 10'000;
    case Phase::kRolledBack:
    case Phase::kAborted:
      break;
  }
  return 0;
}

void Controller::publish(const Canary& canary) {
  const std::uint32_t share = share_of(canary);
  canary.share->store(share, std::memory_order_relaxed);
  registry_.control_shard()
      .gauge(names_.canary_weight, {canary.settings.route})
      ->set(share / 100.0);
}

void Controller::tick(Clock::time_point now) {
  if (canaries_.empty()) return;
  const Counts counts = read_counts();
  for (auto& [route, canary] : canaries_) judge(canary, counts, now);
}

void Controller::judge(Canary& canary, const Counts& counts, Clock::time_point now) {
  if (!judged(canary.phase)) return;
  const CanarySettings& s = canary.settings;
  auto window = [&](const std::string& version, const VersionWindow& at_start) {
    auto found = counts.find({s.route, version});
    return found == counts.end() ? VersionWindow{} : found->second.since(at_start);
  };
  const Judgement j = judge_guard(s.guard, window(s.baseline_version, canary.baseline_at_start),
                                  window(s.version, canary.canary_at_start));
  canary.last = j;
  if (j.broken()) {
    transition(canary, Phase::kRolledBack, canary.step,
               j.verdict == Verdict::kErrorRatio ? "error_ratio" : "p99", j.describe(), counts,
               now);
    return;
  }
  const bool due = now - canary.step_started >= s.interval;
  if (canary.phase != Phase::kRunning || !due || j.verdict != Verdict::kHolds) return;
  if (canary.step + 1 < s.steps.size()) {
    transition(canary, Phase::kRunning, canary.step + 1, "advance", j.describe(), counts, now);
  } else {
    transition(canary, Phase::kComplete, canary.step, "complete", j.describe(), counts, now);
  }
}

void Controller::transition(Canary& canary, Phase phase, std::size_t step, std::string_view reason,
                            const std::string& detail, const Counts& counts,
                            Clock::time_point now) {
  const CanarySettings& s = canary.settings;
  canary.phase = phase;
  canary.step = step;
  canary.reason = std::string(reason);
  if (!detail.empty()) canary.reason += ": " + detail;
  canary.step_started = now;
  auto at = [&](const std::string& version) {
    auto found = counts.find({s.route, version});
    return found == counts.end() ? VersionWindow{} : found->second;
  };
  canary.baseline_at_start = at(s.baseline_version);
  canary.canary_at_start = at(s.version);
  publish(canary);
  const std::string to = percent(share_of(canary));
  registry_.control_shard()
      .counter(names_.canary_transitions, {s.route, to, std::string(reason)})
      ->inc();
  const auto level = phase == Phase::kRolledBack ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "canary {}: {} -> {}% ({}): {}", s.route, phase_name(phase), to, s.version,
              canary.reason);
  if (store_) {
    try {
      store_->save(s.route, {s.identity(), std::string(phase_name(phase)), step, canary.reason});
    } catch (const std::exception& e) {
      spdlog::error("canary {}: state_file: {}: the phase holds until restart", s.route, e.what());
    }
  }
}

std::optional<core::Error> Controller::command(std::string_view route, Command command,
                                               Clock::time_point now) {
  auto found = canaries_.find(route);
  if (found == canaries_.end()) {
    return core::Error{core::ErrorKind::kNotFound,
                       "no canary on route '" + std::string(route) + "'"};
  }
  Canary& canary = found->second;
  const Counts counts = read_counts();
  switch (command) {
    case Command::kPause:
      if (canary.phase != Phase::kRunning) break;
      transition(canary, Phase::kPaused, canary.step, "pause", "by an operator", counts, now);
      return std::nullopt;
    case Command::kResume:
      if (canary.phase == Phase::kPaused) {
        transition(canary, Phase::kRunning, canary.step, "resume", "by an operator", counts, now);
        return std::nullopt;
      }
      if (canary.phase != Phase::kRolledBack && canary.phase != Phase::kAborted) break;
      transition(canary, Phase::kRunning, 0, "resume", "by an operator", counts, now);
      return std::nullopt;
    case Command::kPromote:
      transition(canary, Phase::kPromoted, canary.step, "promote", "by an operator", counts, now);
      return std::nullopt;
    case Command::kAbort:
      transition(canary, Phase::kAborted, canary.step, "abort", "by an operator", counts, now);
      return std::nullopt;
  }
  return core::Error{core::ErrorKind::kUnprocessable,
                     "the canary on route '" + std::string(route) + "' is " +
                         std::string(phase_name(canary.phase)) + ": nothing to do"};
}

std::string Controller::json(Clock::time_point now) const {
  json::array list;
  for (const auto& [route, canary] : canaries_) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - canary.step_started);
    json::object entry{{"route", route},
                       {"cluster", canary.settings.cluster},
                       {"version", canary.settings.version},
                       {"baseline_version", canary.settings.baseline_version},
                       {"phase", phase_name(canary.phase)},
                       {"step", canary.step + 1},
                       {"steps", canary.settings.steps.size()},
                       {"weight_percent", share_of(canary) / 100.0},
                       {"reason", canary.reason},
                       {"step_age_seconds", age.count()}};
    if (canary.last) entry["last_guard"] = judgement_json(*canary.last);
    list.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"canaries", std::move(list)}});
}

}  // namespace paygate::canary
