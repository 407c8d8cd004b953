#pragma once
// TlsStream: a downstream TCP connection under TLS (http/tls_socket.h: OpenSSL on the socket), and
// StreamOps for it (http/stream_ops.h): the socket operations, applied to the TCP socket
// underneath. http/tls_accept.h runs the handshake. Closing does not wait for the peer's
// close_notify: HTTP/1.1 frames every message by length, so a truncation cannot pass for an
// end (RFC 9112 section 9.8 allows this).

#include <boost/asio/ip/tcp.hpp>

#include "http/stream_ops.h"
#include "http/tls_socket.h"

namespace paygate::http {

using TlsStream = TlsSocket;

template <>
struct StreamOps<TlsStream> {
  using Socket = boost::asio::ip::tcp::socket;

  static boost::asio::ip::tcp::endpoint peer(TlsStream& s) {
    return StreamOps<Socket>::peer(s.next_layer());
  }
  static void cancel(TlsStream& s) { StreamOps<Socket>::cancel(s.next_layer()); }
  static void shutdown_send(TlsStream& s) { StreamOps<Socket>::shutdown_send(s.next_layer()); }
  // Without a close_notify OpenSSL takes the session for a broken one and drops it from the
  // session cache when the SSL object is freed; marking the shutdown done keeps it resumable by
  // session id, as a ticket would be.
  static void close(TlsStream& s) {
    SSL_set_shutdown(s.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    StreamOps<Socket>::close(s.next_layer());
  }
  static bool is_open(const TlsStream& s) { return s.next_layer().is_open(); }
};

}  // namespace paygate::http
