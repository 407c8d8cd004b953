#pragma once
// SignReply: the `sign: platform` response step. Signs every whole response of its routes,
// upstream answers and the gateway's own errors alike, with the platform key the request's
// Wechatpay-Serial names, else the default key (PlatformSigners), adding the Wechatpay-* fields
// (docs/protocol.md §2). One per worker and snapshot.

#include "credentials/credentials.h"
#include "steps/platform_signers.h"
#include "steps/step.h"

namespace paygate::steps {

class SignReply final : public ResponseStep {
 public:
  // `credentials` must hold a platform key and outlive the step (both are the snapshot's);
  // `executor` is the worker's, where SM2 nonces are precomputed between requests.
  SignReply(const credentials::Credentials& credentials, boost::asio::any_io_executor executor)
      : signers_(credentials, std::move(executor)) {}

  void on_response(const http::Exchange& exchange, const RequestContext& context, int status,
                   std::string_view body, std::string& fields) override;

 private:
  PlatformSigners signers_;
};

}  // namespace paygate::steps
