#include "http/serve.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

#include "http/close_connections.h"
#include "http/listener.h"
#include "http/watchdog.h"

namespace paygate::http {

namespace asio = boost::asio;

void serve_until_signal(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint,
                        Handler& handler,
                        const std::function<void(const asio::ip::tcp::endpoint&)>& on_listening,
                        std::chrono::milliseconds stop_grace,
                        std::shared_ptr<const tls::ServerContext> tls) {
  Watchdog watchdog(io.get_executor());
  ServerLimits limits;
  ConnectionContext context{watchdog, handler, &limits, std::move(tls)};
  Clock::time_point stop_deadline{};
  Listener listener(io.get_executor(), endpoint, context);
  // Stop gracefully: no new connections, idle ones closed, a request in progress answered.
  // Connections still open at the deadline are closed before returning: their coroutines would
  // otherwise be destroyed with io, after the watchdog and the context they point to.
  asio::steady_timer poll(io);
  std::function<void()> stop_when_closed = [&] {
    if (watchdog.size() == 0 || Clock::now() > stop_deadline) {
      watchdog.stop();
      io.stop();
      return;
    }
    poll.expires_after(std::chrono::milliseconds(10));
    poll.async_wait([&](boost::system::error_code) { stop_when_closed(); });
  };
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) {
    listener.close();
    context.draining = true;
    watchdog.drain_all();
    stop_deadline = Clock::now() + stop_grace;
    stop_when_closed();
  });
  watchdog.start();
  asio::co_spawn(io, listener.accept_loop(), asio::detached);
  on_listening(listener.local_endpoint());
  io.run();
  close_connections(io, watchdog);
}

}  // namespace paygate::http
