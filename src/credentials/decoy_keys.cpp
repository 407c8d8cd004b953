#include "credentials/decoy_keys.h"

#include <string_view>

namespace paygate::credentials {

namespace {

constexpr std::string_view kRsaDecoy = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAob2tJJgbWWOT39CieXtT
9+IKAVKb5vRJj3ukT6cwy3StAimaoePLb+lzG70UidcOB7ri/vHL1nAoCLW9dihN
eRg0fyIpr5IEcV9/L4USsHyfeiYuPUEE3MaptjHdf03iK7zB+wl/jYPNsWzkl/bK
rLCkWpZ5DCXb+nqWBpQKAO8nOzT6QhPbUEUXqWcj7/L+0uiiE4TsdfrxT0SIeJLx
mqZlfWwPhG9a/t5PNQMzTkV7OQU4AcMCYzx4u5ttPemMMnXvT69kYifs8kpIcAtQ
G1dmUb8JvWJlAYy1JcKPMDCUWtZqw0WAI1XYtJTZLY+wGW11T48/I3MszHZEcpAV
0wIDAQAB
-----END PUBLIC KEY-----
)";

constexpr std::string_view kSm2Decoy = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAETjUn7azWdP5XOq7P4CZyUcXZhNNc
n+xNzDWuzGxSv74NVagy021R67kTzFT4cDEefgVvGS2kgmHpPwt8vwoxUw==
-----END PUBLIC KEY-----
)";

crypto::PublicKey parse(std::string_view pem, std::string_view origin) {
  auto key = crypto::PublicKey::from_pem(pem, origin);
  return key.has_value() ? *key : crypto::PublicKey{};
}

}  // namespace

DecoyKeys make_decoy_keys() {
  return {parse(kRsaDecoy, "the RSA decoy key"), parse(kSm2Decoy, "the SM2 decoy key")};
}

}  // namespace paygate::credentials
