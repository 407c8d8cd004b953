#pragma once
// PlatformSigner: the `sign: platform` step. As the exchange's ResponseDecorator it signs every
// response body — upstream answers and the gateway's own errors alike — with the snapshot's
// platform key and adds Wechatpay-Timestamp, -Nonce, -Signature, -Serial and -Signature-Type.
// One per worker and snapshot (it owns an OpenSSL signing context; the identity is the
// snapshot's); decorate() runs to completion without suspending, so the requests of one worker
// may share it.

#include <string>

#include "credentials/credentials.h"
#include "http/response_decorator.h"
#include "wechatpay/server.h"

namespace paygate::steps {

class PlatformSigner final : public http::ResponseDecorator {
 public:
  explicit PlatformSigner(const credentials::PlatformIdentity& identity) : identity_(identity) {}
  void decorate(std::string_view body, std::string& head) override;
  std::uint64_t failures() const { return failures_; }

 private:
  const credentials::PlatformIdentity& identity_;
  wechatpay::ResponseSigner signer_;
  wechatpay::ResponseSignature signature_;
  std::uint64_t failures_ = 0;
};

}  // namespace paygate::steps
