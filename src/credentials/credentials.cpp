#include "credentials/credentials.h"

#include <algorithm>
#include <utility>

namespace paygate::credentials {

const MerchantKey* MerchantCredentials::find_key(std::string_view serial) const {
  for (const auto& entry : keys) {
    if (crypto::same_serial(entry.serial, serial)) return &entry;
  }
  return nullptr;
}

bool MerchantCredentials::allows_route(std::string_view route) const {
  if (allowed_routes.empty()) return true;
  return std::find(allowed_routes.begin(), allowed_routes.end(), route) != allowed_routes.end();
}

Credentials::Credentials(std::vector<MerchantCredentials> merchants,
                         std::vector<PlatformIdentity> platform, std::chrono::seconds clock_skew,
                         std::size_t nonce_cache_capacity)
    : merchants_(std::move(merchants)),
      platform_(std::move(platform)),
      clock_skew_(clock_skew),
      nonce_cache_capacity_(nonce_cache_capacity) {
  std::sort(merchants_.begin(), merchants_.end(),
            [](const auto& a, const auto& b) { return a.mchid < b.mchid; });
  for (const auto& identity : platform_) {
    if (identity.certificate) certificates_.push_back(*identity.certificate);
  }
}

const MerchantCredentials* Credentials::merchant(std::string_view mchid) const {
  auto found = std::lower_bound(
      merchants_.begin(), merchants_.end(), mchid,
      [](const MerchantCredentials& m, std::string_view id) { return m.mchid < id; });
  if (found == merchants_.end() || found->mchid != mchid) return nullptr;
  return &*found;
}

const PlatformIdentity* Credentials::signing_identity() const {
  return platform_.empty() ? nullptr : &platform_.front();
}

const PlatformIdentity* Credentials::platform_identity(std::string_view serial) const {
  for (const auto& identity : platform_) {
    if (crypto::same_serial(identity.serial, serial)) return &identity;
  }
  return nullptr;
}

}  // namespace paygate::credentials
