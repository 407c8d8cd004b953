// etcd_range and etcd_watch against a scripted etcd on a loopback socket: what they send, the
// replies they read (whole, chunked with chunk boundaries inside a JSON message), and how they
// fail: an error status, a member that never answers (the timeout), a closed port.
#include "config/etcd_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "crypto/base64.h"

namespace paygate::config {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using std::chrono::milliseconds;
using Kind = EtcdWatchMessage::Kind;

// One connection: reads the request, then writes `pieces`, one write each, and closes; with no
// pieces it holds the connection open without a word.
class ScriptedEtcd {
 public:
  explicit ScriptedEtcd(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {
    asio::co_spawn(io_, serve(), asio::detached);
  }
  EtcdUrl url() const {
    return *parse_etcd_url("etcd://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
                           "/paygate/config")
                .url;
  }
  asio::io_context& io() { return io_; }
  const http::request<http::string_body>& request() const { return request_; }

 private:
  asio::awaitable<void> serve() {
    held_ = co_await acceptor_.async_accept(asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await http::async_read(*held_, buffer, request_, asio::use_awaitable);
    if (pieces_.empty()) co_return;
    for (const auto& piece : pieces_) {
      co_await asio::async_write(*held_, asio::buffer(piece), asio::use_awaitable);
    }
    held_->shutdown(asio::ip::tcp::socket::shutdown_send);
  }

  asio::io_context io_{1};
  asio::ip::tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
  std::vector<std::string> pieces_;
  std::optional<asio::ip::tcp::socket> held_;
  http::request<http::string_body> request_;
};

EtcdRangeReply range(ScriptedEtcd& etcd, milliseconds timeout = milliseconds(2000),
                     std::optional<EtcdUrl> url = std::nullopt) {
  beast::tcp_stream stream(etcd.io());
  EtcdRangeReply reply;
  if (!url) url = etcd.url();
  asio::co_spawn(
      etcd.io(),
      [&]() -> asio::awaitable<void> { reply = co_await etcd_range(stream, *url, timeout); },
      asio::detached);
  etcd.io().run();
  return reply;
}

std::string b64(std::string_view text) { return crypto::base64_encode(text); }

std::vector<std::string> range_answer(std::string_view value) {
  const std::string body = R"({"header":{"revision":"9"},"kvs":[{"key":")" +
                           b64("/paygate/config") + R"(","mod_revision":"7","value":")" +
                           b64(value) + R"("}]})";
  return {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n",
          body};
}

// A port nothing listens on (once the ScriptedEtcd that held it is gone).
std::uint16_t closed_port() {
  ScriptedEtcd closed({});
  return closed.url().members[0].port;
}

TEST(EtcdClient, RangeFailsOverToTheNextMember) {
  ScriptedEtcd etcd(range_answer("workers: 3\n"));
  EtcdUrl url = etcd.url();
  url.members.insert(url.members.begin(), EtcdMember{"127.0.0.1", closed_port()});
  const EtcdRangeReply reply = range(etcd, milliseconds(2000), url);
  ASSERT_EQ(reply.error, "");
  ASSERT_TRUE(reply.value);
  EXPECT_EQ(reply.value->value, "workers: 3\n");
}

TEST(EtcdClient, RangeSendsTheKeyAndReadsTheValue) {
  const std::string body = R"({"header":{"revision":"9"},"kvs":[{"key":")" +
                           b64("/paygate/config") + R"(","mod_revision":"7","value":")" +
                           b64("workers: 1\n") + R"("}]})";
  ScriptedEtcd etcd({"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n",
                     body});
  const EtcdRangeReply reply = range(etcd);
  ASSERT_EQ(reply.error, "");
  EXPECT_EQ(reply.revision, 9);
  ASSERT_TRUE(reply.value);
  EXPECT_EQ(reply.value->value, "workers: 1\n");
  EXPECT_EQ(etcd.request().method(), http::verb::post);
  EXPECT_EQ(etcd.request().target(), "/v3/kv/range");
  EXPECT_EQ(etcd.request().body(), etcd_range_request("/paygate/config"));
}

TEST(EtcdClient, RangeRefusesAnErrorStatus) {
  ScriptedEtcd etcd({"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 8\r\n\r\nno\nleader"});
  const EtcdRangeReply reply = range(etcd);
  EXPECT_NE(reply.error, "");
  EXPECT_FALSE(reply.value);
}

TEST(EtcdClient, RangeTimesOutOnASilentMember) {
  ScriptedEtcd etcd({});
  const auto started = std::chrono::steady_clock::now();
  const EtcdRangeReply reply = range(etcd, milliseconds(200));
  EXPECT_NE(reply.error.find("timed out"), std::string::npos) << reply.error;
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));
}

TEST(EtcdClient, RangeReportsEveryRefusedMember) {
  const auto url = parse_etcd_url("etcd://127.0.0.1:" + std::to_string(closed_port()) +
                                  ",127.0.0.1:" + std::to_string(closed_port()) + "/k");
  ASSERT_TRUE(url.url) << url.error;
  const EtcdRangeReply reply = fetch_etcd_range(*url.url, milliseconds(1000));
  EXPECT_NE(reply.error.find("connect"), std::string::npos) << reply.error;
  EXPECT_NE(reply.error.find("; etcd 127.0.0.1:"), std::string::npos) << reply.error;
}

TEST(EtcdClient, WatchReadsMessagesSplitAcrossChunks) {
  const std::string created = R"({"result":{"header":{"revision":"5"},"created":true}})";
  const std::string put = R"({"result":{"header":{"revision":"6"},"events":[{"kv":{"key":")" +
                          b64("/paygate/config") + R"(","mod_revision":"6","value":")" +
                          b64("workers: 2\n") + R"("}}]}})" + "\n";
  auto chunk = [](std::string_view data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return std::string(size) + std::string(data) + "\r\n";
  };
  ScriptedEtcd etcd(
      {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
       "Transfer-Encoding: chunked\r\n\r\n",
       chunk(created.substr(0, 10)), chunk(created.substr(10) + "\n" + put.substr(0, 3)),
       chunk(put.substr(3, 40)), chunk(put.substr(43)), "0\r\n\r\n"});
  beast::tcp_stream stream(etcd.io());
  std::vector<EtcdWatchMessage> seen;
  std::string ended;
  asio::co_spawn(
      etcd.io(),
      [&]() -> asio::awaitable<void> {
        ended = co_await etcd_watch(stream, etcd.url(), 6, milliseconds(2000),
                                    [&](const EtcdWatchMessage& message) {
                                      seen.push_back(message);
                                      return true;
                                    });
      },
      asio::detached);
  etcd.io().run();
  EXPECT_EQ(etcd.request().target(), "/v3/watch");
  EXPECT_EQ(etcd.request().body(), etcd_watch_request("/paygate/config", 6));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Kind::kCreated);
  EXPECT_EQ(seen[1].kind, Kind::kPut);
  EXPECT_EQ(seen[1].value.value, "workers: 2\n");
  EXPECT_NE(ended.find("the watch stream ended"), std::string::npos) << ended;
}

TEST(EtcdClient, WatchEndsOnAnErrorMessage) {
  const std::string error =
      R"({"error":{"grpc_code":14,"http_code":503,"message":"transport is closing"}})";
  ScriptedEtcd etcd({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", [&] {
                       char size[16];
                       std::snprintf(size, sizeof size, "%zx\r\n", error.size());
                       return std::string(size) + error + "\r\n";
                     }()});
  beast::tcp_stream stream(etcd.io());
  std::string ended;
  asio::co_spawn(
      etcd.io(),
      [&]() -> asio::awaitable<void> {
        ended = co_await etcd_watch(stream, etcd.url(), 1, milliseconds(2000),
                                    [](const EtcdWatchMessage&) { return true; });
      },
      asio::detached);
  etcd.io().run();
  EXPECT_NE(ended.find("transport is closing"), std::string::npos) << ended;
}

}  // namespace
}  // namespace paygate::config
