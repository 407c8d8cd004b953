#include "crypto/keys.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "crypto/certificate.h"
#include "support/test_keys.h"

namespace paygate::crypto {
namespace {

using test::data_path;
using test::read_data;

TEST(Keys, LoadsRsaPrivateKeyFromFile) {
  auto key = PrivateKey::from_file(data_path("merchant_rsa_key.pem"));
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  EXPECT_EQ(key->algorithm(), KeyAlgorithm::kRsa);
  EXPECT_FALSE(key->empty());
}

TEST(Keys, LoadsSm2PrivateKeyFromMemory) {
  auto key = PrivateKey::from_pem(read_data("sm2_key.pem"), "sm2 key");
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  EXPECT_EQ(key->algorithm(), KeyAlgorithm::kSm2);
}

TEST(Keys, LoadsPublicKey) {
  auto key = PublicKey::from_file(data_path("platform_rsa_pub.pem"));
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  EXPECT_EQ(key->algorithm(), KeyAlgorithm::kRsa);
}

TEST(Keys, PublicKeyMatchesOnlyItsOwnPrivateKey) {
  auto pub = PublicKey::from_file(data_path("platform_rsa_pub.pem"));
  auto own = PrivateKey::from_file(data_path("platform_rsa_key.pem"));
  auto other = PrivateKey::from_file(data_path("other_rsa_key.pem"));
  auto sm2 = PrivateKey::from_file(data_path("sm2_key.pem"));
  ASSERT_TRUE(pub && own && other && sm2);
  EXPECT_TRUE(pub->matches(*own));
  EXPECT_FALSE(pub->matches(*other));
  EXPECT_FALSE(pub->matches(*sm2));
  EXPECT_FALSE(pub->matches(PrivateKey{}));
  EXPECT_FALSE(PublicKey{}.matches(*own));
}

// A load, failed or not, leaves nothing on the thread's OpenSSL error queue: the decoders try
// formats one after another, and a stale error would be read by the next caller on this thread.
TEST(Keys, LoadingLeavesNoOpenSslErrorQueued) {
  ERR_clear_error();
  for (const char* file : {"merchant_rsa_key.pem", "sm2_key.pem"}) {
    ASSERT_TRUE(PrivateKey::from_pem(read_data(file), file).has_value()) << file;
    EXPECT_EQ(ERR_peek_error(), 0u) << file;
  }
  ASSERT_TRUE(PublicKey::from_pem(read_data("platform_rsa_pub.pem"), "pub").has_value());
  EXPECT_EQ(ERR_peek_error(), 0u);
  ASSERT_TRUE(Certificate::from_pem(read_data("merchant_rsa_cert.pem"), "cert").has_value());
  EXPECT_EQ(ERR_peek_error(), 0u);
  // The fallback of a caller that tries a PEM as one kind, then as another.
  EXPECT_FALSE(Certificate::from_pem(read_data("platform_rsa_pub.pem"), "pub").has_value());
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_FALSE(PrivateKey::from_pem(read_data("platform_rsa_pub.pem"), "pub").has_value());
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_TRUE(PublicKey::from_pem(read_data("platform_rsa_pub.pem"), "pub").has_value());
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Keys, MissingFileErrorNamesThePath) {
  auto key = PrivateKey::from_file("/nonexistent/merchant.pem");
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().detail.find("/nonexistent/merchant.pem"), std::string::npos);
  EXPECT_NE(key.error().detail.find("cannot open"), std::string::npos);
}

TEST(Keys, GarbageErrorNamesOriginAndNeverEchoesInput) {
  std::string garbage = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n";
  auto key = PrivateKey::from_pem(garbage, "merchant 1230000109 key");
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().detail.find("merchant 1230000109 key"), std::string::npos);
  EXPECT_EQ(key.error().detail.find("SECRET"), std::string::npos);
}

TEST(Keys, PublicKeyPemIsNotAPrivateKey) {
  EXPECT_FALSE(PrivateKey::from_pem(read_data("platform_rsa_pub.pem"), "x").has_value());
  EXPECT_FALSE(PublicKey::from_pem(read_data("platform_rsa_key.pem"), "x").has_value());
}

TEST(Keys, RejectsShortRsaAndOtherCurves) {
  auto small = PublicKey::from_file(data_path("rsa1024_pub.pem"));
  ASSERT_FALSE(small.has_value());
  EXPECT_NE(small.error().detail.find("2048"), std::string::npos);
  auto p256 = PrivateKey::from_file(data_path("p256_key.pem"));
  ASSERT_FALSE(p256.has_value());
  EXPECT_NE(p256.error().detail.find("neither RSA nor SM2"), std::string::npos);
}

TEST(Keys, CopiesShareTheKey) {
  auto key = PrivateKey::from_file(data_path("merchant_rsa_key.pem"));
  ASSERT_TRUE(key.has_value());
  PrivateKey copy = *key;
  EXPECT_EQ(copy.native(), key->native());
  PrivateKey assigned;
  assigned = copy;
  EXPECT_EQ(assigned.native(), key->native());
}

TEST(Certificate, ReadsSerialAndValidity) {
  auto cert = Certificate::from_file(data_path("platform_rsa_cert.pem"));
  ASSERT_TRUE(cert.has_value()) << cert.error().detail;
  EXPECT_EQ(cert->serial_hex(), "0DEA10EF12345678901234567890ABCDEF0127EC");
  EXPECT_LT(cert->not_before(), cert->not_after());
  EXPECT_TRUE(cert->valid_at(cert->not_before()));
  EXPECT_FALSE(cert->valid_at(cert->not_after() + std::chrono::seconds(1)));
  EXPECT_EQ(cert->public_key().algorithm(), KeyAlgorithm::kRsa);
  EXPECT_NE(cert->pem().find("-----BEGIN CERTIFICATE-----"), std::string::npos);
}

TEST(Certificate, Sm2CertificateHasSm2Key) {
  auto cert = Certificate::from_file(data_path("sm2_cert.pem"));
  ASSERT_TRUE(cert.has_value()) << cert.error().detail;
  EXPECT_EQ(cert->serial_hex(), "7B2C");
  EXPECT_EQ(cert->public_key().algorithm(), KeyAlgorithm::kSm2);
}

TEST(Certificate, MatchesOnlyItsOwnPrivateKey) {
  auto cert = Certificate::from_file(data_path("merchant_rsa_cert.pem"));
  auto own = PrivateKey::from_file(data_path("merchant_rsa_key.pem"));
  auto other = PrivateKey::from_file(data_path("other_rsa_key.pem"));
  auto sm2 = PrivateKey::from_file(data_path("sm2_key.pem"));
  ASSERT_TRUE(cert && own && other && sm2);
  EXPECT_TRUE(cert->matches(*own));
  EXPECT_FALSE(cert->matches(*other));
  EXPECT_FALSE(cert->matches(*sm2));
  EXPECT_FALSE(cert->matches(PrivateKey{}));
}

TEST(Certificate, PemRoundTrips) {
  auto cert = Certificate::from_file(data_path("sm2_cert.pem"));
  ASSERT_TRUE(cert.has_value());
  auto again = Certificate::from_pem(cert->pem(), "again");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->serial_hex(), cert->serial_hex());
}

TEST(Certificate, GarbageIsAnError) {
  auto cert = Certificate::from_pem("not a certificate", "platform cert");
  ASSERT_FALSE(cert.has_value());
  EXPECT_NE(cert.error().detail.find("platform cert"), std::string::npos);
}

TEST(Certificate, SerialsCompareIgnoringCaseAndLeadingZeros) {
  EXPECT_TRUE(same_serial("0DEA10EF", "dea10ef"));
  EXPECT_TRUE(same_serial("7B2C", "7b2c"));
  EXPECT_FALSE(same_serial("7B2C", "7B2D"));
  EXPECT_FALSE(same_serial("7B2C", "7B2C0"));
  EXPECT_TRUE(same_serial("0", "00"));
}

}  // namespace
}  // namespace paygate::crypto
