#pragma once
// close_connections: the last step in stopping a server thread whose drain deadline passed with
// connections still open. Each connection is a coroutine suspended in the io_context, and its
// frame refers to the watchdog, the handler and the connection context: were the io_context
// destroyed after them (its owner declares it first, as the others take its executor), their
// destructors would run on freed objects. So the connections are closed and the io_context run
// until their coroutines have ended, while everything they refer to is still there.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>

#include "http/watchdog.h"

namespace paygate::http {

// How long closed connections get to end: they only have to notice their closed sockets.
inline constexpr std::chrono::seconds kCloseGrace{1};

// Closes every connection `watchdog` knows (Watchdog::close_all) and runs `io` until all have
// ended or `grace` has passed; returns how many are still open (0 unless a handler waits on
// something closing its sockets does not cancel). On the thread of `io`, after io.run() has
// returned.
std::size_t close_connections(boost::asio::io_context& io, Watchdog& watchdog,
                              Clock::duration grace = kCloseGrace);

}  // namespace paygate::http
