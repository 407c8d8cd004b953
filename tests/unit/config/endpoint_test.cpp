#include "config/endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::config {
namespace {

using ::testing::HasSubstr;

HostPort split_ok(std::string_view text) {
  auto result = split_host_port(text);
  EXPECT_TRUE(std::holds_alternative<HostPort>(result)) << text;
  return std::holds_alternative<HostPort>(result) ? std::get<HostPort>(result) : HostPort{};
}

TEST(Endpoint, SplitsHostAndPort) {
  auto plain = split_ok("127.0.0.1:9000");
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 9000);
  EXPECT_EQ(split_ok("pay.internal:443").host, "pay.internal");
  auto v6 = split_ok("[::1]:8443");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8443);
}

TEST(Endpoint, RejectsWhatIsNotHostColonPort) {
  for (const char* text : {"127.0.0.1", "host:", ":80", "host:0", "host:65536", "host:8o",
                           "::1:80", "[::1]80", "[::1", "a b:80", "host:-1", "[]:80",
                           "host:80:81"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(split_host_port(text))) << text;
  }
}

TEST(Endpoint, IpLiteralsResolveWithoutDns) {
  auto v4 = resolve_endpoint({"10.1.2.3", 80}, /*allow_dns=*/false);
  ASSERT_TRUE(std::holds_alternative<boost::asio::ip::tcp::endpoint>(v4));
  EXPECT_EQ(std::get<0>(v4).address().to_string(), "10.1.2.3");
  EXPECT_EQ(std::get<0>(v4).port(), 80);
  auto v6 = resolve_endpoint({"::1", 81}, /*allow_dns=*/false);
  ASSERT_TRUE(std::holds_alternative<boost::asio::ip::tcp::endpoint>(v6));
  EXPECT_TRUE(std::get<0>(v6).address().is_v6());
}

TEST(Endpoint, NamesAreRefusedWhenDnsIsOff) {
  auto result = resolve_endpoint({"localhost", 80}, /*allow_dns=*/false);
  ASSERT_TRUE(std::holds_alternative<std::string>(result));
  EXPECT_THAT(std::get<std::string>(result), HasSubstr("not an IP address"));
}

TEST(Endpoint, LocalhostResolvesToLoopback) {
  auto result = resolve_endpoint({"localhost", 9001}, /*allow_dns=*/true);
  ASSERT_TRUE(std::holds_alternative<boost::asio::ip::tcp::endpoint>(result));
  EXPECT_TRUE(std::get<0>(result).address().is_loopback());
  EXPECT_EQ(std::get<0>(result).port(), 9001);
}

TEST(Endpoint, UnknownNameIsAnError) {
  // .invalid never resolves (RFC 6761).
  auto result = resolve_endpoint({"no-such-host.invalid", 80}, /*allow_dns=*/true);
  ASSERT_TRUE(std::holds_alternative<std::string>(result));
  EXPECT_THAT(std::get<std::string>(result), HasSubstr("cannot resolve 'no-such-host.invalid'"));
}

}  // namespace
}  // namespace paygate::config
