// load_merchant_role: the merchant role's settings -> checked key material.
#include "credentials/merchant_role.h"

#include <algorithm>
#include <utility>

#include "credentials/loader.h"
#include "crypto/certificate.h"
#include "crypto/compare.h"

namespace paygate::credentials {

const SigningIdentity* App::may_sign_as(std::string_view mchid) const {
  for (const SigningIdentity* identity : identities) {
    if (identity->mchid == mchid) return identity;
  }
  return nullptr;
}

MerchantRole::MerchantRole(std::vector<SigningIdentity> identities,
                           std::vector<MerchantKey> platform_keys,
                           const MerchantRoleSettings& settings)
    : identities_(std::move(identities)),
      platform_keys_(std::move(platform_keys)),
      clock_skew_(settings.clock_skew),
      certificates_cluster_(settings.certificates_cluster),
      certificates_refresh_(settings.certificates_refresh) {}

const App* MerchantRole::app_with_token(std::string_view token) const {
  const App* found = nullptr;
  for (const App& app : apps_) {
    // An app known by its certificate has no token: an empty one must not find it.
    const bool same = crypto::constant_time_equals(app.token.view(), token);
    if (same && !app.token.empty() && found == nullptr) found = &app;
  }
  return found;
}

MerchantRole::CertificateMatch MerchantRole::app_with_certificate(
    std::span<const std::string> names) const {
  CertificateMatch match;
  for (const std::string& name : names) {
    const auto found =
        std::lower_bound(apps_by_san_.begin(), apps_by_san_.end(), std::string_view(name),
                         [](const auto& entry, std::string_view san) { return entry.first < san; });
    if (found == apps_by_san_.end() || found->first != name) continue;
    if (match.app != nullptr && match.app != found->second) return {nullptr, true};
    match.app = found->second;
  }
  return match;
}

namespace {

std::optional<SigningIdentity> load_identity(Loader& loader, const IdentitySettings& settings,
                                             const std::string& path) {
  if (settings.mchid.empty()) loader.error(path + ".mchid", "an identity needs its mchid");
  if (settings.serial.empty()) {
    loader.error(path + ".serial", "an identity needs the serial of its merchant API certificate");
  }
  auto key = crypto::PrivateKey::from_file(settings.private_key_file);
  if (!key) loader.error(path + ".private_key", key.error().detail);
  auto apiv3 = loader.apiv3_key(settings.apiv3_key_file, settings.apiv3_key_env, path);
  if (settings.mchid.empty() || settings.serial.empty() || !key || !apiv3) return std::nullopt;
  return SigningIdentity{settings.mchid, settings.serial, std::move(*key), std::move(*apiv3)};
}

void load_identities(Loader& loader, const std::vector<IdentitySettings>& settings,
                     std::vector<SigningIdentity>& out) {
  if (settings.empty()) {
    loader.error("merchant.identities", "the merchant role needs at least one identity");
  }
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string path = indexed("merchant.identities", i);
    check_unique_mchid(loader, settings, i, "merchant.identities");
    if (auto identity = load_identity(loader, settings[i], path)) {
      out.push_back(std::move(*identity));
    }
  }
}

void load_platform_keys(Loader& loader, const std::vector<MerchantKeySettings>& settings,
                        std::vector<MerchantKey>& out) {
  if (settings.empty()) {
    loader.error("merchant.platform_keys",
                 "the merchant role needs at least one platform key to verify replies with");
  }
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string path = indexed("merchant.platform_keys", i);
    auto key = loader.merchant_key(settings[i], path);
    if (!key) continue;
    for (const MerchantKey& other : out) {
      if (crypto::same_serial(other.serial, key->serial)) {
        loader.error(path, "duplicate platform key serial '" + key->serial + "'");
      }
    }
    out.push_back(std::move(*key));
  }
}

const SigningIdentity* identity_of(const std::vector<SigningIdentity>& identities,
                                   std::string_view mchid) {
  for (const SigningIdentity& identity : identities) {
    if (identity.mchid == mchid) return &identity;
  }
  return nullptr;
}

// A certificate says which app it is only when no other app claims the same name.
void check_unique_san(Loader& loader, const std::vector<AppSettings>& settings, std::size_t i) {
  const std::string& san = settings[i].certificate_san;
  for (std::size_t k = 0; k < i && !san.empty(); ++k) {
    if (settings[k].certificate_san != san) continue;
    loader.error(indexed("merchant.apps", i) + ".client_certificate.san",
                 "'" + san + "' is already the san of " + indexed("merchant.apps", k) + " ('" +
                     settings[k].name + "'): app '" + settings[i].name +
                     "' needs a san of its own, or a certificate could be either app");
  }
}

// The lookup table of app_with_certificate, made once the apps are final (it points into them).
std::vector<std::pair<std::string_view, const App*>> index_by_san(const std::vector<App>& apps) {
  std::vector<std::pair<std::string_view, const App*>> index;
  for (const App& app : apps) {
    if (!app.certificate_san.empty()) index.emplace_back(app.certificate_san, &app);
  }
  std::sort(index.begin(), index.end());
  return index;
}

// Apps point into the identities, so they are made once those are final.
void load_apps(Loader& loader, const std::vector<AppSettings>& settings,
               const std::vector<SigningIdentity>& identities, std::vector<App>& out) {
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string path = indexed("merchant.apps", i);
    const AppSettings& app = settings[i];
    if (app.token.empty() && app.certificate_san.empty()) {
      loader.error(path, "an app needs its token (token_file or token_env) or client_certificate");
    }
    check_unique_san(loader, settings, i);
    for (std::size_t k = 0; k < i; ++k) {
      if (!app.token.empty() &&
          crypto::constant_time_equals(settings[k].token.view(), app.token.view())) {
        loader.error(path, "the same token as " + indexed("merchant.apps", k) +
                               ": an app's token must say which app it is");
      }
    }
    if (app.mchids.empty()) loader.error(path + ".mchids", "an app needs at least one mchid");
    App loaded{app.name, app.token, app.certificate_san, {}};
    for (std::size_t m = 0; m < app.mchids.size(); ++m) {
      const SigningIdentity* identity = identity_of(identities, app.mchids[m]);
      if (identity == nullptr) {
        loader.error(indexed(path + ".mchids", m),
                     "no identity under merchant.identities has mchid '" + app.mchids[m] + "'");
        continue;
      }
      loaded.identities.push_back(identity);
    }
    out.push_back(std::move(loaded));
  }
}

}  // namespace

std::shared_ptr<const MerchantRole> load_merchant_role(const MerchantRoleSettings& settings,
                                                       std::chrono::sys_seconds now,
                                                       CredentialReport& report) {
  const std::size_t errors_before = report.errors.size();
  Loader loader(now, kExpiryWarning, report);
  std::vector<SigningIdentity> identities;
  load_identities(loader, settings.identities, identities);
  std::vector<MerchantKey> platform_keys;
  load_platform_keys(loader, settings.platform_keys, platform_keys);
  auto role =
      std::make_shared<MerchantRole>(std::move(identities), std::move(platform_keys), settings);
  load_apps(loader, settings.apps, role->identities_, role->apps_);
  role->apps_by_san_ = index_by_san(role->apps_);
  if (report.errors.size() != errors_before) return nullptr;
  return role;
}

}  // namespace paygate::credentials
