#pragma once
// The canary's guard, judged on what the canary and the baseline answered since the current
// step began: the canary's 5xx share may exceed the baseline's by at most max_error_ratio, and
// its p99 (estimated from the latency histogram like Prometheus' histogram_quantile) may be at
// most max_p99. With fewer than min_requests canary requests nothing is judged yet.

#include <cstdint>
#include <string>

#include "canary/settings.h"
#include "observe/registry.h"

namespace paygate::canary {

// What one version answered over a window.
struct VersionWindow {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;          // 5xx answers
  observe::HistogramCounts latency;  // seconds

  double error_ratio() const {
    return requests == 0 ? 0 : static_cast<double>(errors) / static_cast<double>(requests);
  }
  VersionWindow since(const VersionWindow& earlier) const;
};

enum class Verdict {
  kHolds,
  kTooFewRequests,  // not judged yet
  kErrorRatio,      // broken: too many 5xx
  kP99,             // broken: too slow
};

struct Judgement {
  Verdict verdict = Verdict::kTooFewRequests;
  std::uint64_t canary_requests = 0;
  double canary_error_ratio = 0;
  double baseline_error_ratio = 0;
  double canary_p99_seconds = 0;

  bool broken() const { return verdict == Verdict::kErrorRatio || verdict == Verdict::kP99; }
  // "5xx 5.10% vs baseline 0.00% (allowed +1.00%) over 1200 requests; p99 12 ms".
  std::string describe() const;
};

Judgement judge_guard(const Guard& guard, const VersionWindow& baseline,
                      const VersionWindow& canary);

}  // namespace paygate::canary
