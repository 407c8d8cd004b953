#include "http/path_normaliser.h"

#include <gtest/gtest.h>

#include <string>

namespace paygate::http {
namespace {

// The normal form of `raw`, or the refusal's message.
std::string normal(std::string_view raw, PathPolicy policy = {}) {
  std::string storage;
  const NormalisedPath result = normalise_path(raw, policy, storage);
  if (path_refused(result.verdict)) return std::string("refused: ") + to_string(result.verdict);
  return std::string(result.path);
}

PathVerdict verdict(std::string_view raw, PathPolicy policy = {}) {
  std::string storage;
  return normalise_path(raw, policy, storage).verdict;
}

TEST(PathNormaliser, ANormalPathIsReturnedItselfWithoutACopy) {
  std::string storage;
  const std::string_view raw = "/v3/pay/transactions/out-trade-no/1217752501201407033233368018";
  const NormalisedPath result = normalise_path(raw, {}, storage);
  EXPECT_EQ(result.verdict, PathVerdict::kNormal);
  EXPECT_EQ(result.path.data(), raw.data());
  EXPECT_TRUE(storage.empty());
}

TEST(PathNormaliser, PathCharactersOfRfc3986StayAsTheyAre) {
  EXPECT_EQ(normal("/a-b_c.d~e/!$&'()*+,;=:@"), "/a-b_c.d~e/!$&'()*+,;=:@");
  EXPECT_EQ(normal("/"), "/");
  EXPECT_EQ(normal("/a/"), "/a/");
  EXPECT_EQ(normal("/..a/a../.../.b"), "/..a/a../.../.b");  // not dot-segments
}

TEST(PathNormaliser, DecodesEscapedUnreservedCharacters) {
  EXPECT_EQ(normal("/%76%33/pay"), "/v3/pay");
  EXPECT_EQ(normal("/%41%7a%30%2D%2e%5F%7E"), "/Az0-._~");
}

TEST(PathNormaliser, UpperCasesTheEscapesItKeeps) {
  EXPECT_EQ(normal("/a%3ab%20c%e4%b8%ad"), "/a%3Ab%20c%E4%B8%AD");
  EXPECT_EQ(verdict("/a%3Ab"), PathVerdict::kNormal);  // already upper case: no copy
}

TEST(PathNormaliser, RemovesDotSegments) {
  EXPECT_EQ(normal("/mock/../v3/pay/x"), "/v3/pay/x");
  EXPECT_EQ(normal("/a/./b"), "/a/b");
  EXPECT_EQ(normal("/a/b/../../c"), "/c");
  EXPECT_EQ(normal("/./a"), "/a");
  EXPECT_EQ(normal("/a/."), "/a/");
  EXPECT_EQ(normal("/a/b/.."), "/a/");
  EXPECT_EQ(normal("/a/.."), "/");
  EXPECT_EQ(normal("/."), "/");
}

TEST(PathNormaliser, EscapedDotsAreDotSegmentsToo) {
  EXPECT_EQ(normal("/mock/%2e%2E/v3/pay"), "/v3/pay");
  EXPECT_EQ(normal("/mock/.%2e/v3"), "/v3");
  EXPECT_EQ(normal("/a/%2e/b"), "/a/b");
}

TEST(PathNormaliser, RefusesToClimbAboveTheRoot) {
  EXPECT_EQ(verdict("/.."), PathVerdict::kAboveRoot);
  EXPECT_EQ(verdict("/../v3/pay"), PathVerdict::kAboveRoot);
  EXPECT_EQ(verdict("/a/../../b"), PathVerdict::kAboveRoot);
  EXPECT_EQ(verdict("/%2e%2e/b"), PathVerdict::kAboveRoot);
}

TEST(PathNormaliser, MergesRepeatedSlashesByDefault) {
  EXPECT_EQ(normal("//v3///pay//x"), "/v3/pay/x");
  EXPECT_EQ(normal("/a//"), "/a/");
  EXPECT_EQ(normal("//"), "/");
  EXPECT_EQ(normal("/a//.."), "/");
}

TEST(PathNormaliser, KeepsRepeatedSlashesWhenTold) {
  const PathPolicy keep{.merge_slashes = false};
  EXPECT_EQ(verdict("//v3//pay", keep), PathVerdict::kNormal);
  EXPECT_EQ(normal("/a//../b", keep), "/a/b");  // the empty segment is a segment
}

TEST(PathNormaliser, RefusesRawBytesOutsideRfc3986) {
  for (std::string_view bad :
       {"/a b", "/a\\b", "/a\"b", "/a<b", "/a>b", "/a[b", "/a]b", "/a^b", "/a`b", "/a{b", "/a|b",
        "/a}b", "/a#b", "/a\x7f", "/a\x01", "/\xe4\xb8\xad", "/a\x80"}) {
    EXPECT_EQ(verdict(bad), PathVerdict::kBadCharacter) << bad;
  }
  EXPECT_EQ(verdict(std::string_view("/a\0b", 4)), PathVerdict::kBadCharacter);
}

TEST(PathNormaliser, RefusesMalformedEscapes) {
  for (std::string_view bad : {"/a%", "/a%4", "/a%zz", "/a%4g", "/%%41"}) {
    EXPECT_EQ(verdict(bad), PathVerdict::kBadEscape) << bad;
  }
}

TEST(PathNormaliser, RefusesEncodedNulAndBackslashWhateverThePolicy) {
  const PathPolicy unescape{.escaped_slashes = EscapedSlashes::kUnescape};
  EXPECT_EQ(verdict("/a%00b", unescape), PathVerdict::kEncodedNul);
  EXPECT_EQ(verdict("/a%5cb", unescape), PathVerdict::kEncodedBackslash);
  EXPECT_EQ(verdict("/a%5Cb"), PathVerdict::kEncodedBackslash);
}

TEST(PathNormaliser, EncodedSlashFollowsThePolicy) {
  EXPECT_EQ(verdict("/a%2fb"), PathVerdict::kEncodedSlash);
  const PathPolicy keep{.escaped_slashes = EscapedSlashes::kKeep};
  EXPECT_EQ(normal("/a%2fb/../c", keep), "/c");  // "a%2Fb" is one segment
  EXPECT_EQ(normal("/a%2fb", keep), "/a%2Fb");
  const PathPolicy unescape{.escaped_slashes = EscapedSlashes::kUnescape};
  EXPECT_EQ(normal("/a%2fb/../c", unescape), "/a/c");
  EXPECT_EQ(normal("/a%2F%2Fb", unescape), "/a/b");
  EXPECT_EQ(verdict("/%2F..%2F..", unescape), PathVerdict::kAboveRoot);
}

TEST(PathNormaliser, LeavesTheAsteriskAndMendsAnEmptyPath) {
  EXPECT_EQ(normal("*"), "*");
  EXPECT_EQ(normal(""), "/");
}

TEST(PathNormaliser, ReusesItsStorage) {
  std::string storage;
  storage.reserve(256);
  const char* buffer = storage.data();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(normalise_path("/a/../b//c", {}, storage).path, "/b/c");
    EXPECT_EQ(storage.data(), buffer);
  }
}

TEST(ValidQuery, AcceptsRfc3986QueryCharactersAndEscapes) {
  EXPECT_TRUE(valid_query(""));
  EXPECT_TRUE(valid_query("mchid=1230000109&a=b/c?d:e@f"));
  EXPECT_TRUE(valid_query("q=%E4%B8%AD&x=%2f"));
}

TEST(ValidQuery, RefusesRawBytesAndMalformedEscapes) {
  for (std::string_view bad : {"a b", "a#b", "a\x80", "a%", "a%4", "a%zz", "a|b", "a\"b"}) {
    EXPECT_FALSE(valid_query(bad)) << bad;
  }
}

TEST(NormaliseRequestPath, SetsThePathAndKeepsTheTargetAsReceived) {
  RequestHead head;
  head.target = "/mock/../v3/pay?x=1";
  head.raw_path = head.target.substr(0, head.target.find('?'));
  head.query = "x=1";
  EXPECT_EQ(normalise_request_path(head, {}), PathVerdict::kNormalised);
  EXPECT_EQ(head.path, "/v3/pay");
  EXPECT_TRUE(head.path_rewritten());
  EXPECT_EQ(head.target, "/mock/../v3/pay?x=1");
}

TEST(NormaliseRequestPath, RefusesABadQuery) {
  RequestHead head;
  head.target = "/v3/pay?x=\x80";
  head.raw_path = "/v3/pay";
  head.query = "x=\x80";
  EXPECT_EQ(normalise_request_path(head, {}), PathVerdict::kBadQuery);
}

}  // namespace
}  // namespace paygate::http
