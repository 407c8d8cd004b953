#pragma once
// EnvelopeBuilder: turns a stored event into the POST a merchant receives: the v3 notification
// envelope with the resource sealed under the merchant's APIv3 key (fresh nonce, associated data
// = the resource type), and the Wechatpay-* headers signing it with the platform key.
// Per thread (reuses OpenSSL contexts and buffers).

#include <chrono>
#include <string>

#include "credentials/credentials.h"
#include "crypto/aead.h"
#include "notify/event.h"
#include "wechatpay/server.h"

namespace paygate::notify {

struct SignedEnvelope {
  std::string body;
  wechatpay::ResponseSignature signature;
  std::string_view serial;  // Wechatpay-Serial: the signing identity's, owned by Credentials
};

class EnvelopeBuilder {
 public:
  // False with the reason when it cannot be built (the merchant is no longer configured, or
  // there is no platform key).
  bool build(const EventRecord& record, const credentials::Credentials& credentials,
             std::chrono::sys_seconds now, SignedEnvelope& out, std::string& reason);

 private:
  crypto::Aead aead_;
  wechatpay::ResponseSigner signer_;
};

}  // namespace paygate::notify
