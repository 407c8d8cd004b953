#include "steps/platform_signer.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "wechatpay/headers.h"

namespace paygate::steps {

namespace {

// Nonces per queued refill: ~1 ms of work, so a request that arrives meanwhile waits little.
constexpr std::size_t kRefillBatch = 8;

void append_field(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(": ").append(value).append("\r\n");
}
}  // namespace

PlatformSigner::PlatformSigner(const credentials::PlatformIdentity& identity,
                               std::optional<boost::asio::any_io_executor> refill_executor)
    : identity_(identity), refill_executor_(std::move(refill_executor)) {
  queue_refill();
}

void PlatformSigner::queue_refill() {
  if (!refill_executor_ || identity_.key.algorithm() != crypto::KeyAlgorithm::kSm2 ||
      signing_->refill_queued || signing_->signer.precompute_full()) {
    return;
  }
  signing_->refill_queued = true;
  boost::asio::post(*refill_executor_, [weak = std::weak_ptr<Signing>(signing_),
                                        executor = *refill_executor_] { refill(weak, executor); });
}

// Runs on the worker's loop; queues the next batch behind whatever arrived meanwhile.
void PlatformSigner::refill(const std::weak_ptr<Signing>& weak,
                            const boost::asio::any_io_executor& executor) {
  std::shared_ptr<Signing> signing = weak.lock();
  if (signing == nullptr) return;
  if (signing->signer.precompute(kRefillBatch) == 0 || signing->signer.precompute_full()) {
    signing->refill_queued = false;  // full, or the CSPRNG failed: the next signature retries
    return;
  }
  boost::asio::post(executor, [weak, executor] { refill(weak, executor); });
}

void PlatformSigner::sign(std::string_view body, std::string& head) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const bool signed_ok = signing_->signer.sign(identity_.key, body, now, signature_);
  queue_refill();
  if (!signed_ok) {
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
