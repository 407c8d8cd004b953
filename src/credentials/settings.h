#pragma once
// Settings of the merchants and platform sections: the merchants whose requests paygate
// verifies (their keys, APIv3 key, allowed routes, notify URLs and rate limits) and the platform
// keys it signs with. Plain data with defaults; config/ fills and validates them (file paths
// already resolved against the config file's directory), credentials/credentials.h loads the
// files they name.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret_buffer.h"

namespace paygate::credentials {

// One verification key of a merchant: a certificate (its serial is taken from it) or, in
// WeChat Pay's public-key mode, a bare public key with its id ("PUB_KEY_ID_0114...").
struct MerchantKeySettings {
  std::string serial;            // required with public_key_file; checked against a certificate
  std::string certificate_file;  // X.509 PEM; exactly one of certificate_file, public_key_file
  std::string public_key_file;   // SubjectPublicKeyInfo PEM
};

// A merchant's request rate on the platform side (admission/rate_limiter.h): `rate` requests per
// second on average, at most `burst` at once after a quiet spell.
struct RateLimitSettings {
  std::uint32_t rate = 1;   // requests per second, >= 1
  std::uint32_t burst = 1;  // requests, >= 1; defaults to `rate` in the config file
};

struct MerchantSettings {
  std::string mchid;
  std::vector<MerchantKeySettings> keys;    // several are valid at once during a rotation
  std::string apiv3_key_file;               // 32 bytes, one trailing newline ignored
  std::string apiv3_key_env;                // or: the environment variable holding it
  std::vector<std::string> allowed_routes;  // route names; empty = all routes
  // Where notifications for this merchant may be sent: an entry allows itself, an entry ending
  // in '/' every URL below it. Empty = none (intake answers 422).
  std::vector<std::string> notify_urls;
  std::optional<RateLimitSettings> rate_limit;  // none: PlatformSettings::rate_limit applies
};

// A key paygate signs with: the private key and either its certificate (whose serial is the
// Wechatpay-Serial) or, in WeChat Pay's public-key mode, its public key and public-key id.
struct PlatformKeySettings {
  std::string private_key_file;   // PEM, unencrypted
  std::string certificate_file;   // X.509 PEM; exactly one of certificate_file, public_key_file
  std::string public_key_file{};  // SubjectPublicKeyInfo PEM, as merchants are given it
  std::string serial{};           // required with public_key_file (PUB_KEY_ID_...); else optional
                                  // and checked against the certificate
};

struct PlatformSettings {
  std::vector<PlatformKeySettings> keys;       // the first is the default signer
  std::chrono::seconds clock_skew{300};        // accepted |now - timestamp| of a signed request
  std::size_t nonce_cache_capacity = 1 << 20;  // nonces remembered, per process
  // Nonces one merchant may hold at once (admission/replay_guard.h); 0 = a quarter of
  // nonce_cache_capacity (nonce_quota() says which).
  std::size_t nonce_quota_per_merchant = 0;
  // A certificate (platform or merchant) expiring within this is a warning at load; 0 = never.
  std::chrono::seconds certificate_expiry_warning{std::chrono::hours{24 * 30}};
  // The limit of merchants without their own rate_limit; none = unlimited.
  std::optional<RateLimitSettings> rate_limit;
};

// The merchant role (docs/operations.md, "Merchant role"): paygate in front of a merchant's own
// services, signing their calls to WeChat Pay and verifying the replies.

// merchant.identities[]: a merchant paygate signs requests as, with its API key.
struct IdentitySettings {
  std::string mchid;
  std::string serial;            // serial_no of its merchant API certificate (Authorization)
  std::string private_key_file;  // RSA-2048 or SM2, PEM, unencrypted
  std::string apiv3_key_file;    // 32 bytes, one trailing newline ignored
  std::string apiv3_key_env;     // or: the environment variable holding it
};

// merchant.apps[]: a local application allowed to call through the signing routes, known by the
// bearer token it sends (Authorization: Bearer <token>) or by the client certificate it presents
// on a listener with tls.client_ca (one subjectAltName: a DNS name or a URI). One of the two.
struct AppSettings {
  std::string name;
  crypto::SecretBuffer token;       // read by config/ from token_file or token_env
  std::vector<std::string> mchids;  // the identities it may sign as; the first is its default
  std::string certificate_san;      // client_certificate.san; "" when known by its token
};

struct MerchantRoleSettings {
  std::vector<IdentitySettings> identities;
  // merchant.platform_keys[]: the platform keys replies are verified against from the start
  // (platform certificates, or public keys with their PUB_KEY_ID_ in public-key mode).
  std::vector<MerchantKeySettings> platform_keys;
  std::vector<AppSettings> apps;
  std::chrono::seconds clock_skew{300};  // accepted |now - Wechatpay-Timestamp| of a reply
  // merchant.certificates: the cluster GET /v3/certificates is downloaded from ("": never) and
  // how often (app/platform_certificates.h).
  std::string certificates_cluster;
  std::chrono::seconds certificates_refresh{std::chrono::hours{12}};
};

// The nonces one merchant may hold: nonce_quota_per_merchant, or by default a quarter of the
// store, so that one merchant cannot fill it for the others.
inline std::size_t nonce_quota(const PlatformSettings& platform) {
  if (platform.nonce_quota_per_merchant != 0) return platform.nonce_quota_per_merchant;
  return platform.nonce_cache_capacity / 4 > 0 ? platform.nonce_cache_capacity / 4 : 1;
}

}  // namespace paygate::credentials
