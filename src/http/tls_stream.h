#pragma once
// TlsStream: a downstream TCP connection under TLS (http/tls_socket.h: OpenSSL on the socket), and
// StreamOps for it (http/stream_ops.h): the socket operations, applied to the TCP socket
// underneath. http/tls_accept.h runs the handshake. Closing sends close_notify but does not
// wait for the peer's: HTTP/1.1 frames every message by length, so a truncation cannot pass for
// an end (RFC 9112 section 9.8 allows this).

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
  // close_notify before the FIN: an OpenSSL client that reads the end of the stream without it
  // takes it for a truncation attack, fails its read and drops the session it would have resumed
  // the next connection with (wrk then did a full handshake every other connection).
  static void shutdown_send(TlsStream& s) {
    s.send_close_notify();
    StreamOps<Socket>::shutdown_send(s.next_layer());
  }
  // Freed before the peer's close_notify came, the SSL object would take its session for a
  // broken one and drop it from the session cache; marking both directions done keeps it
  // resumable by session id, as a ticket would be.
  static void close(TlsStream& s) {
    s.send_close_notify();
    SSL_set_shutdown(s.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    StreamOps<Socket>::close(s.next_layer());
  }
  static bool is_open(const TlsStream& s) { return s.next_layer().is_open(); }
  // After the handshake: the names of the certificate the listener's client_ca verified.
  static tls::ClientNames client_names(TlsStream& s) {
    return tls::ClientNames::of_verified_peer(s.native_handle());
  }
};

}  // namespace paygate::http
