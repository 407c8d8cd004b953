#pragma once
// MerchantSigning: how the tries of one request are signed on the merchant role. AuthenticateApp
// starts it with the identity the calling app signs as and the worker's signer; Forward hands it
// to the forwarder, which asks it for a fresh Authorization before every try (a new nonce and
// timestamp each time, so a retry is never refused as a replay). One per request, in its
// RequestContext; worker-thread confined.

#include <string>
#include <string_view>

#include "credentials/merchant_role.h"
#include "proxy/forwarder.h"
#include "wechatpay/client.h"

namespace paygate::steps {

class MerchantSigning final : public proxy::TrySigner {
 public:
  void start(wechatpay::RequestSigner& signer, const credentials::SigningIdentity& identity) {
    signer_ = &signer;
    identity_ = &identity;
  }
  // Whether the request's tries are signed: the route signs and its app was authenticated.
  bool active() const { return identity_ != nullptr; }
  const credentials::SigningIdentity* identity() const { return identity_; }

  // The body carries fields encrypted to the platform key of `serial` (EncryptFields): each try
  // names it in Wechatpay-Serial, as the API requires.
  void encrypted_for(std::string_view serial) { serial_.assign(serial); }

  bool sign(std::string_view method, std::string_view target, std::string_view body,
            std::string& fields) override;
  bool writes_serial() const override { return !serial_.empty(); }

 private:
  std::string serial_;  // copied: the trusted keys it came from may be replaced meanwhile
  wechatpay::RequestSigner* signer_ = nullptr;
  const credentials::SigningIdentity* identity_ = nullptr;
};

}  // namespace paygate::steps
