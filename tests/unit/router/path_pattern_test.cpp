#include "router/path_pattern.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::router {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of(std::string_view pattern) { return parse_path_pattern(pattern).error; }

TEST(PathPattern, SplitsLiteralsAndCaptures) {
  const auto parsed = parse_path_pattern("/v3/pay/transactions/id/{transaction_id}");
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  ASSERT_EQ(parsed.value.segments.size(), 5u);
  EXPECT_EQ(parsed.value.segments[0].text, "v3");
  EXPECT_FALSE(parsed.value.segments[0].is_param);
  EXPECT_EQ(parsed.value.segments[4].text, "transaction_id");
  EXPECT_TRUE(parsed.value.segments[4].is_param);
  EXPECT_FALSE(parsed.value.trailing_slash);
  EXPECT_THAT(parsed.value.capture_names(), ElementsAre("transaction_id"));
}

TEST(PathPattern, KeepsTrailingSlashAsAFlag) {
  const auto with = parse_path_pattern("/v3/bill/");
  const auto without = parse_path_pattern("/v3/bill");
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_EQ(with.value.segments.size(), 2u);
  EXPECT_TRUE(with.value.trailing_slash);
  EXPECT_FALSE(without.value.trailing_slash);
}

TEST(PathPattern, RootHasNoSegmentsAndATrailingSlash) {
  const auto root = parse_path_pattern("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root.value.segments.empty());
  EXPECT_TRUE(root.value.trailing_slash);
}

TEST(PathPattern, AcceptsEightCapturesAndNamesWithUnderscoresAndDigits) {
  EXPECT_TRUE(parse_path_pattern("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{_h9}").ok());
  EXPECT_TRUE(parse_path_pattern("/x/{out_trade_no}/close").ok());
}

TEST(PathPattern, RejectsPatternsNotStartingWithSlash) {
  EXPECT_THAT(error_of(""), HasSubstr("does not start with '/'"));
  EXPECT_THAT(error_of("v3/pay"), HasSubstr("does not start with '/'"));
  EXPECT_THAT(error_of("{x}"), HasSubstr("does not start with '/'"));
}

TEST(PathPattern, RejectsEmptySegments) {
  EXPECT_THAT(error_of("//"), HasSubstr("empty segment"));
  EXPECT_THAT(error_of("/a//b"), HasSubstr("empty segment"));
  EXPECT_THAT(error_of("/a/b//"), HasSubstr("empty segment"));
}

TEST(PathPattern, RejectsBadBraces) {
  EXPECT_THAT(error_of("/{"), HasSubstr("unbalanced brace"));
  EXPECT_THAT(error_of("/}"), HasSubstr("unbalanced brace"));
  EXPECT_THAT(error_of("/{id"), HasSubstr("unbalanced brace"));
  EXPECT_THAT(error_of("/a{b}"), HasSubstr("unbalanced brace"));
  EXPECT_THAT(error_of("/{a}b"), HasSubstr("unbalanced brace"));
  EXPECT_THAT(error_of("/a{b}c"), HasSubstr("brace"));
  EXPECT_THAT(error_of("/{}"), HasSubstr("empty capture name"));
}

TEST(PathPattern, RejectsBadCaptureNames) {
  EXPECT_THAT(error_of("/{9a}"), HasSubstr("bad capture name"));
  EXPECT_THAT(error_of("/{a-b}"), HasSubstr("bad capture name"));
  EXPECT_THAT(error_of("/{a b}"), HasSubstr("bad capture name"));
  EXPECT_THAT(error_of("/{{a}}"), HasSubstr("bad capture name"));
}

TEST(PathPattern, RejectsDuplicateCaptureNames) {
  EXPECT_THAT(error_of("/{id}/x/{id}"), HasSubstr("\"id\" used twice"));
}

TEST(PathPattern, RejectsMoreThanMaxCaptures) {
  EXPECT_THAT(error_of("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"), HasSubstr("more than 8 captures"));
}

TEST(PathPattern, RejectsQueryFragmentAndControlBytesInLiterals) {
  EXPECT_THAT(error_of("/a?b=1"), HasSubstr("'?'"));
  EXPECT_THAT(error_of("/a#b"), HasSubstr("'#'"));
  EXPECT_THAT(error_of("/a b"), HasSubstr("space"));
  EXPECT_THAT(error_of(std::string_view("/a\0b", 4)), HasSubstr("control byte"));
}

TEST(PathPattern, KeepsPercentEncodingAsWritten) {
  const auto parsed = parse_path_pattern("/files/a%2Fb");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value.segments[1].text, "a%2Fb");
}

}  // namespace
}  // namespace paygate::router
