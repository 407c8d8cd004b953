// The merchants[] and platform sections: who may call signed routes and which keys paygate signs
// with. Only the shape is checked here; whether the files load, and every rule about serials,
// APIv3 keys and duplicates, is credentials::load_credentials' (run by load_key_material()).
#include <algorithm>
#include <filesystem>
#include <optional>

#include "config/sections.h"
#include "tls/client_names.h"

namespace paygate::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Tens of millions of nonces (about 40 bytes each) is already more than a process needs.
constexpr std::uint64_t kMaxNonceCache = std::uint64_t{1} << 26;
// A million requests per second per merchant is far beyond what one node signs.
constexpr std::uint64_t kMaxRate = 1'000'000;

// Remembers where the map and its given `keys` were written, for key loading problems.
void note(MapReader& map, Places& places, std::initializer_list<std::string_view> keys) {
  places.credentials.insert_or_assign(map.where().path, map.where());
  for (auto key : keys) {
    if (!map.has(key)) continue;
    places.credentials.insert_or_assign(join_path(map.where().path, key), map.where_of(key));
  }
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void check_mchid(MapReader& map, const std::string& mchid) {
  if (!mchid.empty() && mchid.size() <= 32 && std::all_of(mchid.begin(), mchid.end(), is_alnum)) {
    return;
  }
  map.diagnostics().add(map.where_of("mchid"),
                        "an mchid is 1 to 32 letters or digits, got '" + mchid + "'");
}

void check_env_name(MapReader& map, const std::string& name) {
  const bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                  std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; });
  if (!ok) {
    map.diagnostics().add(map.where_of("apiv3_key_env"),
                          "expected an environment variable name like PAYGATE_APIV3_KEY");
  }
}

// `rate_limit: {rate: 100, burst: 200}`; burst defaults to rate (one second's worth).
void read_rate_limit(MapReader& map, std::optional<credentials::RateLimitSettings>& out) {
  if (!map.has("rate_limit")) return;
  credentials::RateLimitSettings limit;
  bool burst_given = false;
  map.mapping("rate_limit", [&](MapReader& fields) {
    fields.require("rate");
    fields.count("rate", limit.rate, {1, kMaxRate});
    burst_given = fields.has("burst");
    fields.count("burst", limit.burst, {1, kMaxRate});
  });
  if (!burst_given) limit.burst = limit.rate;
  out = limit;
}

// A verification key: a merchant's (merchants[].keys) or one the merchant role trusts the
// platform by (merchant.platform_keys). The same shape either way.
credentials::MerchantKeySettings read_verification_key(const YAML::Node& node, const Where& where,
                                                       Document& document,
                                                       Diagnostics& diagnostics) {
  credentials::MerchantKeySettings key;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.string("certificate", key.certificate_file);
    map.string("public_key", key.public_key_file);
    map.string("serial", key.serial);
    note(map, document.places, {"certificate", "public_key", "serial"});
  });
  key.certificate_file = resolve_path(document.directory, key.certificate_file);
  key.public_key_file = resolve_path(document.directory, key.public_key_file);
  return key;
}

void read_merchant_fields(MapReader& map, Document& document,
                          credentials::MerchantSettings& merchant,
                          std::vector<Where>& allowed_places) {
  map.string("mchid", merchant.mchid);
  if (map.has("mchid")) check_mchid(map, merchant.mchid);
  map.string("apiv3_key_file", merchant.apiv3_key_file);
  map.string("apiv3_key_env", merchant.apiv3_key_env);
  if (map.has("apiv3_key_env")) check_env_name(map, merchant.apiv3_key_env);
  map.sequence("keys", [&](const YAML::Node& item, const Where& where) {
    merchant.keys.push_back(read_verification_key(item, where, document, map.diagnostics()));
  });
  map.sequence("allowed_routes", [&](const YAML::Node& item, const Where& where) {
    auto name = read_string(item, where, map.diagnostics());
    if (!name) return;
    merchant.allowed_routes.push_back(std::move(*name));
    allowed_places.push_back(where);
  });
  map.sequence("notify_urls", [&](const YAML::Node& item, const Where& where) {
    auto url = read_string(item, where, map.diagnostics());
    if (!url) return;
    if (!is_notify_url(*url)) {
      map.diagnostics().add(where, "expected an http:// or https:// URL without a query, got '" +
                                       *url + "'");
      return;
    }
    merchant.notify_urls.push_back(std::move(*url));
  });
  read_rate_limit(map, merchant.rate_limit);
  note(map, document.places, {"mchid", "apiv3_key_file", "apiv3_key_env", "keys"});
}

void read_platform_key(const YAML::Node& node, const Where& where, Document& document,
                       Diagnostics& diagnostics) {
  credentials::PlatformKeySettings key;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.require("private_key");
    map.string("private_key", key.private_key_file);
    map.string("certificate", key.certificate_file);
    map.string("public_key", key.public_key_file);
    map.string("serial", key.serial);
    note(map, document.places, {"private_key", "certificate", "public_key", "serial"});
  });
  key.private_key_file = resolve_path(document.directory, key.private_key_file);
  key.certificate_file = resolve_path(document.directory, key.certificate_file);
  key.public_key_file = resolve_path(document.directory, key.public_key_file);
  document.platform.keys.push_back(std::move(key));
}

// At most the whole store: a quota above it would never refuse anything.
void read_nonce_quota(MapReader& map, credentials::PlatformSettings& platform) {
  if (!map.has("nonce_quota_per_merchant")) return;
  map.count("nonce_quota_per_merchant", platform.nonce_quota_per_merchant, {1, kMaxNonceCache});
  if (platform.nonce_quota_per_merchant > platform.nonce_cache_capacity) {
    map.diagnostics().add(map.where_of("nonce_quota_per_merchant"),
                          "expected at most nonce_cache_capacity (" +
                              std::to_string(platform.nonce_cache_capacity) + "), got " +
                              std::to_string(platform.nonce_quota_per_merchant));
  }
}

void read_identity(const YAML::Node& node, const Where& where, Document& document,
                   Diagnostics& diagnostics, credentials::MerchantRoleSettings& role) {
  credentials::IdentitySettings identity;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.require("mchid");
    map.string("mchid", identity.mchid);
    if (map.has("mchid")) check_mchid(map, identity.mchid);
    map.require("serial");
    map.string("serial", identity.serial);
    map.require("private_key");
    map.string("private_key", identity.private_key_file);
    map.string("apiv3_key_file", identity.apiv3_key_file);
    map.string("apiv3_key_env", identity.apiv3_key_env);
    if (map.has("apiv3_key_env")) check_env_name(map, identity.apiv3_key_env);
    note(map, document.places,
         {"mchid", "serial", "private_key", "apiv3_key_file", "apiv3_key_env"});
  });
  identity.private_key_file = resolve_path(document.directory, identity.private_key_file);
  identity.apiv3_key_file = resolve_path(document.directory, identity.apiv3_key_file);
  role.identities.push_back(std::move(identity));
}

// A san is matched byte for byte against a certificate's DNS names and URIs (IA5 text), at
// most as long as the ones tls::ClientNames keeps.
void check_san(MapReader& map, const std::string& san) {
  const auto printable = [](char c) { return c > ' ' && c <= '~'; };
  if (!san.empty() && san.size() <= tls::ClientNames::kMaxNameBytes &&
      std::all_of(san.begin(), san.end(), printable)) {
    return;
  }
  map.diagnostics().add(
      map.where_of("san"),
      "expected a DNS name or URI of 1 to 255 printable ASCII characters, got '" + san + "'");
}

// `client_certificate: {san: spiffe://...}`: the app is whoever presents a verified client
// certificate naming it. An app has it or a token, never both: two ways of being known would
// let one app's token speak for another's certificate.
void read_client_certificate(MapReader& map, Document& document, credentials::AppSettings& app) {
  if (!map.has("client_certificate")) return;
  if (map.has("token_file") || map.has("token_env")) {
    map.diagnostics().add(map.where_of("client_certificate"),
                          "give token_file, token_env or client_certificate, only one: an app is "
                          "known one way");
  }
  map.mapping("client_certificate", [&](MapReader& certificate) {
    certificate.require("san");
    certificate.string("san", app.certificate_san);
    if (certificate.has("san")) check_san(certificate, app.certificate_san);
    note(certificate, document.places, {"san"});
  });
}

void read_app(const YAML::Node& node, const Where& where, Document& document,
              Diagnostics& diagnostics, credentials::MerchantRoleSettings& role) {
  credentials::AppSettings app;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.require("name");
    map.string("name", app.name);
    if (map.has("name")) check_name(map, "name", app.name);
    read_bearer_token(map, document.directory, app.token);
    read_client_certificate(map, document, app);
    map.require("mchids");
    map.strings("mchids", app.mchids);
    note(map, document.places, {"name", "mchids", "client_certificate"});
  });
  role.apps.push_back(std::move(app));
}

}  // namespace

// Relative paths are relative to the configuration file, not to the working directory.
std::string resolve_path(const std::string& directory, const std::string& path) {
  if (path.empty() || directory.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(directory) / path).lexically_normal().string();
}

void read_merchant(const YAML::Node& node, const Where& where, Document& document,
                   Diagnostics& diagnostics) {
  credentials::MerchantSettings merchant;
  std::vector<Where> allowed_places;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    read_merchant_fields(map, document, merchant, allowed_places);
  });
  merchant.apiv3_key_file = resolve_path(document.directory, merchant.apiv3_key_file);
  // Kept even when invalid, so that indices match the file's merchants[i].
  document.merchants.push_back(std::move(merchant));
  document.places.allowed_routes.push_back(std::move(allowed_places));
}

void read_merchant_role(MapReader& map, Document& document) {
  credentials::MerchantRoleSettings& role = document.merchant_role.emplace();
  document.places.merchant_role = map.where();
  map.sequence("identities", [&](const YAML::Node& item, const Where& where) {
    read_identity(item, where, document, map.diagnostics(), role);
  });
  map.sequence("platform_keys", [&](const YAML::Node& item, const Where& where) {
    role.platform_keys.push_back(read_verification_key(item, where, document, map.diagnostics()));
  });
  map.sequence("apps", [&](const YAML::Node& item, const Where& where) {
    read_app(item, where, document, map.diagnostics(), role);
  });
  milliseconds skew = role.clock_skew;
  map.duration("clock_skew", skew, {seconds{1}, hours{1}});
  role.clock_skew = std::chrono::duration_cast<seconds>(skew);
  map.mapping("certificates", [&](MapReader& certificates) {
    certificates.require("cluster");
    certificates.string("cluster", role.certificates_cluster);
    document.places.merchant_certificates = certificates.where_of("cluster");
    milliseconds refresh = role.certificates_refresh;
    certificates.duration("refresh", refresh, {seconds{60}, hours{24 * 30}});
    role.certificates_refresh = std::chrono::duration_cast<seconds>(refresh);
  });
  map.mapping("callbacks", [&](MapReader& callbacks) { read_callbacks(callbacks, document); });
  note(map, document.places, {"identities", "platform_keys", "apps"});
}

void read_platform(MapReader& map, Document& document) {
  milliseconds skew = document.platform.clock_skew;
  map.duration("clock_skew", skew, {seconds{1}, hours{1}});
  if (skew % seconds{1} != milliseconds{0}) {
    map.diagnostics().add(map.where_of("clock_skew"), "must be a whole number of seconds");
  }
  document.platform.clock_skew = std::chrono::duration_cast<seconds>(skew);
  map.count("nonce_cache_capacity", document.platform.nonce_cache_capacity, {1, kMaxNonceCache});
  read_nonce_quota(map, document.platform);
  milliseconds warning = document.platform.certificate_expiry_warning;
  map.duration("certificate_expiry_warning", warning, {milliseconds{0}, hours{24 * 3650}});
  document.platform.certificate_expiry_warning = std::chrono::duration_cast<seconds>(warning);
  map.sequence("keys", [&](const YAML::Node& item, const Where& where) {
    read_platform_key(item, where, document, map.diagnostics());
  });
  read_rate_limit(map, document.platform.rate_limit);
  note(map, document.places, {"clock_skew", "nonce_cache_capacity", "keys"});
}

}  // namespace paygate::config
