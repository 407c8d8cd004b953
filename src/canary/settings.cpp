#include "canary/settings.h"

#include <fmt/format.h>

namespace paygate::canary {

std::string CanarySettings::identity() const {
  std::string id = cluster + "/" + version + "/" + baseline_version;
  for (const std::uint32_t step : steps) id += fmt::format(":{}", step);
  return id;
}

}  // namespace paygate::canary
