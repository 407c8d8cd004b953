#include "steps/sign_reply.h"

#include "wechatpay/headers.h"

namespace paygate::steps {

void SignReply::on_response(const http::Exchange& exchange, const RequestContext&, int,
                            std::string_view body, std::string& fields) {
  const std::string_view serial = exchange.request().fields.find(wechatpay::kSerialHeader);
  if (PlatformSigner* signer = signers_.for_serial(serial)) signer->sign(body, fields);
}

}  // namespace paygate::steps
