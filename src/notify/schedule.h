#pragma once
// Retry arithmetic: when the next attempt of an event is due after a failed one. Pure.

#include <chrono>
#include <optional>
#include <span>

namespace paygate::notify {

// `attempts`: attempts made so far, the failed one included (>= 1). `unit_random` in [0, 1)
// spreads the delay over [d * (1 - jitter), d * (1 + jitter)] so that a burst of failures does
// not retry in lockstep. nullopt when the schedule is exhausted: the event is a dead letter.
std::optional<std::chrono::milliseconds> retry_delay(std::span<const std::chrono::seconds> schedule,
                                                     unsigned attempts, double jitter,
                                                     double unit_random);

}  // namespace paygate::notify
