// How a shadow's answer is compared with the primary's (steps/shadow_compare.h): JSON bodies
// canonically (member order ignored, arrays in order, nested), with RFC 6901 pointers removed
// first; anything else byte for byte; then the status and the compared header fields.
#include "steps/shadow_compare.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

namespace paygate::steps {
namespace {

bool same(std::string_view a, std::string_view b, std::vector<std::string> ignore = {}) {
  JsonReader reader;
  return same_body(a, b, ignore, reader);
}

TEST(ShadowCompare, ObjectMembersCompareInAnyOrderAtAnyDepth) {
  EXPECT_TRUE(same(R"({"a":1,"b":{"x":true,"y":[1,2]}})", R"({"b":{"y":[1,2],"x":true},"a":1})"));
  EXPECT_TRUE(same("{\"a\": 1,\n \"b\": 2}", R"({"b":2,"a":1})"));  // whitespace is not content
  EXPECT_FALSE(same(R"({"a":1,"b":{"x":true}})", R"({"a":1,"b":{"x":false}})"));
  EXPECT_FALSE(same(R"({"a":1})", R"({"a":1,"b":null})"));  // a member more
  EXPECT_FALSE(same(R"({"a":"1"})", R"({"a":1})"));         // types differ
}

TEST(ShadowCompare, ArraysCompareInOrder) {
  EXPECT_TRUE(same(R"([{"k":1},{"k":2}])", R"([{"k":1},{"k":2}])"));
  EXPECT_FALSE(same(R"([{"k":1},{"k":2}])", R"([{"k":2},{"k":1}])"));
  EXPECT_FALSE(same(R"({"list":[1,2,3]})", R"({"list":[1,2]})"));
}

TEST(ShadowCompare, IgnoredPointersAreRemovedFromBothSides) {
  const std::string primary =
      R"({"id":"A1","create_time":"2026-12-07T10:00:00+08:00","detail":{"ts":1,"n":2}})";
  const std::string shadow =
      R"({"detail":{"n":2,"ts":9},"id":"A1","create_time":"2026-12-07T10:00:05+08:00"})";
  EXPECT_FALSE(same(primary, shadow));
  EXPECT_FALSE(same(primary, shadow, {"/create_time"}));
  EXPECT_TRUE(same(primary, shadow, {"/create_time", "/detail/ts"}));
  // A member present on one side only, ignored, is no difference either.
  EXPECT_TRUE(same(R"({"a":1,"transaction_id":"42"})", R"({"a":1})", {"/transaction_id"}));
  // Pointers that point at nothing change nothing.
  EXPECT_TRUE(same(R"({"a":1})", R"({"a":1})", {"/missing", "/a/deeper", "/0"}));
}

TEST(ShadowCompare, PointersFollowRfc6901) {
  boost::json::value doc = boost::json::parse(
      R"({"a/b":1,"m~n":2,"list":[10,20,30],"o":{"list":[{"x":1,"y":2}]},"keep":0})");
  remove_pointers(doc, std::vector<std::string>{"/a~1b", "/m~0n", "/list/1", "/o/list/0/y",
                                                "/list/01", "/list/9"});
  EXPECT_EQ(doc, boost::json::parse(R"({"list":[10,30],"o":{"list":[{"x":1}]},"keep":0})"))
      << boost::json::serialize(doc);

  EXPECT_TRUE(is_removable_pointer("/create_time"));
  EXPECT_TRUE(is_removable_pointer("/a~0b/~1/0"));
  EXPECT_TRUE(is_removable_pointer("/"));  // the member named ""
  EXPECT_FALSE(is_removable_pointer(""));  // the whole document
  EXPECT_FALSE(is_removable_pointer("create_time"));
  EXPECT_FALSE(is_removable_pointer("/a~2"));
  EXPECT_FALSE(is_removable_pointer("/a~"));
}

TEST(ShadowCompare, BodiesThatAreNotBothJsonCompareByteForByte) {
  EXPECT_TRUE(same("plain text", "plain text"));
  EXPECT_FALSE(same("plain text", "plain  text"));
  EXPECT_TRUE(same("", ""));
  EXPECT_FALSE(same(R"({"a":1})", R"({"a":1)"));             // one is not JSON
  EXPECT_FALSE(same(R"({"a":1,"b":2})", "<xml/>", {"/b"}));  // and then nothing is ignored
  EXPECT_FALSE(same("{\"a\":1} trailing", "{\"a\":1} trailing!"));
}

TEST(ShadowCompare, StatusAndTheComparedFieldsCount) {
  const std::array<std::string, kComparedFields.size()> json{"application/json", ""};
  const std::array<std::string, kComparedFields.size()> json_upper{"Application/JSON", ""};
  const std::array<std::string, kComparedFields.size()> text{"text/plain", ""};
  const std::array<std::string, kComparedFields.size()> gzip{"application/json", "gzip"};
  const std::vector<std::string> none;
  JsonReader reader;  // one for all: it is reused
  const ComparedAnswer primary{200, json, R"({"a":1,"b":2})"};
  EXPECT_TRUE(same_answer(primary, {200, json_upper, R"({"b":2,"a":1})"}, none, reader));
  EXPECT_FALSE(same_answer(primary, {404, json, R"({"a":1,"b":2})"}, none, reader));
  EXPECT_FALSE(same_answer(primary, {200, text, R"({"a":1,"b":2})"}, none, reader));
  EXPECT_FALSE(same_answer(primary, {200, gzip, R"({"a":1,"b":2})"}, none, reader));
  EXPECT_FALSE(same_answer(primary, {200, json, R"({"a":1,"b":3})"}, none, reader));
}

}  // namespace
}  // namespace paygate::steps
