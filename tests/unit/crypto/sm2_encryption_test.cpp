#include "crypto/sm2_encryption.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <optional>

#include "crypto/base64.h"
#include "crypto/certificate.h"
#include "crypto/generate.h"
#include "support/test_keys.h"

namespace paygate::crypto {
namespace {

using test::data_path;
using test::read_data;

using BnHandle = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using BnCtxHandle = std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX_free>>;
using GroupHandle = std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>>;
using PointHandle = std::unique_ptr<EC_POINT, OpenSslDeleter<EC_POINT_free>>;

// The four fields of SEQUENCE{INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2}.
struct C1C3C2 {
  BnHandle x, y;
  std::string c3, c2;
};

std::string octets(const ASN1_TYPE* field) {
  const ASN1_OCTET_STRING* s = field->value.octet_string;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

// Parses der strictly with OpenSSL's generic ASN.1 decoder; nullopt for any other shape.
std::optional<C1C3C2> parse_c1c3c2(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ASN1_SEQUENCE_ANY* seq = d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(der.size()));
  std::optional<C1C3C2> parsed;
  if (seq != nullptr && p == reinterpret_cast<const unsigned char*>(der.data()) + der.size() &&
      sk_ASN1_TYPE_num(seq) == 4 && ASN1_TYPE_get(sk_ASN1_TYPE_value(seq, 0)) == V_ASN1_INTEGER &&
      ASN1_TYPE_get(sk_ASN1_TYPE_value(seq, 1)) == V_ASN1_INTEGER &&
      ASN1_TYPE_get(sk_ASN1_TYPE_value(seq, 2)) == V_ASN1_OCTET_STRING &&
      ASN1_TYPE_get(sk_ASN1_TYPE_value(seq, 3)) == V_ASN1_OCTET_STRING) {
    parsed.emplace();
    parsed->x.reset(ASN1_INTEGER_to_BN(sk_ASN1_TYPE_value(seq, 0)->value.integer, nullptr));
    parsed->y.reset(ASN1_INTEGER_to_BN(sk_ASN1_TYPE_value(seq, 1)->value.integer, nullptr));
    parsed->c3 = octets(sk_ASN1_TYPE_value(seq, 2));
    parsed->c2 = octets(sk_ASN1_TYPE_value(seq, 3));
  }
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  return parsed;
}

std::string sm3(std::string_view bytes) {
  MdHandle md(EVP_MD_fetch(nullptr, "SM3", nullptr));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), digest, &length, md.get(), nullptr), 1);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string coordinate(const BIGNUM* n) {
  std::string out(32, '\0');
  BN_bn2binpad(n, reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

// C3 as GB/T 32918.4 defines it: SM3(x2 || M || y2), where (x2, y2) = d * C1.
std::string expected_c3(const PrivateKey& key, const C1C3C2& c, std::string_view plaintext) {
  BIGNUM* raw_d = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key.native(), OSSL_PKEY_PARAM_PRIV_KEY, &raw_d), 1);
  BnHandle d(raw_d), x2(BN_new()), y2(BN_new());
  BnCtxHandle bn(BN_CTX_new());
  GroupHandle group(EC_GROUP_new_by_curve_name(NID_sm2));
  PointHandle c1(EC_POINT_new(group.get())), shared(EC_POINT_new(group.get()));
  EXPECT_EQ(EC_POINT_set_affine_coordinates(group.get(), c1.get(), c.x.get(), c.y.get(), bn.get()),
            1);
  EXPECT_EQ(EC_POINT_mul(group.get(), shared.get(), nullptr, c1.get(), d.get(), bn.get()), 1);
  EXPECT_EQ(
      EC_POINT_get_affine_coordinates(group.get(), shared.get(), x2.get(), y2.get(), bn.get()), 1);
  return sm3(coordinate(x2.get()) + std::string(plaintext) + coordinate(y2.get()));
}

class Sm2EncryptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = PrivateKey::from_file(data_path("sm2_key.pem"));
    auto cert = Certificate::from_file(data_path("sm2_cert.pem"));
    ASSERT_TRUE(key && cert);
    key_ = *key;
    pub_ = cert->public_key();
  }
  PrivateKey key_;
  PublicKey pub_;
};

TEST_F(Sm2EncryptionTest, DecryptsOpensslCliVector) {
  std::string ciphertext, plaintext;
  ASSERT_TRUE(base64_decode(read_data("sm2_ciphertext.b64"), ciphertext));
  ASSERT_TRUE(sm2_decrypt(key_, ciphertext, plaintext));
  EXPECT_EQ(plaintext, read_data("oaep_plaintext.txt"));
}

TEST_F(Sm2EncryptionTest, RoundTripsShortAndLongPlaintexts) {
  for (std::string text : {std::string("x"), std::string("张三"), std::string(4096, 'p')}) {
    std::string ciphertext, plaintext;
    ASSERT_TRUE(sm2_encrypt(pub_, text, ciphertext));
    ASSERT_TRUE(sm2_decrypt(key_, ciphertext, plaintext));
    EXPECT_EQ(plaintext, text);
  }
}

TEST_F(Sm2EncryptionTest, CiphertextIsC1C3C2DerWithSm3Hash) {
  std::string text = "13800138000", ciphertext;
  ASSERT_TRUE(sm2_encrypt(pub_, text, ciphertext));
  auto parsed = parse_c1c3c2(ciphertext);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->c3.size(), 32u);
  EXPECT_EQ(parsed->c2.size(), text.size());
  EXPECT_NE(parsed->c2, text);
  EXPECT_EQ(parsed->c3, expected_c3(key_, *parsed, text));
}

TEST_F(Sm2EncryptionTest, IsRandomised) {
  std::string first, second;
  ASSERT_TRUE(sm2_encrypt(pub_, "same", first));
  ASSERT_TRUE(sm2_encrypt(pub_, "same", second));
  EXPECT_NE(first, second);
}

TEST_F(Sm2EncryptionTest, TamperedOrWrongKeyFailsCleanly) {
  std::string ciphertext, plaintext;
  ASSERT_TRUE(sm2_encrypt(pub_, "13800138000", ciphertext));
  auto other = generate_private_key(KeyAlgorithm::kSm2);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(sm2_decrypt(*other, ciphertext, plaintext));
  for (std::size_t at : {ciphertext.size() - 1, ciphertext.size() - 20, std::size_t{10}}) {
    std::string tampered = ciphertext;
    tampered[at] ^= 1;  // C2, C3, then C1's x coordinate
    EXPECT_FALSE(sm2_decrypt(key_, tampered, plaintext));
    EXPECT_TRUE(plaintext.empty());
  }
  EXPECT_FALSE(sm2_decrypt(key_, ciphertext.substr(0, ciphertext.size() - 1), plaintext));
  EXPECT_FALSE(sm2_decrypt(key_, "", plaintext));
  EXPECT_FALSE(sm2_decrypt(key_, "not DER at all", plaintext));
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left on the error queue
}

TEST_F(Sm2EncryptionTest, RefusesRsaKeysAndEmptyPlaintext) {
  auto rsa = PublicKey::from_file(data_path("platform_rsa_pub.pem"));
  auto rsa_key = PrivateKey::from_file(data_path("platform_rsa_key.pem"));
  ASSERT_TRUE(rsa && rsa_key);
  std::string out;
  EXPECT_FALSE(sm2_encrypt(*rsa, "x", out));
  EXPECT_FALSE(sm2_decrypt(*rsa_key, "x", out));
  EXPECT_FALSE(sm2_encrypt(pub_, "", out));
}

}  // namespace
}  // namespace paygate::crypto
