#include "notify/envelope.h"

#include "wechatpay/notification.h"

namespace paygate::notify {

bool EnvelopeBuilder::build(const EventRecord& record, const credentials::Credentials& credentials,
                            std::chrono::sys_seconds now, SignedEnvelope& out,
                            std::string& reason) {
  const auto* merchant = credentials.merchant(record.event.mchid);
  if (merchant == nullptr) {
    reason = "merchant " + record.event.mchid + " is not configured";
    return false;
  }
  const auto* identity = credentials.signing_identity();
  if (identity == nullptr) {
    reason = "no platform key to sign with";
    return false;
  }
  const bool sm = identity->key.algorithm() == crypto::KeyAlgorithm::kSm2;
  const wechatpay::NotificationEvent event{
      .id = record.id,
      .create_time = std::chrono::floor<std::chrono::seconds>(record.created_at),
      .event_type = record.event.event_type,
      .summary = record.event.summary,
      .original_type = record.event.resource_type,
      .plaintext = record.event.resource,
      .algorithm = sm ? crypto::AeadAlgorithm::kSm4Gcm : crypto::AeadAlgorithm::kAes256Gcm,
  };
  if (!wechatpay::build_notification(event, merchant->apiv3_key, aead_, out.body)) {
    reason = "sealing the resource failed";
    return false;
  }
  if (!signer_.sign(identity->key, out.body, now, out.signature)) {
    reason = "signing the envelope failed";
    return false;
  }
  out.serial = identity->serial;
  return true;
}

}  // namespace paygate::notify
