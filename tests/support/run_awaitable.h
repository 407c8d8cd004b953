#pragma once
// run_awaitable: runs one coroutine on a test's io_context until it finishes and returns its
// value (rethrowing what it threw). Other work on the context (a connection's reads, its timers)
// runs meanwhile; the context is left ready for the next call. Header-only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>

namespace paygate::test {

template <typename T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.restart();
  while (future.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
    io.run_one_for(std::chrono::milliseconds{50});
  }
  return future.get();
}

}  // namespace paygate::test
