// PlatformSigners: which platform key signs a reply, by the request's Wechatpay-Serial. The
// reply names the key used and verifies with that key's certificate.
#include "steps/platform_signers.h"

#include <gtest/gtest.h>

#include <cctype>

#include "support/test_keys.h"
#include "wechatpay/client.h"
#include "wechatpay/platform_keys.h"

namespace paygate::steps {
namespace {

constexpr std::string_view kPublicKeyId = "PUB_KEY_ID_0114232134912410000000000000000001";

// The value of one field in signed head lines ("Name: value\r\n").
std::string field(const std::string& head, std::string_view name) {
  const std::size_t start = head.find(std::string(name) + ": ");
  if (start == std::string::npos) return {};
  const std::size_t value = start + name.size() + 2;
  return head.substr(value, head.find("\r\n", value) - value);
}

class PlatformSignersTest : public ::testing::Test {
 protected:
  PlatformSignersTest() {
    std::vector<credentials::PlatformIdentity> identities;
    for (std::string_view name : {"first", "second", "public"}) {
      auto made = test::generate_identity(name);
      EXPECT_TRUE(made.has_value());
      identities.push_back({made->certificate.serial_hex(), made->key, made->certificate});
      keys_.add(made->certificate.serial_hex(), made->certificate.public_key());
    }
    // Public-key mode: the id instead of a certificate serial, no certificate.
    keys_.add(std::string(kPublicKeyId), identities[2].certificate->public_key());
    identities[2].serial = std::string(kPublicKeyId);
    identities[2].certificate.reset();
    credentials_ = std::make_shared<const credentials::Credentials>(
        std::vector<credentials::MerchantCredentials>{}, std::move(identities),
        std::chrono::seconds{300}, 16);
    signers_ = std::make_unique<PlatformSigners>(*credentials_);
  }

  const credentials::PlatformIdentity& identity(std::size_t i) const {
    return credentials_->platform_identities()[i];
  }

  // Signs a body with the signer chosen for `requested`; returns the serial the reply names
  // after checking that the signature verifies with the public key of that serial.
  std::string reply_serial(std::string_view requested) {
    PlatformSigner* signer = signers_->for_serial(requested);
    EXPECT_NE(signer, nullptr);
    if (signer == nullptr) return {};
    constexpr std::string_view kBody = R"({"ok":true})";
    std::string head;
    signer->sign(kBody, head);
    const std::string serial = field(head, "Wechatpay-Serial");
    const std::string timestamp = field(head, "Wechatpay-Timestamp");
    const std::string nonce = field(head, "Wechatpay-Nonce");
    const std::string signature = field(head, "Wechatpay-Signature");
    const std::string type = field(head, "Wechatpay-Signature-Type");
    const wechatpay::SignedHeaders headers{timestamp, nonce, signature, serial, type};
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    EXPECT_EQ(verifier_.verify(headers, kBody, keys_, now), wechatpay::Verification::kOk);
    return serial;
  }

  wechatpay::PlatformKeys keys_;  // each serial's public key, as a merchant holds them
  std::shared_ptr<const credentials::Credentials> credentials_;
  std::unique_ptr<PlatformSigners> signers_;
  wechatpay::ResponseVerifier verifier_;
};

TEST_F(PlatformSignersTest, WithoutTheHeaderTheFirstKeySigns) {
  EXPECT_EQ(reply_serial(""), identity(0).serial);
}

TEST_F(PlatformSignersTest, TheKeyTheRequestNamesSigns) {
  EXPECT_EQ(reply_serial(identity(1).serial), identity(1).serial);
  EXPECT_EQ(reply_serial(identity(0).serial), identity(0).serial);
  EXPECT_EQ(reply_serial(kPublicKeyId), kPublicKeyId);
  EXPECT_EQ(signers_->for_serial(identity(1).serial), signers_->for_serial(identity(1).serial));
  EXPECT_NE(signers_->for_serial(identity(1).serial), signers_->for_serial(identity(0).serial));
}

TEST_F(PlatformSignersTest, SerialsMatchIgnoringCaseAndLeadingZeros) {
  std::string lower = "000" + identity(1).serial;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(reply_serial(lower), identity(1).serial);
  EXPECT_EQ(reply_serial("pub_key_id_0114232134912410000000000000000001"), kPublicKeyId);
}

TEST_F(PlatformSignersTest, AnUnknownSerialGetsTheFirstKey) {
  EXPECT_EQ(reply_serial("5157F09EFDC096DE15EBE81A47057A7232F1B8E1"), identity(0).serial);
  EXPECT_EQ(reply_serial("PUB_KEY_ID_0000"), identity(0).serial);
  EXPECT_EQ(reply_serial("0"), identity(0).serial);
}

TEST(PlatformSigners, NoPlatformKeysNoSigner) {
  const credentials::Credentials none({}, {}, std::chrono::seconds{300}, 16);
  const PlatformSigners signers(none);
  EXPECT_EQ(signers.for_serial(""), nullptr);
  EXPECT_EQ(signers.for_serial("01"), nullptr);
}

}  // namespace
}  // namespace paygate::steps
