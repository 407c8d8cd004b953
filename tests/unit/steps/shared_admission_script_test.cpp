// The shared admission script (steps/shared_admission.h) run by a real redis-server: a nonce is
// fresh once, GCRA admits the burst then refuses with the wait, and a refused request's nonce is
// given back.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>

#include "redis/connection.h"
#include "steps/shared_admission.h"
#include "support/redis_server.h"
#include "support/run_awaitable.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Answer {
  long long fresh = -1, admitted = -1, wait_us = -1;
};

class SharedAdmissionScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
    server_.start();
    settings_.port = server_.port();
    connection_.emplace(io_.get_executor(), settings_);
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return test::run_awaitable(io_, std::move(task));
  }

  // interval and tolerance in µs; keep in ms.
  Answer admit(std::string_view nonce, std::string interval = "0", std::string tolerance = "0",
               std::string keep = "60000") {
    std::string nonce_key = "t:{1900000109}:n:";
    nonce_key.append(nonce);
    return run([&]() -> asio::awaitable<Answer> {
      const std::string_view keys[] = {nonce_key, "t:{1900000109}:r"};
      const std::string_view args[] = {keep, interval, tolerance};
      redis::Result r = co_await connection_->call_script(shared_admission_script(), keys, args);
      EXPECT_EQ(r.failure, redis::Failure::kNone);
      if (!r.reply) co_return Answer{};
      co_return Answer{redis::integer_at(*r.reply, 0).value_or(-1),
                       redis::integer_at(*r.reply, 1).value_or(-1),
                       redis::integer_at(*r.reply, 2).value_or(-1)};
    }());
  }

  long long ttl_ms(std::string key) {
    return run([&]() -> asio::awaitable<long long> {
      const std::string_view args[] = {"PTTL", key};
      redis::Result r = co_await connection_->call(args);
      co_return r.reply ? redis::integer_of(*r.reply).value_or(-3) : -3;
    }());
  }

  asio::io_context io_;
  test::RedisServer server_;
  redis::Settings settings_;
  std::optional<redis::Connection> connection_;
};

TEST_F(SharedAdmissionScriptTest, ANonceIsFreshOnceAndKeptForItsWindow) {
  const Answer first = admit("N1", "0", "0", "300000");
  EXPECT_EQ(first.fresh, 1);
  EXPECT_EQ(first.admitted, 1);
  const Answer again = admit("N1");
  EXPECT_EQ(again.fresh, 0);
  EXPECT_EQ(again.admitted, 0);
  const long long ttl = ttl_ms("t:{1900000109}:n:N1");
  EXPECT_GT(ttl, 299000);
  EXPECT_LE(ttl, 300000);
}

TEST_F(SharedAdmissionScriptTest, TheLimitAdmitsTheBurstThenSaysHowLongToWait) {
  // 1 request a second, bursts of 3: tolerance = (3 - 1) * interval.
  const std::string interval = "1000000", tolerance = "2000000";
  for (int i = 0; i < 3; ++i) {
    const std::string nonce(1, static_cast<char>('A' + i));  // "A", "B", "C"
    const Answer a = admit(nonce, interval, tolerance);
    EXPECT_EQ(a.fresh, 1) << i;
    EXPECT_EQ(a.admitted, 1) << i;
  }
  const Answer over = admit("B3", interval, tolerance);
  EXPECT_EQ(over.fresh, 1);
  EXPECT_EQ(over.admitted, 0);
  EXPECT_GT(over.wait_us, 900000);
  EXPECT_LE(over.wait_us, 1000000);
  // Refused, so not used up: the same signed request may come back and is no replay.
  EXPECT_EQ(ttl_ms("t:{1900000109}:n:B3"), -2);
  EXPECT_EQ(admit("B3", interval, tolerance).fresh, 1);
  // The limiter's key expires once it no longer matters.
  const long long ttl = ttl_ms("t:{1900000109}:r");
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 5000);
}

}  // namespace
}  // namespace paygate::steps
