// PlatformSigner as a merchant's SDK sees it: the headers it adds verify with the platform
// certificate, for every body, empty included.
#include "steps/platform_signer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>

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

// With the worker's executor, an SM2 signer precomputes nonces on the loop between requests; the
// signatures made from them verify like any other.
TEST(PlatformSigner, Sm2SignsFromNoncesRefilledOnTheLoop) {
  auto made = test::generate_identity("platform", crypto::KeyAlgorithm::kSm2);
  ASSERT_TRUE(made.has_value());
  const credentials::PlatformIdentity identity{made->certificate.serial_hex(), made->key,
                                               made->certificate};
  boost::asio::io_context io;
  PlatformSigner signer(identity, io.get_executor());
  for (int batch = 0; batch < 4; ++batch) EXPECT_EQ(io.run_one(), 1u);  // a refill each time
  wechatpay::PlatformKeys keys;
  keys.add(made->certificate);
  wechatpay::ResponseVerifier verifier;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (int i = 0; i < 40; ++i) {  // more than 4 batches: the pool runs dry and refills
    const std::string body = R"({"n":)" + std::to_string(i) + "}";
    std::string head;
    signer.sign(body, head);
    auto f = fields_of(head);
    EXPECT_EQ(f["Wechatpay-Signature-Type"], "WECHATPAY2-SM2-WITH-SM3");
    const wechatpay::SignedHeaders headers{f["Wechatpay-Timestamp"], f["Wechatpay-Nonce"],
                                           f["Wechatpay-Signature"], f["Wechatpay-Serial"],
                                           f["Wechatpay-Signature-Type"]};
    EXPECT_EQ(verifier.verify(headers, body, keys, now), wechatpay::Verification::kOk);
    io.poll_one();
  }
  EXPECT_EQ(signer.failures(), 0u);
}

// A refill still queued when a new snapshot replaced the signer finds it gone and does nothing.
TEST(PlatformSigner, QueuedRefillOutlivesTheSigner) {
  auto made = test::generate_identity("platform", crypto::KeyAlgorithm::kSm2);
  ASSERT_TRUE(made.has_value());
  const credentials::PlatformIdentity identity{made->certificate.serial_hex(), made->key,
                                               made->certificate};
  boost::asio::io_context io;
  auto signer = std::make_unique<PlatformSigner>(identity, io.get_executor());
  signer.reset();
  EXPECT_EQ(io.run(), 1u);  // the queued refill ran, found nothing, queued nothing more
}

}  // namespace
}  // namespace paygate::steps
