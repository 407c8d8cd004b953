#include "router/header_match.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::router {
namespace {

using core::HeaderField;

HeaderMatcher compiled(std::vector<HeaderMatch> headers) {
  auto result = HeaderMatcher::compile(headers);
  EXPECT_TRUE(result.ok()) << result.error;
  return result.value;
}

TEST(HeaderMatcher, NoConditionsMatchesAnything) {
  const HeaderMatcher any = compiled({});
  EXPECT_TRUE(any.empty());
  EXPECT_TRUE(any.matches({}));
}

TEST(HeaderMatcher, NameIsCaseInsensitiveValueIsExact) {
  const HeaderMatcher matcher = compiled({{"X-Colour", "blue", false}});
  const std::vector<HeaderField> blue{{"x-colour", "blue"}};
  const std::vector<HeaderField> upper{{"X-COLOUR", "Blue"}};
  const std::vector<HeaderField> other{{"x-color", "blue"}};
  EXPECT_TRUE(matcher.matches(blue));
  EXPECT_FALSE(matcher.matches(upper));
  EXPECT_FALSE(matcher.matches(other));
  EXPECT_FALSE(matcher.matches({}));
}

TEST(HeaderMatcher, PresentOnlyIgnoresTheValue) {
  const HeaderMatcher matcher = compiled({{"Wechatpay-Serial", "ignored", true}});
  const std::vector<HeaderField> present{{"wechatpay-serial", ""}};
  EXPECT_TRUE(matcher.matches(present));
  EXPECT_FALSE(matcher.matches({}));
}

TEST(HeaderMatcher, EveryConditionMustHoldAndAnyRepeatedHeaderMaySatisfyOne) {
  const HeaderMatcher matcher = compiled({{"x-a", "1", false}, {"x-b", "2", false}});
  const std::vector<HeaderField> both{{"x-a", "0"}, {"x-b", "2"}, {"X-A", "1"}};
  const std::vector<HeaderField> only_a{{"x-a", "1"}};
  EXPECT_TRUE(matcher.matches(both));
  EXPECT_FALSE(matcher.matches(only_a));
}

TEST(HeaderMatcher, RejectsBadNames) {
  for (const std::string bad : {"", "a b", "a:b", "x\n"}) {
    const auto result = HeaderMatcher::compile({{bad, "v", false}});
    EXPECT_FALSE(result.ok()) << bad;
    EXPECT_THAT(result.error, ::testing::HasSubstr("bad header name"));
  }
}

TEST(HeaderMatcher, EqualityIgnoresOrderNameCaseAndPresenceValues) {
  EXPECT_EQ(compiled({{"X-A", "1", false}, {"x-b", "", true}}),
            compiled({{"x-b", "anything", true}, {"x-a", "1", false}}));
  EXPECT_FALSE(compiled({{"x-a", "1", false}}) == compiled({{"x-a", "2", false}}));
  EXPECT_FALSE(compiled({{"x-a", "1", false}}) == compiled({{"x-a", "1", true}}));
}

}  // namespace
}  // namespace paygate::router
