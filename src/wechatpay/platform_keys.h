#pragma once
// PlatformKeys: the platform's verification keys by serial — platform certificate serials and
// public-key ids ("PUB_KEY_ID_..."). Built once per configuration snapshot (or per certificate
// refresh), then read-only: any number of threads may call find() at once.
// Serials compare case-insensitively, ignoring leading zeros (docs/protocol.md §2).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace paygate::wechatpay {

class PlatformKeys {
 public:
  void add(std::string serial, crypto::PublicKey key);
  void add(const crypto::Certificate& certificate);
  // The key for serial, or null. A handful of keys at most, so a linear scan.
  const crypto::PublicKey* find(std::string_view serial) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<std::pair<std::string, crypto::PublicKey>> keys_;
};

}  // namespace paygate::wechatpay
