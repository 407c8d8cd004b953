// serve_until_signal's stop: a client that holds its connection open past the stop grace (here
// half a request head, well within the header timeout) must not outlive the server. The
// connection's coroutine refers to serve_until_signal's watchdog and context, which are gone
// once it returns, and is destroyed with the caller's io_context after that. So every
// connection must have ended by the time it returns. The server runs on the test thread, the
// client on one of its own; every wait is bounded.
#include "http/serve.h"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace paygate::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr auto kWait = std::chrono::seconds(10);  // the bound on every wait for the other thread

// Answers nothing (no request completes here); counts open connections from any thread.
class CountingHandler final : public Handler {
 public:
  asio::awaitable<void> handle(Exchange& exchange) override {
    co_await exchange.respond(200, "text/plain", "ok");
  }
  void on_connection_change(int delta) override { open += delta; }

  std::atomic<int> open{0};
};

template <typename Predicate>
bool wait_for(Predicate done) {
  const auto deadline = steady_clock::now() + kWait;
  while (!done()) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));  // the polling pace, not a hand-off
  }
  return true;
}

TEST(ServeUntilSignal, AConnectionHeldOpenPastTheGraceHasEndedWhenItReturns) {
  CountingHandler handler;
  std::promise<std::uint16_t> port;
  // The client: half a request head, then it waits; SIGTERM once the server counts it.
  std::promise<bool> closed_by_server;
  std::thread client([&] {
    auto listening = port.get_future();
    if (listening.wait_for(kWait) != std::future_status::ready) return;
    asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code error;
    socket.connect({asio::ip::make_address("127.0.0.1"), listening.get()}, error);
    asio::write(socket, asio::buffer(std::string_view("GET / HTTP/1.1\r\nHost: a\r\n")), error);
    if (error || !wait_for([&] { return handler.open.load() == 1; })) {
      closed_by_server.set_value(false);
      std::raise(SIGTERM);  // let the server return all the same
      return;
    }
    std::raise(SIGTERM);
    pollfd readable{.fd = socket.native_handle(), .events = POLLIN, .revents = 0};
    if (::poll(&readable, 1, static_cast<int>(milliseconds(kWait).count())) != 1) {
      closed_by_server.set_value(false);
      return;
    }
    char byte = 0;
    asio::read(socket, asio::buffer(&byte, 1), error);  // the server closed: end of stream
    closed_by_server.set_value(error == asio::error::eof || error == asio::error::connection_reset);
  });

  {
    asio::io_context io{1};
    const auto started = steady_clock::now();
    serve_until_signal(
        io, {asio::ip::make_address("127.0.0.1"), 0}, handler,
        [&](const tcp::endpoint& bound) { port.set_value(bound.port()); }, milliseconds(200));
    // Before io goes away (with it the frame of any connection still suspended in it).
    EXPECT_EQ(handler.open.load(), 0) << "serve_until_signal returned with a connection open";
    EXPECT_LT(steady_clock::now() - started, std::chrono::seconds(5));
  }
  client.join();
  auto closed = closed_by_server.get_future();
  ASSERT_EQ(closed.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_TRUE(closed.get()) << "the client's connection was not closed by the server";
}

}  // namespace
}  // namespace paygate::http
