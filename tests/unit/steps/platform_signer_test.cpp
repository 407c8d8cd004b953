// PlatformSigner as a merchant's SDK sees it: the headers it adds verify with the platform
// certificate, for every body, empty included.
#include "steps/platform_signer.h"

#include <gtest/gtest.h>

#include <map>

#include "support/test_keys.h"
#include "wechatpay/client.h"
#include "wechatpay/platform_keys.h"

namespace paygate::steps {
namespace {

std::map<std::string, std::string> fields_of(const std::string& head) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < head.size()) {
    const std::size_t end = head.find("\r\n", pos);
    const std::string line = head.substr(pos, end - pos);
    const std::size_t colon = line.find(": ");
    out[line.substr(0, colon)] = line.substr(colon + 2);
    pos = end + 2;
  }
  return out;
}

TEST(PlatformSigner, SignsBodiesSoThatClientsVerifyThem) {
  auto made = test::generate_identity("platform");
  ASSERT_TRUE(made.has_value());
  const credentials::PlatformIdentity identity{made->certificate.serial_hex(), made->key,
                                               made->certificate};
  PlatformSigner signer(identity);
  wechatpay::PlatformKeys keys;
  keys.add(made->certificate);
  wechatpay::ResponseVerifier verifier;
  for (std::string_view body : {std::string_view{}, std::string_view{R"({"code":"SIGN_ERROR"})"}}) {
    std::string head;
    signer.sign(body, head);
    auto f = fields_of(head);
    EXPECT_EQ(f["Wechatpay-Serial"], identity.serial);
    EXPECT_EQ(f["Wechatpay-Signature-Type"], "WECHATPAY2-SHA256-RSA2048");
    const wechatpay::SignedHeaders headers{f["Wechatpay-Timestamp"], f["Wechatpay-Nonce"],
                                           f["Wechatpay-Signature"], f["Wechatpay-Serial"],
                                           f["Wechatpay-Signature-Type"]};
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    EXPECT_EQ(verifier.verify(headers, body, keys, now), wechatpay::Verification::kOk);
    EXPECT_NE(verifier.verify(headers, "tampered", keys, now), wechatpay::Verification::kOk);
  }
  EXPECT_EQ(signer.failures(), 0u);
}

}  // namespace
}  // namespace paygate::steps
