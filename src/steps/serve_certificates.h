#pragma once
// ServeCertificates: the action of GET /v3/certificates, answered by the gateway itself for the
// merchant AuthenticateMerchant verified before it (docs/protocol.md §3): the platform
// certificates of the requested algorithm, each encrypted with that merchant's APIv3 key
// (CertificatesEndpoint).

#include "credentials/credentials.h"
#include "steps/certificates_endpoint.h"
#include "steps/step.h"

namespace paygate::steps {

class ServeCertificates final : public RequestStep {
 public:
  // `endpoint` is the worker's (it owns an AEAD context), `credentials` the snapshot's.
  ServeCertificates(CertificatesEndpoint& endpoint, const credentials::Credentials& credentials)
      : endpoint_(endpoint), credentials_(credentials) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  CertificatesEndpoint& endpoint_;
  const credentials::Credentials& credentials_;
};

}  // namespace paygate::steps
