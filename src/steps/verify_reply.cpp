#include "steps/verify_reply.h"

#include "steps/signed_fields.h"

namespace paygate::steps {
namespace {

using wechatpay::Verification;

constexpr Verification kLastVerification = Verification::kBadSignature;

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
  if (!collect_signed_fields(ex.scratch().response_head.fields, headers)) {
    metrics_.count_reply_verification("ambiguous_signature");
    return "the platform's reply carries a signature field twice: it was not passed on";
  }
  if ((status < 200 || status > 299) && carries_no_signature(headers)) {
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
