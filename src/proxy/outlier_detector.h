#pragma once
// OutlierDetector: one endpoint's passive health as one worker sees it, from the result of each
// try: consecutive 5xx answers, consecutive gateway errors (502, 503, 504 and the local
// failures: connect, reset, timeout) and the share of failed tries over a sliding window
// (clusters[].outlier_detection). record() says when the endpoint should be ejected; whether it
// is (the cluster's max_ejection_percent) is ClusterState's decision, and eject() then says for
// how long: the n-th ejection in a row rests n x base_ejection, at most max_ejection. "In a row":
// an endpoint that stays back for max_ejection starts again from one.
// Plain counters, no clock reads of its own: the caller passes `now`. Worker-confined like the
// EndpointState that holds it.

#include <chrono>
#include <optional>
#include <string_view>

#include "http/connection_pool.h"
#include "proxy/settings.h"

namespace paygate::proxy {

using http::Clock;

// What one try of an endpoint came to.
enum class TryResult {
  kSuccess,       // an answer below 500
  k5xx,           // an answer of 500-599 other than the gateway errors
  kGatewayError,  // an answer of 502, 503 or 504
  kLocalFailure,  // no answer: connect failure, reset, timeout
};
TryResult result_of_status(int status);

// Why an endpoint was ejected: paygate_upstream_ejections_total{reason}.
enum class EjectionReason {
  kConnectFailures,  // eject_after_connect_failures
  kConsecutive5xx,
  kGatewayErrors,
  kErrorRatio,
};
std::string_view to_string(EjectionReason reason);

class OutlierDetector {
 public:
  // Counts the try; the reason when the endpoint has earned an ejection.
  std::optional<EjectionReason> record(const OutlierDetection& settings, TryResult result,
                                       Clock::time_point now);
  // The endpoint is ejected now: how long it rests. Starts the counts afresh.
  Clock::duration eject(const OutlierDetection& settings, Clock::time_point now);

  unsigned ejections_in_a_row() const { return ejections_in_a_row_; }

 private:
  // Tries and failures of the current window and the one before; the ratio weighs the older one
  // by how much of it still lies within a window of now (a sliding estimate, two counters).
  struct Window {
    Clock::time_point start{};
    unsigned tries = 0;
    unsigned failures = 0;
  };
  std::optional<EjectionReason> ratio_exceeded(const ErrorRatio& ratio, Clock::time_point now);
  void roll(Clock::duration length, Clock::time_point now);

  unsigned consecutive_5xx_ = 0;
  unsigned consecutive_gateway_errors_ = 0;
  Window current_;
  Window previous_;
  unsigned ejections_in_a_row_ = 0;
  Clock::time_point back_at_{};  // when the last ejection ended
};

}  // namespace paygate::proxy
