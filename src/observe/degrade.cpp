#include "observe/degrade.h"

namespace paygate::observe {

DegradeSwitch::Change DegradeSwitch::update(Clock::time_point now, std::string_view paging,
                                            Clock::duration recover_after) {
  const bool was_active = active();
  if (!paging.empty()) {
    last_page_ = now;
    cause_ = paging;
    if (was_active) return Change::kNone;
    active_.store(true, std::memory_order_relaxed);
    return Change::kStarted;
  }
  if (!was_active || now - last_page_ < recover_after) return Change::kNone;
  active_.store(false, std::memory_order_relaxed);
  return Change::kEnded;
}

}  // namespace paygate::observe
