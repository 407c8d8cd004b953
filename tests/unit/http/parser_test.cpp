#include "http/parser.h"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>

#include "http/head_scan.h"

namespace paygate::http {
namespace {

namespace bhttp = boost::beast::http;

// Parses a whole request as ServerConnection does: the head first, then the rest.
struct Parsed {
  RequestHead head;
  std::string body;
  boost::beast::error_code ec;
  std::string violation;
  bool done = false;
};

Parsed parse(std::string_view bytes, std::size_t max_body = 1024) {
  Parsed p;
  const HeadScan scan = scan_head(bytes, HeadScanLimits{}, StartLine::kRequest);
  EXPECT_EQ(scan.verdict, HeadVerdict::kComplete);
  RequestParser parser(p.head, p.body, max_body);
  std::size_t used = parser.feed(bytes.substr(0, scan.size), p.ec);
  if (!p.ec && !parser.is_done()) {
    std::string_view rest = bytes.substr(used);
    while (!p.ec && !rest.empty() && !parser.is_done()) {
      const std::size_t n = parser.feed(rest, p.ec);
      if (p.ec == bhttp::error::need_more) p.ec = {};
      if (n == 0) break;
      rest.remove_prefix(n);
    }
  }
  p.violation = std::string(parser.violation());
  p.done = parser.is_done();
  return p;
}

TEST(RequestParser, ParsesStartLineFieldsAndBody) {
  Parsed p = parse(
      "POST /v3/refund/domestic/refunds?x=1 HTTP/1.1\r\nHost: api\r\nContent-Length: 4\r\n"
      "X-Request-Id: abc\r\n\r\nbody");
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_TRUE(p.done);
  EXPECT_EQ(p.head.method, Verb::post);
  EXPECT_EQ(p.head.method_text, "POST");
  EXPECT_EQ(p.head.target, "/v3/refund/domestic/refunds?x=1");
  EXPECT_EQ(p.head.path, "/v3/refund/domestic/refunds");
  EXPECT_EQ(p.head.query, "x=1");
  EXPECT_EQ(p.head.host, "api");
  EXPECT_EQ(p.head.fields.find("x-request-id"), "abc");
  EXPECT_EQ(p.body, "body");
  EXPECT_TRUE(p.head.keep_alive);
}

TEST(RequestParser, KeepsEveryRepeatedFieldAndCountsThem) {
  Parsed p = parse(
      "GET /v3/a HTTP/1.1\r\nHost: api\r\nAuthorization: first\r\nauthorization: second\r\n"
      "\r\n");
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.head.fields.find(Field::authorization), "first");
  EXPECT_EQ(p.head.fields.count(Field::authorization), 2u);
  EXPECT_EQ(p.head.fields.count(Field::host), 1u);
  EXPECT_EQ(p.head.fields.count(Field::via), 0u);
}

TEST(RequestParser, DecodesChunkedBodies) {
  Parsed p = parse(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n");
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.body, "abcde");
}

TEST(RequestParser, RejectsBadChunkSize) {
  Parsed p = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
  EXPECT_TRUE(p.ec);
}

TEST(RequestParser, RejectsContentLengthWithTransferEncoding) {
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").ec);
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 3\r\n\r\n0\r\n\r\n").ec);
}

TEST(RequestParser, RejectsDifferingDuplicateContentLength) {
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                    "Content-Length: 4\r\n\r\nabcd").ec);
}

// Beast takes equal duplicates and a list of equal values as one length (RFC 9110 8.6 allows
// that repair); a proxy refuses them, since another reader may not repair the same way.
TEST(RequestParser, RejectsDuplicateContentLengthEvenWhenEqual) {
  Parsed twice = parse(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
      "Content-Length: 3\r\n\r\nabc");
  EXPECT_TRUE(twice.ec);
  EXPECT_EQ(twice.violation, "duplicate Content-Length header");
  Parsed list = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc");
  EXPECT_TRUE(list.ec);
  EXPECT_EQ(list.violation, "Content-Length is a list");
  EXPECT_FALSE(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").ec);
}

TEST(RequestParser, RejectsAnInvalidHost) {
  for (std::string_view host :
       {"a b", "user@pay.example", "pay.example:", "pay.example:0", "pay.example:65536",
        "pay.example:8x", "%70ay.example", "pay\x01.example", "[::1", "[zz::1]:80"}) {
    Parsed p = parse("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n");
    EXPECT_TRUE(p.ec) << host;
    if (host != "pay\x01.example") {
      EXPECT_EQ(p.violation, "invalid Host header") << host;
    }
  }
  for (std::string_view host : {"pay.example", "pay.example:8443", "127.0.0.1:80", "[::1]:8080"}) {
    EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n").ec) << host;
  }
}

TEST(RequestParser, RejectsTransferEncodingOtherThanChunked) {
  Parsed p = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  EXPECT_TRUE(p.ec);
  EXPECT_EQ(p.violation, "Transfer-Encoding other than chunked");
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n").ec);
}

TEST(RequestParser, RejectsTransferEncodingOnHttp10) {
  EXPECT_TRUE(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").ec);
}

TEST(RequestParser, RequiresExactlyOneHostOnHttp11) {
  Parsed missing = parse("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
  EXPECT_TRUE(missing.ec);
  EXPECT_EQ(missing.violation, "missing Host header");
  Parsed twice = parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(twice.violation, "duplicate Host header");
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").ec);
}

TEST(RequestParser, RejectsTargetsInNeitherOriginNorHttpAbsoluteForm) {
  for (std::string_view target :
       {"evil/x", "ftp://evil/x", "http://user@evil/x", "http:///x", "http:/evil/x", "*"}) {
    const Parsed p = parse("GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(p.violation, "request target is neither origin-form nor an http(s) absolute-form")
        << target;
  }
  EXPECT_FALSE(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").ec);
}

TEST(RequestParser, AbsoluteFormTakesTheHostFromTheTarget) {
  const Parsed p = parse("GET HTTPS://api.example:8443/v3/pay?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_FALSE(p.ec) << p.violation;
  EXPECT_TRUE(p.head.absolute_form);
  EXPECT_EQ(p.head.host, "api.example:8443");
  EXPECT_EQ(p.head.target, "/v3/pay?x=1");
  EXPECT_EQ(p.head.raw_path, "/v3/pay");
  EXPECT_EQ(p.head.query, "x=1");
  EXPECT_EQ(p.head.fields.find(Field::host), "a");  // still there, but not the Host
}

TEST(RequestParser, AbsoluteFormNeedsAValidHost) {
  for (std::string_view target : {"http://a b/x", "http://api:0/x", "http://api:/x",
                                   "http://api%41/x"}) {
    const Parsed p = parse("GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_TRUE(p.ec) << target;
  }
}

TEST(RequestParser, AbsoluteFormWithoutAPathHasAnEmptyRawPath) {
  const Parsed p = parse("GET http://api.example?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_FALSE(p.ec) << p.violation;
  EXPECT_EQ(p.head.host, "api.example");
  EXPECT_EQ(p.head.raw_path, "");
  EXPECT_EQ(p.head.query, "x=1");
}

TEST(RequestParser, OriginFormIsNotAbsolute) {
  const Parsed p = parse("GET /v3/pay HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(p.head.absolute_form);
  EXPECT_EQ(p.head.host, "a");
  EXPECT_EQ(p.head.path, "/v3/pay");
}

TEST(RequestParser, BodyLimitIsEnforcedFromContentLength) {
  Parsed p = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n", 1024);
  EXPECT_EQ(p.ec, bhttp::error::body_limit);
}

TEST(RequestParser, BodyLimitIsEnforcedOnChunkedBodies) {
  std::string chunk(600, 'x');
  Parsed p = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + chunk +
                       "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n",
                   1024);
  EXPECT_EQ(p.ec, bhttp::error::body_limit);
}

TEST(RequestParser, ConnectionCloseAndHttp10DisableKeepAlive) {
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
}

TEST(RequestParser, ExpectContinueIsRecognisedAndOthersRefused) {
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")
                  .head.expect_continue);
  Parsed other = parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n");
  EXPECT_TRUE(other.ec);
  RequestHead head;
  std::string body;
  RequestParser parser(head, body, 64);
  boost::beast::error_code ec;
  parser.feed("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n", ec);
  EXPECT_TRUE(parser.expectation_failed());
}

TEST(ResponseParser, StreamsBodyIntoTheSink) {
  ResponseHead head;
  std::string sink;
  ResponseParser parser(head, sink, 1 << 20, false);
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n4\r\nwxyz\r\n0\r\n\r\n";
  const HeadScan scan = scan_head(bytes, HeadScanLimits{}, StartLine::kStatus);
  boost::beast::error_code ec;
  std::size_t used = parser.feed(std::string_view(bytes).substr(0, scan.size), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.reason, "OK");
  EXPECT_EQ(head.fields.find("x-a"), "b");
  feed_available(parser, std::string_view(bytes).substr(used), ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(sink, "wxyz");
}

TEST(ResponseParser, HeadResponseHasNoBody) {
  ResponseHead head;
  std::string sink;
  ResponseParser parser(head, sink, 1 << 20, true);
  boost::beast::error_code ec;
  parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
}

// A chunked response fed as a relay feeds it: the head, then the body as it arrives, a piece at a
// time with what the parser left unconsumed in front. Returns the error of the last feed.
boost::beast::error_code feed_in_pieces(ResponseParser& parser, const std::string& bytes,
                                        std::initializer_list<std::size_t> cuts) {
  const HeadScan scan = scan_head(bytes, HeadScanLimits{}, StartLine::kStatus);
  boost::beast::error_code ec;
  std::size_t used = parser.feed(std::string_view(bytes).substr(0, scan.size), ec);
  std::size_t end = used;
  for (std::size_t cut : cuts) {
    end = std::min(bytes.size(), end + cut);
    used += feed_available(parser, std::string_view(bytes).substr(used, end - used), ec);
    if (ec) return ec;
  }
  return ec;
}

TEST(ResponseParser, ChunkedFramingWithABareLfIsRefusedWhereverItIsCut) {
  const std::string head = "HTTP/1.1 502 ad\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string body :
       {"0\r\n\n", "4\nwxyz\r\n0\r\n\r\n", "4\r\nwxyz\n0\r\n\r\n", "0\r\nX-T: 1\n\r\n"}) {
    for (std::size_t first = 1; first <= body.size(); ++first) {
      ResponseHead rh;
      std::string sink;
      ResponseParser parser(rh, sink, 1 << 20, false);
      // The rest one byte at a time: Beast 1.81 asserted on "0\r\n" followed by "\n".
      const auto ec = feed_in_pieces(parser, head + body, {first, 1, 1, 1, 1, 1, 1, 1, 1, 1});
      EXPECT_EQ(ec, boost::beast::http::error::bad_chunk) << body << " cut at " << first;
      EXPECT_FALSE(parser.is_done()) << body;
    }
  }
}

TEST(ResponseParser, ChunkedFramingCutAnywhereStillParses) {
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nw\nyz\r\n0\r\nX-T: 1\r\n\r\n";
  for (std::size_t first = 1; first < 20; ++first) {
    ResponseHead rh;
    std::string sink;
    ResponseParser parser(rh, sink, 1 << 20, false);
    const auto ec = feed_in_pieces(parser, bytes, {first, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                                   1,     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    EXPECT_FALSE(ec) << ec.message() << " cut at " << first;
    EXPECT_TRUE(parser.is_done()) << first;
    EXPECT_EQ(sink, "w\nyz");  // a LF inside chunk data is data
  }
}

}  // namespace
}  // namespace paygate::http
