#pragma once
// MerchantRole: the key material of the merchant role for one configuration snapshot, loaded
// once by load_merchant_role() on the control thread and immutable afterwards, so any number of
// workers may read it at once:
//   SigningIdentity  a merchant paygate signs as: mchid, certificate serial, private key and
//                    APIv3 key;
//   App              a local application allowed to call the signing routes, by bearer token
//                    or client certificate, and the identities it may sign as;
//   platform keys    what replies are verified against from the start (the platform
//                    certificates or public keys the operator configured).
// Problems are reported as CredentialProblems whose path names the setting
// ("merchant.identities[0].private_key") and whose message names the file; never key bytes.

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "credentials/credentials.h"
#include "credentials/settings.h"
#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/secret_buffer.h"

namespace paygate::credentials {

struct SigningIdentity {
  std::string mchid;
  std::string serial;  // of the merchant API certificate: Authorization's serial_no
  crypto::PrivateKey key;
  crypto::ApiV3Key apiv3_key;
};

struct App {
  std::string name;
  crypto::SecretBuffer token;                      // empty when the app is known by its certificate
  std::string certificate_san;                     // empty when it is known by its token
  std::vector<const SigningIdentity*> identities;  // never empty; the first is the default

  // The identity `mchid` names when this app may sign as it, else null.
  const SigningIdentity* may_sign_as(std::string_view mchid) const;
};

class MerchantRole {
 public:
  MerchantRole(std::vector<SigningIdentity> identities, std::vector<MerchantKey> platform_keys,
               const MerchantRoleSettings& settings);
  MerchantRole(const MerchantRole&) = delete;
  MerchantRole& operator=(const MerchantRole&) = delete;

  std::span<const SigningIdentity> identities() const { return identities_; }
  std::span<const MerchantKey> platform_keys() const { return platform_keys_; }
  std::span<const App> apps() const { return apps_; }
  std::chrono::seconds clock_skew() const { return clock_skew_; }
  // Where the platform certificates are downloaded from ("": never) and how often.
  const std::string& certificates_cluster() const { return certificates_cluster_; }
  std::chrono::seconds certificates_refresh() const { return certificates_refresh_; }

  // The app holding `token`, or null. Every app's token is compared in full, in constant time,
  // so that the answer's timing says nothing about any token.
  const App* app_with_token(std::string_view token) const;

  // The app a verified client certificate with these subjectAltNames is, found by a lookup of
  // each name in a table sorted once per snapshot. `ambiguous` when its names are two apps'.
  struct CertificateMatch {
    const App* app = nullptr;
    bool ambiguous = false;
  };
  CertificateMatch app_with_certificate(std::span<const std::string> names) const;

 private:
  friend std::shared_ptr<const MerchantRole> load_merchant_role(const MerchantRoleSettings&,
                                                                std::chrono::sys_seconds,
                                                                CredentialReport&);
  std::vector<SigningIdentity> identities_;  // never resized after construction: apps point in
  std::vector<MerchantKey> platform_keys_;
  std::vector<App> apps_;
  std::vector<std::pair<std::string_view, const App*>> apps_by_san_;  // sorted; views into apps_
  std::chrono::seconds clock_skew_;
  std::string certificates_cluster_;
  std::chrono::seconds certificates_refresh_;
};

// Loads and checks everything; null when it added to report.errors. Certificates are judged at
// `now`. Blocks on file reads: control thread only.
std::shared_ptr<const MerchantRole> load_merchant_role(const MerchantRoleSettings& settings,
                                                       std::chrono::sys_seconds now,
                                                       CredentialReport& report);

}  // namespace paygate::credentials
