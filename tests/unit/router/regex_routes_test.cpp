#include "router/regex_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace paygate::router {
namespace {

class Filter final : public RouteFilter {
 public:
  bool accepts(std::size_t route) const override { return !rejected.contains(route); }
  std::set<std::size_t> rejected;
};

long find(const RegexRoutes& routes, std::string_view path, const Filter& filter = Filter{}) {
  std::size_t route = 0;
  return routes.find(path, filter, route) ? static_cast<long>(route) : -1;
}

TEST(RegexRoutes, MatchesTheWholePathOnly) {
  RegexRoutes routes;
  ASSERT_EQ(routes.add(7, "/v3/[a-z]+/files"), "");
  EXPECT_EQ(find(routes, "/v3/bill/files"), 7);
  EXPECT_EQ(find(routes, "/v3/bill/files/x"), -1);
  EXPECT_EQ(find(routes, "x/v3/bill/files"), -1);
}

TEST(RegexRoutes, TriesRoutesInTheOrderAdded) {
  RegexRoutes routes;
  ASSERT_EQ(routes.add(3, "/v3/.*"), "");
  ASSERT_EQ(routes.add(1, "/v3/pay/.*"), "");
  EXPECT_EQ(find(routes, "/v3/pay/x"), 3);
}

TEST(RegexRoutes, SkipsRoutesTheFilterRejects) {
  RegexRoutes routes;
  ASSERT_EQ(routes.add(0, "/v3/.*"), "");
  ASSERT_EQ(routes.add(1, "/v3/pay/.*"), "");
  Filter filter;
  filter.rejected.insert(0);
  EXPECT_EQ(find(routes, "/v3/pay/x", filter), 1);
}

TEST(RegexRoutes, RejectsBadPatternsWithRe2sReason) {
  RegexRoutes routes;
  EXPECT_THAT(routes.add(0, "/v3/(unclosed"), ::testing::HasSubstr("bad regex"));
  EXPECT_THAT(routes.add(0, "/v3/(?<name>x)\\1"), ::testing::HasSubstr("bad regex"));
  EXPECT_EQ(find(routes, "/v3/(unclosed"), -1);
}

TEST(RegexRoutes, PathologicalPatternRunsInLinearTime) {
  RegexRoutes routes;
  ASSERT_EQ(routes.add(0, "/(a+)+b"), "");
  const std::string path = "/" + std::string(50000, 'a');
  EXPECT_EQ(find(routes, path), -1);
  EXPECT_EQ(find(routes, path + "b"), 0);
}

TEST(RegexRoutes, MatchesRawBytesWithoutDecoding) {
  RegexRoutes routes;
  ASSERT_EQ(routes.add(0, "/files/a%2Fb"), "");
  EXPECT_EQ(find(routes, "/files/a%2Fb"), 0);
  EXPECT_EQ(find(routes, "/files/a/b"), -1);
}

}  // namespace
}  // namespace paygate::router
