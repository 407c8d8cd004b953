#include "steps/serve_certificates.h"

#include "steps/pipeline.h"

namespace paygate::steps {

boost::asio::awaitable<Next> ServeCertificates::on_request(http::Exchange& ex,
                                                           RequestContext& context) {
  if (!context.merchant) {  // the route puts AuthenticateMerchant first; belt and braces
    co_await answer_error(ex, context, core::ErrorKind::kUnauthorized, "not authenticated");
    co_return Next::kAnswered;
  }
  std::string& document = ex.scratch().body;
  using Result = CertificatesEndpoint::Result;
  switch (endpoint_.build(credentials_, *context.merchant, ex.request().query, document)) {
    case Result::kOk:
      co_await answer(ex, context, 200, "application/json", document);
      break;
    case Result::kBadAlgorithmType:
      co_await answer_error(ex, context, core::ErrorKind::kBadRequest,
                            "algorithm_type must be RSA or SM2");
      break;
    case Result::kNoCertificates:
      co_await answer_error(ex, context, core::ErrorKind::kNotFound,
                            "no platform certificate of that type");
      break;
    case Result::kEncryptionFailed:
      co_await answer_error(ex, context, core::ErrorKind::kInternal,
                            "could not encrypt the certificates");
      break;
  }
  document.clear();
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
