#pragma once
// StreamOps<Stream>: what a server connection does to its stream beyond reading and writing:
// learn the peer's address, cancel pending operations (a deadline passed), stop sending, close.
// A stream that can tell who its client proved to be (TLS) has client_names() too.
// Specialised here for TCP; a test specialises it for Beast's in-memory test stream, and TLS
// will for its stream. Static functions; errors are ignored, as a connection that is going away
// has nobody to report them to.

#include <boost/asio/ip/tcp.hpp>

#include "tls/client_names.h"

namespace paygate::http {

template <typename Stream>
struct StreamOps;

template <>
struct StreamOps<boost::asio::ip::tcp::socket> {
  using Socket = boost::asio::ip::tcp::socket;

  static boost::asio::ip::tcp::endpoint peer(Socket& s) {
    boost::system::error_code ignored;
    return s.remote_endpoint(ignored);
  }
  static void cancel(Socket& s) {
    boost::system::error_code ignored;
    s.cancel(ignored);
  }
  static void shutdown_send(Socket& s) {
    boost::system::error_code ignored;
    s.shutdown(Socket::shutdown_send, ignored);
  }
  static void close(Socket& s) {
    boost::system::error_code ignored;
    s.close(ignored);
  }
  static bool is_open(const Socket& s) { return s.is_open(); }
};

// The names of the client's verified certificate, for a stream whose StreamOps can tell them;
// none otherwise (cleartext, in-memory test streams). Once per connection.
template <typename Stream>
tls::ClientNames client_names_of(Stream& stream) {
  if constexpr (requires { StreamOps<Stream>::client_names(stream); }) {
    return StreamOps<Stream>::client_names(stream);
  } else {
    return {};
  }
}

}  // namespace paygate::http
