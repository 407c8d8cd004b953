// redis::Connection against a real redis-server (support/redis_server.h): commands and replies,
// pipelining, scripts (and the NOSCRIPT fallback), the database, and every failure: no server,
// a server that goes and comes back, a reply that does not come, a stream that is not Redis.
#include "redis/connection.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "support/redis_server.h"
#include "support/run_awaitable.h"

namespace paygate::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
    server_.start();
    settings_.port = server_.port();
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return test::run_awaitable(io_, std::move(task));
  }

  Result call(Connection& c, std::vector<std::string_view> args) {
    return run([&]() -> asio::awaitable<Result> { co_return co_await c.call(args); }());
  }

  static std::string text(const Result& r) {
    EXPECT_EQ(r.failure, Failure::kNone);
    if (!r.reply) return "<no reply>";
    if (auto t = text_of(*r.reply)) return std::string(*t);
    if (auto i = integer_of(*r.reply)) return std::to_string(*i);
    if (auto e = error_of(*r.reply)) return "ERR " + std::string(*e);
    return "<nil>";
  }

  asio::io_context io_;
  test::RedisServer server_;
  Settings settings_;
};

TEST_F(ConnectionTest, SendsCommandsAndReadsTheirReplies) {
  Connection c(io_.get_executor(), settings_);
  EXPECT_EQ(text(call(c, {"SET", "k", "v"})), "OK");
  EXPECT_EQ(text(call(c, {"GET", "k"})), "v");
  EXPECT_EQ(text(call(c, {"GET", "missing"})), "<nil>");
  EXPECT_TRUE(text(call(c, {"NOSUCHCOMMAND"})).starts_with("ERR "));
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.connects(), 1u);
}

TEST_F(ConnectionTest, CommandsIssuedTogetherArePipelinedAndAnsweredInOrder) {
  Connection c(io_.get_executor(), settings_);
  std::vector<long long> seen;
  auto one = [&](std::size_t i) -> asio::awaitable<void> {
    const std::string_view args[] = {"INCR", "counter"};
    Result r = co_await c.call(args);
    EXPECT_EQ(r.failure, Failure::kNone) << i;
    if (r.reply) seen.push_back(integer_of(*r.reply).value_or(-1));
  };
  for (std::size_t i = 0; i < 200; ++i) asio::co_spawn(io_, one(i), asio::detached);
  io_.run_for(2s);
  ASSERT_EQ(seen.size(), 200u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<long long>(i + 1));
  EXPECT_EQ(c.connects(), 1u);
}

TEST_F(ConnectionTest, RunsScriptsAndSendsTheTextWhenTheServerHasNotCachedIt) {
  Connection c(io_.get_executor(), settings_);
  const Script script("return {KEYS[1], ARGV[1], ARGV[2]}");
  auto run_script = [&]() {
    return run([&]() -> asio::awaitable<Result> {
      const std::string_view keys[] = {"key"};
      const std::string_view args[] = {"a", "b"};
      co_return co_await c.call_script(script, keys, args);
    }());
  };
  for (int round = 0; round < 2; ++round) {
    Result r = run_script();
    ASSERT_EQ(r.failure, Failure::kNone);
    ASSERT_EQ(r.reply->type, REDIS_REPLY_ARRAY) << text(r);
    ASSERT_EQ(r.reply->elements, 3u);
    EXPECT_EQ(text_of(*r.reply->element[0]), "key");
    EXPECT_EQ(text_of(*r.reply->element[2]), "b");
    EXPECT_EQ(text(call(c, {"SCRIPT", "FLUSH"})), "OK");  // the next round meets NOSCRIPT
  }
}

TEST_F(ConnectionTest, SelectsTheConfiguredDatabase) {
  Settings three = settings_;
  three.database = 3;
  Connection c3(io_.get_executor(), three);
  Connection c0(io_.get_executor(), settings_);
  EXPECT_EQ(text(call(c3, {"SET", "where", "three"})), "OK");
  EXPECT_EQ(text(call(c0, {"GET", "where"})), "<nil>");
  EXPECT_EQ(text(call(c3, {"GET", "where"})), "three");
}

TEST_F(ConnectionTest, FailsFastWhileTheServerIsDownAndReconnectsWhenItIsBack) {
  settings_.min_backoff = 100ms;
  Connection c(io_.get_executor(), settings_);
  EXPECT_EQ(text(call(c, {"PING"})), "PONG");
  server_.stop();
  const Result broken = call(c, {"PING"});
  EXPECT_NE(broken.failure, Failure::kNone);  // broken (EOF) or unavailable (refused)
  const Result refused = call(c, {"PING"});
  EXPECT_EQ(refused.failure, Failure::kUnavailable);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(call(c, {"PING"}).failure, Failure::kUnavailable);  // in the backoff: at once
  EXPECT_LT(std::chrono::steady_clock::now() - start, 50ms);
  server_.start();
  std::this_thread::sleep_for(1100ms);  // past the longest backoff
  EXPECT_EQ(text(call(c, {"PING"})), "PONG");
  EXPECT_EQ(c.connects(), 2u);
}

TEST_F(ConnectionTest, AReplyThatDoesNotComeInTimeFailsItAndTheCommandsBehindIt) {
  settings_.command_timeout = 100ms;
  settings_.min_backoff = 10ms;
  Connection c(io_.get_executor(), settings_);
  EXPECT_EQ(text(call(c, {"PING"})), "PONG");
  std::vector<Failure> failures;
  auto one = [&](std::vector<std::string_view> args) -> asio::awaitable<void> {
    failures.push_back((co_await c.call(args)).failure);
  };
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io_, one({"BLPOP", "nothing", "2"}), asio::detached);
  asio::co_spawn(io_, one({"PING"}), asio::detached);
  io_.restart();
  while (failures.size() < 2 && std::chrono::steady_clock::now() - start < 3s) {
    io_.run_one_for(50ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(failures, (std::vector<Failure>{Failure::kTimeout, Failure::kTimeout}));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(text(call(c, {"PING"})), "PONG");  // a new connection
}

TEST_F(ConnectionTest, AStreamThatIsNotRedisBreaksTheConnection) {
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  acceptor.async_accept([](boost::system::error_code ec, asio::ip::tcp::socket socket) {
    if (ec) return;
    auto peer = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
    asio::async_write(*peer, asio::buffer(std::string_view("?this is no reply\r\n")),
                      [peer](boost::system::error_code, std::size_t) {});
  });
  settings_.port = acceptor.local_endpoint().port();
  Connection c(io_.get_executor(), settings_);
  EXPECT_EQ(call(c, {"PING"}).failure, Failure::kBroken);
}

TEST_F(ConnectionTest, NoServerAtAllIsUnavailable) {
  settings_.port = 1;  // nothing listens there
  Connection c(io_.get_executor(), settings_);
  EXPECT_EQ(call(c, {"PING"}).failure, Failure::kUnavailable);
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.connects(), 0u);
}

}  // namespace
}  // namespace paygate::redis
