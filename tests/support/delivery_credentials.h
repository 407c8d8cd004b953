#pragma once
// Credentials for tests of notification delivery: one merchant, notified at any URL below a
// prefix (usually a MerchantEndpoint's), and the RSA platform key and certificate of
// tests/data/crypto as the signing identity. Call it on a test's thread: when the test keys
// cannot be loaded it records a test failure (ADD_FAILURE) and returns null.

#include <memory>
#include <string>
#include <string_view>

#include "credentials/credentials.h"

namespace paygate::test {

std::shared_ptr<const credentials::Credentials> delivery_credentials(
    std::string_view mchid, std::string_view apiv3_key, const std::string& notify_url_prefix);

}  // namespace paygate::test
