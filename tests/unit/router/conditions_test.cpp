#include "router/conditions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::router {
namespace {

Conditions compiled(const RouteSpec& spec) {
  auto result = Conditions::compile(spec);
  EXPECT_TRUE(result.ok()) << result.error;
  return result.value;
}

RouteSpec spec_with(std::vector<std::string> methods, std::vector<std::string> hosts = {},
                    std::vector<HeaderMatch> headers = {}) {
  RouteSpec spec;
  spec.methods = std::move(methods);
  spec.hosts = std::move(hosts);
  spec.headers = std::move(headers);
  return spec;
}

Request request(std::string_view method, std::string_view host = "pay.test",
                std::span<const core::HeaderField> headers = {}) {
  return Request{method, host, "/", headers};
}

TEST(Conditions, MethodIsExactUpperCase) {
  const Conditions conditions = compiled(spec_with({"GET", "POST"}));
  EXPECT_TRUE(conditions.holds(request("GET")));
  EXPECT_TRUE(conditions.holds(request("POST")));
  EXPECT_FALSE(conditions.holds(request("get")));
  EXPECT_FALSE(conditions.holds(request("PUT")));
  EXPECT_FALSE(conditions.holds(request("")));
}

TEST(Conditions, RejectsMethodsThatAreNotUpperCaseTokens) {
  for (const std::string bad : {"get", "Get", "", "GE T", "GET1"}) {
    const auto result = Conditions::compile(spec_with({bad}));
    EXPECT_FALSE(result.ok()) << bad;
    EXPECT_THAT(result.error, ::testing::HasSubstr("bad method"));
  }
}

TEST(Conditions, ReportsHostAndHeaderProblems) {
  EXPECT_THAT(Conditions::compile(spec_with({}, {"a.*.b"})).error, ::testing::HasSubstr("host"));
  EXPECT_THAT(Conditions::compile(spec_with({}, {}, {{"", "v", false}})).error,
              ::testing::HasSubstr("header"));
}

TEST(Conditions, AllListsMustHold) {
  const std::vector<core::HeaderField> headers{{"x-env", "gray"}};
  const Conditions conditions =
      compiled(spec_with({"GET"}, {"*.pay.test"}, {{"X-Env", "gray", false}}));
  EXPECT_TRUE(conditions.holds(request("GET", "a.pay.test", headers)));
  EXPECT_FALSE(conditions.holds(request("POST", "a.pay.test", headers)));
  EXPECT_FALSE(conditions.holds(request("GET", "pay.test", headers)));
  EXPECT_FALSE(conditions.holds(request("GET", "a.pay.test", {})));
}

TEST(Conditions, CountsEachNonEmptyListOnce) {
  EXPECT_EQ(compiled(spec_with({})).count(), 0u);
  EXPECT_EQ(compiled(spec_with({"GET", "POST"})).count(), 1u);
  EXPECT_EQ(compiled(spec_with({"GET"}, {"a.test", "b.test"})).count(), 2u);
  EXPECT_EQ(compiled(spec_with({"GET"}, {"a.test"}, {{"a", "", true}, {"b", "", true}})).count(),
            3u);
}

TEST(Conditions, EqualityIgnoresOrderAndDuplicates) {
  EXPECT_EQ(compiled(spec_with({"GET", "POST"})), compiled(spec_with({"POST", "GET", "GET"})));
  EXPECT_FALSE(compiled(spec_with({"GET"})) == compiled(spec_with({"GET", "POST"})));
  EXPECT_FALSE(compiled(spec_with({"GET"})) == compiled(spec_with({"GET"}, {"a.test"})));
}

}  // namespace
}  // namespace paygate::router
