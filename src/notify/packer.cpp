#include "notify/packer.h"

#include "wechatpay/headers.h"

namespace paygate::notify {

bool SealingPacker::pack(const EventRecord& record, std::chrono::sys_seconds now, Parcel& out,
                         std::string& reason) {
  if (credentials_ == nullptr) {
    reason = "no credentials configured";
    return false;
  }
  SignedEnvelope envelope;
  if (!envelope_.build(record, *credentials_, now, envelope, reason)) return false;
  out.body = std::move(envelope.body);
  const wechatpay::ResponseSignature& s = envelope.signature;
  out.fields = {
      {wechatpay::kTimestampHeader, s.timestamp},
      {wechatpay::kNonceHeader, s.nonce},
      {wechatpay::kSignatureHeader, s.signature},
      {wechatpay::kSerialHeader, std::string(envelope.serial)},
      {wechatpay::kSignatureTypeHeader, std::string(s.signature_type)},
  };
  return true;
}

PlainPacker::PlainPacker(const crypto::SecretBuffer& token) {
  if (token.empty()) return;
  constexpr std::string_view kBearer = "Bearer ";
  authorization_.reserve(kBearer.size() + token.size());
  authorization_.text().append(kBearer).append(token.view());
}

bool PlainPacker::pack(const EventRecord& record, std::chrono::sys_seconds, Parcel& out,
                       std::string&) {
  out.body = record.event.resource;
  out.fields = {
      // The platform's event id: the app's own duplicate check (paygate forwards an event again
      // when the app's acknowledgement is lost).
      {"X-Pay-Event-Id", record.event.idempotency_key},
      {"X-Pay-Mchid", record.event.mchid},
  };
  if (!authorization_.empty()) {
    out.fields.emplace_back("Authorization", std::string(authorization_.view()));
  }
  return true;
}

std::unique_ptr<Packer> make_packer(const NotifySettings& settings,
                                    std::shared_ptr<const credentials::Credentials> credentials) {
  if (settings.form == DeliveryForm::kPlain) {
    return std::make_unique<PlainPacker>(settings.forward_token);
  }
  return std::make_unique<SealingPacker>(std::move(credentials));
}

}  // namespace paygate::notify
