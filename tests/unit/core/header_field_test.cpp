#include "core/header_field.h"

#include <gtest/gtest.h>

namespace paygate::core {

TEST(HeaderField, IequalsIgnoresAsciiCaseOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("Content-Length", "content-lengt"));
  EXPECT_FALSE(iequals("a", "b"));
}

TEST(HeaderField, ListHasTokenSplitsOnCommasAndTrims) {
  EXPECT_TRUE(list_has_token("close", "close"));
  EXPECT_TRUE(list_has_token("keep-alive, Close", "close"));
  EXPECT_TRUE(list_has_token(" x-secret ,\tupgrade", "X-Secret"));
  EXPECT_FALSE(list_has_token("closed, keep-alive", "close"));
  EXPECT_FALSE(list_has_token("", "close"));
}

}  // namespace paygate::core
