#pragma once
// The certificates of one Credentials as observe::CertificateExpiry lists them: platform
// certificates first (role "platform"), then every merchant certificate (role "merchant", with
// its mchid). Bare public keys (WeChat Pay's public-key mode) have no expiry and are left out.
// Control thread, at start-up and after each reload.

#include <vector>

#include "credentials/credentials.h"
#include "observe/certificate_expiry.h"

namespace paygate::credentials {

// Empty for null.
std::vector<observe::CertificateInfo> certificates_of(const Credentials* credentials);

}  // namespace paygate::credentials
