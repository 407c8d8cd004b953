#include "app/certificate_expiry.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "observe/metric_names.h"

namespace paygate::app {

struct CertificateExpiry::State {
  mutable std::mutex mutex;
  std::vector<CertificateInfo> certificates;  // guarded by mutex
};

std::vector<CertificateInfo> certificates_of(const steps::Credentials* credentials) {
  std::vector<CertificateInfo> out;
  if (credentials == nullptr) return out;
  for (const auto& identity : credentials->platform_identities()) {
    if (!identity.certificate) continue;  // public-key mode: nothing expires
    out.push_back({std::string(observe::names::kRolePlatform), "", identity.serial,
                   identity.certificate->not_after()});
  }
  for (const auto& merchant : credentials->merchants()) {
    for (const auto& key : merchant.keys) {
      if (key.not_after == std::chrono::sys_seconds{}) continue;  // a bare public key
      out.push_back(
          {std::string(observe::names::kRoleMerchant), merchant.mchid, key.serial, key.not_after});
    }
  }
  return out;
}

CertificateExpiry::CertificateExpiry(observe::Registry& registry, observe::GaugeFamily family)
    : state_(std::make_shared<State>()) {
  registry.add_collector([state = state_, family](observe::Writer& writer) {
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

}  // namespace paygate::app
