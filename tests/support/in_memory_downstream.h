#pragma once
// InMemoryDownstream: clients for unit tests that run a Handler behind the real server
// connection on Beast's in-memory stream (support/in_memory_stream.h), in an io_context the
// test may share with real sockets (a scripted upstream). connect() starts a connection and
// returns its client end; the test writes bytes as that client, runs the context until what it
// waits for happened, and takes what the connection answered.
//
// Includes support/in_memory_stream.h, which instantiates the connection: include this in one
// .cpp per test binary. The watchdog is not started: a test that needs deadlines starts it.
// Before this object goes away, close_all() and run the context until ended == started:
// connections use the watchdog, limits and handler held here.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <string_view>

#include "support/in_memory_stream.h"

namespace paygate::test_support {

class InMemoryDownstream {
  boost::asio::io_context& io_;
  std::list<http::InMemoryStream> clients_;  // a list: connect() hands out references

 public:
  InMemoryDownstream(boost::asio::io_context& io, http::Handler& handler)
      : io_(io),
        watchdog(io.get_executor(), std::chrono::milliseconds(10)),
        context{watchdog, handler, &limits} {}
  InMemoryDownstream(const InMemoryDownstream&) = delete;
  InMemoryDownstream& operator=(const InMemoryDownstream&) = delete;

  http::Watchdog watchdog;  // ticks every 10 ms once started
  http::ServerLimits limits;
  http::ConnectionContext context;
  int started = 0;  // connections started
  int ended = 0;    // connections whose run() returned, their stream closed

  // `early`: bytes the connection starts with, as if a TLS handshake had read them as early
  // data.
  http::InMemoryStream& connect(std::string early = {}) {
    http::InMemoryStream& client = clients_.emplace_back(io_);
    http::InMemoryStream server(io_);
    client.connect(server);
    ++started;
    boost::asio::co_spawn(
        io_,
        [this, s = std::move(server),
         early = std::move(early)]() mutable -> boost::asio::awaitable<void> {
          http::InMemoryConnection connection(std::move(s), context);
          connection.take_early_data(early);
          co_await connection.run();
          ++ended;
        },
        boost::asio::detached);
    return client;
  }

  static void write(http::InMemoryStream& client, std::string_view bytes) {
    boost::asio::write(client, boost::asio::buffer(bytes.data(), bytes.size()));
  }

  // Runs the context until `done` (or for at most 2 s, so that a broken test fails rather than
  // hangs), then until nothing is ready. Returns done().
  bool run_until(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done() && std::chrono::steady_clock::now() < give_up) {
      if (io_.stopped()) io_.restart();  // a context that ran out of work stays stopped
      io_.run_one_for(std::chrono::milliseconds(10));
    }
    io_.restart();
    while (io_.poll() > 0) {
    }
    return done();
  }

  // What the connection answered on `client` since the last call.
  static std::string take(http::InMemoryStream& client) {
    std::string answered(client.str());
    client.clear();
    return answered;
  }

  void close_all() {
    for (http::InMemoryStream& client : clients_) client.close();
  }
};

}  // namespace paygate::test_support
