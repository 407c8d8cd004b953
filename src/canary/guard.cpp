#include "canary/guard.h"

#include <fmt/format.h>

namespace paygate::canary {

VersionWindow VersionWindow::since(const VersionWindow& earlier) const {
  VersionWindow delta;
  // Counters only grow; a version whose series restarted counts from zero.
  delta.requests = requests >= earlier.requests ? requests - earlier.requests : requests;
  delta.errors = errors >= earlier.errors ? errors - earlier.errors : errors;
  delta.latency = latency.since(earlier.latency);
  return delta;
}

std::string Judgement::describe() const {
  return fmt::format("5xx {:.2f}% vs baseline {:.2f}% over {} canary requests; p99 {:.0f} ms",
                     canary_error_ratio * 100, baseline_error_ratio * 100, canary_requests,
                     canary_p99_seconds * 1000);
}

Judgement judge_guard(const Guard& guard, const VersionWindow& baseline,
                      const VersionWindow& canary) {
  Judgement j;
  j.canary_requests = canary.requests;
  j.canary_error_ratio = canary.error_ratio();
  j.baseline_error_ratio = baseline.error_ratio();
  j.canary_p99_seconds = canary.latency.quantile(0.99);
  if (canary.requests < guard.min_requests || canary.requests == 0) {
    j.verdict = Verdict::kTooFewRequests;
  } else if (j.canary_error_ratio - j.baseline_error_ratio > guard.max_error_ratio) {
    j.verdict = Verdict::kErrorRatio;
  } else if (guard.max_p99.count() > 0 &&
             j.canary_p99_seconds * 1000 > static_cast<double>(guard.max_p99.count())) {
    j.verdict = Verdict::kP99;
  } else {
    j.verdict = Verdict::kHolds;
  }
  return j;
}

}  // namespace paygate::canary
