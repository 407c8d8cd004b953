#include "router/radix_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace paygate::router {
namespace {

// Accepts every route except those switched off, to stand in for method/host/header conditions.
class Filter final : public RouteFilter {
 public:
  bool accepts(std::size_t route) const override { return !rejected.contains(route); }
  std::set<std::size_t> rejected;
};

class RadixTreeTest : public ::testing::Test {
 protected:
  std::size_t add(std::string_view pattern, PathKind kind = PathKind::kTemplate,
                  std::size_t rank = 0) {
    const auto parsed = parse_path_pattern(pattern);
    EXPECT_TRUE(parsed.ok()) << parsed.error;
    tree_.insert(parsed.value, kind, next_route_, rank);
    return next_route_++;
  }
  std::size_t add_prefix(std::string_view pattern) { return add(pattern, PathKind::kPrefix); }

  // The matched route, or -1.
  long find(std::string_view path) {
    TreeMatch match;
    if (!tree_.find(path, filter_, match)) return -1;
    last_ = match;
    return static_cast<long>(match.route);
  }

  std::vector<std::string> last_values() const {
    return {last_.values.begin(), last_.values.begin() + last_.value_count};
  }

  RadixTree tree_;
  Filter filter_;
  TreeMatch last_;
  std::size_t next_route_ = 0;
};

TEST_F(RadixTreeTest, MatchesLiteralTemplatesExactly) {
  const long jsapi = add("/v3/pay/transactions/jsapi");
  EXPECT_EQ(find("/v3/pay/transactions/jsapi"), jsapi);
  EXPECT_EQ(find("/v3/pay/transactions/jsapi/"), -1);
  EXPECT_EQ(find("/v3/pay/transactions"), -1);
  EXPECT_EQ(find("/v3/pay/transactions/jsapix"), -1);
  EXPECT_EQ(find("v3/pay/transactions/jsapi"), -1);
  EXPECT_EQ(find(""), -1);
}

TEST_F(RadixTreeTest, CapturesOneNonEmptySegmentPerParam) {
  const long close = add("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
  EXPECT_EQ(find("/v3/pay/transactions/out-trade-no/T%2F1/close"), close);
  EXPECT_THAT(last_values(), ::testing::ElementsAre("T%2F1"));
  EXPECT_EQ(find("/v3/pay/transactions/out-trade-no//close"), -1);
  EXPECT_EQ(find("/v3/pay/transactions/out-trade-no/a/b/close"), -1);
}

TEST_F(RadixTreeTest, CaptureValuesAreViewsIntoThePath) {
  add("/{a}/x/{b}");
  const std::string path = "/one/x/two";
  ASSERT_EQ(find(path), 0);
  ASSERT_EQ(last_.value_count, 2u);
  EXPECT_EQ(last_.values[0].data(), path.data() + 1);
  EXPECT_EQ(last_.values[1].data(), path.data() + 7);
}

TEST_F(RadixTreeTest, TrailingSlashIsSignificant) {
  const long with = add("/a/");
  const long without = add("/a");
  EXPECT_EQ(find("/a/"), with);
  EXPECT_EQ(find("/a"), without);
}

TEST_F(RadixTreeTest, RootTemplateMatchesOnlyRoot) {
  const long root = add("/");
  EXPECT_EQ(find("/"), root);
  EXPECT_EQ(find("/a"), -1);
}

TEST_F(RadixTreeTest, LiteralBeatsParam) {
  const long param = add("/refunds/{out_refund_no}");
  const long literal = add("/refunds/latest");
  EXPECT_EQ(find("/refunds/latest"), literal);
  EXPECT_EQ(find("/refunds/R1"), param);
}

TEST_F(RadixTreeTest, BacktracksWhenTheLiteralBranchDeadEnds) {
  const long literal = add("/a/b/c");
  const long param = add("/a/{x}/d");
  EXPECT_EQ(find("/a/b/c"), literal);
  EXPECT_EQ(find("/a/b/d"), param);
  EXPECT_THAT(last_values(), ::testing::ElementsAre("b"));
  EXPECT_EQ(find("/a/z/d"), param);
  EXPECT_EQ(find("/a/b/e"), -1);
}

TEST_F(RadixTreeTest, BacktracksWhenTheLiteralRouteIsFilteredOut) {
  const long literal = add("/a/b");
  const long param = add("/a/{x}");
  filter_.rejected.insert(static_cast<std::size_t>(literal));
  EXPECT_EQ(find("/a/b"), param);
}

TEST_F(RadixTreeTest, BacktrackingDropsCapturesOfTheAbandonedBranch) {
  add("/{x}/{y}/c");
  const long second = add("/{x}/b/d");
  EXPECT_EQ(find("/a/b/d"), second);
  EXPECT_THAT(last_values(), ::testing::ElementsAre("a"));
}

TEST_F(RadixTreeTest, PrefixWithoutSlashStopsAtSegmentBoundary) {
  const long bill = add_prefix("/v3/bill");
  EXPECT_EQ(find("/v3/bill"), bill);
  EXPECT_EQ(find("/v3/bill/"), bill);
  EXPECT_EQ(find("/v3/bill/tradebill"), bill);
  EXPECT_EQ(find("/v3/billing"), -1);
  EXPECT_EQ(find("/v3"), -1);
}

TEST_F(RadixTreeTest, PrefixWithSlashNeedsMoreAfterIt) {
  const long bill = add_prefix("/v3/bill/");
  EXPECT_EQ(find("/v3/bill/"), bill);
  EXPECT_EQ(find("/v3/bill/x/y"), bill);
  EXPECT_EQ(find("/v3/bill"), -1);
  EXPECT_EQ(find("/v3/billing"), -1);
}

TEST_F(RadixTreeTest, RootPrefixMatchesEverything) {
  const long root = add_prefix("/");
  EXPECT_EQ(find("/"), root);
  EXPECT_EQ(find("/anything/at/all"), root);
  EXPECT_EQ(find("//"), root);
  EXPECT_EQ(find("*"), -1);
}

TEST_F(RadixTreeTest, TemplateBeatsAnyPrefix) {
  add_prefix("/v3/pay/transactions/id/");
  const long exact = add("/v3/pay/transactions/id/{transaction_id}");
  EXPECT_EQ(find("/v3/pay/transactions/id/42"), exact);
  EXPECT_EQ(find("/v3/pay/transactions/id/42/more"), 0);
}

TEST_F(RadixTreeTest, DeeperPrefixBeatsShallower) {
  const long root = add_prefix("/");
  const long v3 = add_prefix("/v3/");
  const long bill_open = add_prefix("/v3/bill");
  const long bill_slash = add_prefix("/v3/bill/");
  EXPECT_EQ(find("/v3/bill/x"), bill_slash);
  EXPECT_EQ(find("/v3/bill"), bill_open);
  EXPECT_EQ(find("/v3/refund"), v3);
  EXPECT_EQ(find("/v2/x"), root);
}

TEST_F(RadixTreeTest, DeeperPrefixOnAParamBranchBeatsShallowerLiteralPrefix) {
  add_prefix("/m/a/");
  const long deeper = add_prefix("/m/{id}/orders/");
  EXPECT_EQ(find("/m/a/orders/1"), deeper);
  EXPECT_THAT(last_values(), ::testing::ElementsAre("a"));
}

TEST_F(RadixTreeTest, LiteralPrefixWinsATieWithParamPrefix) {
  const long literal = add_prefix("/m/a/");
  add_prefix("/m/{id}/");
  EXPECT_EQ(find("/m/a/x"), literal);
  EXPECT_EQ(last_.value_count, 0u);
}

TEST_F(RadixTreeTest, FallsBackToPrefixWhenTemplateIsFilteredOut) {
  const long prefix = add_prefix("/a/");
  const long exact = add("/a/b");
  filter_.rejected.insert(static_cast<std::size_t>(exact));
  EXPECT_EQ(find("/a/b"), prefix);
}

TEST_F(RadixTreeTest, HigherRankIsTriedFirstInASlot) {
  const long plain = add("/a", PathKind::kTemplate, 0);
  const long specific = add("/a", PathKind::kTemplate, 2);
  EXPECT_EQ(find("/a"), specific);
  filter_.rejected.insert(static_cast<std::size_t>(specific));
  EXPECT_EQ(find("/a"), plain);
}

TEST_F(RadixTreeTest, InsertReportsRoutesAlreadyInTheSameSlot) {
  const auto pattern = [](std::string_view text) { return parse_path_pattern(text).value; };
  EXPECT_TRUE(tree_.insert(pattern("/a/{x}"), PathKind::kTemplate, 0, 0).empty());
  EXPECT_THAT(tree_.insert(pattern("/a/{y}"), PathKind::kTemplate, 1, 0),
              ::testing::ElementsAre(0u));
  EXPECT_TRUE(tree_.insert(pattern("/a/{x}"), PathKind::kPrefix, 2, 0).empty());
  EXPECT_TRUE(tree_.insert(pattern("/a/{x}/"), PathKind::kPrefix, 3, 0).empty());
  EXPECT_TRUE(tree_.insert(pattern("/a/{x}/"), PathKind::kTemplate, 4, 0).empty());
}

TEST_F(RadixTreeTest, ManySegmentsInTheRequestDoNotRecurseBeyondTheTree) {
  const long prefix = add_prefix("/a/");
  std::string path = "/a";
  for (int i = 0; i < 100000; ++i) path += "/x";
  EXPECT_EQ(find(path), prefix);
}

}  // namespace
}  // namespace paygate::router
