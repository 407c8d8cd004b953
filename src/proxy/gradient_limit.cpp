#include "proxy/gradient_limit.h"

#include <algorithm>

namespace paygate::proxy {

GradientLimit::GradientLimit(const ConcurrencySettings& settings)
    : min_limit_(static_cast<double>(settings.min_limit)),
      max_limit_(static_cast<double>(settings.max_limit)),
      limit_(static_cast<double>(settings.initial_limit)) {
  if (!settings.adaptive) probing_ = false;  // a fixed limit is never measured against
}

void GradientLimit::set_bounds(const ConcurrencySettings& settings) {
  min_limit_ = static_cast<double>(settings.min_limit);
  max_limit_ = static_cast<double>(settings.max_limit);
  limit_ = std::clamp(limit_, min_limit_, max_limit_);
}

std::size_t GradientLimit::limit() const {
  return static_cast<std::size_t>(probing_ ? min_limit_ : limit_);
}

void GradientLimit::on_sample(Clock::duration rtt, std::size_t in_flight, Clock::time_point now) {
  // A probe measures only requests that ran with at most min_limit outstanding: the ones that
  // started before the drain would carry the queueing it is there to avoid.
  if (probing_) {
    if (static_cast<double>(in_flight) > min_limit_) return;
    if (!drained_) {
      drained_ = true;
      drained_at_ = now;
    }
    if (now - rtt < drained_at_) return;
  }
  if (!window_open_) start_window(now);
  window_sum_ += std::chrono::duration<double>(rtt).count();
  ++window_samples_;
  window_peak_in_flight_ = std::max(window_peak_in_flight_, in_flight);
  if (window_samples_ >= kMinWindowSamples && now - window_start_ >= kMinWindow) {
    close_window(now);
  }
}

void GradientLimit::start_window(Clock::time_point now) {
  window_open_ = true;
  window_start_ = now;
  window_sum_ = 0;
  window_samples_ = 0;
  window_peak_in_flight_ = 0;
}

void GradientLimit::close_window(Clock::time_point now) {
  window_open_ = false;
  const double short_rtt = window_sum_ / static_cast<double>(window_samples_);
  if (probing_) {
    baseline_ = short_rtt;
    probing_ = false;
    drained_ = false;
    next_probe_ = now + kProbeInterval;
    return;
  }
  if (now >= next_probe_) probing_ = true;  // this window still counts; the next one probes
  if (static_cast<double>(window_peak_in_flight_) < limit_ / 2) return;
  adjust(short_rtt);
}

void GradientLimit::adjust(double short_rtt) {
  // A clock too coarse to tell the exchanges apart says nothing against growing.
  const double gradient =
      short_rtt > 0 ? std::clamp(kTolerance * baseline_ / short_rtt, 0.5, 1.0) : 1.0;
  const double target = limit_ * gradient + kHeadroom;
  limit_ = target > limit_ ? target : limit_ + kSmoothing * (target - limit_);
  limit_ = std::clamp(limit_, min_limit_, max_limit_);
}

}  // namespace paygate::proxy
