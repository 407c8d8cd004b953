#pragma once
// Worker: one thread, one io_context, one SO_REUSEPORT socket per configured listener, its own
// watchdog, upstream pools and metric shard. Other threads talk to it only by post(): adopt a
// snapshot, drain.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "app/gateway_handler.h"
#include "http/listener.h"
#include "http/watchdog.h"

namespace paygate::app {

class Worker {
 public:
  // Binds the listeners now (throws on failure) so start-up errors surface before threads run.
  Worker(std::shared_ptr<const config::Snapshot> snapshot, observe::Shard& shard,
         const observe::EngineMetrics& names, observe::AccessLog& access_log,
         const ProcessShared& shared, std::function<void()> on_first_request);
  ~Worker();

  void start();
  void post_adopt(std::shared_ptr<const config::Snapshot> snapshot);
  void post_drain();  // stop accepting, close idle connections, finish the rest
  void stop();        // stop the loop now (after draining); connections still open are closed
  void join();
  // Open downstream connections, exact at the moment of the call (any thread).
  std::size_t connections() const { return handler_.active_connections(); }
  // True once the posted drain has run: the listeners are closed, no connection can be added.
  bool drain_started() const { return drain_started_.load(std::memory_order_acquire); }

 private:
  // One configured listener: its socket and what its connections share. Limits and the TLS
  // context follow reloads; the address and whether it is TLS are fixed at start-up.
  struct Front {
    Front(http::Watchdog& watchdog, http::Handler& handler, const http::ListenerSettings& s)
        : limits(s.limits), context(watchdog, handler, &limits) {}
    http::ServerLimits limits;
    http::ConnectionContext context;
    std::unique_ptr<http::Listener> listener;
  };

  void adopt(std::shared_ptr<const config::Snapshot> snapshot);

  // Only this worker's thread does I/O on its sockets, so the reactor's per-descriptor locking is
  // switched off; the scheduler stays locked because other threads post() adopt and drain.
  boost::asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  http::Watchdog watchdog_;
  GatewayHandler handler_;
  std::vector<std::unique_ptr<Front>> fronts_;  // as configured in listeners
  std::atomic<bool> drain_started_{false};
  std::thread thread_;
};

}  // namespace paygate::app
