#include "mockpay/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "http/listener.h"

namespace paygate::mockpay {

namespace asio = boost::asio;

boost::asio::awaitable<void> MockPayHandler::handle(http::Exchange& ex) {
  ++requests_;
  const http::RequestHead& req = ex.request();
  if (req.path == "/mock/stats") {
    const std::string body = "{\"connections_opened\":" + std::to_string(connections_opened_) +
                             ",\"requests\":" + std::to_string(requests_) + "}";
    co_await ex.respond(200, "application/json", body);
    co_return;
  }
  Reply reply =
      mockpay_.handle(req.method_text, req.target, ex.body(), req.fields.find("X-Pay-Mchid"));
  co_await ex.respond(reply.status, reply.body.empty() ? std::string_view{} : reply.content_type,
                      reply.body);
}

int run_server(const std::string& address, std::uint16_t port) {
  asio::io_context io{1};
  http::Watchdog watchdog(io.get_executor());
  MockPayHandler handler;
  http::ServerLimits limits;
  http::ConnectionContext context{watchdog, handler, &limits};
  http::Listener listener(io.get_executor(), {asio::ip::make_address(address), port}, context);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) {
    listener.close();
    watchdog.stop();
    io.stop();
  });
  watchdog.start();
  asio::co_spawn(io, listener.accept_loop(), asio::detached);
  std::cout << "mockpay listening on " << address << ":" << listener.local_endpoint().port()
            << std::endl;
  io.run();
  return 0;
}

}  // namespace paygate::mockpay
