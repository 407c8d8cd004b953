#pragma once
// Credentials: the key material of one configuration snapshot, loaded once by
// load_credentials() on the control thread and immutable afterwards (but for OnceFlags, which
// are atomic), so any number of workers may read it at once. Lookups take no locks and allocate
// nothing.
//
//   MerchantCredentials  a merchant's verification keys by serial (several during a rotation),
//                        its APIv3 key and the routes it may call;
//   PlatformIdentity     a platform private key with its certificate or, in public-key mode,
//                        its public-key id; the first one is the default signer;
//   DecoyKeys            what a signature is checked against when it names no merchant's key.
//
// Loading reads every file named by the settings, checks it and reports each problem as a
// CredentialProblem whose `path` names the setting in the schema's words
// ("merchants[1].keys[0].certificate", "platform.keys[0].private_key") and whose message names
// the file and what is wrong. Messages never contain key material.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "credentials/decoy_keys.h"
#include "credentials/settings.h"
#include "crypto/aead.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace paygate::credentials {

// Whether something has been said once already: the one part of loaded credentials that
// changes, an atomic any worker may set. A copy starts unsaid.
class OnceFlag {
 public:
  OnceFlag() = default;
  OnceFlag(const OnceFlag&) {}
  OnceFlag& operator=(const OnceFlag&) { return *this; }
  // True for the first caller only; later calls only read (no write to a shared cache line).
  bool first() const {
    return !done_.load(std::memory_order_relaxed) &&
           !done_.exchange(true, std::memory_order_relaxed);
  }

 private:
  mutable std::atomic<bool> done_{false};
};

struct MerchantKey {
  std::string serial;  // certificate serial (uppercase hex) or public-key id
  crypto::PublicKey key;
  std::chrono::sys_seconds not_after{};  // the certificate's; zero for a bare public key
  OnceFlag expiry_logged{};  // set by the first request refused because the certificate expired

  // Loading refuses expired certificates, but a snapshot outlives them: checked at each use.
  // Inclusive, as X.509 validity is (RFC 5280 §4.1.2.5).
  bool expired_at(std::chrono::sys_seconds now) const {
    return not_after != std::chrono::sys_seconds{} && now > not_after;
  }
};

struct MerchantCredentials {
  std::string mchid;
  crypto::ApiV3Key apiv3_key;
  std::vector<MerchantKey> keys;
  std::vector<std::string> allowed_routes;  // empty = all
  std::vector<std::string> notify_urls;     // see MerchantSettings::notify_urls

  // The key with this serial (case-insensitive, leading zeros ignored: crypto::same_serial).
  const MerchantKey* find_key(std::string_view serial) const;
  bool allows_route(std::string_view route) const;
};

struct PlatformIdentity {
  std::string serial;  // certificate serial or public-key id: the Wechatpay-Serial of replies
  crypto::PrivateKey key;
  std::optional<crypto::Certificate> certificate;  // none in public-key mode
};

class Credentials {
 public:
  // Merchants in any order (mchids unique); platform identities in configured order.
  Credentials(std::vector<MerchantCredentials> merchants, std::vector<PlatformIdentity> platform,
              std::chrono::seconds clock_skew, std::size_t nonce_cache_capacity);

  // Binary search over merchants sorted by mchid; null when unknown.
  const MerchantCredentials* merchant(std::string_view mchid) const;
  std::span<const MerchantCredentials> merchants() const { return merchants_; }

  // The default signer (the first platform key), or null when none.
  const PlatformIdentity* signing_identity() const;
  // The identity whose serial the merchant named (Wechatpay-Serial during a rotation), or null.
  const PlatformIdentity* platform_identity(std::string_view serial) const;
  std::span<const PlatformIdentity> platform_identities() const { return platform_; }
  // Every platform certificate, in configured order (for GET /v3/certificates); public-key
  // mode keys have none.
  std::span<const crypto::Certificate> platform_certificates() const { return certificates_; }

  std::chrono::seconds clock_skew() const { return clock_skew_; }
  std::size_t nonce_cache_capacity() const { return nonce_cache_capacity_; }

  // The key to check a signature against when the request names no key of this algorithm
  // (credentials/decoy_keys.h).
  const crypto::PublicKey& decoy_key(crypto::KeyAlgorithm algorithm) const {
    return decoys_.of(algorithm);
  }

 private:
  std::vector<MerchantCredentials> merchants_;  // sorted by mchid
  std::vector<PlatformIdentity> platform_;
  std::vector<crypto::Certificate> certificates_;  // of the platform_ that have one
  std::chrono::seconds clock_skew_;
  std::size_t nonce_cache_capacity_;
  DecoyKeys decoys_ = make_decoy_keys();
};

struct CredentialProblem {
  std::string path;     // the setting concerned, e.g. "merchants[0].apiv3_key_file"
  std::string message;  // names the file and what is wrong; never key bytes
};

struct CredentialReport {
  std::vector<CredentialProblem> errors;
  // Not errors: a certificate that expires within PlatformSettings::certificate_expiry_warning
  // (default kExpiryWarning), or is not valid yet.
  std::vector<CredentialProblem> warnings;
};

inline constexpr std::chrono::days kExpiryWarning{30};
// APIv3 key files hold 32 bytes; anything this large is certainly not one.
inline constexpr std::size_t kMaxApiV3KeyFileBytes = 4096;

// Reads an APIv3 key file: at most kMaxApiV3KeyFileBytes, one trailing newline ignored, the
// bytes read cleared from memory afterwards. nullopt with the reason in `error` otherwise.
std::optional<crypto::ApiV3Key> read_apiv3_key_file(const std::string& file, std::string& error);

// Loads and checks everything; null when it added to report.errors. Certificates are judged
// at `now`. Blocks on file reads: control thread only.
std::shared_ptr<const Credentials> load_credentials(const std::vector<MerchantSettings>& merchants,
                                                    const PlatformSettings& platform,
                                                    std::chrono::sys_seconds now,
                                                    CredentialReport& report);

}  // namespace paygate::credentials
