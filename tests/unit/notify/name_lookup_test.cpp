// look_up: address literals at once, names through getaddrinfo (localhost, from /etc/hosts).
// A lookup that never ends is tested on a real process with a silent nameserver
// (tests/integration/test_notify_dns.py): no local way to hang getaddrinfo exists here.
#include "notify/name_lookup.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
using std::chrono::steady_clock;

std::optional<LookupResult> look_up_now(const std::string& host, steady_clock::duration within) {
  asio::io_context io(1);
  std::optional<LookupResult> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await look_up(io.get_executor(), host, 8080, steady_clock::now() + within);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run_for(within + std::chrono::seconds(2));
  return result;
}

TEST(LookUp, AnAddressLiteralIsItsOwnAnswer) {
  const auto v4 = look_up_now("192.0.2.7", std::chrono::seconds(1));
  ASSERT_TRUE(v4.has_value());
  ASSERT_EQ(v4->endpoints.size(), 1u);
  EXPECT_EQ(v4->endpoints[0].address().to_string(), "192.0.2.7");
  EXPECT_EQ(v4->endpoints[0].port(), 8080);

  const auto v6 = look_up_now("2001:db8::1", std::chrono::seconds(1));
  ASSERT_TRUE(v6.has_value());
  ASSERT_EQ(v6->endpoints.size(), 1u);
  EXPECT_TRUE(v6->endpoints[0].address().is_v6());
}

TEST(LookUp, ANameIsLookedUpWithItsPort) {
  const auto local = look_up_now("localhost", std::chrono::seconds(5));
  ASSERT_TRUE(local.has_value()) << "no answer for localhost";
  ASSERT_FALSE(local->endpoints.empty()) << local->error;
  EXPECT_FALSE(local->timed_out);
  for (const auto& endpoint : local->endpoints) {
    EXPECT_TRUE(endpoint.address().is_loopback()) << endpoint.address().to_string();
    EXPECT_EQ(endpoint.port(), 8080);
  }
}

}  // namespace
}  // namespace paygate::notify
