#pragma once
// CertificatesEndpoint: GET /v3/certificates, answered by the gateway itself for a merchant
// whose signature MerchantAuth has verified. Lists the platform certificates of the requested
// algorithm (?algorithm_type=RSA, the default, or SM2), each encrypted with that merchant's
// APIv3 key (AEAD_AES_256_GCM, or AEAD_SM4_GCM for SM2) as the official API does.
// One per worker (it owns an AEAD context).

#include <string>
#include <string_view>

#include "credentials/credentials.h"
#include "crypto/aead.h"

namespace paygate::steps {

inline constexpr std::string_view kCertificatesPath = "/v3/certificates";

class CertificatesEndpoint {
 public:
  enum class Result { kOk, kBadAlgorithmType, kNoCertificates, kEncryptionFailed };

  // Fills `out` with the JSON document for `merchant`; `query` is the raw query string.
  Result build(const credentials::Credentials& credentials,
               const credentials::MerchantCredentials& merchant, std::string_view query,
               std::string& out);

 private:
  crypto::Aead aead_;
  std::vector<crypto::Certificate> selected_;  // capacity reused
};

}  // namespace paygate::steps
