#pragma once
// Settings of the process as a whole.

#include <chrono>

namespace paygate::core {

struct ProcessSettings {
  unsigned workers = 0;                          // 0 = one per core
  std::chrono::milliseconds drain_timeout{10'000};  // SIGTERM: finish in-flight requests within
};

}  // namespace paygate::core
