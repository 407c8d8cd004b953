#include "steps/certificates_endpoint.h"

#include "wechatpay/certificates.h"

namespace paygate::steps {

namespace {

// The value of algorithm_type in a raw query, or "RSA" when absent.
std::string_view algorithm_type(std::string_view query) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with("algorithm_type=")) return pair.substr(15);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "RSA";
}

}  // namespace

CertificatesEndpoint::Result CertificatesEndpoint::build(
    const credentials::Credentials& credentials, const credentials::MerchantCredentials& merchant,
    std::string_view query, std::string& out) {
  const std::string_view type = algorithm_type(query);
  crypto::KeyAlgorithm wanted;
  crypto::AeadAlgorithm aead;
  if (type == "RSA") {
    wanted = crypto::KeyAlgorithm::kRsa;
    aead = crypto::AeadAlgorithm::kAes256Gcm;
  } else if (type == "SM2") {
    wanted = crypto::KeyAlgorithm::kSm2;
    aead = crypto::AeadAlgorithm::kSm4Gcm;
  } else {
    return Result::kBadAlgorithmType;
  }
  selected_.clear();
  for (const crypto::Certificate& c : credentials.platform_certificates()) {
    if (c.public_key().algorithm() == wanted) selected_.push_back(c);
  }
  if (selected_.empty()) return Result::kNoCertificates;
  return wechatpay::build_certificates_document(selected_, merchant.apiv3_key, aead, aead_, out)
             ? Result::kOk
             : Result::kEncryptionFailed;
}

}  // namespace paygate::steps
