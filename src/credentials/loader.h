#pragma once
// Loader: turns settings into checked key material for load_credentials() and
// load_merchant_role(), collecting every problem instead of stopping at the first, so that an
// operator sees them all at once. Internal to credentials/; one per load, control thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "credentials/credentials.h"
#include "credentials/settings.h"

namespace paygate::credentials {

// "parent[index]", the path of a list entry in problems.
inline std::string indexed(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

class Loader {
 public:
  Loader(std::chrono::sys_seconds now, std::chrono::seconds expiry_warning,
         CredentialReport& report)
      : now_(now), expiry_warning_(expiry_warning), report_(report) {}

  std::optional<MerchantCredentials> merchant(const MerchantSettings& settings,
                                              const std::string& path);
  std::optional<PlatformIdentity> platform_key(const PlatformKeySettings& settings,
                                               const std::string& path);
  // A verification key by its certificate (serial checked against it) or a public key with its
  // id: a merchant's, or on the merchant role a platform key replies are verified against.
  std::optional<MerchantKey> merchant_key(const MerchantKeySettings& settings,
                                          const std::string& path);
  // From `file` or the environment variable `env`, exactly one of them given.
  std::optional<crypto::ApiV3Key> apiv3_key(const std::string& file, const std::string& env,
                                            const std::string& path);
  void error(std::string path, std::string message) {
    report_.errors.push_back({std::move(path), std::move(message)});
  }

 private:
  void warn(std::string path, std::string message) {
    report_.warnings.push_back({std::move(path), std::move(message)});
  }
  std::optional<crypto::Certificate> certificate(const std::string& file, const std::string& path);
  // The identity of a platform key by its certificate or its public key; key is null when the
  // private key did not load (the other file is still checked, to report every problem).
  std::optional<PlatformIdentity> certified_platform_key(const PlatformKeySettings& settings,
                                                         const std::string& path,
                                                         const crypto::PrivateKey* key);
  std::optional<PlatformIdentity> public_platform_key(const PlatformKeySettings& settings,
                                                      const std::string& path,
                                                      const crypto::PrivateKey* key);
  void mismatch(const std::string& private_key_file, const std::string& public_file,
                const std::string& path) {
    error(path + ".private_key", private_key_file + ": not the private key of " + public_file);
  }
  bool merchant_keys(const MerchantSettings& settings, const std::string& path,
                     std::vector<MerchantKey>& keys);
  std::optional<crypto::ApiV3Key> apiv3_key_from_file(const std::string& file,
                                                      const std::string& path);
  std::optional<crypto::ApiV3Key> apiv3_key_from_env(const std::string& name,
                                                     const std::string& path);

  std::chrono::sys_seconds now_;
  std::chrono::seconds expiry_warning_;
  CredentialReport& report_;
};

// Reports the mchid of settings[i] when an earlier entry of the list `list` ("merchants") has
// it too.
template <typename Settings>
void check_unique_mchid(Loader& loader, const std::vector<Settings>& settings, std::size_t i,
                        std::string_view list) {
  for (std::size_t k = 0; k < i; ++k) {
    if (settings[i].mchid.empty() || settings[k].mchid != settings[i].mchid) continue;
    loader.error(indexed(list, i) + ".mchid",
                 "duplicate mchid '" + settings[i].mchid + "' (also " + indexed(list, k) + ")");
    return;
  }
}

}  // namespace paygate::credentials
