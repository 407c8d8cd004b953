#pragma once
// PlatformSigner: signs response bodies with one platform key and adds Wechatpay-Timestamp,
// -Nonce, -Signature, -Serial and -Signature-Type (docs/protocol.md §2). One per worker,
// snapshot and key (it owns an OpenSSL signing context; the identity is the snapshot's); sign()
// runs to completion without suspending, so the requests of one worker may share it.
// Given the worker's executor and an SM2 key, it also keeps its signer's pool of precomputed
// SM2 nonces full (crypto/signature.h): it posts a refill of a small batch to the worker's loop
// when it is built and after a signature leaves the pool short, one batch queued at a time. A
// batch runs between other handlers (~1 ms), never inside a request's signature.

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>

#include "credentials/credentials.h"
#include "wechatpay/server.h"

namespace paygate::steps {

class PlatformSigner {
 public:
  // Without refill_executor the SM2 pool stays empty: each signature makes its own nonce.
  explicit PlatformSigner(const credentials::PlatformIdentity& identity,
                          std::optional<boost::asio::any_io_executor> refill_executor = {});
  // Appends the Wechatpay-* field lines for `body` to `head`; nothing when signing fails
  // (counted in failures(): clients treat an unsigned reply as forged and refuse it).
  void sign(std::string_view body, std::string& head);
  std::uint64_t failures() const { return failures_; }

 private:
  // The signer and its refill flag: shared with a queued refill, which finds it gone (weak_ptr)
  // when a new snapshot replaced this signer in the meantime.
  struct Signing {
    wechatpay::ResponseSigner signer;
    bool refill_queued = false;
  };
  void queue_refill();
  static void refill(const std::weak_ptr<Signing>& weak,
                     const boost::asio::any_io_executor& executor);

  const credentials::PlatformIdentity& identity_;
  std::optional<boost::asio::any_io_executor> refill_executor_;
  std::shared_ptr<Signing> signing_ = std::make_shared<Signing>();
  wechatpay::ResponseSignature signature_;
  std::uint64_t failures_ = 0;
};

}  // namespace paygate::steps
