#include "router/route_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace paygate::router {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

RouteSpec route(std::string name, std::string pattern, PathKind kind = PathKind::kTemplate) {
  RouteSpec spec;
  spec.name = std::move(name);
  spec.kind = kind;
  spec.pattern = std::move(pattern);
  return spec;
}

RouteSpec prefix(std::string name, std::string pattern) {
  return route(std::move(name), std::move(pattern), PathKind::kPrefix);
}

RouteSpec regex(std::string name, std::string pattern) {
  return route(std::move(name), std::move(pattern), PathKind::kRegex);
}

RouteSpec with_methods(RouteSpec spec, std::vector<std::string> methods) {
  spec.methods = std::move(methods);
  return spec;
}

RouteSpec with_hosts(RouteSpec spec, std::vector<std::string> hosts) {
  spec.hosts = std::move(hosts);
  return spec;
}

RouteSpec with_header(RouteSpec spec, HeaderMatch header) {
  spec.headers.push_back(std::move(header));
  return spec;
}

class RouteTableTest : public ::testing::Test {
 protected:
  void build(std::vector<RouteSpec> specs) {
    table_ = RouteTable::build(std::move(specs), errors_);
    ASSERT_NE(table_, nullptr) << (errors_.empty() ? "" : errors_.front().message);
    ASSERT_THAT(errors_, IsEmpty());
  }

  std::vector<BuildError> build_errors(std::vector<RouteSpec> specs) {
    std::vector<BuildError> errors;
    EXPECT_EQ(RouteTable::build(std::move(specs), errors), nullptr);
    return errors;
  }

  // The matched route's name, or "" for no match.
  std::string match(std::string_view path, std::string_view method = "GET",
                    std::string_view host = "api.mch.weixin.qq.com",
                    std::span<const core::HeaderField> headers = {}) {
    if (!table_->match(Request{method, host, path, headers}, last_)) return "";
    return table_->specs()[last_.route].name;
  }

  std::vector<std::pair<std::string, std::string>> captures() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i < last_.capture_count; ++i) {
      out.emplace_back(last_.captures[i].name, last_.captures[i].value);
    }
    return out;
  }

  std::unique_ptr<const RouteTable> table_;
  std::vector<BuildError> errors_;
  Match last_;
};

auto error_about(std::size_t route, std::string_view text) {
  return AllOf(Field(&BuildError::route, route), Field(&BuildError::message, HasSubstr(text)));
}

TEST_F(RouteTableTest, EmptyTableMatchesNothing) {
  build({});
  EXPECT_EQ(match("/"), "");
}

TEST_F(RouteTableTest, KeepsTheSpecsInOrder) {
  build({route("a", "/a"), regex("b", "/b.*")});
  ASSERT_EQ(table_->specs().size(), 2u);
  EXPECT_EQ(table_->specs()[1].pattern, "/b.*");
}

TEST_F(RouteTableTest, ExtractsNamedCapturesAsViewsIntoThePath) {
  build({route("close", "/v3/pay/transactions/out-trade-no/{out_trade_no}/close"),
         route("two", "/v3/merchants/{mchid}/orders/{order_id}")});
  const std::string path = "/v3/pay/transactions/out-trade-no/T-1%20x/close";
  EXPECT_EQ(match(path, "POST"), "close");
  EXPECT_THAT(captures(), ElementsAre(std::pair{"out_trade_no", "T-1%20x"}));
  EXPECT_EQ(last_.captures[0].value.data(), path.data() + 34);

  EXPECT_EQ(match("/v3/merchants/190001/orders/42"), "two");
  EXPECT_THAT(captures(), ElementsAre(std::pair{"mchid", "190001"}, std::pair{"order_id", "42"}));
}

TEST_F(RouteTableTest, CaptureNamesComeFromTheWinningRoute) {
  build({with_methods(route("get", "/r/{id}"), {"GET"}),
         with_methods(route("post", "/r/{refund}"), {"POST"})});
  EXPECT_EQ(match("/r/9", "POST"), "post");
  EXPECT_THAT(captures(), ElementsAre(std::pair{"refund", "9"}));
  EXPECT_EQ(match("/r/9", "GET"), "get");
  EXPECT_THAT(captures(), ElementsAre(std::pair{"id", "9"}));
}

TEST_F(RouteTableTest, PrefixRoutesCaptureToo) {
  build({prefix("merchant", "/m/{mchid}/")});
  EXPECT_EQ(match("/m/1900/a/b"), "merchant");
  EXPECT_THAT(captures(), ElementsAre(std::pair{"mchid", "1900"}));
}

TEST_F(RouteTableTest, PrecedenceLiteralParamPrefixRegex) {
  build({regex("regex", "/v3/refund/.*"), prefix("prefix", "/v3/refund/domestic/"),
         route("param", "/v3/refund/domestic/refunds/{out_refund_no}"),
         route("literal", "/v3/refund/domestic/refunds/latest")});
  EXPECT_EQ(match("/v3/refund/domestic/refunds/latest"), "literal");
  EXPECT_EQ(match("/v3/refund/domestic/refunds/R1"), "param");
  EXPECT_EQ(match("/v3/refund/domestic/other"), "prefix");
  EXPECT_EQ(match("/v3/refund/abroad"), "regex");
  EXPECT_EQ(match("/v3/pay"), "");
}

TEST_F(RouteTableTest, BacktracksAcrossLiteralAndParamBranches) {
  build({route("abc", "/a/b/c"), route("axd", "/a/{x}/d")});
  EXPECT_EQ(match("/a/b/c"), "abc");
  EXPECT_EQ(match("/a/b/d"), "axd");
  EXPECT_THAT(captures(), ElementsAre(std::pair{"x", "b"}));
}

TEST_F(RouteTableTest, DeeperPrefixWins) {
  build({prefix("all", "/"), prefix("v3", "/v3/"), prefix("bill", "/v3/bill")});
  EXPECT_EQ(match("/v3/bill/tradebill"), "bill");
  EXPECT_EQ(match("/v3/bill"), "bill");
  EXPECT_EQ(match("/v3/billing"), "v3");
  EXPECT_EQ(match("/v2/x"), "all");
}

TEST_F(RouteTableTest, RegexIsTriedOnlyWhenNoPathRouteMatched) {
  build({regex("first", "/v3/.*"), regex("second", "/v3/pay/.*"), prefix("pay", "/v3/pay/")});
  EXPECT_EQ(match("/v3/pay/x"), "pay");
  EXPECT_EQ(match("/v3/bill/x"), "first");
}

TEST_F(RouteTableTest, RegexRoutesAreInConfigurationOrderAndHonourConditions) {
  build({with_methods(regex("post", "/v3/.*"), {"POST"}), regex("any", "/v3/pay/.*")});
  EXPECT_EQ(match("/v3/pay/x", "POST"), "post");
  EXPECT_EQ(match("/v3/pay/x", "GET"), "any");
  EXPECT_EQ(last_.capture_count, 0u);
}

TEST_F(RouteTableTest, PathsNotStartingWithSlashOnlyReachRegexRoutes) {
  build({prefix("all", "/"), regex("star", "\\*")});
  EXPECT_EQ(match("*", "OPTIONS"), "star");
  EXPECT_EQ(match("http://x/", "GET"), "");
}

TEST_F(RouteTableTest, MoreConditionsWinOnTheSamePath) {
  const HeaderMatch gray{"X-Traffic-Colour", "gray", false};
  build({route("plain", "/v3/pay/transactions/jsapi"),
         with_methods(route("post", "/v3/pay/transactions/jsapi"), {"POST"}),
         with_header(with_methods(route("gray", "/v3/pay/transactions/jsapi"), {"POST"}), gray)});
  const std::vector<core::HeaderField> gray_headers{{"x-traffic-colour", "gray"}};
  const std::vector<core::HeaderField> blue_headers{{"x-traffic-colour", "blue"}};
  const std::string_view host = "api.mch.weixin.qq.com";
  EXPECT_EQ(match("/v3/pay/transactions/jsapi", "POST", host, gray_headers), "gray");
  EXPECT_EQ(match("/v3/pay/transactions/jsapi", "POST", host, blue_headers), "post");
  EXPECT_EQ(match("/v3/pay/transactions/jsapi", "GET", host, gray_headers), "plain");
}

TEST_F(RouteTableTest, MethodMismatchFallsBackToParamThenPrefixThenRegex) {
  build({with_methods(route("literal", "/a/b"), {"POST"}),
         with_methods(route("param", "/a/{x}"), {"PUT"}), prefix("prefix", "/a/"),
         regex("regex", "/a/b")});
  EXPECT_EQ(match("/a/b", "POST"), "literal");
  EXPECT_EQ(match("/a/b", "PUT"), "param");
  EXPECT_EQ(match("/a/b", "GET"), "prefix");
}

TEST_F(RouteTableTest, HostConditionsWithWildcardsAndPorts) {
  build({with_hosts(route("exact", "/x"), {"pay.example.com"}),
         with_hosts(route("wild", "/x"), {"*.example.com"}), route("any", "/x")});
  EXPECT_EQ(match("/x", "GET", "PAY.example.com:8443"), "exact");
  EXPECT_EQ(match("/x", "GET", "a.b.example.com:80"), "wild");
  EXPECT_EQ(match("/x", "GET", "example.com"), "any");
  EXPECT_EQ(match("/x", "GET", ""), "any");
}

TEST_F(RouteTableTest, HeaderPresenceAndExactValue) {
  build({with_header(route("serial", "/n"), {"Wechatpay-Serial", "", true}),
         with_header(route("colour", "/c"), {"X-Colour", "blue", false})});
  const std::vector<core::HeaderField> headers{{"wechatpay-serial", "5157"}, {"x-colour", "Blue"}};
  EXPECT_EQ(match("/n", "POST", "h", headers), "serial");
  EXPECT_EQ(match("/c", "POST", "h", headers), "");
}

TEST_F(RouteTableTest, SameRouteTwiceIsAConflictNamingBoth) {
  const auto errors = build_errors({route("a", "/v3/x/{id}"), route("b", "/v3/x/{other}")});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], error_about(1, "route \"b\": conflicts with route \"a\""));
}

TEST_F(RouteTableTest, ConflictIgnoresOrderOfConditions) {
  const auto errors = build_errors(
      {with_hosts(with_methods(prefix("a", "/p/"), {"GET", "POST"}), {"A.test", "b.test"}),
       with_hosts(with_methods(prefix("b", "/p/"), {"POST", "GET"}), {"b.test:80", "a.test"})});
  EXPECT_THAT(errors, ElementsAre(error_about(1, "conflicts with route \"a\"")));
}

TEST_F(RouteTableTest, DifferentConditionsOrKindsAreNotConflicts) {
  build({route("t", "/p"), prefix("open", "/p"), prefix("slash", "/p/"), route("t2", "/p/"),
         with_methods(route("get", "/p"), {"GET"}), with_hosts(route("host", "/p"), {"a.test"}),
         regex("r1", "/p"), regex("r2", "/p")});
}

TEST_F(RouteTableTest, ReportsEveryProblemWithTheRouteIndex) {
  const auto errors = build_errors({
      route("ok", "/ok"),
      route("no-slash", "v3/pay"),
      route("brace", "/a/{"),
      route("empty-capture", "/a/{}"),
      route("inside", "/a{b}"),
      route("dup-capture", "/{id}/{id}"),
      route("empty-segment", "/a//b"),
      route("too-many", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"),
      regex("bad-regex", "(unclosed"),
      with_methods(route("bad-method", "/m"), {"get"}),
      with_hosts(route("bad-host", "/h"), {"a.*.com"}),
      with_header(route("bad-header", "/h2"), {"", "v", false}),
      route("ok", "/ok2"),
  });
  EXPECT_THAT(errors,
              ElementsAre(error_about(12, "route \"ok\": name already used by route #0"),
                          error_about(1, "route \"no-slash\": pattern"),
                          error_about(2, "unbalanced brace"), error_about(3, "empty capture name"),
                          error_about(4, "unbalanced brace"), error_about(5, "used twice"),
                          error_about(6, "empty segment"), error_about(7, "more than 8 captures"),
                          error_about(8, "bad regex"), error_about(9, "bad method"),
                          error_about(10, "bad host"), error_about(11, "bad header name")));
}

TEST_F(RouteTableTest, UnnamedRoutesAreLabelledByIndex) {
  const auto errors = build_errors({route("", "/a"), route("", "/a")});
  EXPECT_THAT(errors, ElementsAre(error_about(1, "route #1: conflicts with route #0")));
}

TEST_F(RouteTableTest, ErrorsAlreadyInTheListDoNotFailTheBuild) {
  std::vector<BuildError> errors{BuildError{0, "found earlier by config"}};
  EXPECT_NE(RouteTable::build({route("a", "/a")}, errors), nullptr);
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_EQ(RouteTable::build({route("a", "/a"), route("a", "/b")}, errors), nullptr);
  EXPECT_EQ(errors.size(), 2u);
}

}  // namespace
}  // namespace paygate::router
