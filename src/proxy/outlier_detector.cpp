#include "proxy/outlier_detector.h"

#include <algorithm>

namespace paygate::proxy {

TryResult result_of_status(int status) {
  if (status == 502 || status == 503 || status == 504) return TryResult::kGatewayError;
  return status >= 500 ? TryResult::k5xx : TryResult::kSuccess;
}

std::string_view to_string(EjectionReason reason) {
  switch (reason) {
    case EjectionReason::kConnectFailures:
      return "connect_failures";
    case EjectionReason::kConsecutive5xx:
      return "consecutive_5xx";
    case EjectionReason::kGatewayErrors:
      return "gateway_errors";
    case EjectionReason::kErrorRatio:
      return "error_ratio";
  }
  return "?";
}

std::optional<EjectionReason> OutlierDetector::record(const OutlierDetection& settings,
                                                      TryResult result, Clock::time_point now) {
  const bool failed = result != TryResult::kSuccess;
  const bool gateway = result == TryResult::kGatewayError || result == TryResult::kLocalFailure;
  consecutive_5xx_ = failed ? consecutive_5xx_ + 1 : 0;
  consecutive_gateway_errors_ = gateway ? consecutive_gateway_errors_ + 1 : 0;
  if (settings.error_ratio) {
    roll(settings.error_ratio->window, now);
    ++current_.tries;
    if (failed) ++current_.failures;
  }
  if (settings.consecutive_gateway_errors > 0 &&
      consecutive_gateway_errors_ >= settings.consecutive_gateway_errors) {
    return EjectionReason::kGatewayErrors;
  }
  if (settings.consecutive_5xx > 0 && consecutive_5xx_ >= settings.consecutive_5xx) {
    return EjectionReason::kConsecutive5xx;
  }
  if (failed && settings.error_ratio) return ratio_exceeded(*settings.error_ratio, now);
  return std::nullopt;
}

std::optional<EjectionReason> OutlierDetector::ratio_exceeded(const ErrorRatio& ratio,
                                                              Clock::time_point now) {
  const auto length = std::chrono::duration<double>(ratio.window).count();
  const auto into = std::chrono::duration<double>(now - current_.start).count();
  const double older_weight = std::clamp(1.0 - into / length, 0.0, 1.0);
  const double tries = current_.tries + older_weight * previous_.tries;
  const double failures = current_.failures + older_weight * previous_.failures;
  if (tries < ratio.min_requests || failures < ratio.threshold * tries) return std::nullopt;
  return EjectionReason::kErrorRatio;
}

void OutlierDetector::roll(Clock::duration length, Clock::time_point now) {
  if (now - current_.start < length) return;
  // One window on: the current one becomes the previous, and windows stay aligned; longer: both
  // are out of reach.
  if (now - current_.start < 2 * length) {
    previous_ = current_;
    current_ = Window{current_.start + length, 0, 0};
  } else {
    previous_ = Window{};
    current_ = Window{now, 0, 0};
  }
}

Clock::duration OutlierDetector::eject(const OutlierDetection& settings, Clock::time_point now) {
  // Back for max_ejection without another ejection: the run is over.
  if (ejections_in_a_row_ > 0 && now - back_at_ >= settings.max_ejection) ejections_in_a_row_ = 0;
  ++ejections_in_a_row_;
  const Clock::duration rest = std::min<Clock::duration>(
      settings.base_ejection * ejections_in_a_row_, settings.max_ejection);
  back_at_ = now + rest;
  consecutive_5xx_ = consecutive_gateway_errors_ = 0;
  current_ = previous_ = Window{now, 0, 0};
  return rest;
}

}  // namespace paygate::proxy
