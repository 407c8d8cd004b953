#include "credentials/expiry.h"

#include <string>

#include "observe/metric_names.h"

namespace paygate::credentials {

std::vector<observe::CertificateInfo> certificates_of(const Credentials* credentials) {
  namespace names = observe::names;
  std::vector<observe::CertificateInfo> out;
  if (credentials == nullptr) return out;
  for (const auto& identity : credentials->platform_identities()) {
    if (!identity.certificate) continue;  // public-key mode: nothing expires
    out.push_back({std::string(names::kRolePlatform), "", identity.serial,
                   identity.certificate->not_after()});
  }
  for (const auto& merchant : credentials->merchants()) {
    for (const auto& key : merchant.keys) {
      if (key.not_after == std::chrono::sys_seconds{}) continue;  // a bare public key
      out.push_back({std::string(names::kRoleMerchant), merchant.mchid, key.serial, key.not_after});
    }
  }
  return out;
}

}  // namespace paygate::credentials
