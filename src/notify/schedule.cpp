#include "notify/schedule.h"

#include <algorithm>
#include <cmath>


namespace paygate::notify {

using std::chrono::seconds;

std::optional<std::chrono::milliseconds> retry_delay(std::span<const seconds> schedule,
                                                     unsigned attempts, double jitter,
                                                     double unit_random) {
  if (attempts == 0 || attempts > schedule.size()) return std::nullopt;
  const double base = std::chrono::duration<double, std::milli>(schedule[attempts - 1]).count();
  const double spread = std::clamp(jitter, 0.0, 1.0) * (2.0 * unit_random - 1.0);
  return std::chrono::milliseconds{std::llround(base * (1.0 + spread))};
}

}  // namespace paygate::notify
