#pragma once
// ClientConnection and ConnectionPool: keep-alive connections to one upstream endpoint, owned by
// one worker (no locks). Idle connections are reused last-in-first-out (the warmest first);
// a connection whose peer has closed or that sat idle past the idle timeout is discarded when
// taken or swept. The pool also counts every open connection to its endpoint, idle or busy:
// callers report opened() and closed() for busy ones; whatever the pool discards it uncounts.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "http/watchdog.h"

namespace paygate::http {

using UpstreamTls = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;

struct ClientConnection {
  explicit ClientConnection(boost::asio::any_io_executor executor) : socket(executor) {}
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;
  boost::asio::ip::tcp::socket socket;
  // Over `socket` when the upstream speaks TLS (it owns the SSL object); reads and writes then
  // go through it, while deadlines still cancel the socket.
  std::unique_ptr<UpstreamTls> tls;
  boost::beast::flat_buffer in;
  Clock::time_point idle_since{};
  std::uint64_t requests = 0;  // answered on this connection so far
};

class ConnectionPool {
 public:
  // kPeek: one non-blocking peek per take to skip connections the peer has closed. kTrust: no
  // syscall; for requests that are retried anyway when a reused connection turns out dead.
  enum class Probe { kPeek, kTrust };

  ConnectionPool(std::size_t max_idle, Clock::duration idle_timeout)
      : max_idle_(max_idle), idle_timeout_(idle_timeout) {}

  // An idle connection that still looks usable, or nullptr.
  std::unique_ptr<ClientConnection> take(Clock::time_point now, Probe probe = Probe::kPeek);
  // Keeps the connection for reuse if there is room; otherwise it is closed (and uncounted).
  void put(std::unique_ptr<ClientConnection> connection, Clock::time_point now);
  void opened() { ++open_; }  // a new connection to the endpoint was established
  void closed() { --open_; }  // a busy connection was closed instead of put back
  // Closes connections idle for longer than the idle timeout. Returns how many were closed.
  std::size_t sweep(Clock::time_point now);
  void set_limits(std::size_t max_idle, Clock::duration idle_timeout);
  std::size_t idle() const { return idle_.size(); }
  Clock::duration idle_timeout() const { return idle_timeout_; }
  std::size_t open() const { return open_; }  // idle + busy

 private:
  std::size_t max_idle_;
  Clock::duration idle_timeout_;
  std::vector<std::unique_ptr<ClientConnection>> idle_;
  std::size_t open_ = 0;
};

// True if the peer has closed the connection or sent unsolicited bytes (one non-blocking peek).
bool unusable_for_reuse(boost::asio::ip::tcp::socket& socket);

}  // namespace paygate::http
