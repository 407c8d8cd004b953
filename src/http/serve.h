#pragma once
// serve_until_signal: one Handler on one thread behind paygate's HTTP/1.1 server, with default
// limits, until SIGTERM/SIGINT (a handler that wants to end the server raises SIGTERM). Then it
// stops accepting, closes idle connections, answers requests in progress, and returns once every
// connection is closed: at most `stop_grace` later (5 s by default) it closes those still open
// and waits for them to end, so that none outlives the handler. For the small servers
// that ship beside the gateway (the mock backend, the demo merchant receiver); the gateway's
// own workers are set up by app/. With a TLS context it serves HTTPS.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>

#include "http/exchange.h"
#include "tls/server_context.h"

namespace paygate::http {

// Binds endpoint (throws boost::system::system_error when it cannot), calls on_listening with
// the bound endpoint (port 0 picks one), then runs io on the calling thread.
void serve_until_signal(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, Handler& handler,
    const std::function<void(const boost::asio::ip::tcp::endpoint&)>& on_listening,
    std::chrono::milliseconds stop_grace = std::chrono::seconds(5),
    std::shared_ptr<const tls::ServerContext> tls = nullptr);

}  // namespace paygate::http
