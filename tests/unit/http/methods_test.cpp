#include "http/methods.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace paygate::http {
namespace {

using ::testing::ElementsAre;

TEST(Methods, KnownMethodsAreBeastsVerbsCaseSensitively) {
  EXPECT_EQ(known_method("GET"), Verb::get);
  EXPECT_EQ(known_method("PROPFIND"), Verb::propfind);
  EXPECT_EQ(known_method("get"), std::nullopt);
  EXPECT_EQ(known_method("BREW"), std::nullopt);
  EXPECT_EQ(known_method(""), std::nullopt);
}

TEST(Methods, TheDefaultSetIsRfc9110sMethodsPlusPatch) {
  const MethodSet defaults;
  EXPECT_THAT(defaults.names(),
              ElementsAre("DELETE", "GET", "HEAD", "POST", "PUT", "OPTIONS", "PATCH"));
  EXPECT_EQ(defaults.allow(), "DELETE, GET, HEAD, POST, PUT, OPTIONS, PATCH");
  EXPECT_FALSE(defaults.contains(Verb::connect));
  EXPECT_FALSE(defaults.contains(Verb::trace));
  EXPECT_FALSE(defaults.contains(Verb::propfind));
}

TEST(Methods, ConnectAndTraceCannotBeAdded) {
  MethodSet set({Verb::get, Verb::connect, Verb::trace});
  EXPECT_TRUE(is_never_allowed(Verb::connect));
  EXPECT_TRUE(is_never_allowed(Verb::trace));
  EXPECT_THAT(set.names(), ElementsAre("GET"));
  EXPECT_EQ(set.allow(), "GET");
}

}  // namespace
}  // namespace paygate::http
