#include "mockpay/path_match.h"

#include <gtest/gtest.h>

namespace paygate::mockpay {
namespace {

using Segments = std::vector<std::string>;

TEST(ParseTarget, SplitsDecodedSegmentsAndQuery) {
  const auto target = parse_target("/v3/pay/transactions/out-trade-no/a%7Cb?mchid=190&x=%E4%BD%A0");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->segments, (Segments{"v3", "pay", "transactions", "out-trade-no", "a|b"}));
  EXPECT_EQ(target->query.get("mchid"), "190");
  EXPECT_EQ(target->query.get("x"), "你");
  EXPECT_FALSE(target->query.get("absent"));
}

TEST(ParseTarget, KeepsTheFirstOfRepeatedQueryParameters) {
  const auto target = parse_target("/a?mchid=1&mchid=2");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->query.get("mchid"), "1");
}

TEST(ParseTarget, RejectsWhatIsNotOriginForm) {
  EXPECT_FALSE(parse_target("http://host/v3"));
  EXPECT_FALSE(parse_target("v3/pay"));
  EXPECT_FALSE(parse_target("/v3/%zz"));
  EXPECT_FALSE(parse_target("/v3/a b"));
  EXPECT_FALSE(parse_target(""));
}

TEST(PathPattern, MatchesLiteralsExactly) {
  const PathPattern pattern("/mock/health");
  Params captures;
  EXPECT_TRUE(pattern.match({"mock", "health"}, captures));
  EXPECT_FALSE(pattern.match({"mock", "Health"}, captures));
  EXPECT_FALSE(pattern.match({"mock"}, captures));
  EXPECT_FALSE(pattern.match({"mock", "health", ""}, captures));
}

TEST(PathPattern, CapturesNamedSegments) {
  const PathPattern pattern("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
  Params captures;
  ASSERT_TRUE(
      pattern.match({"v3", "pay", "transactions", "out-trade-no", "T123", "close"}, captures));
  EXPECT_EQ(captures.get("out_trade_no"), "T123");
}

TEST(PathPattern, ParameterNeedsANonEmptySegment) {
  const PathPattern pattern("/mock/pay/{out_trade_no}");
  Params captures;
  EXPECT_FALSE(pattern.match({"mock", "pay", ""}, captures));
  EXPECT_FALSE(captures.get("out_trade_no"));
}

TEST(PathPattern, FailedMatchCapturesNothing) {
  const PathPattern pattern("/a/{x}/b");
  Params captures;
  EXPECT_FALSE(pattern.match({"a", "1", "c"}, captures));
  EXPECT_FALSE(captures.get("x"));
}

}  // namespace
}  // namespace paygate::mockpay
