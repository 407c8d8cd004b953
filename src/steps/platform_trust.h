#pragma once
// PlatformTrust: the platform keys the merchant role verifies replies against (VerifyReply),
// shared by every worker. The control thread publishes a whole new set when a configuration is
// adopted (merchant.platform_keys) and when a download of /v3/certificates brings certificates
// (app/platform_certificates.h); a worker reads through its TrustView, which takes the set
// again only when the generation moved: one atomic load per reply, no lock on the common path.
// A worker that meets a serial it does not know asks for a download (ask_refresh()); the
// control thread takes the ask.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "wechatpay/platform_keys.h"

namespace paygate::steps {

// What the merchant role trusts at one moment: the keys replies are verified against, and the
// one sensitive fields are encrypted to (the platform certificate valid the longest, or the
// first configured key) with its serial, sent as Wechatpay-Serial.
struct TrustedKeys {
  wechatpay::PlatformKeys keys;
  std::string encryption_serial;  // empty: none to encrypt to
  crypto::PublicKey encryption_key;
};

class PlatformTrust {
 public:
  PlatformTrust() : keys_(std::make_shared<const TrustedKeys>()) {}

  void publish(std::shared_ptr<const TrustedKeys> keys);
  std::shared_ptr<const TrustedKeys> keys() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void ask_refresh() { refresh_asked_.store(true, std::memory_order_relaxed); }
  // True once per run of asks.
  bool take_refresh_ask() { return refresh_asked_.exchange(false, std::memory_order_relaxed); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const TrustedKeys> keys_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> refresh_asked_{false};
};

// One worker's view of a PlatformTrust. Worker-thread confined.
class TrustView {
 public:
  explicit TrustView(const PlatformTrust& trust) : trust_(trust) {}

  const TrustedKeys& keys() {
    const std::uint64_t now = trust_.generation();
    if (!keys_ || now != seen_) {
      seen_ = now;
      keys_ = trust_.keys();
    }
    return *keys_;
  }

 private:
  const PlatformTrust& trust_;
  std::uint64_t seen_ = 0;
  std::shared_ptr<const TrustedKeys> keys_;
};

}  // namespace paygate::steps
