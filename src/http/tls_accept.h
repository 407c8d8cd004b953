#pragma once
// serve_tls_connection: a connection accepted on a TLS listener. The handshake runs first,
// bounded by the listener's header_read_timeout and registered with the watchdog like any
// connection (it counts against max_connections, and draining or stopping closes it); then the
// connection is served as HTTP/1.1 or HTTP/2 (ALPN) over the TLS stream. With early_data on,
// the handshake hands over as soon as the client's TLS 1.3 early data has come (before its
// Finished), and the requests in it are served as early ones (Exchange::early()). The context
// is held until the connection ends, so a reload never frees what a live handshake uses.

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
