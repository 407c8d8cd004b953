#include "router/host_match.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::router {
namespace {

using ::testing::HasSubstr;

HostMatcher compiled(std::vector<std::string> hosts) {
  auto result = HostMatcher::compile(hosts);
  EXPECT_TRUE(result.ok()) << result.error;
  return result.value;
}

TEST(StripPort, RemovesPortAndTrailingDot) {
  EXPECT_EQ(strip_port("pay.example.com:8443"), "pay.example.com");
  EXPECT_EQ(strip_port("pay.example.com"), "pay.example.com");
  EXPECT_EQ(strip_port("pay.example.com."), "pay.example.com");
  EXPECT_EQ(strip_port("pay.example.com.:80"), "pay.example.com");
  EXPECT_EQ(strip_port("[::1]:8080"), "[::1]");
  EXPECT_EQ(strip_port("[::1]"), "[::1]");
  EXPECT_EQ(strip_port("[::1"), "[::1");
  EXPECT_EQ(strip_port(""), "");
  EXPECT_EQ(strip_port(":80"), "");
}

TEST(HostMatcher, NoHostsMatchesAnyHost) {
  const HostMatcher any = compiled({});
  EXPECT_TRUE(any.empty());
  EXPECT_TRUE(any.matches("whatever.test"));
  EXPECT_TRUE(any.matches(""));
}

TEST(HostMatcher, ExactHostIgnoresCaseAndPort) {
  const HostMatcher hosts = compiled({"Pay.Example.com"});
  EXPECT_TRUE(hosts.matches("pay.example.com"));
  EXPECT_TRUE(hosts.matches("PAY.EXAMPLE.COM:443"));
  EXPECT_TRUE(hosts.matches("pay.example.com."));
  EXPECT_FALSE(hosts.matches("api.example.com"));
  EXPECT_FALSE(hosts.matches("pay.example.com.evil"));
  EXPECT_FALSE(hosts.matches(""));
}

TEST(HostMatcher, ConfiguredPortIsIgnored) {
  const HostMatcher hosts = compiled({"pay.example.com:8443"});
  EXPECT_TRUE(hosts.matches("pay.example.com"));
  EXPECT_TRUE(hosts.matches("pay.example.com:80"));
}

TEST(HostMatcher, WildcardMatchesSubdomainsButNotTheApex) {
  const HostMatcher hosts = compiled({"*.example.com"});
  EXPECT_TRUE(hosts.matches("a.example.com"));
  EXPECT_TRUE(hosts.matches("a.b.example.com:8080"));
  EXPECT_TRUE(hosts.matches("A.EXAMPLE.COM"));
  EXPECT_FALSE(hosts.matches("example.com"));
  EXPECT_FALSE(hosts.matches(".example.com"));
  EXPECT_FALSE(hosts.matches("badexample.com"));
  EXPECT_FALSE(hosts.matches("a.example.org"));
}

TEST(HostMatcher, AnyListedHostMatches) {
  const HostMatcher hosts = compiled({"a.test", "*.b.test"});
  EXPECT_TRUE(hosts.matches("a.test"));
  EXPECT_TRUE(hosts.matches("x.b.test"));
  EXPECT_FALSE(hosts.matches("b.test"));
}

TEST(HostMatcher, Ipv6LiteralWithPort) {
  const HostMatcher hosts = compiled({"[::1]"});
  EXPECT_TRUE(hosts.matches("[::1]:9000"));
  EXPECT_FALSE(hosts.matches("[::2]:9000"));
}

TEST(HostMatcher, RejectsBadHosts) {
  for (const std::string bad :
       {"", ":80", "*.", "*", "*example.com", "a.*.com", "a b.com", "a/b.com", "**.example.com"}) {
    const auto result = HostMatcher::compile({bad});
    EXPECT_FALSE(result.ok()) << bad;
    EXPECT_THAT(result.error, HasSubstr("bad host")) << bad;
  }
}

TEST(HostMatcher, EqualityIgnoresOrderCaseAndPorts) {
  EXPECT_EQ(compiled({"a.test", "*.b.test"}), compiled({"*.B.test", "A.test:80"}));
  EXPECT_FALSE(compiled({"a.test"}) == compiled({"*.a.test"}));
}

}  // namespace
}  // namespace paygate::router
