#include "steps/verify_reply.h"

#include "core/header_field.h"
#include "wechatpay/headers.h"

namespace paygate::steps {
namespace {

using wechatpay::Verification;

constexpr Verification kLastVerification = Verification::kBadSignature;

// The signature fields of an answer; false when one of them appears more than once.
bool signed_headers(const http::HeadFields& fields, wechatpay::SignedHeaders& out) {
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

bool unsigned_answer(const wechatpay::SignedHeaders& h) {
  return h.timestamp.empty() && h.nonce.empty() && h.signature.empty() && h.serial.empty() &&
         h.signature_type.empty();
}

}  // namespace

VerifyReply::VerifyReply(PlatformTrust& trust, std::chrono::seconds skew,
                         wechatpay::ResponseVerifier& verifier, RequestMetrics& metrics)
    : trust_(trust), view_(trust), skew_(skew), verifier_(verifier), metrics_(metrics) {
  static_assert(static_cast<std::size_t>(kLastVerification) + 1 ==
                std::tuple_size_v<decltype(messages_)>);
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    messages_[i] = "the platform's reply failed its signature check (" +
                   std::string(wechatpay::describe(static_cast<Verification>(i))) +
                   "): it was not passed on";
  }
}

std::string_view VerifyReply::check(const http::Exchange& ex, const RequestContext&, int status,
                                    std::string_view body) {
  wechatpay::SignedHeaders headers;
  if (!signed_headers(ex.scratch().response_head.fields, headers)) {
    metrics_.count_reply_verification("ambiguous_signature");
    return "the platform's reply carries a signature field twice: it was not passed on";
  }
  if ((status < 200 || status > 299) && unsigned_answer(headers)) {
    metrics_.count_reply_verification("unsigned_error");
    return {};
  }
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const Verification result = verifier_.verify(headers, body, view_.keys().keys, now, skew_);
  metrics_.count_reply_verification(wechatpay::label(result));
  // The platform may have rotated its certificate: a download brings the new one.
  if (result == Verification::kUnknownSerial) trust_.ask_refresh();
  if (result == Verification::kOk) return {};
  return messages_[static_cast<std::size_t>(result)];
}

}  // namespace paygate::steps
