// EncryptFields behind the in-memory server connection: the strings at the configured pointers
// are replaced by ciphertexts the platform's private key opens, the rest of the body is kept, the
// request names the key's serial; a pointer at nothing is skipped; a body that is not an object
// or a field that is not a string is refused 400 and never reaches the action.
#include "steps/encrypt_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "crypto/certificate.h"
#include "crypto/sensitive.h"
#include "support/step_fixture.h"
#include "support/test_keys.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Stands for the rest of a sign: merchant route: notes the body and what the signer would name.
class SeesBody final : public RequestStep {
 public:
  std::string body;
  std::string fields;
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    body.assign(ex.body());
    fields.clear();
    if (context.signing.writes_serial()) fields = "writes Wechatpay-Serial";
    co_return Next::kContinue;
  }
};

class EncryptFieldsTest : public test_support::StepFixture {
 protected:
  EncryptFieldsTest() {
    auto certificate = crypto::Certificate::from_file(test::data_path("platform_rsa_cert.pem"));
    serial_ = certificate->serial_hex();
    auto keys = std::make_shared<TrustedKeys>();
    keys->keys.add(*certificate);
    keys->encryption_serial = serial_;
    keys->encryption_key = certificate->public_key();
    trust_.publish(std::move(keys));
    open({&step_, &sees_});
  }

  std::string post(std::string_view body) {
    return send("POST /v3/transfer HTTP/1.1\r\nHost: gw\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + std::string(body));
  }
  std::string decrypt(std::string_view ciphertext) {
    auto key = crypto::PrivateKey::from_file(test::data_path("platform_rsa_key.pem"));
    auto plain = crypto::decrypt_sensitive(*key, ciphertext);
    return plain ? *plain : "<does not decrypt>";
  }

  PlatformTrust trust_;
  std::string serial_;
  EncryptFields step_{{"/payee/name", "/phones/1", "/absent"}, trust_, nullptr};
  SeesBody sees_;
};

TEST_F(EncryptFieldsTest, TheNamedStringsAreEncryptedToThePlatformKey) {
  ASSERT_THAT(post(R"({"amount":1,"payee":{"name":"张三"},"phones":["1","13800000000"]})"),
              StartsWith("HTTP/1.1 200"));
  const json::value sent = json::parse(sees_.body);
  EXPECT_EQ(sent.at("amount"), 1);
  EXPECT_EQ(sent.at("phones").at(0), "1");
  const std::string name(sent.at("payee").at("name").as_string());
  EXPECT_NE(name, "张三");
  EXPECT_EQ(decrypt(name), "张三");
  EXPECT_EQ(decrypt(std::string(sent.at("phones").at(1).as_string())), "13800000000");
  EXPECT_FALSE(sent.as_object().contains("absent"));
  EXPECT_EQ(sees_.fields, "writes Wechatpay-Serial");
  EXPECT_EQ(served_.count(), 1);
}

TEST_F(EncryptFieldsTest, WhatCannotBeEncryptedIsRefused) {
  EXPECT_THAT(post(R"(["not","an","object"])"), StartsWith("HTTP/1.1 400"));
  const std::string answer = post(R"({"payee":{"name":42}})");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(answer, HasSubstr("the sensitive field at /payee/name must be a string"));
  EXPECT_THAT(post(R"({"payee":{"name":")" + std::string(300, 'x') + R"("}})"),
              StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(served_.count(), 0);
}

}  // namespace
}  // namespace paygate::steps
