#include "support/delivery_credentials.h"

#include <gtest/gtest.h>

#include "support/test_keys.h"

namespace paygate::test {

std::shared_ptr<const credentials::Credentials> delivery_credentials(
    std::string_view mchid, std::string_view apiv3_key, const std::string& notify_url_prefix) {
  auto key = crypto::ApiV3Key::from_text(apiv3_key, "test APIv3 key");
  auto platform_key = crypto::PrivateKey::from_file(data_path("platform_rsa_key.pem"));
  auto certificate = crypto::Certificate::from_file(data_path("platform_rsa_cert.pem"));
  if (!key || !platform_key || !certificate) {
    ADD_FAILURE() << "cannot load the test keys";
    return nullptr;
  }
  std::vector<credentials::MerchantCredentials> merchants;
  merchants.push_back({std::string(mchid), *key, {}, {}, {notify_url_prefix}});
  std::vector<credentials::PlatformIdentity> platform;
  platform.push_back({certificate->serial_hex(), *platform_key, *certificate});
  return std::make_shared<const credentials::Credentials>(std::move(merchants), std::move(platform),
                                                          std::chrono::seconds{300}, 1024);
}

}  // namespace paygate::test
