#include "core/request_id.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace paygate::core {

TEST(RequestId, GeneratesThirtyTwoHexCharacters) {
  RequestId id;
  id.generate();
  ASSERT_EQ(id.view().size(), RequestId::kLength);
  for (char c : id.view()) EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c))) << c;
}

TEST(RequestId, GeneratedIdsDoNotRepeat) {
  std::set<std::string> seen;
  RequestId id;
  for (int i = 0; i < 10000; ++i) {
    id.generate();
    EXPECT_TRUE(seen.emplace(id.view()).second);
  }
}

TEST(RequestId, AssignKeepsOnlySafeCharactersAndTruncates) {
  RequestId id;
  id.assign("abc\r\n\"def");
  EXPECT_EQ(id.view(), "abcdef");
  id.assign(std::string(100, 'x'));
  EXPECT_EQ(id.view().size(), RequestId::kLength);
}

TEST(RequestId, AssignOfNothingUsableGeneratesFresh) {
  RequestId id;
  id.assign("\"\"\r\n");
  EXPECT_EQ(id.view().size(), RequestId::kLength);
}

}  // namespace paygate::core
