// parse_etcd_url: the accepted forms, and every refused one says why.
#include "config/etcd_url.h"

#include <gtest/gtest.h>

namespace paygate::config {
namespace {

TEST(EtcdUrl, HostPortAndKey) {
  const auto parsed = parse_etcd_url("etcd://127.0.0.1:2379/paygate/config");
  ASSERT_TRUE(parsed.url) << parsed.error;
  ASSERT_EQ(parsed.url->members.size(), 1u);
  EXPECT_EQ(parsed.url->members[0].host, "127.0.0.1");
  EXPECT_EQ(parsed.url->members[0].port, 2379);
  EXPECT_EQ(parsed.url->key, "/paygate/config");
  EXPECT_EQ(parsed.url->text, "etcd://127.0.0.1:2379/paygate/config");
}

TEST(EtcdUrl, DefaultPortNameAndIpv6) {
  auto parsed = parse_etcd_url("etcd://etcd-1.internal/k");
  ASSERT_TRUE(parsed.url) << parsed.error;
  EXPECT_EQ(parsed.url->members.at(0).host, "etcd-1.internal");
  EXPECT_EQ(parsed.url->members.at(0).port, 2379);
  parsed = parse_etcd_url("etcd://[::1]:12379/a/b");
  ASSERT_TRUE(parsed.url) << parsed.error;
  EXPECT_EQ(parsed.url->members.at(0).host, "::1");
  EXPECT_EQ(parsed.url->members.at(0).port, 12379);
  EXPECT_EQ(parsed.url->key, "/a/b");
}

TEST(EtcdUrl, SeveralMembersInOrder) {
  const auto parsed = parse_etcd_url("etcd://10.0.0.1:2379,etcd-2,[::1]:2381/paygate/config");
  ASSERT_TRUE(parsed.url) << parsed.error;
  ASSERT_EQ(parsed.url->members.size(), 3u);
  EXPECT_EQ(parsed.url->members[0].host, "10.0.0.1");
  EXPECT_EQ(parsed.url->members[1].host, "etcd-2");
  EXPECT_EQ(parsed.url->members[1].port, 2379);
  EXPECT_EQ(parsed.url->members[2].host, "::1");
  EXPECT_EQ(parsed.url->members[2].port, 2381);
  EXPECT_EQ(parsed.url->key, "/paygate/config");
}

TEST(EtcdUrl, OnlyTheSchemeMakesAnEtcdSource) {
  EXPECT_TRUE(is_etcd_url("etcd://x/k"));
  EXPECT_FALSE(is_etcd_url("config/etcd.yaml"));
  EXPECT_FALSE(is_etcd_url("http://127.0.0.1:2379/k"));
}

void expect_refused(const std::string& text, const std::string& why) {
  const auto parsed = parse_etcd_url(text);
  EXPECT_FALSE(parsed.url) << text;
  EXPECT_NE(parsed.error.find(why), std::string::npos) << text << " -> " << parsed.error;
  EXPECT_NE(parsed.error.find("etcd://HOST:PORT/KEY"), std::string::npos) << parsed.error;
}

TEST(EtcdUrl, RefusesWithAReason) {
  expect_refused("http://127.0.0.1:2379/k", "does not start with etcd://");
  expect_refused("etcd://127.0.0.1:2379", "no key");
  expect_refused("etcd://127.0.0.1:2379/", "empty key");
  expect_refused("etcd://:2379/k", "bad host");
  expect_refused("etcd://127.0.0.1:/k", "empty port");
  expect_refused("etcd://127.0.0.1:0/k", "port");
  expect_refused("etcd://127.0.0.1:65536/k", "port");
  expect_refused("etcd://127.0.0.1:23x9/k", "port");
  expect_refused("etcd://user@127.0.0.1:2379/k", "user info");
  expect_refused("etcd://[::1/k", "bad host");
  expect_refused("etcd://ho st:1/k", "bad host");
  expect_refused("etcd://h:1/k?x=1", "printable ASCII");
  expect_refused("etcd://h:1/k%20", "printable ASCII");
  expect_refused("etcd://h:1/k y", "printable ASCII");
  expect_refused("etcd://h:1/" + std::string(1100, 'k'), "longer than 1024");
  expect_refused("etcd://h:1,/k", "bad host");
  expect_refused("etcd://h:1,h:0/k", "port");
  std::string many = "etcd://h";
  for (int i = 0; i < 16; ++i) many += ",h";
  expect_refused(many + "/k", "more than 16 members");
}

}  // namespace
}  // namespace paygate::config
