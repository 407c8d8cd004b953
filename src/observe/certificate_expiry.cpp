#include "observe/certificate_expiry.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "observe/metric_names.h"

namespace paygate::observe {

struct CertificateExpiry::State {
  mutable std::mutex mutex;
  std::vector<CertificateInfo> certificates;  // guarded by mutex
};

CertificateExpiry::CertificateExpiry(Registry& registry, GaugeFamily family)
    : state_(std::make_shared<State>()) {
  registry.add_collector([state = state_, family](Writer& writer) {
    const auto now = std::chrono::system_clock::now();
    std::lock_guard lock(state->mutex);
    for (const auto& c : state->certificates) {
      const std::chrono::duration<double> left = c.not_after - now;
      writer.sample(family, {c.role, c.mchid, c.serial}, left.count());
    }
  });
}

void CertificateExpiry::publish(std::vector<CertificateInfo> certificates) {
  std::lock_guard lock(state_->mutex);
  state_->certificates = std::move(certificates);
}

std::size_t CertificateExpiry::warn_expiring(std::chrono::sys_seconds now,
                                             std::chrono::seconds window) const {
  std::lock_guard lock(state_->mutex);
  std::size_t warned = 0;
  for (const auto& c : state_->certificates) {
    if (c.not_after - now >= window) continue;
    const auto days = std::chrono::floor<std::chrono::days>(c.not_after - now).count();
    spdlog::warn("{} certificate {}{}{} expires in {} days: rotate it (README, key rotation)",
                 c.role, c.serial, c.mchid.empty() ? "" : " of merchant ", c.mchid, days);
    ++warned;
  }
  return warned;
}

}  // namespace paygate::observe
