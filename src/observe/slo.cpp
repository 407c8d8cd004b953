#include "observe/slo.h"

#include <algorithm>

namespace paygate::observe {

namespace {

SloCounts counts_of(const SloCountsByRoute& counts, const std::string& route) {
  auto it = counts.find(route);
  return it == counts.end() ? SloCounts{} : it->second;
}

}  // namespace

std::string window_name(std::chrono::seconds window) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(window).count();
  if (minutes % 60 == 0) return std::to_string(minutes / 60) + "h";
  return std::to_string(minutes) + "m";
}

void BurnRates::record(TimePoint now, SloCountsByRoute counts) {
  history_.push_back({now, std::move(counts)});
  // The longest window needs one sample at least that old; older ones can go.
  const auto longest = *std::max_element(std::begin(kBurnWindows), std::end(kBurnWindows));
  while (history_.size() > 1 && now - history_[1].at >= longest) history_.pop_front();
}

const BurnRates::Sample* BurnRates::start_of(TimePoint now, std::chrono::seconds window) const {
  if (history_.empty()) return nullptr;
  const Sample* start = &history_.front();
  for (const Sample& sample : history_) {
    if (now - sample.at < window) break;
    start = &sample;
  }
  return start;
}

std::vector<RouteBurn> BurnRates::evaluate(TimePoint now, const SloCountsByRoute& current,
                                           const std::vector<SloSpec>& specs) const {
  std::vector<RouteBurn> out;
  out.reserve(specs.size());
  for (const SloSpec& spec : specs) {
    RouteBurn route{spec, {}, false, false};
    const SloCounts end = counts_of(current, spec.route);
    const double budget = 1.0 - spec.objective;
    for (const auto window : kBurnWindows) {
      WindowBurn burn;
      burn.window = window;
      const Sample* start = start_of(now, window);
      const SloCounts begin = start ? counts_of(start->counts, spec.route) : SloCounts{};
      // Counters restart with the process only, so they never go down within a history.
      burn.requests = std::max(0.0, end.total - begin.total);
      burn.bad = std::max(0.0, end.bad - begin.bad);
      burn.covered = start ? std::chrono::duration_cast<std::chrono::seconds>(now - start->at)
                           : std::chrono::seconds{0};
      if (burn.requests > 0 && budget > 0) burn.burn_rate = burn.bad / burn.requests / budget;
      route.windows.push_back(burn);
    }
    auto rate = [&](std::size_t i) { return route.windows[i].burn_rate; };
    route.page = rate(0) > kPageBurnRate && rate(2) > kPageBurnRate;      // 5m and 1h
    route.ticket = rate(1) > kTicketBurnRate && rate(3) > kTicketBurnRate;  // 30m and 6h
    out.push_back(std::move(route));
  }
  return out;
}

}  // namespace paygate::observe
