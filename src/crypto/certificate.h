#pragma once
// Certificate: one X.509 certificate (RSA or SM2 key) parsed from PEM once per configuration
// snapshot, with what WeChat Pay needs from it: the serial as uppercase hex (one byte = two
// digits, so a leading 0 nibble is kept, as wechatpay-go prints it), the validity window, the
// public key, and the PEM text. Immutable; copies share the parsed object; any thread may read it.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "crypto/result.h"

namespace paygate::crypto {

class Certificate {
 public:
  // The first certificate in the PEM text. origin names the source in errors.
  static Result<Certificate> from_pem(std::string_view pem, std::string_view origin);
  static Result<Certificate> from_file(const std::string& path);

  const std::string& serial_hex() const { return state_->serial_hex; }
  std::chrono::sys_seconds not_before() const { return state_->not_before; }
  std::chrono::sys_seconds not_after() const { return state_->not_after; }
  const PublicKey& public_key() const { return state_->public_key; }
  const std::string& pem() const { return state_->pem; }  // re-encoded, one PEM block
  bool valid_at(std::chrono::sys_seconds now) const;
  // True when key is the private half of this certificate's public key.
  bool matches(const PrivateKey& key) const;

 private:
  struct State {
    X509Handle x509;
    std::string serial_hex;
    std::chrono::sys_seconds not_before{};
    std::chrono::sys_seconds not_after{};
    PublicKey public_key;
    std::string pem;
  };
  explicit Certificate(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  static Result<Certificate> from_x509(X509Handle x509, std::string_view origin);

  std::shared_ptr<const State> state_;
};

// Serial numbers compare case-insensitively and ignoring leading zeros (docs/protocol.md §2:
// Go keeps a leading 0 nibble, Java drops it).
bool same_serial(std::string_view a, std::string_view b);

}  // namespace paygate::crypto
