#pragma once
// Shares: the canary share of each route, in basis points, where the workers' Split steps read
// it (steps/split.h) and the controller writes it. One atomic per route name for the life of the
// process, so a share survives reloads and a worker compiling a new snapshot finds the value the
// controller set. of() takes a lock and may allocate: call it when compiling routes, never per
// request; the atomics themselves are read without locks.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace paygate::canary {

using Share = std::atomic<std::uint32_t>;

class Shares {
 public:
  // The share of `route`, 0 until the controller sets it. Any thread.
  std::shared_ptr<Share> of(const std::string& route) {
    std::lock_guard lock(mutex_);
    auto& share = shares_[route];
    if (!share) share = std::make_shared<Share>(0);
    return share;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Share>> shares_;
};

}  // namespace paygate::canary
