#pragma once
// serve_tls_connection: a connection accepted on a TLS listener. The handshake runs first,
// bounded by the listener's header_read_timeout and registered with the watchdog like any
// connection (it counts against max_connections, and draining or stopping closes it); then the
// connection is served as HTTP/1.1 over the TLS stream. The context is held until the
// connection ends, so a reload never frees what a live handshake uses.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "http/server_connection.h"
#include "tls/server_context.h"

namespace paygate::http {

boost::asio::awaitable<void> serve_tls_connection(boost::asio::ip::tcp::socket socket,
                                                  ConnectionContext& context,
                                                  std::shared_ptr<const tls::ServerContext> tls);

}  // namespace paygate::http
