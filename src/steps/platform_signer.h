#pragma once
// PlatformSigner: signs response bodies with one platform key and adds Wechatpay-Timestamp,
// -Nonce, -Signature, -Serial and -Signature-Type (docs/protocol.md §2). One per worker,
// snapshot and key (it owns an OpenSSL signing context; the identity is the snapshot's); sign()
// runs to completion without suspending, so the requests of one worker may share it.

#include <string>

#include "credentials/credentials.h"
#include "wechatpay/server.h"

namespace paygate::steps {

class PlatformSigner {
 public:
  explicit PlatformSigner(const credentials::PlatformIdentity& identity) : identity_(identity) {}
  // Appends the Wechatpay-* field lines for `body` to `head`; nothing when signing fails
  // (counted in failures(): clients treat an unsigned reply as forged and refuse it).
  void sign(std::string_view body, std::string& head);
  std::uint64_t failures() const { return failures_; }

 private:
  const credentials::PlatformIdentity& identity_;
  wechatpay::ResponseSigner signer_;
  wechatpay::ResponseSignature signature_;
  std::uint64_t failures_ = 0;
};

}  // namespace paygate::steps
