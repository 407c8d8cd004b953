#pragma once
// AuthenticateMerchant: the `verify: merchant` request step. Checks the request's Authorization
// against the snapshot's merchants (MerchantAuth: keys by serial, clock skew, the route
// allow-list, then the replay guard). On success it records the merchant and its nonce's ticket
// in the request context, where the next steps, the upstream's X-Pay-Mchid and the merchant
// metrics find them; on failure it counts why (paygate_signature_failures_total, and the
// context's refusal for the access log) and answers 401 SIGN_ERROR with the check's message,
// which tells a caller that has not proved it holds the key nothing about the merchants (503
// when the replay store is full, 429 when the merchant holds its nonce quota).

#include <span>

#include "credentials/credentials.h"
#include "steps/merchant_auth.h"
#include "steps/merchant_metrics.h"
#include "steps/request_metrics.h"
#include "steps/step.h"

namespace paygate::steps {

class AuthenticateMerchant final : public RequestStep {
 public:
  // `route`: the name checked against each merchant's allowed_routes; empty for the gateway's
  // own endpoints (GET /v3/certificates), which every merchant may call. `credentials` may be
  // null only in a broken configuration (validation requires merchants): every request is
  // then refused. `series[i]` counts the requests of credentials->merchants()[i].
  AuthenticateMerchant(MerchantAuth& auth, const credentials::Credentials* credentials,
                       std::string_view route, RequestMetrics& metrics,
                       std::span<MerchantSeries* const> series)
      : auth_(auth), credentials_(credentials), route_(route), metrics_(metrics), series_(series) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  MerchantAuth& auth_;
  const credentials::Credentials* credentials_;
  std::string_view route_;
  RequestMetrics& metrics_;
  std::span<MerchantSeries* const> series_;
};

}  // namespace paygate::steps
