#include "steps/platform_trust.h"

#include <utility>

namespace paygate::steps {

void PlatformTrust::publish(std::shared_ptr<const TrustedKeys> keys) {
  {
    std::lock_guard lock(mutex_);
    keys_ = std::move(keys);
  }
  // After the keys: a worker that sees the new generation finds them.
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const TrustedKeys> PlatformTrust::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

}  // namespace paygate::steps
