#pragma once
// EncryptFields: `routes[].encrypt` on a `sign: merchant` route. The WeChat Pay API wants
// personal data (a payee's name, a phone number) encrypted to the platform's public key, and the
// request to name that key in Wechatpay-Serial. Apps send the plain value; this step replaces
// the string at each configured JSON pointer (RFC 6901: /payer/name) with its ciphertext
// (RSA-OAEP, or SM2 for an SM2 platform key: crypto/sensitive.h, base64) for the key the
// gateway trusts that is valid the longest (PlatformTrust), rewrites the body, and has every try
// name that key's serial. A pointer that points at nothing is skipped (optional fields).
//
//   body not a JSON object             400 PARAM_ERROR, nothing forwarded
//   a pointer at something not a string   400 PARAM_ERROR naming the pointer
//   a value the key cannot take (too long for RSA-OAEP)   400 PARAM_ERROR
//   no platform key to encrypt to      503 (the configuration trusts none: never at run time)
// Counted in paygate_egress_fields_encrypted_total (one per field).

#include <boost/json/monotonic_resource.hpp>
#include <string>
#include <vector>

#include "steps/platform_trust.h"
#include "steps/request_metrics.h"
#include "steps/step.h"

namespace paygate::steps {

class EncryptFields final : public RequestStep {
 public:
  // `pointers` are checked by config/ (steps::is_removable_pointer's syntax); `trust` is the
  // process's.
  EncryptFields(std::vector<std::string> pointers, const PlatformTrust& trust,
                observe::Counter* encrypted);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  // The body with every field encrypted, or the problem (a message for the 400).
  bool encrypt(std::string_view body, const TrustedKeys& keys, std::string& out,
               std::string& problem);

  std::vector<std::string> pointers_;
  TrustView trust_;
  observe::Counter* encrypted_;
};

}  // namespace paygate::steps
