#include "steps/merchant_signing.h"

#include <chrono>

#include "http/wire.h"

namespace paygate::steps {

bool MerchantSigning::sign(std::string_view method, std::string_view target, std::string_view body,
                           std::string& fields) {
  // The signer's buffers are reused; the value is copied into the head straight away.
  thread_local std::string authorization;
  const wechatpay::MerchantCredentials merchant{identity_->mchid, identity_->serial,
                                                &identity_->key};
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!signer_->sign(merchant, {method, target, body}, now, authorization)) return false;
  http::append_field(fields, "Authorization", authorization);
  if (!serial_.empty()) http::append_field(fields, "Wechatpay-Serial", serial_);
  return true;
}

}  // namespace paygate::steps
