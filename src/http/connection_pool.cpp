#include "http/connection_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace paygate::http {

// Closed without a close_notify, an SSL object marks its session not resumable as it is freed
// (OpenSSL takes it for a broken one); marking the shutdown done keeps the session that later
// connections to the endpoint resume.
ClientConnection::~ClientConnection() {
  if (tls) SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

bool unusable_for_reuse(boost::asio::ip::tcp::socket& socket) {
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return true;  // 0 = closed by the peer; >0 = bytes nobody asked for
}

std::unique_ptr<ClientConnection> ConnectionPool::take(Clock::time_point now, Probe probe) {
  while (!idle_.empty()) {
    std::unique_ptr<ClientConnection> c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < idle_timeout_ &&
        (probe == Probe::kTrust || !unusable_for_reuse(c->socket))) {
      return c;
    }
    --open_;  // discarded: closes as it goes out of scope
  }
  return nullptr;
}

void ConnectionPool::put(std::unique_ptr<ClientConnection> connection, Clock::time_point now) {
  if (idle_.size() >= max_idle_) {
    --open_;
    return;
  }
  connection->idle_since = now;
  idle_.push_back(std::move(connection));
}

std::size_t ConnectionPool::sweep(Clock::time_point now) {
  const std::size_t before = idle_.size();
  std::erase_if(idle_, [&](const std::unique_ptr<ClientConnection>& c) {
    return now - c->idle_since >= idle_timeout_;
  });
  const std::size_t closed = before - idle_.size();
  open_ -= closed;
  return closed;
}

void ConnectionPool::set_limits(std::size_t max_idle, Clock::duration idle_timeout) {
  max_idle_ = max_idle;
  idle_timeout_ = idle_timeout;
  if (idle_.size() > max_idle_) {
    open_ -= idle_.size() - max_idle_;
    idle_.resize(max_idle_);
  }
}

}  // namespace paygate::http
