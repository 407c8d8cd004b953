#include "wechatpay/platform_keys.h"

namespace paygate::wechatpay {

void PlatformKeys::add(std::string serial, crypto::PublicKey key) {
  keys_.emplace_back(std::move(serial), std::move(key));
}

void PlatformKeys::add(const crypto::Certificate& certificate) {
  add(certificate.serial_hex(), certificate.public_key());
}

const crypto::PublicKey* PlatformKeys::find(std::string_view serial) const {
  if (serial.empty()) return nullptr;
  for (const auto& [known, key] : keys_) {
    if (crypto::same_serial(known, serial)) return &key;
  }
  return nullptr;
}

}  // namespace paygate::wechatpay
