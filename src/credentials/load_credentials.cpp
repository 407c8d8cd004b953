// load_credentials: settings -> checked key material. One Loader per call collects every
// problem instead of stopping at the first, so an operator sees them all at once.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <utility>

#include "core/bounded_read.h"
#include "credentials/credentials.h"
#include "credentials/loader.h"
#include "crypto/secret_buffer.h"

namespace paygate::credentials {
namespace {

std::string date_text(std::chrono::sys_seconds time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  char text[32] = {};
  if (gmtime_r(&seconds, &parts) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts) == 0) {
    return "?";
  }
  return text;
}

bool is_id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

}  // namespace

std::optional<crypto::ApiV3Key> read_apiv3_key_file(const std::string& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = file + ": cannot open the APIv3 key file";
    return std::nullopt;
  }
  crypto::SecretBuffer key;
  // Reserved up front so the secret is never copied by a growing buffer (the wipe reaches all).
  key.reserve(kMaxApiV3KeyFileBytes + 1);
  if (core::read_bounded(in, kMaxApiV3KeyFileBytes, key.text()) == core::BoundedRead::kFailed) {
    error = file + ": cannot read the APIv3 key file";
    return std::nullopt;
  }
  std::string_view text = key.view();
  // Editors and `echo` end files with a newline; it is not part of the key.
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  auto loaded = crypto::ApiV3Key::from_text(text, file);
  if (!loaded) {
    error = loaded.error().detail;
    return std::nullopt;
  }
  return std::move(*loaded);
}

std::optional<crypto::Certificate> Loader::certificate(const std::string& file,
                                                       const std::string& path) {
  auto loaded = crypto::Certificate::from_file(file);
  if (!loaded) {
    error(path, loaded.error().detail);
    return std::nullopt;
  }
  if (now_ > loaded->not_after()) {
    error(path, file + ": the certificate expired on " + date_text(loaded->not_after()));
    return std::nullopt;
  }
  if (now_ < loaded->not_before()) {
    warn(path, file + ": the certificate is not valid before " + date_text(loaded->not_before()));
  } else if (loaded->not_after() - now_ < expiry_warning_) {
    warn(path, file + ": the certificate expires on " + date_text(loaded->not_after()));
  }
  return std::move(*loaded);
}

std::optional<MerchantKey> Loader::merchant_key(const MerchantKeySettings& settings,
                                                const std::string& path) {
  const bool has_certificate = !settings.certificate_file.empty();
  if (has_certificate == !settings.public_key_file.empty()) {
    error(path, "a key needs exactly one of certificate or public_key");
    return std::nullopt;
  }
  if (!has_certificate) {
    if (settings.serial.empty()) {
      error(path + ".serial", "a public_key needs its serial (the public-key id, PUB_KEY_ID_...)");
    }
    auto key = crypto::PublicKey::from_file(settings.public_key_file);
    if (!key) error(path + ".public_key", key.error().detail);
    if (!key || settings.serial.empty()) return std::nullopt;
    return MerchantKey{settings.serial, std::move(*key), {}};
  }
  auto certificate = this->certificate(settings.certificate_file, path + ".certificate");
  if (!certificate) return std::nullopt;
  if (!settings.serial.empty() &&
      !crypto::same_serial(settings.serial, certificate->serial_hex())) {
    error(path + ".serial", "serial '" + settings.serial + "' is not the serial of " +
                                settings.certificate_file + " ('" + certificate->serial_hex() +
                                "')");
    return std::nullopt;
  }
  return MerchantKey{certificate->serial_hex(), certificate->public_key(),
                     certificate->not_after()};
}

bool Loader::merchant_keys(const MerchantSettings& settings, const std::string& path,
                           std::vector<MerchantKey>& keys) {
  const std::string keys_path = path + ".keys";
  if (settings.keys.empty()) {
    error(keys_path, "a merchant needs at least one key");
    return false;
  }
  bool ok = true;
  std::vector<std::size_t> origin;  // settings index of each loaded key
  for (std::size_t i = 0; i < settings.keys.size(); ++i) {
    auto key = merchant_key(settings.keys[i], indexed(keys_path, i));
    if (!key) {
      ok = false;
      continue;
    }
    for (std::size_t k = 0; k < keys.size(); ++k) {
      if (!crypto::same_serial(keys[k].serial, key->serial)) continue;
      error(indexed(keys_path, i),
            "duplicate serial '" + key->serial + "' (also " + indexed(keys_path, origin[k]) + ")");
      ok = false;
    }
    keys.push_back(std::move(*key));
    origin.push_back(i);
  }
  return ok;
}

std::optional<crypto::ApiV3Key> Loader::apiv3_key_from_file(const std::string& file,
                                                            const std::string& path) {
  std::string problem;
  auto key = read_apiv3_key_file(file, problem);
  if (!key) error(path, problem);
  return key;
}

std::optional<crypto::ApiV3Key> Loader::apiv3_key_from_env(const std::string& name,
                                                           const std::string& path) {
  // The control thread loads configuration; nothing in paygate calls setenv concurrently.
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    error(path, "the environment variable " + name + " is not set");
    return std::nullopt;
  }
  auto loaded = crypto::ApiV3Key::from_text(value, "the environment variable " + name);
  if (!loaded) {
    error(path, loaded.error().detail);
    return std::nullopt;
  }
  return std::move(*loaded);
}

std::optional<crypto::ApiV3Key> Loader::apiv3_key(const std::string& file, const std::string& env,
                                                  const std::string& path) {
  const bool from_file = !file.empty();
  if (from_file == !env.empty()) {
    error(path, "a merchant needs exactly one of apiv3_key_file or apiv3_key_env");
    return std::nullopt;
  }
  if (from_file) return apiv3_key_from_file(file, path + ".apiv3_key_file");
  return apiv3_key_from_env(env, path + ".apiv3_key_env");
}

std::optional<MerchantCredentials> Loader::merchant(const MerchantSettings& settings,
                                                    const std::string& path) {
  if (settings.mchid.empty()) error(path + ".mchid", "a merchant needs its mchid");
  auto key = apiv3_key(settings.apiv3_key_file, settings.apiv3_key_env, path);
  std::vector<MerchantKey> keys;
  const bool keys_ok = merchant_keys(settings, path, keys);
  if (settings.mchid.empty() || !key || !keys_ok) return std::nullopt;
  return MerchantCredentials{settings.mchid, std::move(*key), std::move(keys),
                             settings.allowed_routes, settings.notify_urls};
}

std::optional<PlatformIdentity> Loader::platform_key(const PlatformKeySettings& settings,
                                                     const std::string& path) {
  const bool has_certificate = !settings.certificate_file.empty();
  if (has_certificate == !settings.public_key_file.empty()) {
    error(path, "a platform key needs exactly one of certificate or public_key");
    return std::nullopt;
  }
  auto key = crypto::PrivateKey::from_file(settings.private_key_file);
  if (!key) error(path + ".private_key", key.error().detail);
  const crypto::PrivateKey* loaded = key ? &*key : nullptr;
  return has_certificate ? certified_platform_key(settings, path, loaded)
                         : public_platform_key(settings, path, loaded);
}

std::optional<PlatformIdentity> Loader::certified_platform_key(const PlatformKeySettings& settings,
                                                               const std::string& path,
                                                               const crypto::PrivateKey* key) {
  auto certificate = this->certificate(settings.certificate_file, path + ".certificate");
  if (!key || !certificate) return std::nullopt;
  if (!settings.serial.empty() &&
      !crypto::same_serial(settings.serial, certificate->serial_hex())) {
    error(path + ".serial", "serial '" + settings.serial + "' is not the serial of " +
                                settings.certificate_file + " ('" + certificate->serial_hex() +
                                "')");
    return std::nullopt;
  }
  if (!certificate->matches(*key)) {
    mismatch(settings.private_key_file, settings.certificate_file, path);
    return std::nullopt;
  }
  return PlatformIdentity{certificate->serial_hex(), *key, std::move(*certificate)};
}

// The public-key id goes out in the Wechatpay-Serial header, so it is held to the shape WeChat
// Pay gives it rather than taken as any text.
std::optional<PlatformIdentity> Loader::public_platform_key(const PlatformKeySettings& settings,
                                                            const std::string& path,
                                                            const crypto::PrivateKey* key) {
  const bool id_ok = !settings.serial.empty() &&
                     std::all_of(settings.serial.begin(), settings.serial.end(), is_id_char);
  if (!id_ok) {
    error(path + ".serial",
          "a public_key needs its public-key id (PUB_KEY_ID_ and digits; letters, digits and "
          "'_' only), got '" +
              settings.serial + "'");
  }
  auto public_key = crypto::PublicKey::from_file(settings.public_key_file);
  if (!public_key) error(path + ".public_key", public_key.error().detail);
  if (!key || !public_key || !id_ok) return std::nullopt;
  if (!public_key->matches(*key)) {
    mismatch(settings.private_key_file, settings.public_key_file, path);
    return std::nullopt;
  }
  return PlatformIdentity{settings.serial, *key, std::nullopt};
}

namespace {

// The form in which two serials compare equal exactly when crypto::same_serial says so.
std::string serial_key(std::string_view serial) {
  while (serial.size() > 1 && serial.front() == '0') serial.remove_prefix(1);
  std::string key(serial);
  for (char& c : key) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return key;
}

// A key verifies requests for one merchant only: whoever holds it could otherwise sign as
// either, and a serial would no longer say whose key it is. `origin[m]` is the settings index
// of merchants[m]; every key of a loaded merchant loaded, so keys keep their settings index.
void check_serials_across_merchants(Loader& loader,
                                    const std::vector<MerchantCredentials>& merchants,
                                    const std::vector<std::size_t>& origin) {
  struct Owner {
    std::size_t merchant, key;
  };
  std::map<std::string, Owner, std::less<>> owners;
  for (std::size_t m = 0; m < merchants.size(); ++m) {
    for (std::size_t k = 0; k < merchants[m].keys.size(); ++k) {
      const MerchantKey& key = merchants[m].keys[k];
      const auto [found, first] = owners.try_emplace(serial_key(key.serial), Owner{m, k});
      if (first || merchants[found->second.merchant].mchid == merchants[m].mchid) continue;
      const MerchantCredentials& owner = merchants[found->second.merchant];
      loader.error(indexed(indexed("merchants", origin[m]) + ".keys", k),
                   "serial '" + key.serial + "' of merchant '" + merchants[m].mchid +
                       "' is already registered to merchant '" + owner.mchid + "' (" +
                       indexed(indexed("merchants", origin[found->second.merchant]) + ".keys",
                               found->second.key) +
                       "): a key may belong to one merchant only");
    }
  }
}

void load_merchants(Loader& loader, const std::vector<MerchantSettings>& settings,
                    std::vector<MerchantCredentials>& out) {
  std::vector<std::size_t> origin;  // settings index of each loaded merchant
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string path = indexed("merchants", i);
    check_unique_mchid(loader, settings, i, "merchants");
    if (auto merchant = loader.merchant(settings[i], path)) {
      out.push_back(std::move(*merchant));
      origin.push_back(i);
    }
  }
  check_serials_across_merchants(loader, out, origin);
}

void load_platform(Loader& loader, const PlatformSettings& settings,
                   std::vector<PlatformIdentity>& out) {
  if (settings.clock_skew.count() <= 0) loader.error("platform.clock_skew", "must be positive");
  if (settings.nonce_cache_capacity == 0) {
    loader.error("platform.nonce_cache_capacity", "must be positive");
  }
  for (std::size_t i = 0; i < settings.keys.size(); ++i) {
    const std::string path = indexed("platform.keys", i);
    auto identity = loader.platform_key(settings.keys[i], path);
    if (!identity) continue;
    for (const auto& other : out) {
      if (!crypto::same_serial(other.serial, identity->serial)) continue;
      loader.error(path + (identity->certificate ? ".certificate" : ".serial"),
                   "duplicate platform key serial '" + identity->serial + "'");
    }
    out.push_back(std::move(*identity));
  }
}

}  // namespace

std::shared_ptr<const Credentials> load_credentials(const std::vector<MerchantSettings>& merchants,
                                                    const PlatformSettings& platform,
                                                    std::chrono::sys_seconds now,
                                                    CredentialReport& report) {
  const std::size_t errors_before = report.errors.size();
  Loader loader(now, platform.certificate_expiry_warning, report);
  std::vector<MerchantCredentials> merchant_credentials;
  load_merchants(loader, merchants, merchant_credentials);
  std::vector<PlatformIdentity> identities;
  load_platform(loader, platform, identities);
  if (report.errors.size() != errors_before) return nullptr;
  return std::make_shared<const Credentials>(std::move(merchant_credentials), std::move(identities),
                                             platform.clock_skew, platform.nonce_cache_capacity);
}

}  // namespace paygate::credentials
