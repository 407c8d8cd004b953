#pragma once
// GradientLimit: the adaptive concurrency limit of one cluster on one worker, from the latency
// of its successful upstream exchanges (a latency gradient, after Netflix's gradient2 and
// Envoy's adaptive concurrency filter).
//
//   the samples of a window (>= kMinWindowSamples and >= kMinWindow) are averaged -> short RTT
//   gradient = clamp(kTolerance * baseline / short, 0.5, 1)
//   target   = limit * gradient + kHeadroom
//   limit    = target when that grows it, else limit + kSmoothing * (target - limit); in bounds
//
// While latency stays within kTolerance of the baseline the limit grows by kHeadroom a window;
// once the upstream queues, latency rises and the limit shrinks until it is back near
// kTolerance x baseline. A window whose busiest moment used less than half the limit says
// nothing about a higher one, so it does not grow it.
//
// The baseline is measured, not inferred: at the start and every kProbeInterval the limit drops
// to min_limit for a probe; once no more than min_limit requests are outstanding, the average of
// one window of requests that started after that moment is the baseline and the limit returns
// to where it was. (A request admitted before the drain and finishing after it still carries
// the queueing of the busy moment it started in.) A baseline taken from busy
// windows would include the queueing it is meant to detect and creep upwards under a sustained
// overload; the probe costs a few round trips at min_limit every kProbeInterval.
// Plain arithmetic on the caller's clock: no I/O, no allocation. One per cluster per worker.

#include <chrono>
#include <cstddef>

#include "proxy/settings.h"

namespace paygate::proxy {

class GradientLimit {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr double kTolerance = 1.25;
  static constexpr double kHeadroom = 1;
  static constexpr double kSmoothing = 0.2;
  static constexpr std::size_t kMinWindowSamples = 8;
  static constexpr Clock::duration kMinWindow = std::chrono::milliseconds{20};
  static constexpr Clock::duration kProbeInterval = std::chrono::seconds{30};

  // Starts with a probe at the first sample.
  explicit GradientLimit(const ConcurrencySettings& settings);

  // New bounds from a reload: the current limit is kept, within them.
  void set_bounds(const ConcurrencySettings& settings);
  // What may be outstanding now: min_limit while probing.
  std::size_t limit() const;
  bool probing() const { return probing_; }
  // The latest baseline in seconds; 0 before the first probe ended.
  double baseline_seconds() const { return baseline_; }

  // A successful exchange took `rtt`; `in_flight` requests (it included) were outstanding.
  void on_sample(Clock::duration rtt, std::size_t in_flight, Clock::time_point now);

 private:
  void close_window(Clock::time_point now);
  void adjust(double short_rtt);
  void start_window(Clock::time_point now);

  double min_limit_;
  double max_limit_;
  double limit_;
  double baseline_ = 0;  // seconds
  bool probing_ = true;
  bool drained_ = false;            // while probing: no more than min_limit are outstanding
  Clock::time_point drained_at_{};  // since then
  Clock::time_point next_probe_{};
  // The current window.
  bool window_open_ = false;
  Clock::time_point window_start_{};
  double window_sum_ = 0;  // seconds
  std::size_t window_samples_ = 0;
  std::size_t window_peak_in_flight_ = 0;
};

}  // namespace paygate::proxy
