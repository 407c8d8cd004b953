#include "http/wire.h"

#include <gtest/gtest.h>

#include "http/error_response.h"

namespace paygate::http {
namespace {

TEST(Wire, StatusLineAndFields) {
  std::string out;
  append_status_line(out, 404);
  append_field(out, "A", "b");
  append_content_length(out, 12);
  end_head(out);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nA: b\r\nContent-Length: 12\r\n\r\n");
}

TEST(Wire, TooEarlyHasItsReasonPhrase) {
  std::string out;
  append_status_line(out, 425);
  EXPECT_EQ(out, "HTTP/1.1 425 Too Early\r\n");
}

TEST(Wire, ChunkFraming) {
  std::string out;
  append_chunk(out, "");
  EXPECT_EQ(out, "");
  append_chunk(out, std::string(26, 'z'));
  append_last_chunk(out);
  EXPECT_EQ(out, "1a\r\n" + std::string(26, 'z') + "\r\n0\r\n\r\n");
}

TEST(Wire, HopByHopFieldsAreRecognised) {
  EXPECT_TRUE(is_hop_by_hop(Field::connection, "Connection", ""));
  EXPECT_TRUE(is_hop_by_hop(Field::transfer_encoding, "Transfer-Encoding", ""));
  EXPECT_TRUE(is_hop_by_hop(Field::keep_alive, "Keep-Alive", ""));
  EXPECT_TRUE(is_hop_by_hop(Field::upgrade, "Upgrade", ""));
  EXPECT_FALSE(is_hop_by_hop(Field::authorization, "Authorization", ""));
  // A field named by the Connection header is hop-by-hop too.
  EXPECT_TRUE(is_hop_by_hop(Field::unknown, "X-Secret", "keep-alive, x-secret"));
  EXPECT_FALSE(is_hop_by_hop(Field::unknown, "X-Other", "keep-alive, x-secret"));
}

TEST(ErrorResponse, IsWechatPayJsonWithRequestId) {
  std::string out;
  append_error_response(out, core::ErrorKind::kGatewayTimeout, "upstream \"slow\"", "rid1", true);
  EXPECT_NE(out.find("HTTP/1.1 504 Gateway Timeout\r\n"), std::string::npos);
  EXPECT_NE(out.find("Request-ID: rid1\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Request-Id: rid1\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(out.find(R"({"code":"GATEWAY_TIMEOUT","message":"upstream \"slow\""})"),
            std::string::npos);
}

}  // namespace
}  // namespace paygate::http

namespace paygate::http {
namespace {

TEST(FullResponse, ExtraFieldsGoLastInTheHead) {
  std::string out;
  append_full_response(out, 401, "application/json", "{}", "rid", false, "X-Body-Length: 2\r\n");
  const std::size_t body_at = out.find("\r\n\r\n") + 4;
  EXPECT_NE(out.find("X-Body-Length: 2\r\n"), std::string::npos);
  EXPECT_LT(out.find("X-Request-Id"), out.find("X-Body-Length"));
  EXPECT_LT(out.find("X-Body-Length"), body_at);
  EXPECT_EQ(out.substr(body_at), "{}");
}

}  // namespace
}  // namespace paygate::http
