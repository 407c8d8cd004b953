// H2RequestHead: an HTTP/2 header list written as the HTTP/1.1 head the strict parser reads.
#include "http/h2_request.h"

#include <gtest/gtest.h>

namespace paygate::http {
namespace {

class H2RequestHeadTest : public ::testing::Test {
 protected:
  void add_request(std::string_view method, std::string_view path,
                   std::string_view authority = "gw.test") {
    head_.start(64 * 1024);
    head_.add(":method", method);
    head_.add(":scheme", "https");
    head_.add(":authority", authority);
    head_.add(":path", path);
  }
  H2RequestHead head_;
};

TEST_F(H2RequestHeadTest, PseudoHeadersBecomeTheRequestLineAndHost) {
  add_request("POST", "/v3/pay/transactions/native?x=1");
  head_.add("content-type", "application/json");
  head_.add("content-length", "12");  // written from the body received instead
  head_.add("te", "trailers");        // hop-by-hop on HTTP/1.1
  EXPECT_EQ(head_.finish(12),
            "POST /v3/pay/transactions/native?x=1 HTTP/1.1\r\nHost: gw.test\r\n"
            "content-type: application/json\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(head_.method(), "POST");
}

TEST_F(H2RequestHeadTest, ABodilessRequestHasNoContentLengthUnlessTheClientSentOne) {
  add_request("GET", "/");
  EXPECT_EQ(head_.finish(0), "GET / HTTP/1.1\r\nHost: gw.test\r\n\r\n");
  add_request("POST", "/");
  head_.add("content-length", "0");
  EXPECT_EQ(head_.finish(0), "POST / HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 0\r\n\r\n");
}

TEST_F(H2RequestHeadTest, CookieCrumbsAreJoined) {
  add_request("GET", "/");
  head_.add("cookie", "a=1");
  head_.add("accept", "*/*");
  head_.add("cookie", "b=2");
  EXPECT_EQ(head_.finish(0),
            "GET / HTTP/1.1\r\nHost: gw.test\r\naccept: */*\r\nCookie: a=1; b=2\r\n\r\n");
}

TEST_F(H2RequestHeadTest, AHostLikeTheAuthorityIsSaidOnceAnotherIsKeptForTheParserToRefuse) {
  add_request("GET", "/");
  head_.add("host", "gw.test");
  EXPECT_EQ(head_.finish(0), "GET / HTTP/1.1\r\nHost: gw.test\r\n\r\n");
  add_request("GET", "/");
  head_.add("host", "other.test");
  EXPECT_EQ(head_.finish(0), "GET / HTTP/1.1\r\nHost: gw.test\r\nhost: other.test\r\n\r\n");
}

TEST_F(H2RequestHeadTest, ConnectHasItsAuthorityForTarget) {
  head_.start(1024);
  head_.add(":method", "CONNECT");
  head_.add(":authority", "bank.test:443");
  EXPECT_EQ(head_.finish(0), "CONNECT bank.test:443 HTTP/1.1\r\nHost: bank.test:443\r\n\r\n");
}

TEST_F(H2RequestHeadTest, AListOverTheLimitCountsAsHttp2Does) {
  head_.start(100);
  head_.add(":method", "GET");  // 7 + 3 + 32 = 42
  EXPECT_FALSE(head_.too_large());
  head_.add(":path", "/");  // 5 + 1 + 32 = 38: 80
  EXPECT_FALSE(head_.too_large());
  head_.add("x-a", "12345678");  // 3 + 8 + 32 = 43: 123
  EXPECT_TRUE(head_.too_large());
  head_.add("x-b", "");  // still over; dropped
  EXPECT_TRUE(head_.too_large());
  head_.start(100);
  EXPECT_FALSE(head_.too_large());
}

}  // namespace
}  // namespace paygate::http
