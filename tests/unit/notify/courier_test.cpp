// parse_target: which notify_urls the courier can POST to, and how they split into host, port,
// request target and connection-pool key. No network.
#include "notify/courier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::notify {
namespace {

using ::testing::HasSubstr;

TEST(ParseTarget, SplitsHostPortAndPath) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://127.0.0.1:8080/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "127.0.0.1");
  EXPECT_EQ(target.port, 8080);
  EXPECT_EQ(target.authority, "127.0.0.1:8080");
  EXPECT_EQ(target.target, "/notify");
  EXPECT_EQ(target.pool_key, "127.0.0.1:8080");
}

TEST(ParseTarget, DefaultsToPort80) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://merchant.example.com/pay/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "merchant.example.com");
  EXPECT_EQ(target.port, 80);
  EXPECT_EQ(target.authority, "merchant.example.com");
  EXPECT_EQ(target.target, "/pay/notify");
  EXPECT_EQ(target.pool_key, "merchant.example.com:80");
}

TEST(ParseTarget, MissingPathIsRoot) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://merchant.example.com:81", target, reason)) << reason;
  EXPECT_EQ(target.target, "/");
  EXPECT_EQ(target.port, 81);
}

TEST(ParseTarget, ReusedTargetIsResetToDefaults) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://a.example:9000/x", target, reason));
  ASSERT_TRUE(parse_target("http://b.example", target, reason));
  EXPECT_EQ(target.port, 80);
  EXPECT_EQ(target.target, "/");
  EXPECT_EQ(target.pool_key, "b.example:80");
}

TEST(ParseTarget, RefusesHttps) {
  DeliveryTarget target;
  std::string reason;
  EXPECT_FALSE(parse_target("https://merchant.example.com/notify", target, reason));
  EXPECT_THAT(reason, HasSubstr("https"));
}

TEST(ParseTarget, RefusesOtherSchemes) {
  DeliveryTarget target;
  std::string reason;
  EXPECT_FALSE(parse_target("ftp://merchant.example.com/notify", target, reason));
  EXPECT_FALSE(reason.empty());
}

TEST(ParseTarget, RefusesBadPorts) {
  for (std::string_view url : {"http://host:0/", "http://host:65536/", "http://host:80x/",
                               "http://host:/", "http://host:-1/"}) {
    DeliveryTarget target;
    std::string reason;
    EXPECT_FALSE(parse_target(url, target, reason)) << url;
    EXPECT_THAT(reason, HasSubstr("port")) << url;
  }
}

TEST(ParseTarget, RefusesAMissingHost) {
  DeliveryTarget target;
  std::string reason;
  EXPECT_FALSE(parse_target("http:///notify", target, reason));
  EXPECT_THAT(reason, HasSubstr("host"));
}

TEST(ParseTarget, AcceptsBracketedIpv6) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://[::1]:9000/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "::1");
  EXPECT_EQ(target.port, 9000);
  EXPECT_EQ(target.authority, "[::1]:9000");
  EXPECT_EQ(target.target, "/notify");
  EXPECT_EQ(target.pool_key, "::1:9000");
}

TEST(ParseTarget, Ipv6WithoutPortDefaultsTo80) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://[::1]/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "::1");
  EXPECT_EQ(target.port, 80);
}

}  // namespace
}  // namespace paygate::notify
