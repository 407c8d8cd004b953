#pragma once
// The server connection on Beast's in-memory test stream, for unit tests of the HTTP engine that
// need no sockets: StreamOps for beast::test::stream and the instantiation of
// BasicServerConnection for it (include this in one test file per test binary).
//
// Differences from TCP: the stream has no peer address (192.0.2.1:40000, a documentation
// address, stands in), cancel() and close() both close it (it cannot cancel a read otherwise),
// and shutdown_send() closes the remote end, which the client then reads as end of stream.

#include <boost/beast/_experimental/test/stream.hpp>

#include "http/stream_ops.h"

namespace paygate::http {

using InMemoryStream = boost::beast::test::stream;

template <>
struct StreamOps<InMemoryStream> {
  static boost::asio::ip::tcp::endpoint peer(InMemoryStream&) {
    return {boost::asio::ip::make_address("192.0.2.1"), 40000};
  }
  static void cancel(InMemoryStream& s) { s.close(); }
  static void shutdown_send(InMemoryStream& s) { s.close_remote(); }
  static void close(InMemoryStream& s) { s.close(); }
  static bool is_open(const InMemoryStream&) { return true; }  // a closed one fails its next read
  static tls::ClientNames client_names(InMemoryStream&);
};

// The names of the client certificate the next in-memory connection is taken to have presented
// and a TLS listener to have verified; none unless a test sets them before connecting.
inline tls::ClientNames& in_memory_client_names() {
  static tls::ClientNames names;
  return names;
}
inline tls::ClientNames StreamOps<InMemoryStream>::client_names(InMemoryStream&) {
  return in_memory_client_names();
}

}  // namespace paygate::http

#include "http/server_connection_impl.h"

namespace paygate::http {
template class BasicServerConnection<InMemoryStream>;
using InMemoryConnection = BasicServerConnection<InMemoryStream>;
}  // namespace paygate::http
