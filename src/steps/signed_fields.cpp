#include "steps/signed_fields.h"

#include <array>

#include "core/header_field.h"
#include "wechatpay/headers.h"

namespace paygate::steps {

bool collect_signed_fields(const http::HeadFields& fields, wechatpay::SignedHeaders& out) {
  struct Slot {
    std::string_view name;
    std::string_view* value;
  };
  const std::array<Slot, 5> slots{{{wechatpay::kTimestampHeader, &out.timestamp},
                                   {wechatpay::kNonceHeader, &out.nonce},
                                   {wechatpay::kSignatureHeader, &out.signature},
                                   {wechatpay::kSerialHeader, &out.serial},
                                   {wechatpay::kSignatureTypeHeader, &out.signature_type}}};
  for (const core::HeaderField& field : fields.all()) {
    for (const Slot& slot : slots) {
      if (!core::iequals(field.name, slot.name)) continue;
      if (!slot.value->empty()) return false;
      *slot.value = field.value;
    }
  }
  return true;
}

bool carries_no_signature(const wechatpay::SignedHeaders& h) {
  return h.timestamp.empty() && h.nonce.empty() && h.signature.empty() && h.serial.empty() &&
         h.signature_type.empty();
}

}  // namespace paygate::steps
