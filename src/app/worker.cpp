#include "app/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "http/close_connections.h"

namespace paygate::app {

namespace asio = boost::asio;

namespace {
asio::ip::tcp::endpoint listen_endpoint(const http::ListenerSettings& s) {
  return {asio::ip::make_address(s.address), s.port};
}
}  // namespace

Worker::Worker(std::shared_ptr<const config::Snapshot> snapshot, observe::Shard& shard,
               const observe::EngineMetrics& names, observe::AccessLog& access_log,
               const ProcessShared& shared, std::function<void()> on_first_request)
    : watchdog_(io_.get_executor()),
      handler_(shard, names, access_log, shared, watchdog_, std::move(on_first_request)) {
  for (std::size_t i = 0; i < snapshot->listeners.size(); ++i) {
    const http::ListenerSettings& settings = snapshot->listeners[i];
    auto& front = *fronts_.emplace_back(std::make_unique<Front>(watchdog_, handler_, settings));
    front.context.tls = snapshot->listener_tls[i];
    front.listener = std::make_unique<http::Listener>(io_.get_executor(), listen_endpoint(settings),
                                                      front.context);
  }
  adopt(std::move(snapshot));
  std::size_t ticks = 0;
  watchdog_.on_tick([this, ticks](http::Clock::time_point now) mutable {
    if (++ticks % 4 == 0) handler_.flush_access_log();  // lines reach the file within 0.2 s
    if (ticks % 20 == 0) {  // once a second is plenty for pool upkeep and gauges
      handler_.sweep(now);
      handler_.publish_pool_gauges();
    }
  });
}

Worker::~Worker() {
  stop();
  join();
}

void Worker::start() {
  watchdog_.start();
  for (auto& front : fronts_) asio::co_spawn(io_, front->listener->accept_loop(), asio::detached);
  handler_.detach_from_thread();  // adopted its first snapshot here; serves on thread_
  thread_ = std::thread([this] {
    io_.run();
    // Stopped with connections open (the drain deadline passed): their coroutine frames refer
    // to the watchdog and the handler, which go before io_ does, so they end here first.
    watchdog_.stop();
    if (const auto left = http::close_connections(io_, watchdog_); left > 0) {
      spdlog::error("worker stopped with {} connections that did not close", left);
    }
    handler_.flush_access_log();
  });
}

void Worker::adopt(std::shared_ptr<const config::Snapshot> snapshot) {
  // A reload that adds or removes listeners, or TLS on one, waits for a restart (process.cpp
  // warns); the listeners that stay take their new limits and certificates now.
  const std::size_t common = std::min(fronts_.size(), snapshot->listeners.size());
  for (std::size_t i = 0; i < common; ++i) {
    Front& front = *fronts_[i];
    front.limits = snapshot->listeners[i].limits;
    const auto& tls = snapshot->listener_tls[i];
    if (tls && front.context.tls) front.context.tls = tls;
  }
  handler_.adopt(std::move(snapshot));
}

void Worker::post_adopt(std::shared_ptr<const config::Snapshot> snapshot) {
  asio::post(io_, [this, s = std::move(snapshot)]() mutable { adopt(std::move(s)); });
}

void Worker::post_drain() {
  asio::post(io_, [this] {
    for (auto& front : fronts_) {
      front->context.draining = true;
      front->listener->close();
    }
    watchdog_.drain_all();
    drain_started_.store(true, std::memory_order_release);
  });
}

void Worker::stop() { io_.stop(); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace paygate::app
