#include "crypto/generate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>

#include "crypto/signature.h"

namespace paygate::crypto {
namespace {

using std::chrono::days;
using std::chrono::sys_seconds;

X509Handle parse_x509(const Certificate& certificate) {
  const std::string& pem = certificate.pem();
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Handle(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Checks the self-signature twice: with our Verifier over the to-be-signed bytes, and with
// OpenSSL's X509_verify (given the SM2 user id explicitly, as `openssl verify` would need).
void expect_self_signed(const Certificate& certificate) {
  X509Handle x509 = parse_x509(certificate);
  ASSERT_NE(x509, nullptr);
  unsigned char* tbs = nullptr;
  int tbs_size = i2d_re_X509_tbs(x509.get(), &tbs);
  ASSERT_GT(tbs_size, 0);
  const ASN1_BIT_STRING* signature = nullptr;
  X509_get0_signature(&signature, nullptr, x509.get());
  ASSERT_NE(signature, nullptr);
  Verifier verifier;
  EXPECT_TRUE(verifier.verify(
      certificate.public_key(),
      std::string_view(reinterpret_cast<const char*>(tbs), static_cast<std::size_t>(tbs_size)),
      std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(signature)),
                       static_cast<std::size_t>(ASN1_STRING_length(signature)))));
  OPENSSL_free(tbs);
  if (certificate.public_key().algorithm() == KeyAlgorithm::kSm2) {
    ASN1_OCTET_STRING* id = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(id, reinterpret_cast<const unsigned char*>(kSm2DefaultUserId.data()),
                          static_cast<int>(kSm2DefaultUserId.size()));
    X509_set0_distinguishing_id(x509.get(), id);  // x509 takes ownership
  }
  EXPECT_EQ(X509_verify(x509.get(), X509_get0_pubkey(x509.get())), 1) << drain_openssl_errors();
}

bool is_upper_hex(const std::string& text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::islower(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

class GenerateTest : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(GenerateTest, KeyMatchesItsSelfSignedCertificate) {
  CertificateSpec spec{GetParam(), "1230000109"};
  spec.validity_days = 30;
  auto identity = generate_self_signed(spec);
  ASSERT_TRUE(identity.has_value()) << identity.error().detail;
  EXPECT_EQ(identity->key.algorithm(), GetParam());
  EXPECT_EQ(identity->certificate.public_key().algorithm(), GetParam());
  EXPECT_TRUE(identity->certificate.matches(identity->key));
  expect_self_signed(identity->certificate);
}

TEST_P(GenerateTest, SerialIsFortyUppercaseHexDigits) {
  auto first = generate_self_signed({GetParam(), "1230000109"});
  auto second = generate_self_signed({GetParam(), "1230000109"});
  ASSERT_TRUE(first.has_value() && second.has_value());
  const std::string& serial = first->certificate.serial_hex();
  EXPECT_EQ(serial.size(), 2 * kCertificateSerialBytes) << serial;
  EXPECT_TRUE(is_upper_hex(serial)) << serial;
  EXPECT_NE(serial, second->certificate.serial_hex());
  EXPECT_FALSE(first->certificate.matches(second->key));
}

TEST_P(GenerateTest, ValidityIsWholeDaysFromNow) {
  auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  CertificateSpec spec{GetParam(), "1230000109"};
  spec.validity_days = 7;
  auto identity = generate_self_signed(spec);
  auto after = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(identity.has_value()) << identity.error().detail;
  const Certificate& certificate = identity->certificate;
  EXPECT_GE(certificate.not_before(), before);
  EXPECT_LE(certificate.not_before(), after);
  EXPECT_EQ(certificate.not_after() - certificate.not_before(), days(7));
  EXPECT_TRUE(certificate.valid_at(after));
  EXPECT_FALSE(certificate.valid_at(after + days(8)));
}

TEST_P(GenerateTest, PemRoundTripsSignAndVerify) {
  auto identity = generate_self_signed({GetParam(), "1230000109"});
  ASSERT_TRUE(identity.has_value()) << identity.error().detail;
  auto key_pem = private_key_pem(identity->key);
  ASSERT_TRUE(key_pem.has_value());
  EXPECT_TRUE(key_pem->starts_with("-----BEGIN PRIVATE KEY-----"));
  auto key = PrivateKey::from_pem(*key_pem, "round trip");
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  auto pub_pem = public_key_pem(identity->certificate.public_key());
  ASSERT_TRUE(pub_pem.has_value());
  auto pub = PublicKey::from_pem(*pub_pem, "round trip");
  ASSERT_TRUE(pub.has_value()) << pub.error().detail;

  std::string signature;
  Signer signer;
  Verifier verifier;
  ASSERT_TRUE(signer.sign(*key, "message\n", signature));
  EXPECT_TRUE(verifier.verify(*pub, "message\n", signature));
  EXPECT_TRUE(verifier.verify(identity->certificate.public_key(), "message\n", signature));
  EXPECT_FALSE(verifier.verify(*pub, "massage\n", signature));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GenerateTest,
                         ::testing::Values(KeyAlgorithm::kRsa, KeyAlgorithm::kSm2),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Generate, RsaKeysAre2048Bits) {
  auto key = generate_private_key(KeyAlgorithm::kRsa);
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  EXPECT_EQ(EVP_PKEY_get_bits(key->native()), 2048);
}

TEST(Generate, HonoursAGivenStartTime) {
  CertificateSpec spec{KeyAlgorithm::kSm2, "1230000109"};
  spec.not_before = sys_seconds(std::chrono::seconds(1700000000));
  spec.validity_days = 1;
  auto identity = generate_self_signed(spec);
  ASSERT_TRUE(identity.has_value()) << identity.error().detail;
  EXPECT_EQ(identity->certificate.not_before(), spec.not_before);
  EXPECT_EQ(identity->certificate.not_after(), spec.not_before + days(1));
}

TEST(Generate, RejectsValidityOutOfRange) {
  for (int days : {0, -1, 36501}) {
    CertificateSpec spec{KeyAlgorithm::kSm2, "1230000109"};
    spec.validity_days = days;
    auto identity = generate_self_signed(spec);
    ASSERT_FALSE(identity.has_value()) << days;
    EXPECT_NE(identity.error().detail.find("36500"), std::string::npos);
  }
}

TEST(Generate, RejectsAnOverlongCommonName) {
  auto identity = generate_self_signed({KeyAlgorithm::kSm2, std::string(65, 'x')});
  ASSERT_FALSE(identity.has_value());
  EXPECT_NE(identity.error().detail.find("subject"), std::string::npos);
}

}  // namespace
}  // namespace paygate::crypto
