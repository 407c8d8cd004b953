#include <gtest/gtest.h>

#include "crypto/certificate.h"
#include "support/test_keys.h"
#include "wechatpay/authorization.h"
#include "wechatpay/client.h"
#include "wechatpay/headers.h"
#include "wechatpay/server.h"

namespace paygate::wechatpay {
namespace {

using test::data_path;
using test::read_data;
using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr sys_seconds kNow{seconds(1700000000)};
constexpr std::string_view kBody = R"({"appid":"wxd678efh567hg6787","mchid":"1230000109"})";

crypto::PrivateKey private_key(const char* name) {
  auto key = crypto::PrivateKey::from_file(data_path(name));
  EXPECT_TRUE(key.has_value());
  return *key;
}

crypto::Certificate certificate(const char* name) {
  auto cert = crypto::Certificate::from_file(data_path(name));
  EXPECT_TRUE(cert.has_value());
  return *cert;
}

// Merchant signs, platform verifies (the platform looks the key up by serial_no).
class RequestSigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    merchant_keys_.add(merchant_cert_);
    merchant_keys_.add(platform_cert_);  // a key that exists but is not the merchant's
    merchant_keys_.add(sm2_cert_);
  }

  std::string sign(const crypto::PrivateKey& key, const crypto::Certificate& cert,
                   const OutgoingRequest& request) {
    std::string authorization;
    MerchantCredentials merchant{"1230000109", cert.serial_hex(), &key};
    EXPECT_TRUE(signer_.sign(merchant, request, kNow, authorization));
    return authorization;
  }

  Verification verify(std::string_view header, const IncomingRequest& request,
                      sys_seconds now = kNow) {
    Authorization parsed;
    if (!parse_authorization(header, parsed).ok()) return Verification::kMissingHeader;
    const crypto::PublicKey* key = merchant_keys_.find(parsed.serial_no);
    if (key == nullptr) return Verification::kUnknownSerial;
    return verifier_.verify(parsed, request, *key, now);
  }

  crypto::PrivateKey merchant_key_ = private_key("merchant_rsa_key.pem");
  crypto::PrivateKey sm2_key_ = private_key("sm2_key.pem");
  crypto::Certificate merchant_cert_ = certificate("merchant_rsa_cert.pem");
  crypto::Certificate platform_cert_ = certificate("platform_rsa_cert.pem");
  crypto::Certificate sm2_cert_ = certificate("sm2_cert.pem");
  PlatformKeys merchant_keys_;
  RequestSigner signer_;
  RequestVerifier verifier_;
  OutgoingRequest post_{"POST", "/v3/pay/transactions/jsapi?a=1&b=2", kBody};
  IncomingRequest received_{"POST", "/v3/pay/transactions/jsapi?a=1&b=2", kBody};
};

TEST_F(RequestSigningTest, MatchesTheOpensslVector) {
  MerchantCredentials merchant{"1230000109", merchant_cert_.serial_hex(), &merchant_key_};
  std::string header;
  ASSERT_TRUE(signer_.sign_with_nonce(merchant, {"POST", "/v3/pay/transactions/jsapi", kBody}, kNow,
                                      "593BEC0C930BF1AFEB40B4A08C8FB242", header));
  Authorization parsed;
  ASSERT_TRUE(parse_authorization(header, parsed).ok());
  EXPECT_EQ(parsed.signature, read_data("request_message.rsa.sig.b64"));
  EXPECT_EQ(parsed.serial_no, "4A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D");
  EXPECT_EQ(parsed.scheme, Scheme::kRsaSha256);
}

TEST_F(RequestSigningTest, RsaAndSm2RoundTrip) {
  EXPECT_EQ(verify(sign(merchant_key_, merchant_cert_, post_), received_), Verification::kOk);
  std::string sm2 = sign(sm2_key_, sm2_cert_, post_);
  EXPECT_TRUE(sm2.starts_with(kSm2Scheme));
  EXPECT_EQ(verify(sm2, received_), Verification::kOk);
  std::string get = sign(merchant_key_, merchant_cert_, {"GET", "/v3/certificates", ""});
  EXPECT_EQ(verify(get, {"GET", "/v3/certificates", ""}), Verification::kOk);
}

TEST_F(RequestSigningTest, NoncesAreFresh) {
  Authorization a, b;
  std::string first = sign(merchant_key_, merchant_cert_, post_);
  std::string second = sign(merchant_key_, merchant_cert_, post_);
  ASSERT_TRUE(parse_authorization(first, a).ok() && parse_authorization(second, b).ok());
  EXPECT_NE(a.nonce_str, b.nonce_str);
  EXPECT_EQ(a.nonce_str.size(), 32u);
}

TEST_F(RequestSigningTest, EveryRequestTamperingFails) {
  for (const crypto::PrivateKey* key : {&merchant_key_, &sm2_key_}) {
    const auto& cert = key == &merchant_key_ ? merchant_cert_ : sm2_cert_;
    std::string header = sign(*key, cert, post_);
    std::string body(kBody);
    body[10] ^= 1;
    EXPECT_EQ(verify(header, {"POST", received_.url, body}), Verification::kBadSignature);
    EXPECT_EQ(verify(header, {"POST", received_.url, std::string(kBody) + "\n"}),
              Verification::kBadSignature);
    EXPECT_EQ(verify(header, {"POST", "/v3/pay/transactions/app?a=1&b=2", kBody}),
              Verification::kBadSignature);
    EXPECT_EQ(verify(header, {"POST", "/v3/pay/transactions/jsapi?b=2&a=1", kBody}),
              Verification::kBadSignature);
    EXPECT_EQ(verify(header, {"PUT", received_.url, kBody}), Verification::kBadSignature);
    EXPECT_EQ(verify(header, {"post", received_.url, kBody}), Verification::kBadSignature);
  }
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST_F(RequestSigningTest, EveryHeaderTamperingFails) {
  std::string header = sign(merchant_key_, merchant_cert_, post_);
  Authorization parsed;
  ASSERT_TRUE(parse_authorization(header, parsed).ok());
  std::string nonce(parsed.nonce_str);
  std::string other_nonce = nonce;
  other_nonce[0] = other_nonce[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify(replace(header, "1700000000", "1700000001"), received_),
            Verification::kBadSignature);
  EXPECT_EQ(verify(replace(header, nonce, other_nonce), received_), Verification::kBadSignature);
  EXPECT_EQ(
      verify(replace(header, merchant_cert_.serial_hex(), platform_cert_.serial_hex()), received_),
      Verification::kBadSignature);
  EXPECT_EQ(verify(replace(header, merchant_cert_.serial_hex(), "ABCDEF"), received_),
            Verification::kUnknownSerial);
  EXPECT_EQ(verify(replace(header, kRsaScheme, kSm2Scheme), received_),
            Verification::kAlgorithmMismatch);
  std::string sm2 = sign(sm2_key_, sm2_cert_, post_);
  EXPECT_EQ(verify(replace(sm2, kSm2Scheme, kRsaScheme), received_),
            Verification::kAlgorithmMismatch);
}

TEST_F(RequestSigningTest, SkewWindowIsUnder300Seconds) {
  std::string header = sign(merchant_key_, merchant_cert_, post_);
  EXPECT_EQ(verify(header, received_, kNow + seconds(299)), Verification::kOk);
  EXPECT_EQ(verify(header, received_, kNow - seconds(299)), Verification::kOk);
  EXPECT_EQ(verify(header, received_, kNow + seconds(300)), Verification::kClockSkew);
  EXPECT_EQ(verify(header, received_, kNow - seconds(300)), Verification::kClockSkew);
}

TEST_F(RequestSigningTest, SignTestProbeFails) {
  std::string header = sign(merchant_key_, merchant_cert_, post_);
  Authorization parsed;
  ASSERT_TRUE(parse_authorization(header, parsed).ok());
  std::string probe = replace(header, parsed.signature, "WECHATPAY/SIGNTEST/abc");
  EXPECT_EQ(verify(probe, received_), Verification::kSignTestProbe);
}

// Platform signs its reply, merchant verifies.
class ResponseSigningTest : public RequestSigningTest {
 protected:
  void SetUp() override {
    RequestSigningTest::SetUp();
    platform_keys_.add(platform_cert_);
    platform_keys_.add(sm2_cert_);
    auto pub = crypto::PublicKey::from_file(data_path("platform_rsa_pub.pem"));
    ASSERT_TRUE(pub.has_value());
    platform_keys_.add("PUB_KEY_ID_0114232134912410000000000001", *pub);
  }

  SignedHeaders signed_reply(const crypto::PrivateKey& key, std::string_view serial) {
    EXPECT_TRUE(response_signer_.sign(key, body_, kNow, signature_));
    return {signature_.timestamp, signature_.nonce, signature_.signature, serial,
            signature_.signature_type};
  }

  Verification check(const SignedHeaders& headers, std::string_view body, sys_seconds now = kNow) {
    return response_verifier_.verify(headers, body, platform_keys_, now);
  }

  crypto::PrivateKey platform_key_ = private_key("platform_rsa_key.pem");
  PlatformKeys platform_keys_;
  ResponseSigner response_signer_;
  ResponseVerifier response_verifier_;
  ResponseSignature signature_;
  std::string body_ = R"({"prepay_id":"wx201410272009395522657a690389285100"})";
};

TEST_F(ResponseSigningTest, RoundTripsByCertificateSerialAndPublicKeyId) {
  auto headers = signed_reply(platform_key_, platform_cert_.serial_hex());
  EXPECT_EQ(check(headers, body_), Verification::kOk);
  headers.serial = "dea10ef12345678901234567890abcdef0127ec";  // Java's form: no leading 0
  EXPECT_EQ(check(headers, body_), Verification::kOk);
  headers.serial = "PUB_KEY_ID_0114232134912410000000000001";
  EXPECT_EQ(check(headers, body_), Verification::kOk);
  headers.signature_type = "";  // absent: RSA assumed
  EXPECT_EQ(check(headers, body_), Verification::kOk);
}

TEST_F(ResponseSigningTest, Sm2RoundTrip) {
  auto headers = signed_reply(sm2_key_, sm2_cert_.serial_hex());
  EXPECT_EQ(headers.signature_type, kSm2Scheme);
  EXPECT_EQ(check(headers, body_), Verification::kOk);
  headers.signature_type = "";
  EXPECT_EQ(check(headers, body_), Verification::kAlgorithmMismatch);
}

TEST_F(ResponseSigningTest, EveryTamperingFails) {
  auto good = signed_reply(platform_key_, platform_cert_.serial_hex());
  std::string body = body_;
  body[5] ^= 1;
  EXPECT_EQ(check(good, body), Verification::kBadSignature);
  EXPECT_EQ(check(good, ""), Verification::kBadSignature);
  auto headers = good;
  std::string timestamp = "1700000001";
  headers.timestamp = timestamp;
  EXPECT_EQ(check(headers, body_), Verification::kBadSignature);
  headers = good;
  std::string nonce = std::string(good.nonce) + "x";
  headers.nonce = nonce;
  EXPECT_EQ(check(headers, body_), Verification::kBadSignature);
  headers = good;
  headers.serial = sm2_cert_.serial_hex();
  EXPECT_EQ(check(headers, body_), Verification::kAlgorithmMismatch);
  headers.signature_type = kSm2Scheme;
  EXPECT_EQ(check(headers, body_), Verification::kBadSignature);
  headers = good;
  headers.serial = merchant_cert_.serial_hex();
  EXPECT_EQ(check(headers, body_), Verification::kUnknownSerial);
  headers = good;
  headers.signature_type = "HMAC-SHA256";
  EXPECT_EQ(check(headers, body_), Verification::kUnknownSignatureType);
  headers = good;
  headers.signature = "WECHATPAY/SIGNTEST/c2ln";
  EXPECT_EQ(check(headers, body_), Verification::kSignTestProbe);
}

TEST_F(ResponseSigningTest, MissingHeadersAndBadTimestamps) {
  auto good = signed_reply(platform_key_, platform_cert_.serial_hex());
  for (std::string_view SignedHeaders::*field :
       {&SignedHeaders::timestamp, &SignedHeaders::nonce, &SignedHeaders::signature,
        &SignedHeaders::serial}) {
    auto headers = good;
    headers.*field = "";
    EXPECT_EQ(check(headers, body_), Verification::kMissingHeader);
  }
  auto headers = good;
  headers.timestamp = "17e8";
  EXPECT_EQ(check(headers, body_), Verification::kBadTimestamp);
  EXPECT_EQ(check(good, body_, kNow + seconds(299)), Verification::kOk);
  EXPECT_EQ(check(good, body_, kNow + seconds(300)), Verification::kClockSkew);
  EXPECT_EQ(check(good, body_, kNow - seconds(300)), Verification::kClockSkew);
}

}  // namespace
}  // namespace paygate::wechatpay
