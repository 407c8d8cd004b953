// H2Response: what a handler writes as HTTP/1.1, as an HTTP/2 stream sends it.
#include "http/h2_response.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace paygate::http {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields fields_of(const H2Response& r) {
  Fields out;
  for (const nghttp2_nv& nv : r.headers()) {
    out.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                     std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
  }
  return out;
}

std::string take_all(H2Response& r) {
  std::string body(r.unsent(), '\0');
  r.take(reinterpret_cast<std::uint8_t*>(body.data()), body.size());
  return body;
}

TEST(H2Response, HeadFieldsLowerCasedWithoutConnectionFields) {
  H2Response r;
  r.start(false);
  ASSERT_TRUE(
      r.feed("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close, "
             "X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nWechatpay-Serial: 5157\r\n"
             "Content-Length: 2\r\n\r\n{}"));
  ASSERT_TRUE(r.head_ready());
  EXPECT_EQ(fields_of(r), (Fields{{":status", "200"},
                                  {"content-type", "application/json"},
                                  {"wechatpay-serial", "5157"},
                                  {"content-length", "2"}}));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(take_all(r), "{}");
  EXPECT_TRUE(r.finish());
}

TEST(H2Response, AHeadInPiecesAndAChunkedBodyComeOutWhole) {
  H2Response r;
  r.start(false);
  ASSERT_TRUE(r.feed("HTTP/1.1 201 Created\r\nTransfer-"));
  EXPECT_FALSE(r.head_ready());
  ASSERT_TRUE(r.feed("Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
  ASSERT_TRUE(r.head_ready());
  EXPECT_EQ(fields_of(r), (Fields{{":status", "201"}}));
  EXPECT_EQ(take_all(r), "hello");
  EXPECT_FALSE(r.complete());
  ASSERT_TRUE(r.feed("6\r\n world\r\n0\r\n\r\n"));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(take_all(r), " world");
  EXPECT_TRUE(r.finish());
}

TEST(H2Response, TheAnswerToHeadHasItsContentLengthAndNoBody) {
  H2Response r;
  r.start(true);
  ASSERT_TRUE(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.unsent(), 0u);
  EXPECT_EQ(fields_of(r), (Fields{{":status", "200"}, {"content-length", "100"}}));
}

TEST(H2Response, AnUnfinishedOrMalformedResponseIsRefused) {
  H2Response r;
  r.start(false);
  ASSERT_TRUE(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
  EXPECT_FALSE(r.finish());  // the handler returned five bytes short
  r.start(false);
  EXPECT_FALSE(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy"));  // bytes past the end
  r.start(false);
  EXPECT_FALSE(r.feed("not a status line\r\n\r\n"));
  r.start(false);
  EXPECT_FALSE(r.finish());  // nothing was written
}

TEST(H2Response, ABodyToTheEndOfTheMessageEndsWhenTheHandlerReturns) {
  H2Response r;
  r.start(false);
  ASSERT_TRUE(r.feed("HTTP/1.1 200 OK\r\n\r\nstream"));
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(take_all(r), "stream");
  EXPECT_TRUE(r.finish());
  EXPECT_TRUE(r.complete());
}

}  // namespace
}  // namespace paygate::http
