#pragma once
// VerifyReply: the `verify: platform` reply check (the merchant role). The platform's answer
// reaches the app only when its Wechatpay-* signature verifies against a platform key the
// gateway trusts (PlatformTrust: merchant.platform_keys and the certificates downloaded since;
// an unknown serial asks for a download): serial known, timestamp within merchant.clock_skew,
// signature good for the exact body. Anything else is replaced by the gateway's 502 naming the
// reason, and counted in paygate_egress_reply_verifications_total{result}; so is every success.
//
// As the WeChat Pay SDKs do, an error answer (not 2xx) that carries no signature field at all
// is passed on unverified (result "unsigned_error"): a load balancer's 502 or 429 before the
// platform says nothing the app could be misled by, and its status is worth more than ours.
// A signature field that appears twice is refused ("ambiguous_signature"): which one would count?

#include <array>
#include <chrono>
#include <string>

#include "steps/platform_trust.h"
#include "steps/request_metrics.h"
#include "steps/step.h"
#include "wechatpay/client.h"

namespace paygate::steps {

class VerifyReply final : public ReplyCheck {
 public:
  // `trust` must outlive the step (the process's); `verifier` is the worker's.
  VerifyReply(PlatformTrust& trust, std::chrono::seconds skew,
              wechatpay::ResponseVerifier& verifier, RequestMetrics& metrics);

  std::string_view check(const http::Exchange& exchange, const RequestContext& context, int status,
                         std::string_view body) override;

 private:
  PlatformTrust& trust_;
  TrustView view_;
  std::chrono::seconds skew_;
  wechatpay::ResponseVerifier& verifier_;
  RequestMetrics& metrics_;
  // The 502's message for each wechatpay::Verification, made once.
  std::array<std::string, 9> messages_;
};

}  // namespace paygate::steps
