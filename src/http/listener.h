#pragma once
// Listener: accepts downstream connections on one worker. Each worker has its own listening
// socket bound with SO_REUSEPORT, so the kernel spreads connections across workers with no
// shared accept queue and no lock. Over max_connections, a new connection is closed at once.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/server_connection.h"

namespace paygate::http {

class Listener {
 public:
  // Binds and listens now, so a port conflict is reported at start-up. Throws system_error.
  Listener(boost::asio::any_io_executor executor, const boost::asio::ip::tcp::endpoint& endpoint,
           ConnectionContext& context);

  boost::asio::awaitable<void> accept_loop();
  void close();  // stop accepting; connections already accepted go on
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  ConnectionContext& context_;
};

}  // namespace paygate::http
