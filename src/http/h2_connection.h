#pragma once
// serve_h2: a downstream connection that speaks HTTP/2, chosen by ALPN on a TLS listener or by
// the client's connection preface on a cleartext one (h2c with prior knowledge: RFC 9113
// section 3.3). One coroutine reads and feeds an H2Session (http/h2_session.h), another writes
// what the session has to send; the streams' handlers run in their own coroutines. Returns once
// the session is finished and every handler has returned.

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "http/server_connection.h"

namespace paygate::http {

// A connection served as HTTP/1.1 (http/server_connection.h) unless it opens with the HTTP/2
// preface and the listener speaks HTTP/2: then serve_h2 takes it over. `early`: the TLS early
// data its handshake took, its first bytes.
template <typename Stream>
boost::asio::awaitable<void> serve_http(Stream stream, ConnectionContext& context,
                                        std::string_view early = {});

// `preread`: bytes already read from the connection (an HTTP/1.1 connection that found the
// HTTP/2 preface hands them over, a TLS handshake the early data it took), the first
// `preread_early` of them TLS early data.
template <typename Stream>
boost::asio::awaitable<void> serve_h2(Stream stream, ConnectionContext& context,
                                      std::string_view preread, std::size_t preread_early = 0);

// The 24 octets every HTTP/2 client connection begins with (RFC 9113 section 3.4).
inline constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace paygate::http
