#include "http/connection_pool.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "support/loopback_pair.h"

namespace paygate::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// The pool holds `client`, the test controls `server`.
using Pair = test_support::LoopbackPair;

TEST(ConnectionPool, ReusesALiveIdleConnection) {
  Pair p;
  ConnectionPool pool(4, 10s);
  auto* raw = p.client.get();
  const auto now = Clock::now();
  pool.put(std::move(p.client), now);
  EXPECT_EQ(pool.idle(), 1u);
  auto taken = pool.take(now + 1s);
  EXPECT_EQ(taken.get(), raw);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(ConnectionPool, DiscardsAConnectionThePeerClosed) {
  Pair p;
  ConnectionPool pool(4, 10s);
  const auto now = Clock::now();
  pool.put(std::move(p.client), now);
  p.server.close();
  EXPECT_EQ(pool.take(now + 1s), nullptr);
}

TEST(ConnectionPool, DiscardsAConnectionWithUnsolicitedBytes) {
  Pair p;
  ConnectionPool pool(4, 10s);
  const auto now = Clock::now();
  pool.put(std::move(p.client), now);
  asio::write(p.server, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\n")));
  EXPECT_EQ(pool.take(now + 1s), nullptr);
}

TEST(ConnectionPool, TrustModeSkipsThePeek) {
  Pair p;
  ConnectionPool pool(4, 10s);
  const auto now = Clock::now();
  pool.put(std::move(p.client), now);
  p.server.close();  // not noticed: the caller retries an idempotent request on a fresh one
  EXPECT_NE(pool.take(now, ConnectionPool::Probe::kTrust), nullptr);
}

TEST(ConnectionPool, ExpiresIdleConnections) {
  Pair p;
  ConnectionPool pool(4, 1s);
  const auto now = Clock::now();
  pool.put(std::move(p.client), now);
  EXPECT_EQ(pool.take(now + 2s), nullptr);
}

TEST(ConnectionPool, SweepClosesOnlyExpiredConnections) {
  Pair a, b;
  ConnectionPool pool(4, 5s);
  const auto now = Clock::now();
  pool.put(std::move(a.client), now);
  pool.put(std::move(b.client), now + 4s);
  EXPECT_EQ(pool.sweep(now + 6s), 1u);
  EXPECT_EQ(pool.idle(), 1u);
}

TEST(ConnectionPool, KeepsAtMostMaxIdle) {
  Pair a, b;
  ConnectionPool pool(1, 5s);
  pool.put(std::move(a.client), Clock::now());
  pool.put(std::move(b.client), Clock::now());
  EXPECT_EQ(pool.idle(), 1u);
}

TEST(ConnectionPool, CountsOpenConnectionsThroughEveryWayOut) {
  Pair a, b, c;
  ConnectionPool pool(1, 5s);
  const auto now = Clock::now();
  pool.opened();
  pool.opened();
  pool.opened();
  pool.put(std::move(a.client), now);
  pool.put(std::move(b.client), now);  // no room: closed
  EXPECT_EQ(pool.open(), 2u);
  pool.closed();  // c's connection, busy, closed by its user
  EXPECT_EQ(pool.open(), 1u);
  a.server.close();
  EXPECT_EQ(pool.take(now + 1s), nullptr);  // the peer closed it: discarded
  EXPECT_EQ(pool.open(), 0u);
}

}  // namespace
}  // namespace paygate::http
