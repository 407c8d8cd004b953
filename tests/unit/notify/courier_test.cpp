// parse_target: which notify_urls the courier can POST to, and how they split into host, port,
// request target and connection-pool key (no network). Courier::post: the attempt timeout bounds
// the whole POST, against local listeners that never complete a connection or never answer.
#include "notify/courier.h"

#include <chrono>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;

TEST(ParseTarget, SplitsHostPortAndPath) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://127.0.0.1:8080/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "127.0.0.1");
  EXPECT_EQ(target.port, 8080);
  EXPECT_EQ(target.authority, "127.0.0.1:8080");
  EXPECT_EQ(target.target, "/notify");
  EXPECT_EQ(target.pool_key, "http://127.0.0.1:8080");
}

TEST(ParseTarget, DefaultsToPort80) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://merchant.example.com/pay/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "merchant.example.com");
  EXPECT_EQ(target.port, 80);
  EXPECT_EQ(target.authority, "merchant.example.com");
  EXPECT_EQ(target.target, "/pay/notify");
  EXPECT_EQ(target.pool_key, "http://merchant.example.com:80");
}

TEST(ParseTarget, MissingPathIsRoot) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://merchant.example.com:81", target, reason)) << reason;
  EXPECT_EQ(target.target, "/");
  EXPECT_EQ(target.port, 81);
}

TEST(ParseTarget, ReusedTargetIsResetToDefaults) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://a.example:9000/x", target, reason));
  ASSERT_TRUE(parse_target("http://b.example", target, reason));
  EXPECT_EQ(target.port, 80);
  EXPECT_EQ(target.target, "/");
  EXPECT_EQ(target.pool_key, "http://b.example:80");
}

TEST(ParseTarget, HttpsDefaultsToPort443InAPoolOfItsOwn) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("https://merchant.example.com/notify", target, reason)) << reason;
  EXPECT_TRUE(target.tls);
  EXPECT_EQ(target.port, 443);
  EXPECT_EQ(target.pool_key, "https://merchant.example.com:443");
  ASSERT_TRUE(parse_target("http://merchant.example.com:443/notify", target, reason));
  EXPECT_FALSE(target.tls);
  EXPECT_EQ(target.pool_key, "http://merchant.example.com:443");
}

TEST(ParseTarget, RefusesOtherSchemes) {
  DeliveryTarget target;
  std::string reason;
  EXPECT_FALSE(parse_target("ftp://merchant.example.com/notify", target, reason));
  EXPECT_FALSE(reason.empty());
}

TEST(ParseTarget, RefusesBadPorts) {
  for (std::string_view url : {"http://host:0/", "http://host:65536/", "http://host:80x/",
                               "http://host:/", "http://host:-1/"}) {
    DeliveryTarget target;
    std::string reason;
    EXPECT_FALSE(parse_target(url, target, reason)) << url;
    EXPECT_THAT(reason, HasSubstr("port")) << url;
  }
}

TEST(ParseTarget, RefusesAMissingHost) {
  DeliveryTarget target;
  std::string reason;
  EXPECT_FALSE(parse_target("http:///notify", target, reason));
  EXPECT_THAT(reason, HasSubstr("host"));
}

TEST(ParseTarget, AcceptsBracketedIpv6) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://[::1]:9000/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "::1");
  EXPECT_EQ(target.port, 9000);
  EXPECT_EQ(target.authority, "[::1]:9000");
  EXPECT_EQ(target.target, "/notify");
  EXPECT_EQ(target.pool_key, "http://::1:9000");
}

TEST(ParseTarget, Ipv6WithoutPortDefaultsTo80) {
  DeliveryTarget target;
  std::string reason;
  ASSERT_TRUE(parse_target("http://[::1]/notify", target, reason)) << reason;
  EXPECT_EQ(target.host, "::1");
  EXPECT_EQ(target.port, 80);
}

// ---- Courier::post: the attempt timeout -------------------------------------------------------

constexpr milliseconds kAttemptTimeout{300};
// Scheduling slack on a loaded machine; far below the kernel's SYN retries (1 s, 3 s, ...).
constexpr milliseconds kMargin{400};

class CourierTimeout : public ::testing::Test {
 protected:
  // A listener on 127.0.0.1 that takes no connection off its queue.
  CourierTimeout() {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/notify";
  }

  // Posts to url() with kAttemptTimeout; the reply and how long it took, or nullopt if no
  // reply came within `bound`.
  std::optional<DeliveryReply> post(milliseconds bound, milliseconds& took) {
    DeliveryTarget target;
    std::string reason;
    EXPECT_TRUE(parse_target(url(), target, reason)) << reason;
    std::optional<DeliveryReply> reply;
    const auto started = steady_clock::now();
    const Headers headers;  // named, not a temporary in co_await (GCC 12 mis-copies those)
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          reply = co_await courier_.post(target, headers, "{}", kAttemptTimeout);
          took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io_.run_for(bound);
    return reply;
  }

  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  Courier courier_{io_.get_executor(), 4, nullptr};
};

// Backlog 0 holds one connection; with it taken the kernel drops the next SYN, as a firewall
// that blackholes the merchant's port does, and connect() would wait for minutes.
TEST_F(CourierTimeout, AHostThatDropsTheConnectionEndsTheAttemptAtTheTimeout) {
  acceptor_.listen(0);
  tcp::socket queued(io_);
  queued.connect(acceptor_.local_endpoint());

  milliseconds took{};
  const auto reply = post(kAttemptTimeout + std::chrono::seconds(3), took);
  ASSERT_TRUE(reply.has_value()) << "the connect outlived its attempt timeout by seconds";
  EXPECT_EQ(reply->failure, DeliveryReply::Failure::kTimeout) << reply->error;
  EXPECT_THAT(reply->error, HasSubstr("connect"));
  EXPECT_GE(took, kAttemptTimeout - milliseconds(50));
  EXPECT_LT(took, kAttemptTimeout + kMargin);
  EXPECT_EQ(courier_.open_connections(), 0u);
}

TEST_F(CourierTimeout, AHostThatNeverAnswersEndsTheAttemptAtTheTimeout) {
  acceptor_.listen(8);  // the kernel completes the connection; nobody reads or answers

  milliseconds took{};
  const auto reply = post(kAttemptTimeout + std::chrono::seconds(3), took);
  ASSERT_TRUE(reply.has_value()) << "the attempt outlived its timeout by seconds";
  EXPECT_EQ(reply->failure, DeliveryReply::Failure::kTimeout) << reply->error;
  EXPECT_GE(took, kAttemptTimeout - milliseconds(50));
  EXPECT_LT(took, kAttemptTimeout + kMargin);
  EXPECT_EQ(courier_.open_connections(), 0u);
}

}  // namespace
}  // namespace paygate::notify
