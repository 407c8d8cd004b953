#include "config/redact.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace paygate::config {
namespace {

TEST(Redact, SecretSoundingKeysAreSecret) {
  for (const char* key : {"api_key", "apiv3Key", "client_secret", "token", "DB_PASSWORD",
                          "private_key_file", "credentials"}) {
    EXPECT_TRUE(is_secret_key(key)) << key;
  }
  for (const char* key : {"name", "port", "max_header_bytes", "hosts", "access_log"}) {
    EXPECT_FALSE(is_secret_key(key)) << key;
  }
}

TEST(Redact, ReplacesSecretValuesAtAnyDepth) {
  auto value = boost::json::parse(
      R"({"name":"m","api_key":"k1","merchants":[{"id":1,"secret":{"a":1}}],)"
      R"("nested":{"password":"p","ok":"v"}})");
  redact_secrets(value);
  EXPECT_EQ(boost::json::serialize(value),
            R"({"name":"m","api_key":"<redacted>","merchants":[{"id":1,"secret":"<redacted>"}],)"
            R"("nested":{"password":"<redacted>","ok":"v"}})");
}

TEST(Redact, CredentialHeadersAreSecret) {
  EXPECT_TRUE(is_secret_header("Authorization"));
  EXPECT_TRUE(is_secret_header("cookie"));
  EXPECT_TRUE(is_secret_header("X-Api-Key"));
  EXPECT_FALSE(is_secret_header("X-Env"));
}

}  // namespace
}  // namespace paygate::config
