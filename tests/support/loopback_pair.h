#pragma once
// LoopbackPair: a TCP connection over 127.0.0.1 for unit tests of the upstream side: `client`
// is the ClientConnection the code under test uses, `server` the end the test plays the
// upstream on. Both are connected when the constructor returns. Header-only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "http/connection_pool.h"

namespace paygate::test_support {

struct LoopbackPair {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::unique_ptr<http::ClientConnection> client =
      std::make_unique<http::ClientConnection>(io.get_executor());
  boost::asio::ip::tcp::socket server{io};

  LoopbackPair() {
    client->socket.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
};

}  // namespace paygate::test_support
