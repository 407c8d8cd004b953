#include "http/listener.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/h2_connection.h"
#include "http/tls_accept.h"

namespace paygate::http {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, ConnectionContext& context) {
  if (context.tls) {
    co_await serve_tls_connection(std::move(socket), context, context.tls);
    co_return;
  }
  co_await serve_http(std::move(socket), context);
}
}  // namespace

Listener::Listener(asio::any_io_executor executor, const asio::ip::tcp::endpoint& endpoint,
                   ConnectionContext& context)
    : acceptor_(executor), context_(context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.set_option(ReusePort(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE or a connection reset before accept: keep serving
    if (context_.watchdog.size() >= context_.limits->max_connections) {
      context_.handler.on_connection_refused();
      continue;  // the socket closes as it goes out of scope
    }
    error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::co_spawn(acceptor_.get_executor(), serve_connection(std::move(socket), context_),
                   asio::detached);
  }
}

void Listener::close() {
  error_code ignored;
  acceptor_.close(ignored);
}

asio::ip::tcp::endpoint Listener::local_endpoint() const {
  error_code ignored;
  return acceptor_.local_endpoint(ignored);
}

}  // namespace paygate::http
