#include "steps/platform_signer.h"

#include <chrono>

#include "wechatpay/headers.h"

namespace paygate::steps {

namespace {
void append_field(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(": ").append(value).append("\r\n");
}
}  // namespace

void PlatformSigner::sign(std::string_view body, std::string& head) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!signer_.sign(identity_.key, body, now, signature_)) {
    ++failures_;
    return;
  }
  append_field(head, wechatpay::kTimestampHeader, signature_.timestamp);
  append_field(head, wechatpay::kNonceHeader, signature_.nonce);
  append_field(head, wechatpay::kSignatureHeader, signature_.signature);
  append_field(head, wechatpay::kSerialHeader, identity_.serial);
  append_field(head, wechatpay::kSignatureTypeHeader, signature_.signature_type);
}

}  // namespace paygate::steps
